"""Research-report lists from Eastmoney through akshare, kept in a local cache that never breaks.

akshare's ``stock_research_report_em(symbol)`` reads Eastmoney's report list for one stock:
it asks for page 1 to learn ``TotalPage``, then reads every page (page 1 twice), keeps
broker, rating, date, title, industry and a PDF link, and drops the report id (it is inside
the link: ``.../H3_<id>_1.pdf``), the researchers and the rating change.  Dates are parsed
with ``errors="coerce"``: an unparseable one arrives as ``NaT`` (its raw text is read back
from the pages akshare received, see :func:`~thematic.data.network.kept_responses`).  For a
stock with no report the list is empty and akshare fails on ``KeyError: 'infoCode'``: that
is "0 reports", not an error.  The call runs under :class:`~thematic.data.network.Caller`
(timeouts on every request akshare makes, retries with backoff and jitter, pacing, block
detection, a clear failure when the network is down).

The cache (``<cache>/calls/``) holds one Parquet file per stock code with its metadata record
(code, rows, checksum, fetched-at) in the file, written atomically under a lock: a fetch
killed at any instant leaves the old file or the new one.  A re-fetch merges by report id
(the newer row wins; a report gone upstream is kept, with its ``last_seen`` date); a damaged
file is set aside into ``calls/quarantine/``.  ``--all`` records each finished code in
``calls/.fetch-all.json``, so a killed run resumes where it stopped.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import re
import warnings
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pandas as pd

from thematic.data.cache import LOCK_TIMEOUT_S, cache_dir
from thematic.data.network import Caller, HttpPolicy, kept_responses
from thematic.errors import CacheError, NetworkDown, ProviderError, ValidationError
from thematic.files import atomic_path, set_aside, write_text

SOURCE: Final = "eastmoney"
#: akshare's column names -> ours.
AKSHARE_COLUMNS: Final[dict[str, str]] = {
    "股票代码": "code",
    "股票简称": "name",
    "报告名称": "title",
    "东财评级": "rating_cn",
    "机构": "broker",
    "行业": "industry",
    "日期": "published",
    "报告PDF链接": "pdf_url",
}
#: Columns of a cached report list (``published`` as the text received: ISO date or ``NaT``).
FEED_COLUMNS: Final[tuple[str, ...]] = (
    "report_id", "published", "code", "name", "broker", "rating_cn", "title", "industry",
    "pdf_url", "first_seen", "last_seen",
)  # fmt: skip
_REPORT_ID = re.compile(r"H3_([A-Za-z0-9]+)_1\.pdf")
_META_KEY = b"thematic"
_PROGRESS = ".fetch-all.json"


def _text(values: pd.Series) -> pd.Series:
    """Strings, with missing values as empty strings (akshare gives None or NaN for blanks)."""
    return values.astype(object).where(values.notna(), "").astype(str).str.strip()


def _published_text(values: pd.Series) -> pd.Series:
    def one(v: Any) -> str:
        if v is None or v is pd.NaT or (isinstance(v, float) and v != v):
            return "NaT"
        if isinstance(v, (dt.date, pd.Timestamp)):
            return f"{v:%Y-%m-%d}"
        return str(v).strip()

    return values.map(one).astype(str)


def to_feed(raw: Any, code: str, seen: str) -> tuple[pd.DataFrame, int]:
    """Map akshare's frame for ``code`` to :data:`FEED_COLUMNS`; return it and the duplicates.

    Rows listing the same report id twice (pages overlap when a report is published while
    akshare pages) are dropped and counted.
    """
    if not isinstance(raw, pd.DataFrame):
        raise ProviderError(SOURCE, code, f"unexpected answer of type {type(raw).__name__}")
    missing = [c for c in AKSHARE_COLUMNS if c not in raw.columns]
    if missing:
        raise ValidationError(SOURCE, code, f"report list lacks column(s) {missing} (akshare "
                              f"schema change?); got {list(map(str, raw.columns))}")  # fmt: skip
    out = pd.DataFrame({ours: raw[theirs] for theirs, ours in AKSHARE_COLUMNS.items()})
    for col in ("code", "name", "title", "rating_cn", "broker", "industry", "pdf_url"):
        out[col] = _text(out[col])
    out["code"] = out["code"].str.zfill(6).where(out["code"] != "", code)
    out["published"] = _published_text(out["published"])
    out["report_id"] = out["pdf_url"].str.extract(_REPORT_ID, expand=False).fillna("")
    no_id = out["report_id"] == ""
    if no_id.any():
        raise ValidationError(SOURCE, code, f"{int(no_id.sum())} report(s) without a report id "
                              f"in the PDF link, e.g. {out.loc[no_id, 'pdf_url'].iloc[0]!r}")  # fmt: skip
    out["first_seen"] = seen
    out["last_seen"] = seen
    duplicated = out.duplicated(["report_id", "code"])
    return out.loc[~duplicated, list(FEED_COLUMNS)].reset_index(drop=True), int(duplicated.sum())


def _raw_dates(kept: list[Any]) -> dict[str, str]:
    """Report id -> ``publishDate`` as the server sent it, from the pages akshare read."""
    out: dict[str, str] = {}
    for response in kept:
        try:
            rows = response.json().get("data") or []
        except (ValueError, AttributeError):
            continue
        for row in rows if isinstance(rows, list) else []:
            if isinstance(row, dict) and row.get("infoCode"):
                out[str(row["infoCode"])] = str(row.get("publishDate"))
    return out


def _total_pages(kept: list[Any]) -> int | None:
    """``TotalPage`` of the first page the server sent (None when it cannot be read)."""
    try:
        value = kept[0].json()["TotalPage"]
    except (IndexError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return int(value) if isinstance(value, int) else None


def fetch_report_list(code: str, caller: Caller, seen: str) -> tuple[pd.DataFrame, int]:
    """Every report Eastmoney lists for ``code`` (0 rows when it has none) and the duplicates.

    akshare turns an unparseable date into ``NaT``; the raw text is taken back from the
    pages it read, so that the call table can show it.
    """
    raw_dates: dict[str, str] = {}

    def call() -> Any:
        import akshare as ak

        # akshare draws its own progress bar and trips pandas deprecations: not ours to show.
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()), \
                kept_responses() as kept:  # fmt: skip
            warnings.simplefilter("ignore")
            try:
                frame = ak.stock_research_report_em(symbol=code)
            except KeyError as exc:
                # akshare's "no report" -- when the server did say 0 pages, not otherwise.
                if exc.args != ("infoCode",) or _total_pages(kept) != 0:
                    raise
                frame = pd.DataFrame(columns=list(AKSHARE_COLUMNS))
            raw_dates.update(_raw_dates(kept))
        return frame

    feed, duplicates = to_feed(caller.call(SOURCE, code, call), code, seen)
    bad = feed["published"] == "NaT"
    if bad.any():
        feed.loc[bad, "published"] = [raw_dates.get(r, "NaT") for r in feed.loc[bad, "report_id"]]
    return feed, duplicates


def frame_checksum(frame: pd.DataFrame) -> str:
    """SHA-256 of a report list's values (independent of the file's encoding)."""
    h = hashlib.sha256()
    for col in FEED_COLUMNS:
        h.update(col.encode())
        h.update("\x1f".join(frame[col].astype(str)).encode("utf-8"))
    return h.hexdigest()


def merge(old: pd.DataFrame | None, new: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Merge a fresh list into the cached one by report id; return it and the new reports.

    A report in both keeps its ``first_seen`` and takes the fresh values; a report gone
    upstream is kept as it was (its ``last_seen`` says when it was last listed).
    """
    if old is None or not len(old):
        return new, len(new)
    first = old.set_index(["report_id", "code"])["first_seen"]
    key = pd.MultiIndex.from_frame(new[["report_id", "code"]])
    known = key.isin(first.index)
    new = new.copy()
    new.loc[known, "first_seen"] = first.reindex(key[known]).to_numpy()
    gone = ~pd.MultiIndex.from_frame(old[["report_id", "code"]]).isin(key)
    merged = pd.concat([new, old.loc[gone]], ignore_index=True)
    merged = merged.sort_values(["published", "report_id"], ascending=[False, True], kind="stable")
    return merged.reset_index(drop=True), int((~known).sum())


