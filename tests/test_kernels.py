"""The chunk kernel called directly on small hand-made arrays (no panel, no encoder).

One event, entry session 1, two constituents, horizons 1 and 3 (exit sessions 2 and 4):

- code 0 is bought normally at session 1's open, 10.0;
- code 1's entry was blocked at session 1 (opened at the up-limit) and delayed to session 3,
  bought at 20.0: it is held at horizon 3 but was bought after horizon 1's exit.

Closes (forward-filled, code-major), sessions 0..5:

- code 0: 9.5 10.2 10.5 10.8 11.0 11.2
- code 1: 19.0 19.5 19.8 20.5 23.0 21.0

Benchmark: entry price 100.0 at session 1, closes 102.0 at session 2 and 98.0 at session 4.

Costs: commission 10 bp (at least 5 yuan an order), buy rates 5 bp, sale rates 15 bp,
1,000,000 yuan per event.  Every expected value below is worked out by hand in the comments.
"""

from __future__ import annotations

import numpy as np
import pytest

from thematic.engine.kernels import (
    FLOAT_COLUMNS,
    ChunkOut,
    EventRows,
    KernelRules,
    MarketArrays,
    evaluate_chunk,
)
from thematic.engine.tradable import DOWN_CLOSE, UP_OPEN
from thematic.engine.trading import (
    OUT_AFTER_EXIT,
    OUT_AT_LIMIT,
    OUT_DELAYED,
    OUT_LEFT_OUT,
    TradeRecords,
)
from thematic.rules import Untradable

T = 6
CLOSE = np.array([[9.5, 10.2, 10.5, 10.8, 11.0, 11.2], [19.0, 19.5, 19.8, 20.5, 23.0, 21.0]])
BENCH_CLOSE = np.array([99.0, 100.5, 102.0, 101.0, 98.0, 97.0])
BENCH_OPEN = np.array([99.0, 100.0, 101.5, 101.5, 99.0, 97.5])
COMMISSION, MIN_YUAN, BUY_RATE, SALE_RATE = 0.001, 5.0, 0.0005, 0.0015
# Per constituent net of costs, equal weights: notional 500,000 a row, so the commission
# (500 yuan and up) is above the 5-yuan minimum on both sides.
#   buy: (0.001 * 500,000 + 0.0005 * 500,000) / 500,000 = 0.0015 per yuan invested
#   sale of (1 + r): (1 + r) * (1 - 0.0015) - (1 + r) * 0.001 = (1 + r) * 0.9975
#   net = (1 + r) * 0.9975 - 1 - 0.0015


def market(exit_blocked_at: tuple[int, int] | None = None) -> MarketArrays:
    """The hand-made market; ``exit_blocked_at``: (code, session) closed at the down-limit."""
    state = np.zeros((2, T), dtype=np.int8)
    state[1, 1] = UP_OPEN  # why code 1's entry at session 1's open was blocked
    exit_close = CLOSE.copy()
    if exit_blocked_at is not None:
        state[exit_blocked_at] |= DOWN_CLOSE
        exit_close[exit_blocked_at] *= -1.0  # the kernel reads the sign as "sale blocked"
    return MarketArrays(
        close=CLOSE,
        exit_close=exit_close,
        state=state,
        bench_close=BENCH_CLOSE,
        bench_entry=BENCH_OPEN,
        keep_after_sale=np.full(T, 1.0 - SALE_RATE),
        buy_rate=np.full(T, BUY_RATE),
        min_commission=np.full(T, MIN_YUAN),
        commission=COMMISSION,
        constant_min_commission=MIN_YUAN,
    )


def events(weights: tuple[float, float] | None = None) -> EventRows:
    """One event of two rows: row 0 bought normally, row 1 bought late (session 3)."""
    n_priced = np.array([2.0])
    w = None if weights is None else np.array(weights)
    return EventRows(
        entry=np.array([1]),
        n_priced=n_priced,
        w_event=n_priced if w is None else np.array([w.sum()]),
        event=np.array([0, 0], dtype=np.int32),
        row=np.array([0, 1], dtype=np.int32),
        weight=w,
        col=np.array([0, 1]),
        p0=np.array([10.0, 20.0]),
        session=np.array([1, 3]),
        late=np.array([False, True]),
    )


