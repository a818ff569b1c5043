"""A call published before the data starts: ``stats`` must say so, as ``evaluate`` does.

It used to report such a call as "published after the data" with the note "horizon ends
after the last session of the data": encode gives it the entry session ``len(dates)``, the
same as a call published after the data, and study_events told the two apart by neither.
Synthetic prices (tests/stats_market.py), never market data.
"""

from __future__ import annotations

import datetime as dt

from tests.stats_market import basket, provider
from thematic.runs.event_study import study_events


def test_a_basket_published_before_the_data_is_reported_as_such() -> None:
    early = basket("early", 4, ["600001", "600002"])
    early = early.model_copy(
        update={"report": early.report.model_copy(update={"published": dt.date(2023, 12, 29)})}
    )
    late = basket("late", 9, ["600001"])  # published on the last session: after the data
    got = study_events([early, late], horizons="1", est_window=4, est_gap=0, min_obs=4,
                       provider=provider())  # fmt: skip
    # The data's first session is 2024-01-01, its last 2024-01-12 (tests/stats_market.py).
    assert got.table["note"].tolist() == [
        "published before the first session of the data (2024-01-01)",  # evaluate's note
        "horizon ends after the last session of the data (2024-01-12)",
    ]
    assert [x["reason"] for x in got.metadata["excluded"]] == [
        "published before the data starts (2024-01-01)",  # evaluate's reason
        "published before the data starts (2024-01-01)",
        "published after the data",
    ]
    assert got.table["entry_date"].isna().all()
