"""A history of metrics for scheduled jobs: one Parquet file per data as-of date.

Layout of a history directory::

    as_of=2025-08-22.parquet   every (basket, horizon, entry rule, settings) evaluated on that data
    .history.lock              held while a run writes (two cron jobs queue, both finish)
    quarantine/                damaged history files, set aside with a warning

A run's rows are keyed by everything that changes a number: ``(basket, horizon, entry_rule,
as_of, settings, basket_hash)``, where ``settings`` states the trading rules, costs and
benchmark and ``basket_hash`` is a hash of the basket file's content.  Running again with the
same settings on the same data replaces its rows instead of duplicating them; a run with
other settings, or after the basket was edited, adds its own rows beside them.  Each file is
rewritten whole to a temporary name and renamed into place
(:func:`thematic.files.atomic_path`), so a run killed at any instant leaves the history as
it was; readers skip the temporary files (their names start with a dot), and the next
writer removes them.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import pandas as pd

from thematic.errors import DamagedFileWarning, DataError, UsageError
from thematic.files import atomic_path, set_aside

KEY: Final[tuple[str, ...]] = (
    "basket", "horizon", "entry_rule", "as_of", "settings", "basket_hash",
)  # fmt: skip
#: Columns a history adds to the result table's.
EXTRA_COLUMNS: Final[tuple[str, ...]] = (
    "as_of", "run_at", "untradable", "sources", "benchmark", "settings", "basket_hash",
)  # fmt: skip
LOCK_NAME: Final = ".history.lock"
LOCK_TIMEOUT_S: Final = 600.0
QUARANTINE: Final = "quarantine"


def _file(directory: Path, as_of: str) -> Path:
    return directory / f"as_of={as_of}.parquet"


def check_directory(directory: Path, param: str = "directory") -> None:
    """Raise :class:`UsageError` when ``directory`` cannot hold a history (before any work).

    It is a file, or it (or the nearest existing parent it would be made in) is not
    writable.  ``param``: the caller's name for it, which the message starts with.
    """
    if directory.exists() and not directory.is_dir():
        raise UsageError(f"{param}: {directory} is a file, not a directory")
    for place in (directory, *directory.parents):
        if place.exists():
            if not place.is_dir():
                raise UsageError(f"{param}: {directory}: {place} is a file, not a directory")
            if not os.access(place, os.W_OK | os.X_OK):
                raise UsageError(f"{param}: {directory}: cannot write in {place} "
                                 "(permission denied)")  # fmt: skip
            return


def settings_text(meta: Mapping[str, Any]) -> str:
    """Return the settings of a run that change its numbers, as one line (part of a row's key)."""
    costs = meta.get("cost_parameters", {})
    return (
        f"untradable={meta.get('untradable', '')} max_delay={meta.get('max_delay', '')} "
        f"commission_bps={costs.get('commission_bps', '')} "
        f"slippage_bps={costs.get('slippage_bps', '')} notional={costs.get('notional', '')} "
        f"st_table={'given' if 'ST periods from' in meta.get('limits', '') else 'none'} "
        f"benchmark={meta.get('benchmark', '')}"
    )


def append(
    directory: str | Path, table: pd.DataFrame, basket_hashes: Mapping[str, str] | None = None
) -> Path:
    """Add an evaluation's rows to the history, replacing rows with the same key.

    Parameters
    ----------
    directory
        The history directory (made when missing).
    table
        An evaluation table with its ``attrs["metadata"]``.
    basket_hashes
        :attr:`thematic.baskets.Basket.content_hash` by basket id (empty when unknown).

    Returns the file written.  A damaged file of the same as-of date is set aside with a
    :class:`DamagedFileWarning` and the new rows are written; temporary files left by a
    killed run are removed.  Raises :class:`UsageError` when ``directory`` is a file.
    """
    from filelock import FileLock

    directory = Path(directory)
    check_directory(directory)
    meta = table.attrs["metadata"]
    hashes = basket_hashes or {}
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
        settings=settings_text(meta),
        basket_hash=table["basket"].astype(str).map(lambda b: hashes.get(b, "")),
    )
    rows.attrs = {}
    directory.mkdir(parents=True, exist_ok=True)
    target = _file(directory, meta["as_of"])
    with FileLock(str(directory / LOCK_NAME), timeout=LOCK_TIMEOUT_S):
        for stale in directory.glob(".as_of=*.tmp"):  # a killed writer's (we hold the lock)
            stale.unlink(missing_ok=True)
        old = _read_file(target, set_aside_damaged=True) if target.exists() else None
        if old is not None:
            keys = pd.MultiIndex.from_frame(rows[list(KEY)])
            keep = ~pd.MultiIndex.from_frame(old[list(KEY)]).isin(keys)
            rows = pd.concat([old[keep], rows], ignore_index=True)
        rows = rows.sort_values(["basket", "entry_rule", "horizon"], kind="stable")
        with atomic_path(target) as tmp:
            rows.to_parquet(tmp, index=False)
    return target


def _read_file(path: Path, set_aside_damaged: bool = False) -> pd.DataFrame | None:
    """Read one history file; None (with a warning) when it is damaged.

    Files written before the key held the settings get empty ``settings`` and
    ``basket_hash`` (unknown).
    """
    try:
        df = pd.read_parquet(path)
        missing = [c for c in ("basket", "horizon", "entry_rule", "as_of") if c not in df]
        if missing:
            raise ValueError(f"no column(s) {missing}")
    except Exception as exc:  # pyarrow raises many types for damaged files
        why = f"{path}: unreadable history file ({type(exc).__name__}: {exc})"
        if set_aside_damaged:
            set_aside(path, path.parent / QUARANTINE, why)
        else:
            warnings.warn(f"{why}; skipped", DamagedFileWarning, stacklevel=3)
        return None
    for column in ("settings", "basket_hash"):
        if column not in df:
            df[column] = ""
    return df


def read(
    directory: str | Path,
    basket: str | None = None,
    horizon: str | None = None,
    params: tuple[str, str] = ("directory", "horizon"),
) -> pd.DataFrame:
    """Every row of the history (optionally one basket, one horizon), oldest as-of first.

    A damaged file is skipped with a :class:`DamagedFileWarning`; the intact ones are read.
    ``params``: the caller's names for ``directory`` and ``horizon``, which messages start
    with (``--history`` and ``--horizon`` on the command line).
    """
    directory = Path(directory)
    if not directory.is_dir():
        raise UsageError(f"{params[0]}: {directory} is not a history directory")
    files = sorted(p for p in directory.glob("as_of=*.parquet") if not p.name.startswith("."))
    frames = [df for df in map(_read_file, files) if df is not None]
    if not files:
        raise DataError(f"{directory}: the history is empty (run `thematic evaluate --history`)")
    if not frames:
        raise DataError(f"{directory}: no history file is readable (each is named above)")
    df = pd.concat(frames, ignore_index=True)
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
