"""The call table: one row per (research report, stock), from the cached report lists.

Columns, exactly :data:`CALL_COLUMNS`.  Built from raw report lists by
:func:`normalise_calls`: a report id listed twice for a stock is dropped and counted; an
unparseable date is dropped, counted and shown with its raw value; Eastmoney's ratings map
to English (:data:`RATINGS`), an empty rating is ``unrated`` and any other string is kept as
``other`` with a warning listing the strings.  :func:`events_from_calls` turns calls into the
engine's events (one event per call, id ``report_id:code``).
"""

from __future__ import annotations

import datetime as dt
import re
import warnings
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import pandas as pd

from thematic.errors import ThematicWarning, UsageError

CALL_COLUMNS: Final[tuple[str, ...]] = (
    "report_id", "published", "code", "name", "broker", "rating", "rating_cn", "title",
    "industry", "pdf_url",
)  # fmt: skip
#: Eastmoney's rating -> ours.
RATINGS: Final[dict[str, str]] = {
    "买入": "buy", "增持": "outperform", "中性": "neutral", "减持": "underperform", "卖出": "sell",
    "": "unrated",
}  # fmt: skip
RATING_NAMES: Final[tuple[str, ...]] = (*RATINGS.values(), "other")
#: Positive calls, the scorecard's default.
DEFAULT_RATINGS: Final[tuple[str, ...]] = ("buy", "outperform")


class CallTableWarning(ThematicWarning):
    """Rows of a report list were dropped (duplicates, bad dates) or a rating is unknown."""


def normalise_calls(raw: pd.DataFrame, source: str = "report lists") -> pd.DataFrame:
    """Turn raw report lists into the call table (a warning for each kind of dropped row).

    ``raw`` needs ``report_id, published, code, name, broker, rating_cn, title, industry,
    pdf_url`` (the cache's columns); ``published`` may be text.  ``attrs["dropped"]`` counts
    the duplicates and bad dates, ``attrs["bad_dates"]`` lists ``(report_id, code, raw)``.

    Examples
    --------
    >>> raw = pd.DataFrame({"report_id": ["A1", "A1", "B2"], "published": ["2024-03-22"] * 3,
    ...     "code": ["300308"] * 3, "name": ["中际旭创"] * 3, "broker": ["中信证券"] * 3,
    ...     "rating_cn": ["买入", "买入", ""], "title": ["t", "t", "u"], "industry": [""] * 3,
    ...     "pdf_url": [""] * 3})
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     calls = normalise_calls(raw)
    >>> calls[["report_id", "rating"]].to_dict("list")
    {'report_id': ['A1', 'B2'], 'rating': ['buy', 'unrated']}
    """
    need = [c for c in CALL_COLUMNS if c not in ("rating",) and c not in raw.columns]
    if need:
        raise UsageError(f"{source}: missing column(s) {need}")
    frame = raw.reset_index(drop=True)
    dup = frame.duplicated(["report_id", "code"]).to_numpy()
    text = frame["published"].astype(str).str.strip()
    published = pd.to_datetime(text, errors="coerce", format="mixed")
    bad = published.isna().to_numpy() & ~dup
    bad_dates = [(str(r), str(c), str(v)) for r, c, v in
                 zip(frame["report_id"][bad], frame["code"][bad], text[bad], strict=True)]  # fmt: skip
    if dup.any():
        warnings.warn(f"{source}: {int(dup.sum())} duplicate row(s) (the same report id listed "
                      "twice for a stock) dropped", CallTableWarning, stacklevel=2)  # fmt: skip
    if bad_dates:
        shown = ", ".join(f"{r} {c} {v!r}" for r, c, v in bad_dates[:10])
        more = f" and {len(bad_dates) - 10} more" if len(bad_dates) > 10 else ""
        warnings.warn(f"{source}: {len(bad_dates)} report(s) with an unparseable date dropped: "
                      f"{shown}{more}", CallTableWarning, stacklevel=2)  # fmt: skip
    keep = ~dup & ~bad
    out = frame.loc[keep, [c for c in CALL_COLUMNS if c != "rating"]].copy()
    out["published"] = published[keep].dt.normalize().astype("datetime64[ns]")
    for col in ("report_id", "code", "name", "broker", "rating_cn", "title", "industry",
                "pdf_url"):  # fmt: skip
        out[col] = out[col].astype(object).where(out[col].notna(), "").astype(str).str.strip()
    rating = out["rating_cn"].map(RATINGS)
    others = sorted(set(out.loc[rating.isna(), "rating_cn"]))
    if others:
        warnings.warn(f"{source}: rating(s) {', '.join(map(repr, others))} are not "
                      f"{'/'.join(k for k in RATINGS if k)}: kept as 'other'",
                      CallTableWarning, stacklevel=2)  # fmt: skip
    out["rating"] = rating.fillna("other")
    table: pd.DataFrame = out.loc[:, list(CALL_COLUMNS)]
    out = table.sort_values(["published", "code", "report_id"], kind="stable")
    out = out.reset_index(drop=True)
    out.attrs["dropped"] = {"duplicates": int(dup.sum()), "bad_dates": len(bad_dates)}
    out.attrs["bad_dates"] = bad_dates
    return out


