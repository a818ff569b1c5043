"""The engine on a dask.distributed cluster: the panel scattered once, event chunks mapped.

Events are independent, so the work partitions by event: each task evaluates a contiguous
range of events with the pure :func:`~thematic.engine.evaluate_events` against the panel,
which every worker holds once (``scatter(broadcast=True)``).  The chunks' tables are put
back in order with their categorical columns united, so the result equals the
single-process result exactly.  Dask is an optional extra (``pip install 'thematic[dask]'``),
imported only here; there is no scheduler of our own.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from thematic.constants import DEFAULT_ENTRY, DEFAULT_HORIZONS
from thematic.data.panel import PricePanel
from thematic.engine.evaluate import Evaluation, evaluate_events
from thematic.errors import UsageError
from thematic.events import check_and_factorize
from thematic.rules import Horizon, Trading, parse_entry, parse_horizons

#: Events per task: large enough that scheduling costs little, small enough to balance.
DEFAULT_CHUNK_EVENTS = 50_000

#: Each panel's copy on each cluster, by client id: scattered once per panel and client, and
#: released (freeing the workers' copies) when the panel is collected.  Keyed by the panel
#: object itself, not its ``id()``, which a later panel may reuse.
_SCATTERED: weakref.WeakKeyDictionary[PricePanel, dict[str, Any]] = weakref.WeakKeyDictionary()


def connect(
    workers: int | None = None,
    scheduler: str | None = None,
    params: tuple[str, str] = ("workers", "scheduler"),
) -> Any:
    """Return a ``distributed.Client`` for a local cluster or an existing one.

    ``workers``: start a local cluster of that many single-threaded processes;
    ``scheduler``: connect to the cluster at that address (``tcp://host:8786``);
    ``params``: the caller's names for the two, which messages use (``--dask-workers`` and
    ``--dask-scheduler`` on the command line).

    Raises
    ------
    UsageError
        When dask is not installed, or neither (or both) of the two is given.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise UsageError(
            f"{params[0]}/{params[1]} need the dask extra: pip install 'thematic[dask]'"
        ) from None
    if (workers is None) == (scheduler is None):
        raise UsageError(f"give one of {params[0]} N or {params[1]} ADDRESS")
    if scheduler is not None:
        try:
            return Client(scheduler, timeout=10)  # type: ignore[no-untyped-call]
        except (OSError, ValueError, TypeError) as exc:  # unreachable, or no address at all
            raise UsageError(
                f"{params[1]}: cannot reach {scheduler!r} ({exc}); give an address like "
                "tcp://host:8786"
            ) from None
    if workers is None or workers < 1:
        raise UsageError(f"{params[0]}: {workers} must be at least 1")
    # No dashboard, and the scheduler's HTTP server on a free port: its default, 8787, is
    # taken by any other local cluster (a second run, a test), which then warns.
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,  # type: ignore[no-untyped-call]
                           dashboard_address=":0", scheduler_kwargs={"dashboard": False},
                           host="127.0.0.1")  # fmt: skip
    return Client(cluster)  # type: ignore[no-untyped-call]


def _scatter(client: Any, panel: PricePanel) -> Any:
    """Return the future of ``panel`` on every worker of ``client``, scattering it once."""
    on_clients = _SCATTERED.setdefault(panel, {})
    if client.id not in on_clients:
        on_clients[client.id] = client.scatter(panel, broadcast=True, hash=False)
    return on_clients[client.id]


def _chunk(
    panel: PricePanel,
    events: pd.DataFrame,
    horizons: Sequence[Horizon],
    entry: str,
    trading: Trading | None,
    validate: bool,
) -> Evaluation:
    return evaluate_events(panel, events, horizons, entry, validate=validate, trading=trading)


