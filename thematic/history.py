"""A history of metrics for scheduled jobs: one Parquet file per data as-of date.

Layout of a history directory::

    as_of=2025-08-22.parquet   every (basket, horizon, entry rule) evaluated on that data
    .history.lock              held while a run writes (two cron jobs queue, both finish)

A run's rows are keyed by ``(basket, horizon, entry_rule, as_of)``: running again on the
same data replaces its rows instead of duplicating them, and leaves other baskets' rows of
that date alone.  Each file is rewritten whole to a temporary name and renamed into place
(:func:`thematic.files.atomic_path`), so a run killed at any instant leaves the history as
it was; readers skip the temporary files (their names start with a dot).
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

import pandas as pd

from thematic.errors import DataError, UsageError
from thematic.files import atomic_path

KEY: Final[tuple[str, ...]] = ("basket", "horizon", "entry_rule", "as_of")
#: Columns a history adds to the result table's.
EXTRA_COLUMNS: Final[tuple[str, ...]] = ("as_of", "run_at", "untradable", "sources", "benchmark")
LOCK_NAME: Final = ".history.lock"
LOCK_TIMEOUT_S: Final = 600.0


def _file(directory: Path, as_of: str) -> Path:
    return directory / f"as_of={as_of}.parquet"


def check_directory(directory: Path, param: str = "directory") -> None:
    """Raise :class:`UsageError` when ``directory`` exists and is not a directory.

    ``param``: the caller's name for it, which the message starts with.
    """
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{param}: {directory} is a file, not a directory")


def append(directory: str | Path, table: pd.DataFrame) -> Path:
    """Add an evaluation's rows to the history, replacing rows with the same key.

    Returns the file written.  Raises :class:`UsageError` when ``directory`` is a file.
    """
    from filelock import FileLock

    directory = Path(directory)
    check_directory(directory)
    meta = table.attrs["metadata"]
    rows = table.assign(
        basket=table["basket"].astype(str),
        entry_rule=table["entry_rule"].astype(str),
        horizon=table["horizon"].astype(str),
        note=table["note"].astype(str),
        as_of=meta["as_of"],
        run_at=pd.Timestamp.now(tz="UTC").strftime("%Y-%m-%dT%H:%M:%SZ"),
        untradable=meta.get("untradable", ""),
        sources=meta.get("sources_text", ""),
        benchmark=f"{meta['benchmark']}",
    )
    rows.attrs = {}
    directory.mkdir(parents=True, exist_ok=True)
    target = _file(directory, meta["as_of"])
    with FileLock(str(directory / LOCK_NAME), timeout=LOCK_TIMEOUT_S):
        if target.exists():
            old = _read_file(target)
            keys = pd.MultiIndex.from_frame(rows[list(KEY)])
            keep = ~pd.MultiIndex.from_frame(old[list(KEY)]).isin(keys)
            rows = pd.concat([old[keep], rows], ignore_index=True)
        rows = rows.sort_values(["basket", "entry_rule", "horizon"], kind="stable")
        with atomic_path(target) as tmp:
            rows.to_parquet(tmp, index=False)
    return target


def _read_file(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for damaged files
        raise DataError(f"{path}: unreadable history file ({type(exc).__name__}: {exc})") from None


def read(
    directory: str | Path,
    basket: str | None = None,
    horizon: str | None = None,
    params: tuple[str, str] = ("directory", "horizon"),
) -> pd.DataFrame:
    """Every row of the history (optionally one basket, one horizon), oldest as-of first.

    ``params``: the caller's names for ``directory`` and ``horizon``, which messages start
    with (``--history`` and ``--horizon`` on the command line).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise UsageError(f"{params[0]}: {directory} is not a history directory")
    files = sorted(p for p in directory.glob("as_of=*.parquet") if not p.name.startswith("."))
    if not files:
        raise DataError(f"{directory}: the history is empty (run `thematic evaluate --history`)")
    df = pd.concat([_read_file(p) for p in files], ignore_index=True)
    if basket is not None:
        known = sorted(df["basket"].unique())
        if basket not in known:
            raise UsageError(f"no basket {basket!r} in the history; it has {', '.join(known)}")
        df = df[df["basket"] == basket]
    if horizon is not None:
        df = df[df["horizon"] == str(horizon)]
        if df.empty:
            raise UsageError(f"{params[1]}: no rows for horizon {horizon} in the history")
    return df.sort_values(["as_of", "basket", "entry_rule"], kind="stable").reset_index(drop=True)
