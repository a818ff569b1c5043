"""Engine benchmark on the full A-share universe in ../shared/market.

    python benchmarks/bench_engine.py [--market DIR] [--sizes 10000,100000,1000000]

Prints, in one run: the machine; panel load time (cold build from Parquet and warm load from
the dense store); engine time and peak memory for each event count; the same 10k events
through a straightforward baseline (panel pivoted once, a Python loop over events with numpy
indexing), the largest difference between the two and the speed ratio; and the exponent of
engine time against event count.  Events are drawn reproducibly (seed 20240322): publication
dates uniform over 2020-01-01..2024-06-30, 3-10 distinct stocks listed at least 30 days,
horizons 1,5,20,60,120,250.  Skips with a message when the shared data is absent.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import itertools
import os
import platform
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from thematic import load_market_panel  # noqa: E402
from thematic.data.panel import PricePanel  # noqa: E402
from thematic.engine import evaluate_events  # noqa: E402
from thematic.rules import Trading  # noqa: E402

#: The engine as it was before tradability (price limits, delays, costs) joined it: loaded
#: from git history at run time, so that both are timed side by side in one run.
BEFORE_TRADABILITY = "bd456c0"
#: The engine (with tradability) before the work that made it 1.8x faster at 1M calls: the
#: numbers must be the same to the last bit.
BEFORE_SPEEDUP = "d8b7e1c"
IGNORE = Trading(untradable="ignore")
NUMERIC = ["n_constituents", "n_missing", "blocked_entries", "delayed_entries", "blocked_exits",
           "basket_return", "benchmark_return", "excess_return", "relative_return",
           "net_return", "net_excess_return", "hit_rate"]  # fmt: skip


def fingerprint(table: pd.DataFrame) -> dict[str, str]:
    """SHA-256 of every numeric result column's values (as float64), and of the dates."""
    import hashlib

    out = {c: hashlib.sha256(table[c].to_numpy(dtype="float64").tobytes()).hexdigest()
           for c in NUMERIC}  # fmt: skip
    for c in ("entry_date", "exit_date"):
        out[c] = hashlib.sha256(table[c].to_numpy(dtype="datetime64[ns]").tobytes()).hexdigest()
    return out


_AT_COMMIT = """
import json, sys, time
sys.path.insert(0, {tree!r}); sys.path.insert(0, {tree!r} + "/benchmarks")
import numpy as np
from bench_engine import draw_events, HORIZONS, fingerprint
from thematic.data.universe import load_market_panel
from thematic.engine import evaluate_events
panel = load_market_panel({market!r}, store=__import__("pathlib").Path({store!r}))
out = {{}}
for n in {sizes!r}:
    events = draw_events(panel, n, np.random.default_rng({seed}))
    evaluate_events(panel, events.head(1000), HORIZONS)
    start = time.perf_counter()
    table = evaluate_events(panel, events, HORIZONS).table
    out[n] = {{"seconds": time.perf_counter() - start, "fingerprint": fingerprint(table)}}
    keep = [c for c in (*__import__("bench_engine").NUMERIC, "entry_date", "exit_date")]
    table[keep].to_parquet({store!r} + f"-table-{{n}}.parquet")
print(json.dumps(out))
"""


def engine_at(commit: str, market: Path, sizes: list[int]) -> dict[str, dict[str, object]] | None:
    """Run the engine of ``commit`` (a git worktree, a separate process) on the same events.

    Its result tables are left in ``OLD_TABLES`` (``table-N.parquet``) for :func:`differences`.
    """
    import json
    import shutil
    import subprocess

    tree = Path(tempfile.mkdtemp(prefix="thematic-at-")) / "tree"
    try:
        subprocess.run(["git", "worktree", "add", "--detach", str(tree), commit], cwd=ROOT,
                       check=True, capture_output=True)  # fmt: skip
        # The fingerprint function comes from this run's script, copied beside the old code.
        shutil.copy(Path(__file__), tree / "benchmarks" / "bench_engine.py")
        code = _AT_COMMIT.format(tree=str(tree), market=str(market), seed=SEED, sizes=sizes,
                                 store=str(OLD_TABLES / "store"))  # fmt: skip
        r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                           check=True, timeout=1800)  # fmt: skip
        return {str(k): v for k, v in json.loads(r.stdout.strip().splitlines()[-1]).items()}
    except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        print(f"(could not run the engine of {commit}: {exc})")
        return None
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(tree)], cwd=ROOT,
                       capture_output=True, check=False)  # fmt: skip


