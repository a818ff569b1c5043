"""Incremental refresh of the price cache, safe to run from cron.

For each series: fetch only what is missing plus an overlap with the cached tail, and
compare the overlap before appending.

- Same source, overlap disagrees: the vendor rebased or corrected its history (a forward
  adjustment after a dividend does exactly this), so the whole history is fetched again and
  replaces the file atomically.
- Other source (the first one failed): its returns over the overlap must agree with the
  cache's; the new rows are then rescaled to the cached price level (back-adjusted levels
  differ between vendors) and appended.  If returns disagree, the whole history is fetched
  from the new source instead: sources are never mixed unchecked.

A refresh holds the cache's file lock: a second refresh waits, then finds little to do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from thematic.data.base import Provider, RemoteProvider
from thematic.data.cache import CachedSeries, Kind, PriceCache
from thematic.errors import NetworkDown, ThematicError

#: Cached rows re-fetched on every incremental refresh to detect rebases and corrections.
OVERLAP_ROWS = 5
#: Relative tolerance for "same prices" (same source) and "same returns" (across sources).
PRICE_TOLERANCE = 1e-6
RETURN_TOLERANCE = 1e-4


@dataclass
class CodeResult:
    """What a refresh did to one series."""

    code: str
    kind: Kind
    status: str  # "new", "updated", "unchanged", "rebased", "failed", "skipped"
    rows_added: int = 0
    source: str = ""
    message: str = ""


@dataclass
class RefreshReport:
    """Summary of a refresh run."""

    results: list[CodeResult] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)

    @property
    def failed(self) -> list[CodeResult]:
        """Series that could not be refreshed (their cached data is kept)."""
        return [r for r in self.results if r.status in ("failed", "skipped")]

    @property
    def rows_added(self) -> int:
        """Rows added over all series."""
        return sum(r.rows_added for r in self.results)

    def summary(self) -> str:
        """One line for people and logs."""
        by: dict[str, int] = {}
        for r in self.results:
            by[r.status] = by.get(r.status, 0) + 1
        counts = ", ".join(f"{n} {s}" for s, n in sorted(by.items()))
        return f"{len(self.results)} series: {counts}; {self.rows_added} rows added"


def _fetcher(provider: Provider, kind: Kind) -> Callable[..., pd.DataFrame]:
    fetch: Callable[..., pd.DataFrame] = (
        provider.fetch_daily if kind == "stock" else provider.fetch_index_daily
    )
    return fetch


def _same_prices(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    cols = ["open", "high", "low", "close"]
    x, y = a[cols].to_numpy(), b[cols].to_numpy()
    return bool(np.all(np.abs(x - y) <= PRICE_TOLERANCE * np.abs(y)))


def _same_returns(a: pd.Series, b: pd.Series) -> bool:
    ra, rb = a.pct_change().iloc[1:], b.pct_change().iloc[1:]
    return len(ra) >= 1 and bool(np.all(np.abs(ra.to_numpy() - rb.to_numpy()) <= RETURN_TOLERANCE))


def refresh_series(
    code: str,
    kind: Kind,
    provider: Provider,
    cache: PriceCache,
    today: dt.date,
    full: bool = False,
) -> CodeResult:
    """Bring one cached series up to ``today``; see the module docstring for the rules."""
    fetch = _fetcher(provider, kind)
    cached: CachedSeries | None = None if full else cache.read(code, kind)
    as_of = today.isoformat()

    def replace_all(status: str, message: str = "") -> CodeResult:
        bars = fetch(code, None, today)
        source = provider.info(code).source
        cache.write(code, kind, bars, {"source": source, "sources": [source],
                                       "adjustment": provider.info(code).adjustment,
                                       "as_of": as_of})  # fmt: skip
        return CodeResult(code, kind, status, len(bars), source, message)

    if cached is None:
        return replace_all("new")
    tail = cached.bars.iloc[-OVERLAP_ROWS:]
    fresh = fetch(code, tail.index[0].date(), today)
    source = provider.info(code).source
    common = tail.index.intersection(fresh.index)
    if len(common) == 0:
        return replace_all("rebased", "no overlap with the cached tail: fetched the full history")
    old, new = tail.loc[common], fresh.loc[common]
    if source == cached.source:
        if not _same_prices(old, new):
            first_bad = common[
                ~np.isclose(old["close"], new["close"], rtol=PRICE_TOLERANCE, atol=0)
            ]
            day = f"{first_bad[0]:%Y-%m-%d}" if len(first_bad) else f"{common[0]:%Y-%m-%d}"
            return replace_all(
                "rebased",
                f"{source} history changed since the last refresh (rebase or correction, "
                f"first difference {day}): replaced with the full history",
            )
        scale = 1.0
    else:
        if not _same_returns(old["close"], new["close"]):
            return replace_all(
                "rebased",
                f"{source} returns disagree with the cached {cached.source} series over the "
                "overlap: replaced with the full history from " + source,
            )
        scale = float(old["close"].iloc[0] / new["close"].iloc[0])
    added = fresh.loc[fresh.index > cached.bars.index[-1]].copy()
    if added.empty and cached.record.get("as_of", "") >= as_of:
        return CodeResult(code, kind, "unchanged", 0, cached.source)
    for col in ("open", "high", "low", "close"):
        added[col] = added[col] * scale
    bars = pd.concat([cached.bars, added])
    sources = list(dict.fromkeys([*cached.record.get("sources", [cached.source]), source]))
    record = {"source": source, "sources": sources, "adjustment": cached.record["adjustment"],
              "as_of": as_of}  # fmt: skip
    if scale != 1.0:
        record["scaled"] = [
            *cached.record.get("scaled", []),
            {"source": source, "from": f"{added.index[0]:%Y-%m-%d}" if len(added) else as_of,
             "factor": scale}
        ]  # fmt: skip
    cache.write(code, kind, bars, record)
    status = "updated" if len(added) else "unchanged"
    note = f"{source} rows rescaled by {scale:.6g} to the cached level" if scale != 1.0 else ""
    return CodeResult(code, kind, status, len(added), source, note)


def refresh(
    stocks: Iterable[str],
    indices: Iterable[str],
    provider: RemoteProvider,
    cache: PriceCache,
    today: dt.date | None = None,
    full: bool = False,
    workers: int = 2,
    on_result: Callable[[CodeResult], None] | None = None,
) -> RefreshReport:
    """Refresh many series under the cache lock; failures are recorded, not raised.

    Once the network is found unreachable the remaining series are skipped at once.
    """
    today = today or dt.date.today()
    jobs: list[tuple[str, Kind]] = [(c, "index") for c in dict.fromkeys(indices)]
    jobs += [(c, "stock") for c in dict.fromkeys(stocks)]
    report = RefreshReport()

    def run(job: tuple[str, Kind]) -> CodeResult:
        code, kind = job
        try:
            result = refresh_series(code, kind, provider, cache, today, full)
        except NetworkDown as exc:
            result = CodeResult(code, kind, "skipped", message=str(exc))
        except ThematicError as exc:
            result = CodeResult(code, kind, "failed", message=str(exc))
        if on_result is not None:
            on_result(result)
        return result

    with cache.lock():
        stale = cache.remove_stale_temp_files()  # left by a refresh that was killed
        if stale:
            cache.messages.append(f"removed {stale} temp file(s) of an interrupted refresh")
        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            report.results = list(pool.map(run, jobs))
    report.messages = list(cache.messages) + list(provider.log)
    return report


def refresh_before_use(stocks: Sequence[str], indices: Sequence[str]) -> str | None:
    """Bring the cache up to date for a run a person waits on; return a notice, or None.

    A quick policy (one retry, short backoff): a scheduled ``thematic refresh`` retries
    harder.  Without a network the answer comes at once (no DNS means no retries) and the
    run goes on from the cache, then the bundled snapshot.
    """
    from thematic.data.akshare_provider import AkshareProvider
    from thematic.data.network import HttpPolicy

    provider = AkshareProvider(HttpPolicy(retries=1, backoff=0.5))
    report = refresh(stocks, indices, provider, PriceCache(), workers=provider.max_concurrency)
    if any(r.status == "skipped" for r in report.results):
        return "network unavailable: evaluating from the cache, then the bundled snapshot"
    if report.failed:
        return f"{len(report.failed)} series could not be refreshed; using what the cache holds"
    return None
