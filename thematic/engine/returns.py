"""Returns of events on a panel: the horizon table and the daily cumulative curves.

Input: a :class:`~thematic.data.panel.PricePanel` (sessions x codes) and an events table with
one row per basket constituent (``event_id, published, code[, weight]``).  Output: tidy
DataFrames.  No file, network or plotting here, and no Python loop over events or
constituents: every step is a gather or a ``bincount`` over all rows at once, so the same code
serves seven baskets and a million calls.  The work partitions by event: evaluating chunks of
events separately and concatenating gives the same table (see ``docs/scaling.md``).

Conventions
-----------
- Calendar: the panel's sessions (the benchmark's trading days).
- Entry: the first session strictly after the publication date, at its open (``next_open``)
  or close (``next_close``); the benchmark enters at the same price type on the same day.
- Exit for horizon ``h``: the close ``h`` sessions after the entry session; ``"max"`` is the
  panel's last session.  A stock without a bar on the exit day is valued at its last close.
- A constituent without a price on the entry day is excluded and the remaining weights are
  renormalised; it is reported in :attr:`Evaluation.missing`.
- Basket return: buy-and-hold, ``sum_i w_i r_i`` with the initial weights.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from thematic.constants import (
    DEFAULT_ENTRY,
    DEFAULT_HORIZONS,
    MAX_HORIZON,
    RESULT_COLUMNS,
    EntryRule,
)
from thematic.data.panel import PricePanel
from thematic.engine.encode import Encoded, encode, missing_reasons
from thematic.events import validate_events
from thematic.rules import Horizon, parse_entry, parse_horizons

MISSING_COLUMNS: tuple[str, ...] = ("basket", "code", "entry_date", "reason")
CURVE_COLUMNS: tuple[str, ...] = (
    "basket",
    "session",
    "date",
    "basket_return",
    "benchmark_return",
    "excess_return",
)

# Notes explaining a row without numbers; "" on rows that have them.
_NOTE_OK = ""
_NOTE_BEFORE = "published before the first session of the data ({first})"
_NOTE_AFTER = "no session after publication in the data (last session {last})"
_NOTE_NONE = "no constituent has a price on the entry day"
_NOTE_BEYOND = "horizon ends after the last session of the data ({last})"

#: Events evaluated per pass of the core loop (sized so temporaries fit in cache).
EVENT_CHUNK = 16_384


@dataclass(frozen=True)
class Evaluation:
    """The engine's answer: the result table and the constituents left out of it."""

    table: pd.DataFrame
    """One row per (event, horizon), columns :data:`~thematic.constants.RESULT_COLUMNS`."""
    missing: pd.DataFrame
    """One row per excluded constituent: ``basket, code, entry_date, reason``."""


def _gather_returns(
    panel: PricePanel, enc: Encoded, rows: np.ndarray, exit_session: np.ndarray
) -> np.ndarray:
    """Return the returns of ``rows`` from their entry price to the closes at ``exit_session``.

    ``exit_session`` has one row per element of ``rows`` (any number of columns); the result
    has its shape.  One flat gather from the code-major close array.
    """
    t = len(panel.dates)
    flat = panel.close_filled_by_code.reshape(-1)
    shape = (len(rows),) + (1,) * (exit_session.ndim - 1)
    index = enc.col[rows].reshape(shape) * t + exit_session
    result: np.ndarray = flat[index] / enc.p0[rows].reshape(shape) - 1.0
    return result


def _benchmark_entry(panel: PricePanel, entry: EntryRule) -> np.ndarray:
    return panel.benchmark_open if entry == "next_open" else panel.benchmark_close