OLD_TABLES = Path(tempfile.mkdtemp(prefix="thematic-old-tables-"))


def differences(old: pd.DataFrame, new: pd.DataFrame) -> tuple[int, int, int]:
    """Rows of two result tables that differ in any numeric column or date (NaN == NaN).

    Returns (rows compared, rows that differ, of those the rows with a constituent bought
    after the row's exit): the one intended change of numbers since the speed-up, the
    `entered_after_exit` rule (such a constituent was booked before, with a same-day trade).
    """
    cols = [*NUMERIC, "entry_date", "exit_date"]
    differ = np.zeros(len(new), dtype=bool)
    for c in cols:
        a, b = old[c].to_numpy(), new[c].to_numpy()
        same = (a == b) | (pd.isna(a) & pd.isna(b))
        differ |= ~same
    after = new["entered_after_exit"].to_numpy() > 0
    return len(new), int(differ.sum()), int((differ & after).sum())


def engine_before() -> object | None:
    """The pre-tradability ``evaluate_events``, or None outside a git checkout."""
    import importlib.util
    import subprocess

    try:
        src = subprocess.run(["git", "show", f"{BEFORE_TRADABILITY}:thematic/engine.py"],
                             cwd=ROOT, capture_output=True, text=True, check=True).stdout  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp(prefix="thematic-engine-before-")) / "engine_before.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("engine_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.evaluate_events


HORIZONS = [1, 5, 20, 60, 120, 250]
SEED = 20240322
FIRST_PUB, LAST_PUB = pd.Timestamp("2020-01-01"), pd.Timestamp("2024-06-30")
MIN_LISTED = pd.Timedelta(days=30)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (
        f"{cpu}; {os.cpu_count()} cores; {mem:.0f} GiB RAM; {platform.system()} "
        f"{platform.release()}; Python {platform.python_version()}, numpy {np.__version__}, "
        f"pandas {pd.__version__}"
    )


def draw_events(panel: PricePanel, n: int, rng: np.random.Generator) -> pd.DataFrame:
    """n events of 3-10 distinct stocks listed >= 30 days before a random publication date."""
    listed = ~np.isnan(panel.close)
    has_data = listed.any(axis=0)
    first_day = panel.dates.to_numpy()[np.argmax(listed, axis=0)]
    order = np.argsort(first_day[has_data], kind="stable")
    stocks = np.flatnonzero(has_data)[order]
    first_sorted = first_day[has_data][order]

    days = (LAST_PUB - FIRST_PUB).days + 1
    published = FIRST_PUB.to_datetime64() + rng.integers(0, days, n).astype("timedelta64[D]")
    eligible = np.searchsorted(first_sorted, published - MIN_LISTED.to_timedelta64(), "right")
    k = rng.integers(3, 11, n)
    pick = np.floor(rng.random((n, 10)) * eligible[:, None]).astype(np.int64)
    used = np.arange(10) < k[:, None]
    while True:  # redraw events that drew a stock twice (rare: thousands of stocks)
        srt = np.sort(np.where(used, pick, -1 - np.arange(10)), axis=1)
        dup = (np.diff(srt, axis=1) == 0).any(axis=1)
        if not dup.any():
            break
        pick[dup] = np.floor(rng.random((dup.sum(), 10)) * eligible[dup, None]).astype(np.int64)
    event = np.repeat(np.arange(n), k)
    cols = stocks[pick[used]]
    return pd.DataFrame(
        {
            "event_id": pd.Index(event).astype(str).str.zfill(7).map("call{}".format),
            "published": published[event],
            "code": panel.codes.to_numpy()[cols],
        }
    )


