"""Engine tests on a hand-made panel; every expected number is worked out by hand below."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from tests.helpers import ABC, IGNORE, NAN, PANEL, events, make_panel
from thematic.constants import RESULT_COLUMNS
from thematic.engine import cumulative_curves, evaluate_events
from thematic.errors import EventsError, UsageError
from thematic.rules import parse_horizons


def row(table: pd.DataFrame, basket: str, horizon: object) -> pd.Series:
    sel = table[(table.basket == basket) & (table.horizon == horizon)]
    assert len(sel) == 1
    return sel.iloc[0]


def test_columns_exactly() -> None:
    table = evaluate_events(PANEL, ABC, [1], trading=IGNORE).table
    assert list(table.columns) == list(RESULT_COLUMNS)


def test_next_open_by_hand() -> None:
    res = evaluate_events(PANEL, ABC, [1, 2, 3, "max"], "next_open", trading=IGNORE)
    t = res.table
    r1 = row(t, "e1", 1)
    # Friday publication -> entry Monday 03-25 at the open; C has no bar then (excluded).
    assert r1.entry_date == pd.Timestamp("2024-03-25")
    assert r1.exit_date == pd.Timestamp("2024-03-26")
    assert (r1.n_constituents, r1.n_missing) == (3, 1)
    # A: 12/10-1 = 0.2; B suspended on the exit day, valued at last close 19: 19/20-1 = -0.05.
    assert r1.basket_return == pytest.approx(0.075, abs=1e-15)
    assert r1.benchmark_return == pytest.approx(0.03, abs=1e-15)  # 103/100-1
    assert r1.excess_return == pytest.approx(0.045, abs=1e-15)
    assert r1.relative_return == pytest.approx(1.075 / 1.03 - 1, abs=1e-15)
    assert r1.hit_rate == 0.5
    assert r1.note == "" and r1.entry_rule == "next_open"
    r2 = row(t, "e1", 2)  # A 13/10-1 = 0.3, B 24/20-1 = 0.2, bench 102/100-1 = 0.02
    assert r2.basket_return == pytest.approx(0.25, abs=1e-15)
    assert r2.benchmark_return == pytest.approx(0.02, abs=1e-15)
    assert r2.hit_rate == 1.0
    r3 = row(t, "e1", 3)
    assert math.isnan(r3.basket_return) and math.isnan(r3.hit_rate) and pd.isna(r3.exit_date)
    assert r3.note == "horizon ends after the last session of the data (2024-03-27)"
    rmax = row(t, "e1", "max")
    assert rmax.exit_date == pd.Timestamp("2024-03-27")
    assert rmax.basket_return == r2.basket_return
    assert res.missing.to_dict("records") == [
        {
            "basket": "e1",
            "code": "000003",
            "entry_date": pd.Timestamp("2024-03-25"),
            "reason": "not listed yet on the entry day (first bar 2024-03-26)",
        }
    ]


def test_next_close_by_hand() -> None:
    r1 = row(evaluate_events(PANEL, ABC, [1], "next_close", trading=IGNORE).table, "e1", 1)
    # Entry at Monday's close: A 11, B 19, bench 101.  Exit Tuesday: A 12, B last close 19.
    assert r1.basket_return == pytest.approx((12 / 11 - 1 + 0.0) / 2, abs=1e-15)
    assert r1.benchmark_return == pytest.approx(103 / 101 - 1, abs=1e-15)
    assert r1.hit_rate == 0.5
    assert r1.entry_rule == "next_close"


def test_weekend_publication_and_explicit_weights() -> None:
    ev = events(("w", "2024-03-23", "000001", 0.25), ("w", "2024-03-23", "000002", 0.75))
    r1 = row(evaluate_events(PANEL, ev, [1], trading=IGNORE).table, "w", 1)
    assert r1.entry_date == pd.Timestamp("2024-03-25")  # Saturday -> Monday
    assert r1.basket_return == pytest.approx(0.25 * 0.2 + 0.75 * -0.05, abs=1e-15)


def test_missing_constituent_renormalises_weights() -> None:
    ev = events(("m", "2024-03-22", "000001", 0.5), ("m", "2024-03-22", "000003", 0.5))
    r1 = row(evaluate_events(PANEL, ev, [1], trading=IGNORE).table, "m", 1)
    assert r1.basket_return == pytest.approx(0.2, abs=1e-15)
    assert (r1.n_constituents, r1.n_missing, r1.hit_rate) == (2, 1, 1.0)


def test_unknown_code_is_missing_with_reason() -> None:
    ev = events(("u", "2024-03-22", "000001"), ("u", "2024-03-22", "600000"))
    res = evaluate_events(PANEL, ev, [1], trading=IGNORE)
    assert row(res.table, "u", 1).basket_return == pytest.approx(0.2, abs=1e-15)
    assert list(res.missing["reason"]) == ["no price data for this code"]


def test_rows_without_numbers_say_why() -> None:
    ev = events(
        ("late", "2024-03-27", "000001"),  # no session after the last one
        ("early", "2024-03-01", "000001"),  # before the data begins
        ("none", "2024-03-21", "000003"),  # C not listed on the entry day 03-22
    )
    t = evaluate_events(PANEL, ev, [1], trading=IGNORE).table
    assert t.set_index("basket")["note"].to_dict() == {
        "late": "no session after publication in the data (last session 2024-03-27)",
        "early": "published before the first session of the data (2024-03-21)",
        "none": "no constituent has a price on the entry day",
    }
    assert t["basket_return"].isna().all() and t["benchmark_return"].isna().all()
    assert pd.isna(t.set_index("basket").loc["late", "entry_date"])


def test_hit_rate_tie_does_not_count() -> None:
    # A from Monday's close 11 to Tuesday 12 is +9.09%; make the benchmark match it exactly.
    p = make_panel(
        ["2024-03-22", "2024-03-25", "2024-03-26"],
        opens={"000001": [1, 11, 12]},
        closes={"000001": [1, 11, 12]},
        bench_open=[1, 11, 12],
        bench_close=[1, 11, 12],
    )
    r = row(
        evaluate_events(
            p, events(("t", "2024-03-22", "000001")), [1], "next_close", trading=IGNORE
        ).table,
        "t",
        1,
    )
    assert r.excess_return == 0.0 and r.hit_rate == 0.0


def test_events_partition_gives_same_table() -> None:
    ev = pd.concat([ABC, events(("w", "2024-03-23", "000001"), ("w", "2024-03-23", "000002"))])
    whole = evaluate_events(PANEL, ev, [1, 2], trading=IGNORE).table
    parts = pd.concat(
        [
            evaluate_events(PANEL, ev[ev.event_id == e], [1, 2], trading=IGNORE).table
            for e in ("e1", "w")
        ],
        ignore_index=True,
    )
    # basket is categorical per call; concatenating calls with other events gives strings.
    pd.testing.assert_frame_equal(whole.astype({"basket": str}), parts.astype({"basket": str}))


def test_inconsistent_events_are_rejected() -> None:
    with pytest.raises(EventsError, match="event 'x' has more than one published date"):
        evaluate_events(
            PANEL, events(("x", "2024-03-22", "000001"), ("x", "2024-03-25", "000002")), [1]
        )
    mixed = events(("y", "2024-03-22", "000001", 1.0), ("y", "2024-03-22", "000002", NAN))
    with pytest.raises(EventsError, match="weight is missing in event 'y'"):
        evaluate_events(PANEL, mixed, [1], trading=IGNORE)
    with pytest.raises(EventsError, match=r"missing column\(s\) \['code'\]"):
        evaluate_events(
            PANEL, pd.DataFrame({"event_id": ["a"], "published": ["2024-03-22"]}), trading=IGNORE
        )
    # A Python caller sees the parameter's name, not a command-line flag.
    with pytest.raises(UsageError, match=r"^entry: 'open' is not one of next_open, next_close"):
        evaluate_events(PANEL, ABC, [1], "open", trading=IGNORE)


def test_parse_horizons() -> None:
    assert parse_horizons("1,5,max") == [1, 5, "max"]
    assert parse_horizons([20, "MAX"]) == [20, "max"]
    for bad in ("", "1,x", "-3", "2.5", "5,5"):
        with pytest.raises(UsageError, match=r"^horizons: "):
            parse_horizons(bad)
        with pytest.raises(UsageError, match=r"^--horizons: "):
            parse_horizons(bad, param="--horizons")


def test_cumulative_curves_by_hand() -> None:
    c = cumulative_curves(PANEL, ABC, "next_open")
    assert list(c["date"].dt.strftime("%m-%d")) == ["03-25", "03-26", "03-27"]
    assert list(c["session"]) == [0, 1, 2]
    # Entry-day close against the open: A 11/10-1 = 0.1, B 19/20-1 = -0.05.
    np.testing.assert_allclose(c["basket_return"], [0.025, 0.075, 0.25], atol=1e-15)
    np.testing.assert_allclose(c["benchmark_return"], [0.01, 0.03, 0.02], atol=1e-15)
    np.testing.assert_allclose(c["excess_return"], [0.015, 0.045, 0.23], atol=1e-15)


def test_curves_agree_with_horizon_table() -> None:
    c = cumulative_curves(PANEL, ABC, "next_close").set_index("session")
    t = evaluate_events(PANEL, ABC, [1, 2], "next_close", trading=IGNORE).table.set_index("horizon")
    for h in (1, 2):
        assert c.loc[h, "basket_return"] == pytest.approx(t.loc[h, "basket_return"], abs=1e-15)
    assert c.loc[0, "basket_return"] == 0.0


def _many_events() -> pd.DataFrame:
    """Forty calls over the test panel: every code, both publication days, some weighted."""
    rows: list[tuple[str, str, str, float]] = []
    for k in range(40):
        day = ("2024-03-21", "2024-03-22", "2024-03-25")[k % 3]
        codes = ["000001", "000002", "000003"][: 1 + k % 3]
        rows += [(f"c{k:02d}", day, c, 1 / len(codes)) for c in codes]
    return events(*rows)


@pytest.mark.parametrize("untradable", ["delay", "skip", "ignore"])
def test_chunks_on_threads_equal_one_pass(monkeypatch: pytest.MonkeyPatch, untradable: str) -> None:
    from thematic.engine import kernels
    from thematic.rules import Trading

    ev, trading = _many_events(), Trading(untradable=untradable)  # type: ignore[arg-type]
    whole = evaluate_events(PANEL, ev, [1, 2, "max"], trading=trading)
    monkeypatch.setattr(kernels, "EVENT_CHUNK", 3)  # 14 chunks, on the thread pool
    chunked = evaluate_events(PANEL, ev, [1, 2, "max"], trading=trading)
    for a, b in zip(
        (whole.table, whole.missing, whole.trades),
        (chunked.table, chunked.missing, chunked.trades),
        strict=True,
    ):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert len(whole.trades)  # the panel's suspension blocks some trades


def test_thread_pool_survives_fork(monkeypatch: pytest.MonkeyPatch) -> None:
    import multiprocessing

    from thematic.engine import kernels

    ev = _many_events()
    monkeypatch.setattr(kernels, "EVENT_CHUNK", 3)
    evaluate_events(PANEL, ev, [1])  # the parent's pool exists now
    child = multiprocessing.get_context("fork").Process(
        target=evaluate_events, args=(PANEL, ev, [1])
    )
    child.start()
    child.join(timeout=30)
    hung = child.is_alive()
    if hung:
        child.kill()
    assert not hung and child.exitcode == 0  # a pool copied from the parent would hang


def test_evaluation_builds_its_side_tables_when_read_and_pickles_whole() -> None:
    import pickle

    ev = _many_events()
    first = evaluate_events(PANEL, ev, [1, 2])
    assert first._later is not None  # nothing built yet
    copy = pickle.loads(pickle.dumps(first))  # pickling builds them, and sends all three
    assert first._later is None and copy._later is None
    for name in ("table", "missing", "trades"):
        pd.testing.assert_frame_equal(getattr(copy, name), getattr(first, name), check_exact=True)
    again = evaluate_events(PANEL, ev, [1, 2])
    pd.testing.assert_frame_equal(again.trades, first.trades, check_exact=True)
    assert list(first.missing.columns) == ["basket", "code", "entry_date", "reason"]
    # The 13 calls published 03-25 buy 000002 on 03-26 (no bar) or 03-27 (opens at 22 after a
    # close of 19: above its 10 % limit): never bought.
    assert len(first.missing) == 13 and set(first.missing["code"]) == {"000002"}


def test_tables_do_not_share_their_column_index() -> None:
    first = evaluate_events(PANEL, ABC, [1]).table
    first.columns.name = "renamed by a caller"
    assert evaluate_events(PANEL, ABC, [1]).table.columns.name is None


def test_baskets_pydantic_validated_are_not_validated_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Baskets are checked when loaded; their events go to the engine as they are.
    import warnings

    import thematic
    from thematic.engine import curves as curves_module
    from thematic.engine import evaluate as evaluate_module

    def refuse(events: pd.DataFrame) -> None:
        raise AssertionError("validated again")

    monkeypatch.setattr(evaluate_module, "check_and_factorize", refuse)
    monkeypatch.setattr(curves_module, "check_and_factorize", refuse)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        assert len(thematic.evaluate("baskets/idc.yaml", horizons="1,5")) == 2
        assert len(thematic.curves("baskets/idc.yaml")) > 100
