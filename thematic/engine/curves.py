"""Daily cumulative basket and benchmark returns since entry (the price path of each event)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from thematic.constants import DEFAULT_ENTRY
from thematic.data.panel import PricePanel
from thematic.engine.encode import encode
from thematic.engine.kernels import benchmark_entry, gather_returns
from thematic.events import check_and_factorize
from thematic.rules import parse_entry

CURVE_COLUMNS: tuple[str, ...] = (
    "basket",
    "session",
    "date",
    "basket_return",
    "benchmark_return",
    "excess_return",
)


def cumulative_curves(
    panel: PricePanel,
    events: pd.DataFrame,
    entry: str = DEFAULT_ENTRY,
    validate: bool = True,
) -> pd.DataFrame:
    """Daily cumulative basket and benchmark returns from entry to the panel's last session.

    Session 0 is the entry session (for ``next_open``, its close against the open).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`CURVE_COLUMNS`, one row per (event, session); events without an entry
        session or without any priced constituent have no rows.
    """
    rule = parse_entry(entry)
    fac = None
    if validate:
        fac = check_and_factorize(events)
    enc = encode(panel, events, rule, fac)
    t = len(panel.dates)
    usable = (enc.entry < t) & (enc.n_present > 0)
    length = np.where(usable, t - enc.entry, 0)
    n_events = len(enc.ids)
    # One output row per (event, session): its event and its session offset.
    starts = np.cumsum(length) - length
    out_event = np.repeat(np.arange(n_events), length)
    offset = np.arange(length.sum()) - np.repeat(starts, length)
    day = enc.entry[out_event] + offset
    # One work row per (present constituent, session) of usable events.
    rows = np.flatnonzero(enc.present & usable[enc.event])
    row_len = length[enc.event[rows]]
    work_row = np.repeat(rows, row_len)
    work_out = np.repeat(starts[enc.event[rows]], row_len) + (
        np.arange(row_len.sum()) - np.repeat(np.cumsum(row_len) - row_len, row_len)
    )
    r = gather_returns(panel, enc, work_row, day[work_out])
    w = enc.weight[work_row] if enc.weight is not None else np.ones(len(work_row))
    n_out = len(out_event)
    w_sum = np.bincount(work_out, weights=w, minlength=n_out)
    basket = np.bincount(work_out, weights=w * r, minlength=n_out) / w_sum
    bench_p0 = benchmark_entry(panel, rule)
    bench = panel.benchmark_close[day] / bench_p0[enc.entry[out_event]] - 1.0
    return pd.DataFrame(
        {
            "basket": enc.ids.to_numpy()[out_event],
            "session": offset,
            "date": panel.dates.to_numpy(dtype="datetime64[ns]")[day],
            "basket_return": basket,
            "benchmark_return": bench,
            "excess_return": basket - bench,
        },
        columns=list(CURVE_COLUMNS),
    )