def baseline(
    panel: PricePanel, events: pd.DataFrame, pivot_close_filled: np.ndarray
) -> pd.DataFrame:
    """Plain loop: for each event, numpy-index its constituents at each horizon.

    Kept lean so that the ratio measures the engine, not pandas overhead: rows are split by
    event with numpy boundaries and codes mapped to columns once.
    """
    dates = panel.dates.to_numpy()
    t = len(dates)
    col_of = {c: i for i, c in enumerate(panel.codes)}
    ids = events["event_id"].to_numpy()
    cols_all = np.array([col_of.get(c, -1) for c in events["code"]])
    pub_all = events["published"].to_numpy()
    bounds = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1], True])
    out = []
    for lo, hi in itertools.pairwise(bounds):
        cols = cols_all[lo:hi]
        e = int(np.searchsorted(dates, pub_all[lo], "right"))
        p0 = np.where(cols >= 0, panel.open[min(e, t - 1), cols], np.nan)
        ok = np.isfinite(p0) & (e < t)
        for h in HORIZONS:
            x = e + h
            if x >= t or not ok.any():
                out.append((ids[lo], h, np.nan, np.nan, np.nan))
                continue
            r = pivot_close_filled[x, cols[ok]] / p0[ok] - 1
            b = panel.benchmark_close[x] / panel.benchmark_open[e] - 1
            out.append((ids[lo], h, r.mean(), b, (r > b).mean()))
    return pd.DataFrame(
        out, columns=["basket", "horizon", "basket_return", "benchmark_return", "hit_rate"]
    )


def bare_gather(panel: PricePanel, events: pd.DataFrame) -> np.ndarray:
    """The floor: look up every code and entry session, gather every entry and exit price.

    Nothing else the answer needs (no checks, no weights, no output table); the engine's
    time is quoted as a multiple of this, measured in the same run.
    """
    dates = panel.dates.to_numpy()
    t = len(dates)
    code_of_row, distinct = pd.factorize(events["code"])
    col = panel.codes.get_indexer(distinct)[code_of_row]
    entry = np.searchsorted(dates, events["published"].to_numpy(dtype="datetime64[ns]"), "right")
    entry = np.minimum(entry, t - 1)
    p0 = panel.open[entry, col]
    steps = np.array(HORIZONS)
    exits = np.minimum(entry[:, None] + steps, t - 1)
    closes = panel.close_filled_by_code.reshape(-1)[col[:, None] * t + exits]
    return closes / p0[:, None]


def read_all(result: object) -> int:
    """Read every table of an evaluation (the side tables are built on first read)."""
    return sum(len(getattr(result, name)) for name in ("table", "missing", "trades"))


