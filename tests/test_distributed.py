"""The dask.distributed backend gives the single-process results to the last bit."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.helpers import make_panel
from thematic.engine import evaluate_events
from thematic.rules import Trading

distributed = pytest.importorskip("distributed", reason="the dask extra is not installed")


@pytest.fixture(scope="module")
def client():  # type: ignore[no-untyped-def]
    import socket

    from thematic.engine.distributed import connect

    # Hold dask's default dashboard port while the cluster starts (another cluster or any
    # server may have it): starting must neither fail nor warn (warnings are errors here).
    with socket.socket() as taken:
        try:
            taken.bind(("127.0.0.1", 8787))
            taken.listen()
        except OSError:
            pass  # taken already: the same situation
        c = connect(workers=2)
    yield c
    c.close()


def _panel_and_events() -> tuple[object, pd.DataFrame]:
    # 60 stocks of iid returns, a few limit days and suspensions among them; 200 calls.
    rng = np.random.default_rng(11)
    t, n = 90, 60
    rets = rng.normal(0, 0.03, (t - 1, n))
    rets[rng.random(rets.shape) < 0.03] = 0.10  # limit-up closes (close == open == high)
    close = np.vstack([np.full(n, 10.0), 10.0 * np.cumprod(1 + rets, axis=0)])
    close[rng.random(close.shape) < 0.02] = np.nan  # suspensions
    close[:5, :3] = np.nan  # three listings after the start
    dates = pd.bdate_range("2024-01-02", periods=t).strftime("%Y-%m-%d").tolist()
    codes = [f"{600000 + i:06d}" for i in range(n)]
    bench = list(100 * np.cumprod(1 + np.r_[0, rng.normal(0, 0.01, t - 1)]))
    panel = make_panel(dates, dict(zip(codes, close.T, strict=True)),
                       dict(zip(codes, close.T, strict=True)), bench, bench)  # fmt: skip
    rows = []
    for e in range(200):
        day = dates[rng.integers(0, t - 10)]
        for c in rng.choice(n, rng.integers(1, 6), replace=False):
            rows.append((f"call{e:04d}", day, codes[c]))
    return panel, pd.DataFrame(rows, columns=["event_id", "published", "code"])


@pytest.mark.parametrize("policy", ["delay", "skip", "ignore"])
def test_two_workers_equal_one_process_exactly(client, policy: str) -> None:  # type: ignore[no-untyped-def]
    from thematic.engine.distributed import evaluate_events_distributed

    panel, events = _panel_and_events()
    trading = Trading(untradable=policy)  # type: ignore[arg-type]
    local = evaluate_events(panel, events, [1, 5, 20, "max"], trading=trading)  # type: ignore[arg-type]
    dist = evaluate_events_distributed(client, panel, events, [1, 5, 20, "max"],  # type: ignore[arg-type]
                                       trading=trading, chunk_events=37)  # fmt: skip
    assert len(local.trades) > 0 and len(local.missing) > 0  # the hard cases are exercised
    pd.testing.assert_frame_equal(dist.table, local.table, check_exact=True)
    pd.testing.assert_frame_equal(dist.missing, local.missing, check_exact=True)
    pd.testing.assert_frame_equal(dist.trades, local.trades, check_exact=True)


def test_cli_dask_workers_write_the_same_file(tmp_path: Path) -> None:
    calls = tmp_path / "calls.csv"
    calls.write_text("event_id,published,code\na,2024-02-18,300624\na,2024-02-18,601138\n"
                     "b,2024-03-22,002837\nc,2024-03-22,300308\nc,2024-03-22,300502\n", "utf-8")  # fmt: skip
    env = {**os.environ, "THEMATIC_CACHE_DIR": str(tmp_path / "cache")}
    outs = []
    for extra in ([], ["--dask-workers", "2"]):
        out = tmp_path / f"o{len(extra)}.csv"
        r = subprocess.run([sys.executable, "-m", "thematic", "evaluate-events", str(calls),
                            "--horizons", "1,20,250", "--output", str(out), *extra], cwd=ROOT,
                           capture_output=True, text=True, env=env, timeout=300, check=False)  # fmt: skip
        assert r.returncode == 0, r.stderr
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]


def test_no_dask_options_at_once_is_a_usage_error() -> None:
    from thematic.engine.distributed import connect
    from thematic.errors import UsageError

    with pytest.raises(UsageError, match="give one of workers N or scheduler ADDRESS"):
        connect(2, "tcp://127.0.0.1:1")
    flags = ("--dask-workers", "--dask-scheduler")
    with pytest.raises(UsageError, match="give one of --dask-workers N or --dask-scheduler"):
        connect(2, "tcp://127.0.0.1:1", flags)


def test_a_local_cluster_starts_while_another_holds_the_default_port() -> None:
    # The scheduler's HTTP server defaulted to 8787: a second local cluster on the machine
    # (another run, another test session) warned, an error under -W error.
    import contextlib
    import socket

    from thematic.engine.distributed import connect

    with socket.socket() as taken:
        with contextlib.suppress(OSError):  # (already taken by someone else: the case itself)
            taken.bind(("127.0.0.1", 8787))
        c = connect(workers=1)
        try:
            assert c.submit(sum, [1, 2]).result() == 3
        finally:
            c.close()


MARKET = Path(__file__).resolve().parents[1].parent / "shared" / "market"


@pytest.mark.skipif(not (MARKET / "ashare_daily_qfq.parquet").exists(),
                    reason="needs ../shared/market (the full A-share dump) beside the repo")  # fmt: skip
def test_stats_prices_its_placebos_on_the_cluster_it_is_given(client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import warnings

    import thematic.engine.distributed as dist
    from thematic.runs.event_study import event_stats

    calls, shown = [], []
    real = dist.evaluate_events_distributed

    def spy(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(len(args[2]))
        return real(*args, **kwargs)

    def progress(items):  # type: ignore[no-untyped-def]
        shown.append(len(items))
        return items

    monkeypatch.setattr(dist, "evaluate_events_distributed", spy)
    kw = {"horizons": "20", "placebo_draws": 200, "market": MARKET, "seed": 4, "resamples": 50}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        local = event_stats("baskets/optical_communications.yaml", **kw)  # type: ignore[arg-type]
        assert calls == []
        on_cluster = event_stats("baskets/optical_communications.yaml", client=client,
                                 progress=progress, **kw)  # type: ignore[arg-type]  # fmt: skip
    assert calls == [200 * 5]  # every draw of the five-stock basket, in one call
    assert shown == [1]  # the one basket went through the progress wrapper
    pd.testing.assert_frame_equal(local, on_cluster)


def test_a_panel_is_scattered_once_per_client_and_released_with_it(client) -> None:  # type: ignore[no-untyped-def]
    import gc

    from thematic.engine import distributed as dist

    panel, _ = _panel_and_events()
    first = dist._scatter(client, panel)
    assert dist._scatter(client, panel) is first  # once per panel and client
    other, _ = _panel_and_events()  # equal data, another object: its own copy
    assert dist._scatter(client, other) is not first
    n = len(dist._SCATTERED)
    del panel, first
    gc.collect()
    assert len(dist._SCATTERED) == n - 1  # the panel's copy went with it
