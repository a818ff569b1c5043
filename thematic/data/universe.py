"""The whole market as one dense panel, with a fast on-disk store.

Reading 4.7 M long-format bars from Parquet and pivoting them takes seconds; the dense
``(T, N)`` float matrices it produces load from ``.npy`` files in tens of milliseconds.  The
store lives under the cache directory, keyed by the source files' size and modification
time, and is written atomically (a killed build leaves no half store behind).  Each array's
CRC-32 is recorded in ``meta.json`` and checked on load (about as long as reading it): a
file altered in place, even at the same size, is set aside and rebuilt instead of changing
results silently.
"""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from thematic.constants import CSI300
from thematic.data.base import SeriesInfo
from thematic.data.cache import cache_dir
from thematic.data.panel import Derived, PricePanel, assemble_panel, bar_flags
from thematic.errors import CacheError, DataError
from thematic.files import atomic_dir, set_aside

# 2: bar shape flags (limit detection); 3: trade state under the rulebook; 4: checksums
STORE_VERSION = 4
_ARRAYS = (
    "open",
    "close",
    "close_filled_by_code",
    "benchmark_open",
    "benchmark_close",
    "bar_flags",
)


def _market_files(market: Path) -> tuple[Path, Path]:
    bars, index = market / "ashare_daily_qfq.parquet", market / "csi300_daily.csv"
    for f in (bars, index):
        if not f.exists():
            raise DataError(f"{f}: not found (expected the shared market dump layout)")
    return bars, index