def status_mib(field: str) -> float:
    """A memory figure of this process from /proc/self/status, in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def reset_peak_rss() -> float:
    """Reset the process's peak RSS to its current RSS (Linux clear_refs); return it in MiB."""
    with contextlib.suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")
    return status_mib("VmRSS")


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--market", type=Path, default=ROOT.parent / "shared" / "market")
    ap.add_argument("--sizes", default="10000,100000,1000000")
    args = ap.parse_args()
    if not (args.market / "ashare_daily_qfq.parquet").exists():
        print(f"SKIP: {args.market} has no ashare_daily_qfq.parquet (the full universe is "
              "needed for this benchmark)")  # fmt: skip
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"machine: {machine()}")

    store = Path(tempfile.mkdtemp(prefix="thematic-bench-"))
    cold, _ = timed(lambda: load_market_panel(args.market, store=store))
    warm, panel = timed(lambda: load_market_panel(args.market, store=store), repeat=3)
    assert isinstance(panel, PricePanel)
    print(f"panel: {len(panel.dates)} sessions x {len(panel.codes)} stocks "
          f"({panel.dates[0]:%Y-%m-%d}..{panel.dates[-1]:%Y-%m-%d}); load cold (Parquet + "
          f"pivot + write store) {cold:.2f} s, warm (dense .npy store) {warm * 1e3:.0f} ms")  # fmt: skip

    before = engine_before()
    times: dict[int, float] = {}
    ten_k = None
    print("\nengine: default rules (price limits and suspensions with --untradable delay, "
          "costs); before: the engine before tradability, same events, same run")  # fmt: skip
    print(f"{'events':>9} {'rows':>10} {'engine s':>9} {'events/s':>11} {'peak MiB':>9} "
          f"{'before s':>9} {'before/engine':>14}")  # fmt: skip
    prints: dict[int, dict[str, str]] = {}
    added_rss: dict[int, float] = {}
    for n in sizes:
        events = draw_events(panel, n, np.random.default_rng(SEED))
        if n == 10_000:
            ten_k = events
        repeat = 5 if n <= 100_000 else 2
        evaluate_events(panel, events.head(1000), HORIZONS)  # warm caches, not timed
        t, t_old = float("inf"), float("inf")
        for _ in range(repeat):  # alternate the two engines: neither gets the warmer memory
            t = min(t, timed(lambda ev=events: evaluate_events(panel, ev, HORIZONS))[0])
            if before is not None:
                t_old = min(t_old, timed(lambda ev=events: before(panel, ev, HORIZONS))[0])  # type: ignore[operator]
        gc.collect()
        rss_before = reset_peak_rss()
        prints[n] = fingerprint(evaluate_events(panel, events, HORIZONS).table)
        added_rss[n] = status_mib("VmHWM") - rss_before
        gc.collect()
        tracemalloc.start()
        evaluate_events(panel, events, HORIZONS)
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
        times[n] = t
        old = f"{t_old:>9.3f} {t_old / t:>14.2f}" if before is not None else ""
        print(f"{n:>9,} {len(events):>10,} {t:>9.3f} {n / t:>11,.0f} {peak:>9,.0f} {old}")
        del events
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**10
    print(f"process peak RSS over the whole run (panel, events, results): {rss:,.0f} MiB")
    for n, mib in added_rss.items():
        print(f"peak RSS added by a {n:,}-call evaluation (result included): {mib:,.0f} MiB")
    from thematic.engine.distributed import evaluate_events_to_parquet

    n = max(sizes)
    events = draw_events(panel, n, np.random.default_rng(SEED))
    gc.collect()
    rss0 = reset_peak_rss()
    target = Path(tempfile.mkdtemp(prefix="thematic-stream-")) / "result.parquet"
    start = time.perf_counter()
    evaluate_events_to_parquet(panel, events, target, HORIZONS, chunk_events=100_000)
    streamed = time.perf_counter() - start
    print(f"{n:,} calls streamed to Parquet in chunks of 100,000 events: {streamed:.2f} s, "
          f"peak RSS added {status_mib('VmHWM') - rss0:,.0f} MiB "
          f"({target.stat().st_size / 2**20:,.0f} MiB file)")  # fmt: skip
    del events

    old = engine_at(BEFORE_SPEEDUP, args.market, sizes)
    same_as_old = True
    if old is not None:
        for n in sizes:
            same = old[str(n)]["fingerprint"] == prints[n]
            print(f"{n:>9,} calls: engine before the speed-up ({BEFORE_SPEEDUP}) "
                  f"{old[str(n)]['seconds']:.3f} s in its own process; results identical to "
                  f"the last bit (every numeric column and date): {same}")  # fmt: skip
            if not same:  # say which rows differ, and whether the intended change explains them
                events = draw_events(panel, n, np.random.default_rng(SEED))
                new = evaluate_events(panel, events, HORIZONS).table
                rows, differ, after = differences(
                    pd.read_parquet(OLD_TABLES / f"store-table-{n}.parquet"), new
                )
                del events, new
                print(f"{'':>9}  rows differing: {differ:,} of {rows:,}; of them with a "
                      f"constituent bought after the row's exit (the entered_after_exit rule, "
                      f"an intended change): {after:,}; identical to the last bit elsewhere: "
                      f"{differ == after}")  # fmt: skip
                same_as_old = same_as_old and differ == after

    if len(times) >= 2:
        n_arr = np.log(np.array(list(times)))
        t_arr = np.log(np.array(list(times.values())))
        slope = np.polyfit(n_arr, t_arr, 1)[0]
        print(f"scaling exponent (log time vs log events): {slope:.2f}  (1.00 = linear)")

    if ten_k is None:
        ten_k = draw_events(panel, 10_000, np.random.default_rng(SEED))
    pivot = pd.read_parquet(
        args.market / "ashare_daily_qfq.parquet", columns=["date", "code", "close"]
    )
    pivot = pivot.pivot(index="date", columns="code", values="close")
    pivot = pivot.reindex(index=panel.dates, columns=panel.codes).ffill().to_numpy()
    base_t, base = timed(lambda: baseline(panel, ten_k, pivot))
    # The baseline books every trade at the day's price: compare under the same rule.
    eng_t, eng = timed(
        lambda: evaluate_events(panel, ten_k, HORIZONS, trading=IGNORE).table, repeat=5
    )
    floor_t, _ = timed(lambda: bare_gather(panel, ten_k), repeat=7)
    default_t, _ = timed(lambda: evaluate_events(panel, ten_k, HORIZONS), repeat=7)
    # The exclusions and blocked-trade tables are built when first read: time them too.
    whole_t, _ = timed(lambda: read_all(evaluate_events(panel, ten_k, HORIZONS)), repeat=7)
    print(f"\nfloor (bare gather of every entry and exit price, 10,000 calls): {floor_t * 1e3:.1f} "
          f"ms; engine with the default rules {default_t * 1e3:.1f} ms = "
          f"{default_t / floor_t:.2f}x the floor; under ignore {eng_t * 1e3:.1f} ms = "
          f"{eng_t / floor_t:.2f}x; reading the missing and trades tables as well "
          f"{whole_t * 1e3:.1f} ms = {whole_t / floor_t:.2f}x")  # fmt: skip
    assert isinstance(base, pd.DataFrame) and isinstance(eng, pd.DataFrame)
    cols = ["basket_return", "benchmark_return", "hit_rate"]
    diff = np.nanmax(np.abs(eng[cols].to_numpy() - base[cols].to_numpy()))
    same_nan = (eng[cols].isna().to_numpy() == base[cols].isna().to_numpy()).all()
    print(f"\nbaseline (pivot once, loop over 10,000 events): {base_t:.3f} s; "
          f"engine {eng_t:.4f} s; ratio baseline/engine {base_t / eng_t:.0f}x")  # fmt: skip
    print(f"results equal: max |engine - baseline| = {diff:.2e} over {len(eng):,} rows "
          f"(tolerance 1e-12), same missing rows: {same_nan}")  # fmt: skip
    ok = diff <= 1e-12 and same_nan
    if old is not None:
        ok = ok and same_as_old
    if before is not None:
        old = before(panel, ten_k, HORIZONS).table  # type: ignore[operator]
        d_old = np.nanmax(np.abs(eng[cols].to_numpy() - old[cols].to_numpy()))
        print(f"engine under ignore equals the engine before tradability: max difference "
              f"{d_old:.2e}")  # fmt: skip
        ok = ok and d_old == 0.0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
