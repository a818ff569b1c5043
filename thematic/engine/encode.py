"""Events turned into integer arrays against one panel: event numbers, columns, entry sessions.

The encoding is where a call meets the calendar: the entry session is the first session
strictly after the publication date, and a constituent is priced when its entry price
exists.  It is shared by the return kernels (and, later, the abnormal-return kernels).
Events are assumed valid (:func:`thematic.events.validate_events` has checked them).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from thematic.constants import NS_PER_DAY, EntryRule
from thematic.data.panel import PricePanel
from thematic.events import EventArrays

# Why a constituent has no entry price; the reasons are facts about the data, never guesses.
REASON_NO_DATA = "no price data for this code"
REASON_BEFORE_DATA = "published before the data starts ({first})"
REASON_AFTER_DATA = "no session after publication in the data (last session {last})"
REASON_NOT_LISTED = "not listed yet on the entry day (first bar {first_bar})"
REASON_SUSPENDED = "no bar on the entry day (suspended; last bar before it {last_bar})"
REASON_ENDED = "no bar on or after the entry day (series ends {last_bar})"


@dataclass(frozen=True)
class Encoded:
    """Events turned into integer arrays against one panel."""

    ids: pd.Index  # event ids, in order of first appearance
    published: np.ndarray  # datetime64[ns] per event
    entry: np.ndarray  # entry session per event; len(dates) when there is none
    event: np.ndarray  # event number per row
    col: np.ndarray  # panel column per row, -1 when the panel has no such code
    code_of_row: np.ndarray  # index into distinct_codes per row
    distinct_codes: pd.Index  # the distinct codes (strings), in order of first appearance
    weight: np.ndarray | None  # raw weight per row; None when every call is equal-weighted
    p0: np.ndarray  # entry price per row, NaN when absent
    present: np.ndarray  # bool per row: priced on the entry day
    n_rows: np.ndarray  # constituents per event
    n_present: np.ndarray  # priced constituents per event
    before: np.ndarray  # bool per event: published before the data starts

    @cached_property
    def basket_dtype(self) -> pd.CategoricalDtype:
        """The categorical type of a ``basket`` column (made once per evaluation)."""
        return unique_categories(self.ids)

    @cached_property
    def code_dtype(self) -> pd.CategoricalDtype:
        """The categorical type of a ``code`` column."""
        return unique_categories(self.distinct_codes)


def unique_categories(values: pd.Index) -> pd.CategoricalDtype:
    """Return a categorical type over ``values`` (unique from factorising) without re-checking.

    pandas checks categories for duplicates by hashing them all again (0.8 ms for 10,000
    event ids); its own fast path skips that for values known to be unique.
    """
    fast = getattr(pd.CategoricalDtype, "_from_fastpath", None)
    dtype: pd.CategoricalDtype = fast(values, False) if fast else pd.CategoricalDtype(values)
    return dtype


def encode(
    panel: PricePanel,
    events: pd.DataFrame | EventArrays,
    entry: EntryRule,
    fac: EventArrays | None = None,
) -> Encoded:
    """Encode validated events against ``panel`` for the entry rule ``entry``.

    ``events``: a validated table, or the validator's :class:`~thematic.events.EventArrays`
    (used as they are).  ``fac``: the arrays of the table ``events``, reused instead of redone.
    """
    checked = isinstance(events, EventArrays) or fac is not None
    if isinstance(events, EventArrays):
        fac = events
    elif fac is None:
        fac = _factorize(events)
    event, ids, code_of_row, distinct = fac.event, fac.ids, fac.code_of_row, fac.codes
    published, given = fac.published, fac.weight
    ids = pd.Index(ids, name="basket")
    n_events = len(ids)

    # Look up distinct codes only: a million rows name a few thousand codes.  Codes the
    # validator saw are six ASCII digits (a quicker lookup); a table may hold other text.
    col = panel.columns_of(pd.Index(distinct), checked=checked)[code_of_row]
    weight = None
    if given is not None and not np.isnan(given).all():
        weight = np.where(np.isnan(given), 1.0, given)

    dates = panel.dates.to_numpy(dtype="datetime64[ns]")
    t, n = len(dates), len(panel.codes)
    entry_session = panel.sessions_after(published)
    before = published < dates[0]
    entry_session[before] = t

    # One flat gather of every entry price (no boolean-indexed 2-D fancy indexing).
    prices = (panel.open if entry == "next_open" else panel.close).reshape(-1)
    at = np.take(entry_session, event)
    ok = (col >= 0) & (at < t)
    at *= n
    at += col
    at[~ok] = 0
    p0 = np.take(prices, at) if n else np.full(len(event), np.nan)
    p0[~ok] = np.nan
    present = np.isfinite(p0)
    return Encoded(
        ids=ids,
        published=published,
        entry=entry_session,
        event=event,
        col=col,
        code_of_row=code_of_row,
        distinct_codes=pd.Index(distinct, dtype="str"),
        weight=weight,
        p0=p0,
        present=present,
        n_rows=np.bincount(event, minlength=n_events),
        n_present=np.bincount(event[present], minlength=n_events).astype(np.int64),
        before=before,
    )


def _factorize(events: pd.DataFrame) -> EventArrays:
    """Factorise a table the validator has checked without keeping its arrays."""
    event, ids = pd.factorize(events["event_id"], sort=False)
    code_of_row, distinct = pd.factorize(events["code"].astype(str), sort=False)
    pub: pd.Series = events["published"]
    if not pd.api.types.is_datetime64_dtype(pub):
        pub = pd.Series(pd.to_datetime(pub))
    published_rows = pub.to_numpy(dtype="datetime64[ns]")
    # Keep the calendar date only: a time of day must not move entry to the same session.
    ns = published_rows.view(np.int64)
    published_rows = (ns - ns % NS_PER_DAY).view("datetime64[ns]")
    published = np.empty(len(ids), dtype="datetime64[ns]")
    published[event] = published_rows
    weight = events["weight"].to_numpy(dtype="float64") if "weight" in events.columns else None
    return EventArrays(event, pd.Index(ids), code_of_row, pd.Index(distinct), published, weight)


def missing_reasons(panel: PricePanel, enc: Encoded, rows: np.ndarray) -> pd.Categorical:
    """Say, for each unpriced row, why it has no entry price (true reasons, from the data).

    Vectorised: a reason is formatted once per distinct (reason, date) pair.
    """
    t = len(panel.dates)
    fmt = np.append(panel.dates.strftime("%Y-%m-%d").to_numpy(dtype=object), "none")
    col = enc.col[rows]
    ev = enc.event[rows]
    e = enc.entry[ev]
    c = np.where(col < 0, len(panel.codes), col)  # a code the panel lacks reads the -1 pad
    first_bar = np.append(panel.first_bar, -1)[c]
    last_bar = np.append(panel.last_bar, -1)[c]
    kind = np.full(len(rows), 5, dtype=np.int64)  # suspended unless something earlier applies
    kind[last_bar < e] = 4
    kind[(first_bar < 0) | (first_bar > e)] = 3
    kind[e >= t] = 2
    kind[enc.before[ev]] = 1
    kind[col < 0] = 0
    day = np.full(len(rows), t, dtype=np.int64)  # the date each reason names
    day[kind == 1] = 0
    day[kind == 2] = t - 1
    day[kind == 3] = np.where(first_bar < 0, t, first_bar)[kind == 3]
    day[kind == 4] = last_bar[kind == 4]
    for i in np.flatnonzero(kind == 5):  # suspensions are rare: find each one's last bar
        prior = np.flatnonzero(np.isfinite(panel.close[: e[i], c[i]]))
        day[i] = prior[-1] if len(prior) else e[i]
    templates = (REASON_NO_DATA, REASON_BEFORE_DATA, REASON_AFTER_DATA, REASON_NOT_LISTED,
                 REASON_ENDED, REASON_SUSPENDED)  # fmt: skip
    key = kind * (t + 1) + day
    uniq, code = np.unique(key, return_inverse=True)
    text = [
        templates[k // (t + 1)].format(
            first=fmt[0], last=fmt[t - 1], first_bar=fmt[k % (t + 1)], last_bar=fmt[k % (t + 1)]
        )
        for k in uniq.tolist()
    ]
    # Categories in order of appearance (so any partition of the events concatenates to the
    # same column); keys that format alike (no date in the template) share one category.
    per_row = np.array(text, dtype=object)[code]
    codes_of_row, labels = pd.factorize(pd.Index(per_row, dtype="str"), sort=False)
    return pd.Categorical.from_codes(codes_of_row, categories=pd.Index(labels, dtype="str"))