def rules(untradable: Untradable = "delay", max_delay: int = 10) -> KernelRules:
    return KernelRules(
        steps=np.array([1, 3], dtype=np.int64),
        is_max=np.array([False, False]),
        untradable=untradable,
        max_delay=max_delay,
        notional=1_000_000.0,
    )


def run(
    m: MarketArrays, e: EventRows, r: KernelRules
) -> tuple[dict[str, np.ndarray], ChunkOut, list[TradeRecords]]:
    """Evaluate the one event into fresh blocks; check that no input was changed."""
    out = ChunkOut(
        floats=np.full((len(FLOAT_COLUMNS), 1, 2), -99.0),
        blocked_exits=np.full((1, 2), -9, dtype=np.int32),
        entered_after_exit=np.full((1, 2), -9, dtype=np.int32),
        exit_session=np.full((1, 2), -9, dtype=np.int64),
        note_code=np.zeros((1, 2), dtype=np.int8),
    )
    before = (m.close.copy(), m.exit_close.copy(), m.state.copy(), e.p0.copy(), e.session.copy())
    trades = evaluate_chunk(m, e, r, 0, 1, out)
    after = (m.close, m.exit_close, m.state, e.p0, e.session)
    for was, now in zip(before, after, strict=True):  # the inputs are only read
        np.testing.assert_array_equal(was, now)
    return dict(zip(FLOAT_COLUMNS, out.floats[:, 0], strict=True)), out, trades


def test_a_delayed_entry_and_a_normal_one_equal_weights() -> None:
    f, out, trades = run(market(), events(), rules())
    # Horizon 1 (exit session 2): code 1 was bought at session 3, after the exit: left out.
    #   code 0: 10.5 / 10.0 - 1 = 0.05; benchmark 102.0 / 100.0 - 1 = 0.02
    #   net 1.05 * 0.9975 - 1.0015 = 0.045875
    # Horizon 3 (exit session 4): code 0 11.0 / 10.0 - 1 = 0.10, code 1 23.0 / 20.0 - 1 = 0.15
    #   basket 0.125; benchmark 98.0 / 100.0 - 1 = -0.02
    #   net 1.10 * 0.9975 - 1.0015 = 0.09575 and 1.15 * 0.9975 - 1.0015 = 0.145625: 0.1206875
    expected = {
        "basket_return": [0.05, 0.125],
        "benchmark_return": [0.02, -0.02],
        "excess_return": [0.03, 0.145],
        "relative_return": [1.05 / 1.02 - 1.0, 1.125 / 0.98 - 1.0],
        "net_return": [0.045875, 0.1206875],
        "net_excess_return": [0.025875, 0.1406875],
        "hit_rate": [1.0, 1.0],
    }
    for name, values in expected.items():
        assert f[name].tolist() == pytest.approx(values, rel=1e-12, abs=1e-15), name
    assert out.exit_session.tolist() == [[2, 4]]
    assert out.entered_after_exit.tolist() == [[1, 0]]
    assert out.blocked_exits.tolist() == [[0, 0]]
    assert out.note_code.tolist() == [[0, 0]]
    # One record: row 1 at horizon 0, planned at the event's entry (1), bought at 3.
    (rec,) = trades
    assert (rec.row.tolist(), rec.horizon.tolist(), rec.state.tolist()) == ([1], [0], [UP_OPEN])
    assert (rec.planned.tolist(), rec.actual.tolist()) == ([1], [3])
    assert rec.outcome.tolist() == [OUT_AFTER_EXIT]


def test_weights_renormalise_over_the_rows_held() -> None:
    f, out, _ = run(market(), events((0.25, 0.75)), rules())
    # Notionals 250,000 and 750,000: the commission is above the minimum, so the costs per
    # yuan are those of the equal-weighted case.
    # Horizon 1: code 0 alone, weight 0.25 of 0.25: 0.05, net 0.045875.
    # Horizon 3: 0.25 * 0.10 + 0.75 * 0.15 = 0.1375; net 0.25 * 0.09575 + 0.75 * 0.145625
    #   = 0.0239375 + 0.10921875 = 0.13315625.
    assert f["basket_return"].tolist() == pytest.approx([0.05, 0.1375], rel=1e-12)
    assert f["net_return"].tolist() == pytest.approx([0.045875, 0.13315625], rel=1e-12)
    assert f["hit_rate"].tolist() == [1.0, 1.0]  # a count, not weighted
    assert out.entered_after_exit.tolist() == [[1, 0]]