def evaluate_events(
    panel: PricePanel,
    events: pd.DataFrame,
    horizons: Sequence[Horizon] = DEFAULT_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    validate: bool = True,
) -> Evaluation:
    """Evaluate every event at every horizon against the panel's benchmark.

    Parameters
    ----------
    panel
        Prices of the constituents and the benchmark.
    events
        One row per constituent: ``event_id``, ``published`` (date), ``code`` and optionally
        ``weight`` (all or none per event; none means equal weights).
    horizons
        Sessions after the entry session, or ``"max"`` for the last session of the panel.
    entry
        ``"next_open"`` or ``"next_close"``.
    validate
        Check ``events`` with :func:`thematic.events.validate_events` first; pass False only
        for a table that has been checked already (as :func:`thematic.evaluate_calls` does).

    Returns
    -------
    Evaluation
        ``table``: one row per (event, horizon), events in order of first appearance,
        horizons in the order given; ``missing``: the constituents left out.

    Examples
    --------
    A two-session panel, one stock that rises 10 % from the open while the benchmark rises 5 %:

    >>> from thematic.data.panel import PricePanel
    >>> p = PricePanel(pd.DatetimeIndex(["2024-03-22", "2024-03-25", "2024-03-26"]),
    ...     pd.Index(["300308"]), np.array([[9.0], [10.0], [10.5]]),
    ...     np.array([[9.5], [10.5], [11.0]]), "000300", np.array([99.0, 100.0, 101.0]),
    ...     np.array([99.5, 102.0, 105.0]))
    >>> ev = pd.DataFrame({"event_id": ["x"], "published": ["2024-03-22"], "code": ["300308"]})
    >>> row = evaluate_events(p, ev, horizons=[1]).table.iloc[0]
    >>> str(row.entry_date.date()), str(row.exit_date.date())
    ('2024-03-25', '2024-03-26')
    >>> round(float(row.basket_return), 12), round(float(row.benchmark_return), 12)
    (0.1, 0.05)
    """
    rule = parse_entry(entry)
    hs = parse_horizons(horizons)
    if validate:
        events = validate_events(events)
    enc = encode(panel, events, rule)
    t = len(panel.dates)
    n_events, n_h = len(enc.ids), len(hs)
    has_entry = enc.entry < t
    e_safe = np.minimum(enc.entry, t - 1)

    # Exit session of every (event, horizon); t marks "after the data".
    steps = np.array([0 if h == MAX_HORIZON else int(h) for h in hs], dtype=np.int64)
    is_max = np.array([h == MAX_HORIZON for h in hs])
    x = np.where(is_max, t - 1, enc.entry[:, None] + steps)
    in_data = has_entry[:, None] & (x < t)
    exit_s = np.where(in_data, x, t)
    ok = in_data & (enc.n_present > 0)[:, None]
    x_safe = np.where(ok, x, e_safe[:, None])

    bench_p0 = _benchmark_entry(panel, rule)[e_safe]
    bench = panel.benchmark_close[x_safe] / bench_p0[:, None] - 1.0

    # Every priced constituent at every horizon, gathered and summed per (event, horizon) in
    # chunks of events: temporaries stay cache-sized and are reused instead of faulting in
    # hundreds of MB at a million events.
    rows = np.flatnonzero(enc.present)
    ev = enc.event[rows]
    if len(ev) and (ev[1:] < ev[:-1]).any():  # group each event's rows together
        order = np.argsort(ev, kind="stable")
        rows, ev = rows[order], ev[order]
    w = enc.weight[rows]
    w_sum = np.bincount(ev, weights=w, minlength=n_events)
    weighted = np.zeros((n_events, n_h))
    beats = np.zeros((n_events, n_h))
    bounds = np.searchsorted(ev, np.arange(0, n_events + EVENT_CHUNK, EVENT_CHUNK))
    for lo, hi in itertools.pairwise(bounds):  # one pass per chunk of events, not per event
        if lo == hi:
            continue
        ev_c = ev[lo:hi]
        r = _gather_returns(panel, enc, rows[lo:hi], x_safe[ev_c])
        starts = np.flatnonzero(np.r_[True, ev_c[1:] != ev_c[:-1]])
        first = ev_c[starts]
        weighted[first] = np.add.reduceat(w[lo:hi, None] * r, starts, axis=0)
        above = (r > bench[ev_c]).view(np.int8)
        beats[first] = np.add.reduceat(above, starts, axis=0, dtype=np.int32)
    with np.errstate(invalid="ignore", divide="ignore"):
        basket = np.where(ok, weighted / w_sum[:, None], np.nan)
        hit = np.where(ok, beats / enc.n_present[:, None], np.nan)
    bench = np.where(ok, bench, np.nan)

    dates = panel.dates.to_numpy(dtype="datetime64[ns]")
    dates_nat = np.append(dates, np.datetime64("NaT", "ns"))
    first_day = f"{panel.dates[0]:%Y-%m-%d}"
    last = f"{panel.dates[-1]:%Y-%m-%d}"
    notes = [_NOTE_OK, _NOTE_BEFORE.format(first=first_day), _NOTE_AFTER.format(last=last),
             _NOTE_NONE, _NOTE_BEYOND.format(last=last)]  # fmt: skip
    note_code = np.zeros((n_events, n_h), dtype=np.int8)
    note_code[exit_s >= t] = 4
    note_code[(enc.n_present == 0)[:, None] & (note_code == 0)] = 3
    note_code[~has_entry, :] = 2
    note_code[enc.before, :] = 1

    horizon_col = np.tile(np.array(hs, dtype=object if MAX_HORIZON in hs else np.int64), n_events)
    excess = basket - bench
    with np.errstate(invalid="ignore"):
        relative = (1.0 + basket) / (1.0 + bench) - 1.0
    table = pd.DataFrame(
        {
            "basket": pd.Categorical.from_codes(
                np.repeat(np.arange(n_events), n_h), enc.ids, validate=False
            ),
            "published": np.repeat(enc.published, n_h),
            "entry_rule": pd.Categorical.from_codes(
                np.zeros(n_events * n_h, dtype=np.int8), categories=pd.Index([rule])
            ),
            "entry_date": np.repeat(dates_nat[enc.entry], n_h),
            "horizon": horizon_col,
            "exit_date": dates_nat[exit_s.ravel()],
            "n_constituents": np.repeat(enc.n_rows, n_h),
            "n_missing": np.repeat(enc.n_rows - enc.n_present, n_h),
            "basket_return": basket.ravel(),
            "benchmark_return": bench.ravel(),
            "excess_return": excess.ravel(),
            "relative_return": relative.ravel(),
            "hit_rate": hit.ravel(),
            "note": pd.Categorical.from_codes(note_code.ravel(), categories=pd.Index(notes)),
        },
        columns=list(RESULT_COLUMNS),
    )
    return Evaluation(table=table, missing=_missing(panel, enc))


def _missing(panel: PricePanel, enc: Encoded) -> pd.DataFrame:
    rows = np.flatnonzero(~enc.present)
    t = len(panel.dates)
    dates_nat = np.append(panel.dates.to_numpy(dtype="datetime64[ns]"), np.datetime64("NaT"))
    return pd.DataFrame(
        {
            "basket": pd.Categorical.from_codes(enc.event[rows], enc.ids),
            "code": pd.Categorical.from_codes(enc.code_of_row[rows], pd.Index(enc.distinct_codes)),
            "entry_date": dates_nat[np.minimum(enc.entry[enc.event[rows]], t)],
            "reason": missing_reasons(panel, enc, rows),
        },
        columns=list(MISSING_COLUMNS),
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
    if validate:
        events = validate_events(events)
    enc = encode(panel, events, rule)
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
    r = _gather_returns(panel, enc, work_row, day[work_out])
    w = enc.weight[work_row]
    n_out = len(out_event)
    w_sum = np.bincount(work_out, weights=w, minlength=n_out)
    basket = np.bincount(work_out, weights=w * r, minlength=n_out) / w_sum
    bench_p0 = _benchmark_entry(panel, rule)
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