def split_list(value: str | Sequence[str] | None) -> list[str]:
    """``"a,b"`` or ``["a", "b"]`` -> ``["a", "b"]`` (blanks dropped); None -> ``[]``."""
    if value is None:
        return []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [s.strip() for s in items if s.strip()]


#: The date forms a date option takes: year first, so that no day and month are swapped.
_DATE_FORMS: Final = re.compile(r"(\d{4})([-/.])(\d{1,2})\2(\d{1,2})|(\d{4})(\d{2})(\d{2})")


def parse_date(value: str | dt.date | None, param: str) -> pd.Timestamp | None:
    """Parse a date option, year first (``2021-01-01``, ``2021/1/1``, ``2021.01.01``, ``20210101``).

    A day-first or month-first text (``03-04-2024``) is refused rather than guessed, and so
    are words (``today``): a filter on a guessed date is silently wrong.

    Examples
    --------
    >>> parse_date("2024/3/22", "--since")
    Timestamp('2024-03-22 00:00:00')
    >>> parse_date("22-03-2024", "--since")
    Traceback (most recent call last):
    ...
    thematic.errors.UsageError: --since: '22-03-2024' is not a date (YYYY-MM-DD)
    """
    if value is None:
        return None
    if isinstance(value, dt.date):
        return pd.Timestamp(value).normalize()
    found = _DATE_FORMS.fullmatch(str(value).strip())
    if found is None:
        raise UsageError(f"{param}: {value!r} is not a date (YYYY-MM-DD)")
    year, month, day = (int(x) for x in (found.group(1, 3, 4) if found.group(1)
                                         else found.group(5, 6, 7)))  # fmt: skip
    try:
        return pd.Timestamp(dt.date(year, month, day))
    except ValueError:
        raise UsageError(f"{param}: {value!r} is not a date (YYYY-MM-DD)") from None


def parse_period(
    since: str | dt.date | None,
    until: str | dt.date | None,
    params: tuple[str, str] = ("since", "until"),
) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """Parse ``since`` and ``until``; a period that ends before it starts is an error.

    Examples
    --------
    >>> parse_period("2024-07-01", "2024-01-01", ("--since", "--until"))
    Traceback (most recent call last):
    ...
    thematic.errors.UsageError: --since: 2024-07-01 is after --until: 2024-01-01 (no call can match)
    """
    start, end = parse_date(since, params[0]), parse_date(until, params[1])
    if start is not None and end is not None and start > end:
        raise UsageError(f"{params[0]}: {start:%Y-%m-%d} is after {params[1]}: {end:%Y-%m-%d} "
                         "(no call can match)")  # fmt: skip
    return start, end


def parse_codes(value: str | Sequence[str] | None, param: str = "code") -> list[str]:
    """Stock codes (``600519,300308``), each a 6-digit A-share code, or a clear error.

    Examples
    --------
    >>> parse_codes("600519.SH", "--code")
    Traceback (most recent call last):
    ...
    thematic.errors.UsageError: --code: '600519.SH' is not a 6-digit A-share code (write 600519)
    """
    from thematic.codes import is_code_format

    codes = split_list(value)
    for code in codes:
        if not is_code_format(code):
            digits = re.sub(r"\D", "", code)
            hint = f" (write {digits})" if len(digits) == 6 else ""
            raise UsageError(f"{param}: {code!r} is not a 6-digit A-share code{hint}")
    return codes


