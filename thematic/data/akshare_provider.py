"""Daily bars from akshare, with fallback across sources and validation of every answer.

Sources, tried in order until one returns valid data:

- stocks: Eastmoney ``stock_zh_a_hist``, Tencent ``stock_zh_a_hist_tx``, Sina
  ``stock_zh_a_daily``, all back-adjusted (``adjust="hfq"``);
- indices: Eastmoney ``stock_zh_index_daily_em``, Tencent ``stock_zh_a_hist_tx``.

Every frame is mapped to English columns (volume in lots of 100 shares) and checked with
:func:`thematic.data.base.validate_bars` before anyone sees it.  akshare is imported lazily:
it takes over a second to import.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from thematic.codes import exchange_of
from thematic.data.base import BAR_COLUMNS, SeriesInfo, validate_bars
from thematic.data.network import Caller, HttpPolicy
from thematic.errors import (
    BlockedError,
    NetworkDown,
    ProviderError,
    UnknownCodeError,
    ValidationError,
)

ADJUSTMENT = "hfq"
STOCK_SOURCES: tuple[str, ...] = ("eastmoney", "tencent", "sina")
INDEX_SOURCES: tuple[str, ...] = ("eastmoney", "tencent")

#: Total-return indices are published by China Securities Index only (codes ``H`` + 5
#: digits, e.g. H00300 for the CSI 300 total return); they come from its endpoint.
TOTAL_RETURN_INDICES: dict[str, str] = {"H00300": "000300"}
_CSINDEX_COLUMNS = {"日期": "date", "开盘": "open", "最高": "high", "最低": "low", "收盘": "close",
                    "成交量": "volume"}  # fmt: skip


def is_csindex_code(code: str) -> bool:
    """Tell whether ``code`` is a CSI code served only by its own site (``H`` + 5 digits).

    Examples
    --------
    >>> is_csindex_code("H00300"), is_csindex_code("000300")
    (True, False)
    """
    return len(code) == 6 and code[0] == "H" and code[1:].isdigit()


_FIRST = dt.date(1990, 1, 1)

# akshare's column names per source, mapped to ours; volume divisor brings it to lots.
_EM_COLUMNS = {"日期": "date", "开盘": "open", "最高": "high", "最低": "low", "收盘": "close",
               "成交量": "volume"}  # fmt: skip
_EN_COLUMNS = {c: c for c in ("date", *BAR_COLUMNS)}


def _prefixed(code: str, index: bool) -> str:
    if index:
        return ("sz" if code.startswith("399") else "sh") + code
    exchange = exchange_of(code)
    return (exchange or "").lower() + code


def _to_bars(
    raw: Any, columns: dict[str, str], lots_divisor: float, source: str, code: str
) -> pd.DataFrame:
    if not isinstance(raw, pd.DataFrame):
        raise ProviderError(source, code, f"unexpected answer of type {type(raw).__name__}")
    if raw.empty:
        raise ProviderError(source, code, "no data (empty answer)")
    frame = raw.reset_index() if "date" not in raw.columns and raw.index.name == "date" else raw
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValidationError(
            source, code,
            f"answer lacks column(s) {missing} (akshare schema change?); got {list(map(str, frame.columns))}",
        )  # fmt: skip
    out = frame.loc[:, list(columns)].rename(columns=columns)
    out["date"] = pd.to_datetime(out["date"], errors="coerce")
    if out["date"].isna().any():
        raise ValidationError(source, code, "unparseable dates in the answer")
    out = out.set_index("date").sort_index()
    out.index = pd.DatetimeIndex(out.index).as_unit("ns")
    out.index.name = "date"
    for c in BAR_COLUMNS:
        out[c] = pd.to_numeric(out[c], errors="coerce")
    out["volume"] = out["volume"] / lots_divisor
    return validate_bars(out, source, code)


class AkshareProvider:
    """Prices through akshare under a polite :class:`~thematic.data.network.HttpPolicy`.

    Parameters
    ----------
    policy
        Timeouts, retries and pacing.
    sources, index_sources
        Source names in the order they are tried.
    caller
        Injected for tests (to avoid real sleeping); built from ``policy`` by default.
    """

    name = "akshare"

    def __init__(
        self,
        policy: HttpPolicy | None = None,
        sources: Sequence[str] = STOCK_SOURCES,
        index_sources: Sequence[str] = INDEX_SOURCES,
        caller: Caller | None = None,
    ) -> None:
        self.caller = caller or Caller(policy or HttpPolicy())
        self.sources = tuple(sources)
        self.index_sources = tuple(index_sources)
        self._info: dict[str, SeriesInfo] = {}
        self.log: list[str] = []

    @property
    def provenance(self) -> None:
        """None: live series carry their own :class:`SeriesInfo`."""
        return None

    @property
    def max_concurrency(self) -> int:
        """Requests in flight at once, from the HTTP policy."""
        return self.caller.policy.max_concurrency

    # -- one function per source: call akshare, map its columns -----------------------------
    def _eastmoney_stock(self, code: str, start: str, end: str) -> pd.DataFrame:
        import akshare as ak

        timeout = self.caller.policy.timeout
        raw = self.caller.call("eastmoney", code, lambda: ak.stock_zh_a_hist(
            symbol=code, period="daily", start_date=start, end_date=end, adjust=ADJUSTMENT,
            timeout=timeout))  # fmt: skip
        return _to_bars(raw, _EM_COLUMNS, 1.0, "eastmoney", code)

    def _tencent(self, code: str, start: str, end: str, index: bool) -> pd.DataFrame:
        import akshare as ak

        timeout = self.caller.policy.timeout
        symbol = _prefixed(code, index)
        adjust = "" if index else ADJUSTMENT
        raw = self.caller.call("tencent", code, lambda: ak.stock_zh_a_hist_tx(
            symbol=symbol, start_date=_iso(start), end_date=_iso(end), adjust=adjust,
            timeout=timeout))  # fmt: skip
        return _to_bars(raw, _EN_COLUMNS, 1.0 if index else 100.0, "tencent", code)

    def _sina(self, code: str, start: str, end: str) -> pd.DataFrame:
        import akshare as ak

        symbol = _prefixed(code, False)
        raw = self.caller.call("sina", code, lambda: ak.stock_zh_a_daily(
            symbol=symbol, start_date=start, end_date=end, adjust=ADJUSTMENT))  # fmt: skip
        return _to_bars(raw, _EN_COLUMNS, 100.0, "sina", code)

    def _eastmoney_index(self, code: str, start: str, end: str) -> pd.DataFrame:
        import akshare as ak

        symbol = _prefixed(code, True)
        raw = self.caller.call("eastmoney", code, lambda: ak.stock_zh_index_daily_em(
            symbol=symbol, start_date=start, end_date=end))  # fmt: skip
        return _to_bars(raw, _EN_COLUMNS, 1.0, "eastmoney", code)

    def _csindex(self, code: str, start: str, end: str) -> pd.DataFrame:
        import akshare as ak

        raw = self.caller.call("csindex", code, lambda: ak.stock_zh_index_hist_csindex(
            symbol=code, start_date=start, end_date=end))  # fmt: skip
        if isinstance(raw, pd.DataFrame) and "收盘" in raw.columns:
            # The site often publishes closes only for total-return indices: an open, high or
            # low it leaves out is taken as the previous close (no overnight gap), and said so.
            raw = raw.copy()
            prev = raw["收盘"].shift(1).fillna(raw["收盘"])
            for col in ("开盘", "最高", "最低"):
                missing = raw[col].isna() | (raw[col] <= 0)
                raw.loc[missing, col] = prev[missing] if col == "开盘" else raw.loc[missing, "收盘"]
            raw["最高"] = raw[["开盘", "最高", "收盘"]].max(axis=1)
            raw["最低"] = raw[["开盘", "最低", "收盘"]].min(axis=1)
            raw["成交量"] = raw["成交量"].fillna(0.0)
        return _to_bars(raw, _CSINDEX_COLUMNS, 1.0, "csindex", code)

    # -- the provider interface ------------------------------------------------------------
    def _fetch(
        self,
        code: str,
        start: dt.date | None,
        end: dt.date | None,
        attempts: Sequence[tuple[str, Callable[[str, str, str], pd.DataFrame]]],
        adjustment: str,
    ) -> pd.DataFrame:
        s = (start or _FIRST).strftime("%Y%m%d")
        e = (end or dt.date.today()).strftime("%Y%m%d")
        failures: list[str] = []
        blocked: list[BlockedError] = []
        for source, fetch in attempts:
            try:
                bars = fetch(code, s, e)
            except NetworkDown:
                raise
            except BlockedError as exc:
                blocked.append(exc)
                failures.append(str(exc))
                continue
            except (ProviderError, ValidationError) as exc:
                failures.append(str(exc))
                continue
            if failures:
                self.log.append(f"{code}: used {source} after: {'; '.join(failures)}")
            self._info[code] = SeriesInfo(
                code, source, adjustment, f"{bars.index[0]:%Y-%m-%d}",
                f"{bars.index[-1]:%Y-%m-%d}", len(bars), as_of=e[:4] + "-" + e[4:6] + "-" + e[6:],
            )  # fmt: skip
            return bars
        if blocked and len(blocked) == len(attempts):
            raise blocked[0]
        if all("no data (empty answer)" in f for f in failures):
            hint = ""
            if exchange_of(code) == "BJ":
                hint = " (a Beijing Stock Exchange code: not every source carries them)"
            raise UnknownCodeError(code, f"no source has data{hint}: " + "; ".join(failures))
        raise ProviderError("akshare", code, "every source failed: " + "; ".join(failures))

    def fetch_daily(
        self, code: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Back-adjusted daily bars of a stock, from the first source that answers."""
        table = {
            "eastmoney": self._eastmoney_stock,
            "tencent": lambda c, s, e: self._tencent(c, s, e, index=False),
            "sina": self._sina,
        }
        return self._fetch(code, start, end, [(s, table[s]) for s in self.sources], ADJUSTMENT)

    def fetch_index_daily(
        self, code: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Daily bars of an index: a price index, or a CSI total-return index (``H00300``)."""
        if is_csindex_code(code):
            return self._fetch(code, start, end, [("csindex", self._csindex)],
                               "total return index (dividends reinvested)")  # fmt: skip
        table = {
            "eastmoney": self._eastmoney_index,
            "tencent": lambda c, s, e: self._tencent(c, s, e, index=True),
        }
        attempts = [(s, table[s]) for s in self.index_sources]
        return self._fetch(code, start, end, attempts, "price index")

    def info(self, code: str) -> SeriesInfo:
        """Provenance of the series last fetched for ``code``."""
        return self._info.get(code, SeriesInfo(code, "akshare", ADJUSTMENT, None, None, 0))


def _iso(yyyymmdd: str) -> str:
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"
