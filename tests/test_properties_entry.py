"""Entry is strictly after publication, always (hypothesis over calendars and dates).

Synthetic panels (flat prices: only the calendar matters here) of up to three years of
sessions, and publication dates before, inside and after them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.helpers import IGNORE, examples
from thematic.data.panel import PricePanel
from thematic.engine import evaluate_events


def _panel(start: pd.Timestamp, sessions: int) -> PricePanel:
    dates = pd.bdate_range(start, periods=sessions)
    flat = np.ones((sessions, 1))
    return PricePanel(dates, pd.Index(["600000"]), flat, flat * 1.01, "000300",
                      np.ones(sessions), np.ones(sessions))  # fmt: skip


@settings(max_examples=examples(200), deadline=None)
@given(
    start=st.dates(pd.Timestamp("2005-01-01").date(), pd.Timestamp("2021-12-31").date()),
    sessions=st.integers(1, 800),
    offsets=st.lists(st.integers(-30, 1200), min_size=1, max_size=6),
)
def test_entry_is_the_first_session_strictly_after_publication(start, sessions, offsets) -> None:
    p = _panel(pd.Timestamp(start), sessions)
    published = [p.dates[0] + pd.Timedelta(days=d) for d in offsets]
    ev = pd.DataFrame({"event_id": [f"e{i}" for i in range(len(published))],
                       "published": published, "code": "600000"})  # fmt: skip
    t = evaluate_events(p, ev, [1, "max"], "next_open", trading=IGNORE).table
    for pub, row in zip(np.repeat(published, 2), t.itertuples(), strict=True):
        later = p.dates[p.dates > pub]
        if pub < p.dates[0]:  # the first session after it may be before the data: unknown
            assert pd.isna(row.entry_date) and row.note.startswith("published before the first")
        elif len(later):
            assert row.entry_date == later[0], (pub, row.entry_date)
            assert row.entry_date > pub
        else:  # no session after publication: no entry, no number, a note saying why
            assert pd.isna(row.entry_date) and np.isnan(row.basket_return), (pub, row)
            assert row.note.startswith("no session after publication")
        if not pd.isna(row.exit_date):
            assert row.exit_date >= row.entry_date


def test_published_on_the_last_session_of_a_long_panel_has_no_entry() -> None:
    # 150 sessions span 209 calendar days: enough for np.arange's floating-point length to
    # drop the last day, which then mapped to the last session (bought on the publication
    # day, and under "max" sold the same day: an open-to-close return as a holding period).
    p = _panel(pd.Timestamp("2024-01-02"), 150)
    last = p.dates[-1]
    ev = pd.DataFrame({"event_id": ["on", "after", "before"], "code": "600000",
                       "published": [last, last + pd.Timedelta(days=3), p.dates[-2]]})  # fmt: skip
    t = evaluate_events(p, ev, ["max"], "next_open", trading=IGNORE).table.set_index("basket")
    for e in ("on", "after"):
        assert pd.isna(t.loc[e, "entry_date"]) and np.isnan(t.loc[e, "basket_return"])
        assert (
            t.loc[e, "note"]
            == f"no session after publication in the data (last session {last:%Y-%m-%d})"
        )
    assert t.loc["before", "entry_date"] == last  # published the day before: enters on the last
    assert t.loc["before", "basket_return"] == 1.01 - 1  # open 1, close 1.01 (hand value)