def test_the_minimum_commission_binds_on_a_small_notional() -> None:
    r = rules()._replace(notional=2_000.0)
    f, _, _ = run(market(), events(), r)
    # 1,000 yuan a row: the commission, 1 yuan, is raised to 5 on each side.
    #   buy: (5 + 0.0005 * 1,000) / 1,000 = 0.0055 per yuan
    #   sale: (1 + r) * 0.9985 - 5 / 1,000, since (1 + r) * 0.001 < 0.005
    # Horizon 1: 1.05 * 0.9985 - 0.005 - 1.0055 = 0.037925
    # Horizon 3: (1.10 + 1.15) / 2 * 0.9985 - 0.005 - 1.0055 = 1.1233125 - 1.0105 = 0.1128125
    assert f["net_return"].tolist() == pytest.approx([0.037925, 0.1128125], rel=1e-12)


@pytest.mark.parametrize(
    ("untradable", "basket_h3", "outcome", "actual"),
    [
        # delay: the sale waits for session 5: code 0 11.2 / 10.0 - 1 = 0.12; (0.12 + 0.15) / 2
        ("delay", 0.135, OUT_DELAYED, 5),
        # skip: code 0 is left out of horizon 3; code 1 alone
        ("skip", 0.15, OUT_LEFT_OUT, T),
        # ignore: sold at the down-limit close, 11.0: (0.10 + 0.15) / 2
        ("ignore", 0.125, OUT_AT_LIMIT, 4),
    ],
)
def test_a_blocked_exit_under_each_policy(
    untradable: Untradable, basket_h3: float, outcome: int, actual: int
) -> None:
    f, out, trades = run(market(exit_blocked_at=(0, 4)), events(), rules(untradable))
    assert f["basket_return"].tolist() == pytest.approx([0.05, basket_h3], rel=1e-12)
    assert f["benchmark_return"].tolist() == pytest.approx([0.02, -0.02], rel=1e-12)
    assert out.blocked_exits.tolist() == [[0, 1]]
    assert out.exit_session.tolist() == [[2, 4]]  # the basket's exit; a delay is per row
    exits = [rec for rec in trades if rec.outcome.tolist() != [OUT_AFTER_EXIT]]
    (rec,) = exits
    assert (rec.row.tolist(), rec.horizon.tolist(), rec.state.tolist()) == ([0], [1], [DOWN_CLOSE])
    assert (rec.planned.tolist(), rec.actual.tolist(), rec.outcome.tolist()) == (
        [4],
        [actual],
        [outcome],
    )


def test_an_exit_blocked_to_the_end_of_the_delay_is_valued_at_the_last_session_tried() -> None:
    f, _, trades = run(market(exit_blocked_at=(0, 4)), events(), rules("delay", max_delay=0))
    # max_delay 0: no waiting; code 0 is valued at 11.0 (the last session tried, 4).
    assert f["basket_return"].tolist() == pytest.approx([0.05, 0.125], rel=1e-12)
    assert [rec.actual.tolist() for rec in trades if rec.horizon.tolist() == [1]] == [[4]]


def test_an_event_beyond_the_data_and_one_without_priced_rows_are_nan() -> None:
    e = events()._replace(entry=np.array([4]))  # exits at 5 and 7: horizon 3 past the data
    f, out, _ = run(market(), e, rules())
    assert out.exit_session.tolist() == [[5, T]]
    assert np.isnan(f["basket_return"][1]) and np.isfinite(f["basket_return"][0])
    unpriced = events()._replace(n_priced=np.array([0.0]), event=np.array([], dtype=np.int32),
                                 row=np.array([], dtype=np.int32))  # fmt: skip
    f, out, trades = run(market(), unpriced, rules())
    assert np.isnan(f["basket_return"]).all() and np.isnan(f["benchmark_return"]).all()
    assert trades == [] and out.blocked_exits.tolist() == [[0, 0]]
