"""The local price cache: one Parquet file per series, never corrupted.

Layout under :func:`cache_dir` (``data_cache/`` or ``$THEMATIC_CACHE_DIR``)::

    stock/300308.parquet     back-adjusted (hfq) daily bars of one stock
    index/000300.parquet     daily bars of one index
    quarantine/              unreadable files set aside, never deleted silently
    .refresh.lock            held by a refresh (two cron jobs queue, both finish)

Each file carries its metadata record in the Parquet key-value metadata (key
``thematic``): code, kind, source(s), adjustment, first/last date, as-of date, fetched-at
time, row count and a SHA-256 checksum of the values.  Data and record are therefore
replaced together by one atomic ``os.replace`` of a fully written temporary file: a
refresh killed at any instant leaves either the old file or the new one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from thematic.constants import CACHE_ENV_VAR
from thematic.data.base import BAR_COLUMNS, Provider, SeriesInfo, validate_bars, window_bars
from thematic.errors import CacheError, DataError, UnknownCodeError
from thematic.files import atomic_path, set_aside

DEFAULT_CACHE_DIR = Path("data_cache")
Kind = Literal["stock", "index"]
_META_KEY = b"thematic"
LOCK_TIMEOUT_S = 3600.0


def cache_dir() -> Path:
    """Return the cache directory: ``$THEMATIC_CACHE_DIR`` if set, else ``./data_cache``."""
    return Path(os.environ.get(CACHE_ENV_VAR) or DEFAULT_CACHE_DIR)


def checksum(bars: pd.DataFrame) -> str:
    """SHA-256 of the dates and values of a bar frame (independent of file encoding)."""
    h = hashlib.sha256()
    h.update(np.ascontiguousarray(pd.DatetimeIndex(bars.index).asi8).tobytes())
    h.update(np.ascontiguousarray(bars.loc[:, list(BAR_COLUMNS)].to_numpy("float64")).tobytes())
    return h.hexdigest()


@dataclass(frozen=True)
class CachedSeries:
    """A cached series and its metadata record."""

    bars: pd.DataFrame
    record: dict[str, Any]

    @property
    def source(self) -> str:
        """The source the latest rows came from."""
        return str(self.record["source"])

    def info(self) -> SeriesInfo:
        """Provenance of the cached series, from its metadata record."""
        r = self.record
        return SeriesInfo(r["code"], f"cache ({r['source']})", r["adjustment"], r["first"],
                          r["last"], r["rows"], r.get("as_of"))  # fmt: skip


class PriceCache:
    """Read and write cached series; corrupt files are set aside with a message.

    ``messages`` collects what happened (files set aside), for the CLI to print.
    """

    def __init__(self, root: Path | None = None) -> None:
        self.root = Path(root) if root is not None else cache_dir()
        self.messages: list[str] = []

    def path(self, code: str, kind: Kind) -> Path:
        """File of one series."""
        return self.root / kind / f"{code}.parquet"

    def lock(self, timeout: float = LOCK_TIMEOUT_S) -> Any:
        """Return the inter-process lock that serialises refreshes (a ``filelock.FileLock``)."""
        from filelock import FileLock

        self.root.mkdir(parents=True, exist_ok=True)
        return FileLock(str(self.root / ".refresh.lock"), timeout=timeout)

    def remove_stale_temp_files(self) -> int:
        """Delete temp files of writes that never finished (call with the lock held)."""
        n = 0
        for kind in ("stock", "index"):
            for tmp in (self.root / kind).glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
                n += 1
        return n

    def audit(self, stocks: Iterable[str], indices: Iterable[str]) -> list[str]:
        """Read every named series (setting unreadable files aside); return the codes missing."""
        missing = [c for c in indices if self.read(c, "index") is None]
        return missing + [c for c in stocks if self.read(c, "stock") is None]

    def codes(self, kind: Kind) -> list[str]:
        """Codes with a cache file."""
        return sorted(p.stem for p in (self.root / kind).glob("*.parquet"))

    def read(self, code: str, kind: Kind) -> CachedSeries | None:
        """Return the cached series, or None when absent or unreadable (then set aside)."""
        path = self.path(code, kind)
        if not path.exists():
            return None
        try:
            return self._read(path, code)
        except CacheError as exc:
            self._quarantine(path, str(exc))
            return None

    def _read(self, path: Path, code: str) -> CachedSeries:
        import pyarrow.parquet as pq

        try:
            table = pq.read_table(path)
            record = json.loads((table.schema.metadata or {})[_META_KEY])
            bars = table.to_pandas()
        except Exception as exc:  # pyarrow raises many types for damaged files
            raise CacheError(path, f"unreadable ({type(exc).__name__}: {exc})") from None
        bars.index = pd.DatetimeIndex(bars.index).as_unit("ns")
        bars.index.name = "date"
        if record.get("code") != code or record.get("rows") != len(bars):
            raise CacheError(path, "metadata record does not match the data")
        if record.get("checksum") != checksum(bars):
            raise CacheError(path, "checksum mismatch (file altered or damaged)")
        try:
            validate_bars(bars, "cache", code)
        except DataError as exc:
            raise CacheError(path, f"invalid cached bars ({exc})") from None
        return CachedSeries(bars, record)

    def _quarantine(self, path: Path, why: str) -> None:
        message = set_aside(path, self.root / "quarantine", why)
        self.messages.append(f"{message}, will be re-fetched")

    def write(self, code: str, kind: Kind, bars: pd.DataFrame, record: dict[str, Any]) -> None:
        """Write a series atomically: temp file in the same directory, fsync, rename."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        bars = validate_bars(bars, "cache", code)
        full = {
            **record,
            "code": code,
            "kind": kind,
            "first": f"{bars.index[0]:%Y-%m-%d}",
            "last": f"{bars.index[-1]:%Y-%m-%d}",
            "rows": len(bars),
            "checksum": checksum(bars),
            "fetched_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }
        table = pa.Table.from_pandas(bars, preserve_index=True)
        meta = dict(table.schema.metadata or {})
        meta[_META_KEY] = json.dumps(full, ensure_ascii=False).encode()
        table = table.replace_schema_metadata(meta)
        path = self.path(code, kind)
        try:
            with atomic_path(path) as tmp, open(tmp, "wb") as f:
                pq.write_table(table, f)
        except OSError as exc:
            raise CacheError(path, f"cannot write ({exc}); the previous file is kept") from None


class CacheProvider:
    """Serve prices from the cache; codes it lacks come from ``fallback`` (the snapshot)."""

    name = "cache"

    def __init__(self, cache: PriceCache | None = None, fallback: Provider | None = None) -> None:
        self.cache = cache or PriceCache()
        self.fallback = fallback
        self._info: dict[str, SeriesInfo] = {}
        self.from_fallback: list[str] = []

    @property
    def provenance(self) -> Mapping[str, Any] | None:
        """The fallback's provenance (the bundled snapshot's), if it has one."""
        return self.fallback.provenance if self.fallback is not None else None

    def _get(self, code: str, kind: Kind) -> pd.DataFrame:
        cached = self.cache.read(code, kind)
        if cached is not None:
            self._info[code] = cached.info()
            return cached.bars
        if self.fallback is None:
            raise UnknownCodeError(code, f"not in the cache {self.cache.root}")
        fetch = self.fallback.fetch_daily if kind == "stock" else self.fallback.fetch_index_daily
        bars: pd.DataFrame = fetch(code)
        self._info[code] = self.fallback.info(code)
        self.from_fallback.append(code)
        return bars

    def fetch_daily(
        self, code: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Bars of a stock from the cache (or the fallback)."""
        return window_bars(self._get(code, "stock"), start, end)

    def fetch_index_daily(
        self, code: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Bars of an index from the cache (or the fallback)."""
        return window_bars(self._get(code, "index"), start, end)

    def info(self, code: str) -> SeriesInfo:
        """Provenance of the series served for ``code``."""
        return self._info.get(code, SeriesInfo(code, "cache", "", None, None, 0))
