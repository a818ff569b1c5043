"""What a panel keeps for the layers above it: memos made once, seeds read back from a store,
and what goes with the panel when it is pickled (sent to dask workers)."""

from __future__ import annotations

import pickle

import numpy as np

from tests.helpers import make_panel
from thematic.data.panel import PricePanel


def _panel() -> PricePanel:
    return make_panel(["2024-03-21", "2024-03-22"], {"600001": [10.0, 10.1]},
                      {"600001": [10.0, 10.2]}, [100.0, 100.0], [100.0, 100.0])  # fmt: skip


def test_a_memo_is_made_once_per_name_and_key() -> None:
    p = _panel()
    made: list[tuple[str, int]] = []

    def make(name: str, key: int) -> str:
        made.append((name, key))
        return f"{name}{key}"

    assert p.memo("fees", 1, lambda: make("fees", 1)) == "fees1"
    assert p.memo("fees", 1, lambda: make("fees", 9)) == "fees1"  # kept: not made again
    assert p.memo("fees", 2, lambda: make("fees", 2)) == "fees2"
    assert p.memo("state", 1, lambda: make("state", 1)) == "state1"  # names apart
    assert made == [("fees", 1), ("fees", 2), ("state", 1)]
    assert p.memoised("fees") == {1: "fees1", 2: "fees2"}
    assert p.memoised("state") == {1: "state1"}
    assert p.memoised("curves") == {}


def test_a_fresh_panel_has_no_memos() -> None:
    assert _panel().memoised("fees") == {}


def test_a_seed_is_what_a_memo_returns_without_making_it() -> None:
    p = _panel()
    table = np.arange(3.0)
    p.seed("limits", (), table)
    assert p.memo("limits", (), lambda: np.zeros(3)) is table
    assert p.memoised("limits") == {(): table}
    p.seed("limits", (), "newer")  # a seed replaces what was there
    assert p.memo("limits", (), lambda: "made") == "newer"
    q = _panel()
    q.seed("other", 1, "x")
    assert q.memoised("limits") == {} and q.memoised("other") == {1: "x"}


def test_pickling_keeps_memos_but_those_rebuilt_in_milliseconds() -> None:
    p = _panel()
    p.memo("trade_state", "st", lambda: "kept")
    p.memo("fees", "bps", lambda: "cheap", pickle=False)
    p.memo("fees", "other", lambda: "cheap too")  # the name is marked: all its keys go
    p.seed("stored", (), "seeded")
    _ = p.first_bar, p.bar_span, p._column_of_number  # fill the cached arrays
    copy = pickle.loads(pickle.dumps(p))
    assert copy.memoised("trade_state") == {"st": "kept"}
    assert copy.memoised("stored") == {(): "seeded"}
    assert copy.memoised("fees") == {}
    assert copy.first_bar.tolist() == [0]  # kept, or rebuilt: the same
    assert {"bar_span", "_column_of_number"}.isdisjoint(copy.__dict__)
    np.testing.assert_array_equal(copy.close, p.close)
    # The original keeps everything.
    assert p.memoised("fees") == {"bps": "cheap", "other": "cheap too"}


def test_pickling_a_panel_with_only_kept_memos_or_none() -> None:
    p = _panel()
    p.memo("trade_state", "st", lambda: "kept")
    assert pickle.loads(pickle.dumps(p)).memoised("trade_state") == {"st": "kept"}
    bare = pickle.loads(pickle.dumps(_panel()))
    assert bare.memoised("trade_state") == {} and bare.dates.equals(_panel().dates)