def read_market_files(bars_path: Path, index_path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read a dump's bars and benchmark, or raise a :class:`DataError` naming file and value.

    A truncated Parquet file, a missing column, or a benchmark value that is not a number
    is one line, not an internal error.
    """
    columns = ["date", "code", "open", "high", "low", "close"]
    try:
        bars = pd.read_parquet(bars_path, columns=columns)
    except Exception as exc:  # pyarrow raises many types for damaged files
        raise DataError(f"{bars_path}: unreadable bars ({type(exc).__name__}: {exc})") from None
    try:
        bench = pd.read_csv(index_path, keep_default_na=False)  # a blank or "n/a" is refused
    except Exception as exc:  # pandas raises many types for unreadable text
        raise DataError(f"{index_path}: unreadable ({type(exc).__name__}: {exc})") from None
    missing = [c for c in ("date", "open", "close") if c not in bench.columns]
    if missing:
        raise DataError(f"{index_path}: missing column(s) {missing}; have {list(bench.columns)}")
    if bench.empty or bars.empty:
        raise DataError(f"{index_path if bench.empty else bars_path}: has no rows")
    for name in ("open", "close"):
        values = pd.to_numeric(bench[name], errors="coerce")
        bad = values.isna() & bench[name].notna()
        if bad.any():
            i = int(bad.to_numpy().argmax())
            raise DataError(f"{index_path}: line {i + 2}: {name} {bench[name].iloc[i]!r} is not a "
                            "number")  # fmt: skip
        bench[name] = values
    dates = pd.to_datetime(bench["date"], errors="coerce", format="ISO8601")
    if dates.isna().any():
        i = int(dates.isna().to_numpy().argmax())
        raise DataError(f"{index_path}: line {i + 2}: date {bench['date'].iloc[i]!r} is not a "
                        "date (YYYY-MM-DD)")  # fmt: skip
    return bars, bench.assign(date=dates).set_index("date")


def _crc(array: np.ndarray) -> int:
    """CRC-32 of an array's values (its bytes in C order)."""
    return zlib.crc32(np.ascontiguousarray(array).view(np.uint8).reshape(-1).data)


def _key(files: tuple[Path, ...], derived: Sequence[Derived]) -> str:
    # Derived arrays follow the rules behind them: a changed rule builds a new store.
    h = hashlib.sha256(f"v{STORE_VERSION}|{''.join(d.fingerprint for d in derived)}".encode())
    for f in files:
        st = f.stat()
        h.update(f"{f.resolve()}|{st.st_size}|{st.st_mtime_ns}".encode())
    return h.hexdigest()[:16]


def panel_from_long(bars: pd.DataFrame, benchmark: pd.DataFrame, benchmark_code: str) -> PricePanel:
    """Pivot long bars (``date, code, open, close[, high, low]``) onto the calendar, fast.

    Dates outside the benchmark calendar are dropped; the calendar runs from the bars' first
    to their last date.
    """
    dates = pd.DatetimeIndex(bars["date"]).as_unit("ns")
    cal = pd.DatetimeIndex(benchmark.index).as_unit("ns")
    # Sessions before the first bar would hold no prices; events published before the
    # panel starts are reported as such by the engine instead of entering late.
    cal = cal[(cal >= dates.min()) & (cal <= dates.max())]
    code_of_row, codes = pd.factorize(bars["code"].astype(str), sort=True)
    session = cal.get_indexer(dates)
    keep = session >= 0
    shape = (len(cal), len(codes))
    at = (session[keep], code_of_row[keep])
    arrays = {}
    for name in ("open", "close", "high", "low"):
        if name not in bars.columns:
            continue
        arrays[name] = np.full(shape, np.nan)
        arrays[name][at] = bars[name].to_numpy(dtype="float64")[keep]
    opens, closes = arrays["open"], arrays["close"]
    flags = None
    if "high" in arrays and "low" in arrays:
        flags = bar_flags(opens, arrays["high"], arrays["low"], closes)
    index = pd.Index(codes, dtype="str", name="code")
    return assemble_panel(cal, index, opens, closes, benchmark, benchmark_code, flags=flags)


def save_panel(
    panel: PricePanel,
    directory: Path,
    meta: Mapping[str, object],
    derived: Sequence[Derived] = (),
) -> None:
    """Write a panel as ``.npy`` files plus ``meta.json``, atomically (rename of a folder).

    ``derived`` arrays are computed and stored too (``<name>.npy``), for
    :func:`load_saved_panel` to seed them.
    """
    arrays = {**{name: getattr(panel, name) for name in _ARRAYS},
              **{d.name: d.make(panel) for d in derived}}  # fmt: skip
    with atomic_dir(directory) as tmp:
        for name, array in arrays.items():
            np.save(tmp / f"{name}.npy", array, allow_pickle=False)
        info = {
            **meta,
            "version": STORE_VERSION,
            "crc32": {name: _crc(array) for name, array in arrays.items()},
            "dates": panel.dates.strftime("%Y-%m-%d").tolist(),
            "codes": panel.codes.tolist(),
            "benchmark_code": panel.benchmark_code,
        }
        (tmp / "meta.json").write_text(json.dumps(info), encoding="utf-8")


def load_saved_panel(directory: Path, derived: Sequence[Derived] = ()) -> PricePanel:
    """Load a panel written by :func:`save_panel`, with the ``derived`` arrays it stored.

    Each stored derived array is seeded as the panel's memo ``name`` under key ``()``.

    Raises
    ------
    CacheError
        When the store is incomplete or unreadable (:func:`load_market_panel` sets it aside
        and rebuilds it).
    """
    try:
        info = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
        arrays = {n: np.load(directory / f"{n}.npy", allow_pickle=False) for n in _ARRAYS}
        sums = info["crc32"]
    except (OSError, ValueError, EOFError, KeyError, TypeError) as exc:
        raise CacheError(directory, f"unreadable panel store ({exc})") from None
    for name, array in arrays.items():
        if sums.get(name) != _crc(array):
            raise CacheError(
                directory, f"checksum mismatch in {name}.npy (file altered or damaged)"
            )
    panel = PricePanel(
        dates=pd.DatetimeIndex(info["dates"]).as_unit("ns"),
        codes=pd.Index(info["codes"], dtype="str", name="code"),
        open=arrays["open"],
        close=arrays["close"],
        benchmark_code=info["benchmark_code"],
        benchmark_open=arrays["benchmark_open"],
        benchmark_close=arrays["benchmark_close"],
        flags=arrays["bar_flags"],
        sources={
            info["benchmark_code"]: SeriesInfo(
                info["benchmark_code"], "market dump", "price index", None, info["as_of"], 0
            )
        },
    )
    # Stored already computed: skip recomputing them.
    panel.__dict__["close_filled_by_code"] = arrays["close_filled_by_code"]
    for d in derived:
        stored = directory / f"{d.name}.npy"
        if not stored.exists():
            continue
        try:
            array = np.load(stored, allow_pickle=False)
        except (OSError, ValueError, EOFError) as exc:
            raise CacheError(directory, f"unreadable panel store ({exc})") from None
        if sums.get(d.name) != _crc(array):
            raise CacheError(
                directory, f"checksum mismatch in {d.name}.npy (file altered or damaged)"
            )
        panel.seed(d.name, (), array)
    return panel


def load_market_panel(
    market: str | Path,
    store: Path | None = None,
    messages: list[str] | None = None,
    derived: Sequence[Derived] = (),
) -> PricePanel:
    """Load the whole market of a shared-format dump as one panel, via the dense store.

    Parameters
    ----------
    market
        A directory laid out like ``../shared/market`` (``ashare_daily_qfq.parquet`` and
        ``csi300_daily.csv``).
    store
        Where to keep the dense store; default ``<cache dir>/panels``.
    messages
        When given, a line saying where a newly built store went (and its size) is appended.
    derived
        Arrays a higher layer derives from the panel, kept in the store as well (the
        engine's trade state: :data:`thematic.engine.tradable.TRADE_STATE`).
    """
    market = Path(market)
    files = _market_files(market)
    root = store if store is not None else cache_dir() / "panels"
    target = root / f"market-{_key(files, derived)}"
    if (target / "meta.json").exists():
        try:
            return load_saved_panel(target, derived)
        except CacheError as exc:
            set_aside(target, root.parent / "quarantine", f"{exc}; rebuilding it")
    bars, bench = read_market_files(*files)
    panel = panel_from_long(bars, bench, CSI300)
    meta = {
        "source": str(market),
        "adjustment": "qfq as of the dump date",
        "as_of": f"{panel.as_of:%Y-%m-%d}",
    }
    save_panel(panel, target, meta, derived)
    if messages is not None:
        size = sum(f.stat().st_size for f in target.iterdir()) / 2**20
        messages.append(f"built the dense panel store {target} ({size:,.0f} MiB) from {market}; "
                        "later runs load it in well under a second")  # fmt: skip
    return load_saved_panel(target, derived)