class CallsCache:
    """Read and write cached report lists (``<cache>/calls/<code>.parquet``)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = (Path(root) if root is not None else cache_dir()) / "calls"
        self.messages: list[str] = []

    def path(self, code: str) -> Path:
        """File of one code's report list."""
        return self.root / f"{code}.parquet"

    def lock(self, timeout: float = LOCK_TIMEOUT_S) -> Any:
        """Return the inter-process lock that serialises fetches (a ``filelock.FileLock``)."""
        from filelock import FileLock

        self.root.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.root / ".fetch.lock"), timeout=timeout)

    def codes(self) -> list[str]:
        """Codes with a cached report list."""
        return sorted(p.stem for p in self.root.glob("*.parquet"))

    def read(self, code: str) -> pd.DataFrame | None:
        """Return the cached list, or None when absent or damaged (then set aside, with a message)."""
        import pyarrow.parquet as pq

        path = self.path(code)
        if not path.exists():
            return None
        try:
            table = pq.read_table(path)
            record = json.loads((table.schema.metadata or {})[_META_KEY])
            frame = table.to_pandas()
            if record.get("code") != code or record.get("rows") != len(frame):
                raise CacheError(path, "metadata record does not match the data")
            if record.get("checksum") != frame_checksum(frame):
                raise CacheError(path, "checksum mismatch (file altered or damaged)")
        except Exception as exc:  # pyarrow raises many types for damaged files
            why = str(exc) if isinstance(exc, CacheError) else (
                f"{path}: unreadable ({type(exc).__name__}: {exc})")  # fmt: skip
            set_aside(path, self.root / "quarantine", why)  # warns: path, fault, new place
            self.messages.append(f"{code}: the cached report list was damaged and set aside; its "
                                 f"reports are missing until re-fetched: `thematic calls fetch "
                                 f"{code}`")  # fmt: skip
            return None
        out: pd.DataFrame = frame.loc[:, list(FEED_COLUMNS)]
        return out

    def write(self, code: str, frame: pd.DataFrame) -> None:
        """Write a code's list atomically (temp file, fsync, rename), record inside."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        frame = frame.loc[:, list(FEED_COLUMNS)].astype(str).reset_index(drop=True)
        record = {"code": code, "rows": len(frame), "checksum": frame_checksum(frame),
                  "source": f"akshare stock_research_report_em ({SOURCE})",
                  "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}  # fmt: skip
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[_META_KEY] = json.dumps(record, ensure_ascii=False).encode()
        path = self.path(code)
        try:
            with atomic_path(path) as tmp, open(tmp, "wb") as f:
                pq.write_table(table.replace_schema_metadata(meta), f)
        except OSError as exc:
            raise CacheError(path, f"cannot write ({exc}); the previous file is kept") from None

    def read_all(self, codes: Iterable[str] | None = None) -> pd.DataFrame:
        """Every cached list (or those of ``codes``), one frame."""
        frames = [f for c in (self.codes() if codes is None else codes)
                  if (f := self.read(c)) is not None]  # fmt: skip
        if not frames:
            return pd.DataFrame({c: pd.Series(dtype=str) for c in FEED_COLUMNS})
        return pd.concat(frames, ignore_index=True)

    # -- resuming a killed --all ---------------------------------------------------------
    def progress_done(self, codes: Sequence[str]) -> set[str]:
        """Codes an interrupted run over the same code list already finished."""
        path = self.root / _PROGRESS
        try:
            state = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return set()
        if state.get("codes_sha256") != _codes_digest(codes):
            return set()
        return set(state.get("done", []))

    def save_progress(self, codes: Sequence[str], done: Iterable[str]) -> None:
        """Record the finished codes of a long run (atomically)."""
        state = {"codes_sha256": _codes_digest(codes), "done": sorted(done)}
        write_text(self.root / _PROGRESS, json.dumps(state))

    def clear_progress(self) -> None:
        """Forget the progress of a run that finished."""
        (self.root / _PROGRESS).unlink(missing_ok=True)


def _codes_digest(codes: Sequence[str]) -> str:
    return hashlib.sha256(",".join(codes).encode()).hexdigest()


@dataclass
class CodeFetch:
    """What happened to one code: ``ok``, ``failed`` or ``skipped`` (network down)."""

    code: str
    status: str
    reports: int = 0
    new: int = 0
    duplicates: int = 0
    message: str = ""


@dataclass
class FetchReport:
    """The outcome of a fetch run, code by code."""

    results: list[CodeFetch] = field(default_factory=list)
    resumed: int = 0

    @property
    def failed(self) -> list[CodeFetch]:
        """Codes that were not saved (failed or skipped)."""
        return [r for r in self.results if r.status != "ok"]

    def summary(self) -> str:
        """One line: codes fetched, reports, new ones, duplicates, failures."""
        ok = [r for r in self.results if r.status == "ok"]
        text = (f"{len(ok)} of {len(self.results)} codes fetched, "
                f"{sum(r.reports for r in ok):,} reports ({sum(r.new for r in ok):,} new, "
                f"{sum(r.duplicates for r in ok):,} duplicate(s) dropped)")  # fmt: skip
        if self.resumed:
            text += f"; {self.resumed} codes already done by the interrupted run, skipped"
        return text + (f"; {len(self.failed)} failed" if self.failed else "")


@contextlib.contextmanager
def _locked(cache: CallsCache) -> Iterator[None]:
    """Hold the cache's lock; a job that waited past the timeout gets one clear error."""
    from filelock import Timeout

    try:
        with cache.lock():
            yield
    except Timeout:
        raise CacheError(cache.root, f"another fetch has held the lock for over "
                         f"{LOCK_TIMEOUT_S / 3600:.0f} h; is one stuck?") from None  # fmt: skip