def evaluate_events_distributed(
    client: Any,
    panel: PricePanel,
    events: pd.DataFrame,
    horizons: Sequence[Horizon] = DEFAULT_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    trading: Trading | None = None,
    chunk_events: int = DEFAULT_CHUNK_EVENTS,
    validate: bool = True,
) -> Evaluation:
    """:func:`~thematic.engine.evaluate_events` mapped over chunks of events on ``client``.

    The events are checked once, here; each chunk is a contiguous range of events in order
    of first appearance, so concatenating the chunks' tables gives the single-process table.
    """
    rule = parse_entry(entry)
    hs = parse_horizons(horizons)
    event = _checked(events, validate)
    if not len(event):
        return evaluate_events(panel, events, hs, rule, validate=validate, trading=trading)
    pieces = event_chunks(events, event, chunk_events)
    panel_future = _scatter(client, panel)
    futures = [client.submit(_chunk, panel_future, piece, hs, rule, trading, validate, pure=False)
               for piece in pieces]  # fmt: skip
    results: list[Evaluation] = client.gather(futures)
    return Evaluation(
        table=_concat([r.table for r in results]),
        missing=_concat([r.missing for r in results]),
        trades=_concat([r.trades for r in results]),
    )


def _checked(events: pd.DataFrame, validate: bool) -> np.ndarray:
    """Return each row's event number, checking the whole table first when asked.

    The whole table is checked here so that an error names its row in the table; each chunk
    is then checked again (and normalised) where it is evaluated, so no normalised copy of a
    table of millions of rows is ever made.
    """
    if validate:
        return check_and_factorize(events).event
    event: np.ndarray = pd.factorize(events["event_id"], sort=False)[0]
    return event


def event_chunks(events: pd.DataFrame, event: np.ndarray, chunk_events: int) -> list[pd.DataFrame]:
    """Split ``events`` into contiguous ranges of ``chunk_events`` events, rows in order."""
    n_events = int(event.max()) + 1 if len(event) else 0
    bounds = np.arange(0, n_events + chunk_events, chunk_events)
    chunk_of_row = np.searchsorted(bounds, event, side="right") - 1
    order = np.argsort(chunk_of_row, kind="stable")
    cuts = np.searchsorted(chunk_of_row[order], np.arange(len(bounds)))
    return [events.iloc[order[a:b]] for a, b in itertools.pairwise(cuts) if b > a]


def evaluate_events_to_parquet(
    panel: PricePanel,
    events: pd.DataFrame,
    path: Any,
    horizons: Sequence[Horizon] = DEFAULT_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    trading: Trading | None = None,
    chunk_events: int = DEFAULT_CHUNK_EVENTS,
    validate: bool = True,
    metadata: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """Evaluate chunk by chunk, appending each chunk's table to one Parquet file.

    Memory stays bounded by the chunk (the result never exists whole in memory); the file's
    rows equal the in-memory table's.  Written to a temporary name and renamed when
    complete.  ``metadata`` goes into the schema under the key ``thematic``, as given (keep
    it small: file metadata has a size limit).  Returns the numbers of rows written and of
    constituents excluded.
    """
    import json

    import pyarrow as pa
    import pyarrow.parquet as pq

    from thematic.files import atomic_path

    rule = parse_entry(entry)
    hs = parse_horizons(horizons)
    event = _checked(events, validate)
    rows = excluded = 0
    writer = None
    with atomic_path(path) as tmp:
        try:
            for piece in event_chunks(events, event, chunk_events) or [events]:
                res = evaluate_events(panel, piece, hs, rule, validate=validate, trading=trading)
                table = res.table
                if table["horizon"].dtype == object:  # "max" among whole numbers
                    table = table.assign(horizon=table["horizon"].astype(str))
                # Categoricals go in as Arrow dictionary columns: no million Python strings.
                arrow = pa.Table.from_pandas(table, preserve_index=False)
                if writer is None:
                    meta = dict(arrow.schema.metadata or {})
                    meta[b"thematic"] = json.dumps(metadata or {}, default=str).encode()
                    writer = pq.ParquetWriter(tmp, arrow.schema.with_metadata(meta))
                writer.write_table(arrow.replace_schema_metadata(writer.schema.metadata))
                rows += len(table)
                excluded += len(res.missing)
        finally:
            if writer is not None:
                writer.close()
    return rows, excluded


def _concat(frames: Sequence[pd.DataFrame]) -> pd.DataFrame:
    """Concatenate in order, uniting categoricals (categories in order of appearance)."""
    from pandas.api.types import union_categoricals

    out = pd.concat([f for f in frames if len(f)] or list(frames[:1]), ignore_index=True)
    for col in frames[0].columns:
        if all(isinstance(f[col].dtype, pd.CategoricalDtype) for f in frames):
            # Every chunk's categories, empty chunks' too: as one process would list them.
            out[col] = union_categoricals([f[col] for f in frames], sort_categories=False)
    return out