def parse_ratings(value: str | Sequence[str] | None, param: str = "ratings") -> list[str]:
    """Rating names (``buy,outperform``), each checked against :data:`RATING_NAMES`."""
    ratings = split_list(value)
    bad = [r for r in ratings if r not in RATING_NAMES]
    if bad:
        raise UsageError(f"{param}: {bad[0]!r} is not one of {', '.join(RATING_NAMES)}")
    return ratings


def filter_calls(
    calls: pd.DataFrame,
    broker: str | Sequence[str] | None = None,
    rating: str | Sequence[str] | None = None,
    code: str | Sequence[str] | None = None,
    since: str | dt.date | None = None,
    until: str | dt.date | None = None,
) -> pd.DataFrame:
    """Keep the calls of these brokers, ratings and codes, published in ``[since, until]``."""
    keep = pd.Series(True, index=calls.index)
    for col, wanted in (("broker", split_list(broker)), ("code", parse_codes(code))):
        if wanted:
            keep &= calls[col].isin(wanted)
    ratings = parse_ratings(rating, "rating")
    if ratings:
        keep &= calls["rating"].isin(ratings)
    start, end = parse_period(since, until)
    if start is not None:
        keep &= calls["published"] >= start
    if end is not None:
        keep &= calls["published"] <= end
    out = calls.loc[keep].reset_index(drop=True)
    out.attrs = dict(calls.attrs)
    return out


def events_from_calls(calls: pd.DataFrame) -> pd.DataFrame:
    """One single-stock event per call: ``event_id`` (``report_id:code``), ``published``, ``code``.

    Examples
    --------
    >>> calls = pd.DataFrame({"report_id": ["AP1"], "published": [pd.Timestamp("2024-03-22")],
    ...                       "code": ["300308"]})
    >>> events_from_calls(calls).to_dict("records")  # doctest: +NORMALIZE_WHITESPACE
    [{'event_id': 'AP1:300308', 'published': Timestamp('2024-03-22 00:00:00'),
      'code': '300308'}]
    """
    code = calls["code"].astype(str).reset_index(drop=True)
    ids = calls["report_id"].astype(str).reset_index(drop=True) + ":" + code
    published = calls["published"].reset_index(drop=True)
    return pd.DataFrame({"event_id": ids, "published": published, "code": code})


def load_calls(
    codes: Iterable[str] | None = None,
    cache_root: str | Path | None = None,
    **filters: Any,
) -> pd.DataFrame:
    """Return the call table from the cache (``thematic calls fetch`` fills it), filtered.

    Parameters
    ----------
    codes
        Only these stocks (default: every cached one).
    cache_root
        The cache directory (default ``data_cache/`` or ``$THEMATIC_CACHE_DIR``).
    **filters
        ``broker``, ``rating``, ``code``, ``since``, ``until`` as for :func:`filter_calls`.
    """
    from thematic.data.report_feed import CallsCache

    cache = CallsCache(Path(cache_root) if cache_root is not None else None)
    raw = cache.read_all(None if codes is None else list(codes))
    calls = normalise_calls(raw, str(cache.root))
    calls.attrs["messages"] = list(cache.messages)
    return filter_calls(calls, **filters) if filters else calls


def fetch_calls(
    codes: Iterable[str],
    cache_root: str | Path | None = None,
    caller: Any = None,
    **filters: Any,
) -> pd.DataFrame:
    """Fetch the report lists of ``codes`` into the cache, then return their call table.

    ``attrs["fetch"]`` lists what happened to each code (``code, status, reports, new,
    duplicates, message``); a code that failed is there with its message, the rest are saved.
    """
    from thematic.data.report_feed import CallsCache, fetch_into_cache

    wanted = list(dict.fromkeys(codes))
    cache = CallsCache(Path(cache_root) if cache_root is not None else None)
    report = fetch_into_cache(wanted, cache, caller)
    calls = load_calls(wanted, cache_root, **filters)
    calls.attrs["fetch"] = [vars(r) for r in report.results]
    return calls