def fetch_into_cache(
    codes: Sequence[str],
    cache: CallsCache | None = None,
    caller: Caller | None = None,
    resume: bool = False,
    on_result: Callable[[CodeFetch], None] | None = None,
    wrap: Callable[[Iterable[str]], Iterable[str]] | None = None,
) -> FetchReport:
    """Fetch the report lists of ``codes`` into the cache; one failing code stops nothing.

    Parameters
    ----------
    codes
        Six-digit stock codes.
    cache, caller
        Where to write, and the HTTP policy (injected by tests).
    resume
        Skip the codes an interrupted run over the same ``codes`` finished (``--all``).
    on_result
        Called after each code (the CLI prints a line).
    wrap
        Wraps the loop over codes (a progress bar on a terminal).
    """
    cache = cache or CallsCache()
    caller = caller or Caller(HttpPolicy())
    report = FetchReport()
    seen = dt.date.today().isoformat()
    with _locked(cache):
        done = cache.progress_done(codes) if resume else set()
        report.resumed = len(done & set(codes))
        todo = [c for c in codes if c not in done]
        for code in wrap(todo) if wrap is not None else todo:
            try:
                fresh, duplicates = fetch_report_list(code, caller, seen)
                merged, new = merge(cache.read(code), fresh)
                cache.write(code, merged)
                result = CodeFetch(code, "ok", len(fresh), new, duplicates)
            except NetworkDown as exc:
                result = CodeFetch(code, "skipped", message=str(exc))
            except (ProviderError, ValidationError, CacheError) as exc:
                result = CodeFetch(code, "failed", message=str(exc))
            report.results.append(result)
            if result.status == "ok":
                done.add(code)
                if resume:
                    cache.save_progress(codes, done)
            if on_result is not None:
                on_result(result)
        if resume and not report.failed:
            cache.clear_progress()
    return report
