"""The cache and refresh rules, including faults: kills, parallel runs, corrupted files."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import ROOT
from tests.fakes import FakeProvider
from thematic.data.cache import CacheProvider, PriceCache
from thematic.data.refresh import refresh
from thematic.data.snapshot import SnapshotProvider
from thematic.errors import DamagedFileWarning

TODAY = dt.date(2024, 3, 29)
SNAP = SnapshotProvider()


def test_new_then_incremental_then_unchanged(tmp_path: Path) -> None:
    cache = PriceCache(tmp_path)
    first = refresh(
        ["300308"], ["000300"], FakeProvider(until="2024-03-22"), cache, today=dt.date(2024, 3, 22)
    )
    assert [r.status for r in first.results] == ["new", "new"]
    p = FakeProvider(until="2024-03-29")
    second = refresh(["300308"], ["000300"], p, cache, today=TODAY)
    assert [(r.status, r.rows_added) for r in second.results] == [("updated", 5), ("updated", 5)]
    # Incremental: only the overlap (5 cached rows) and what is new was asked for.
    assert p.calls[0][1] == dt.date(2024, 3, 18)
    cached = cache.read("300308", "stock")
    assert cached is not None
    pd.testing.assert_frame_equal(
        cached.bars, SNAP.fetch_daily("300308").loc[:"2024-03-29"], check_freq=False
    )
    assert cached.record["as_of"] == "2024-03-29" and cached.record["adjustment"] == "hfq"
    third = refresh(["300308"], [], FakeProvider(until="2024-03-29"), cache, today=TODAY)
    assert [(r.status, r.rows_added) for r in third.results] == [("unchanged", 0)]


def test_rebase_replaces_the_full_history(tmp_path: Path) -> None:
    cache = PriceCache(tmp_path)
    refresh(["300308"], [], FakeProvider(until="2024-03-22"), cache, today=dt.date(2024, 3, 22))
    rebased = FakeProvider(until="2024-03-29", scale_before=("2024-03-25", 0.95))
    (r,) = refresh(["300308"], [], rebased, cache, today=TODAY).results
    assert r.status == "rebased"
    assert "first difference 2024-03-18" in r.message
    assert rebased.calls[-1][1] is None  # the full history was fetched again
    cached = cache.read("300308", "stock")
    assert cached is not None
    want = SNAP.fetch_daily("300308").loc["2024-03-22", "close"] * 0.95
    assert cached.bars.loc["2024-03-22", "close"] == pytest.approx(want)


def test_other_source_is_appended_only_when_returns_agree(tmp_path: Path) -> None:
    cache = PriceCache(tmp_path)
    refresh(["300308"], [], FakeProvider(until="2024-03-22"), cache, today=dt.date(2024, 3, 22))
    # Tencent's back-adjusted level is 2x Eastmoney's, returns identical: rescale and append.
    other = FakeProvider(until="2024-03-29", source="tencent", scale_before=("2100-01-01", 2.0))
    (r,) = refresh(["300308"], [], other, cache, today=TODAY).results
    assert (r.status, r.rows_added) == ("updated", 5)
    assert "rescaled by 0.5" in r.message
    cached = cache.read("300308", "stock")
    assert cached is not None
    assert cached.record["sources"] == ["eastmoney", "tencent"]
    want = SNAP.fetch_daily("300308").loc[:"2024-03-29", "close"]
    assert (cached.bars["close"] - want).abs().max() < 1e-9
    # A third source whose returns disagree is not stitched on: full replace instead.
    bad = FakeProvider(until="2024-03-29", source="sina", shift_returns=True)
    cache2 = PriceCache(tmp_path / "two")
    refresh(["300308"], [], FakeProvider(until="2024-03-27"), cache2, today=dt.date(2024, 3, 27))
    (r,) = refresh(["300308"], [], bad, cache2, today=TODAY).results
    assert r.status == "rebased" and "returns disagree" in r.message


def test_corrupted_file_is_set_aside_and_refetched(tmp_path: Path) -> None:
    cache = PriceCache(tmp_path)
    refresh(["300308"], [], FakeProvider(), cache, today=TODAY)
    path = cache.path("300308", "stock")
    path.write_bytes(path.read_bytes()[:200])  # truncated, as by a full disk
    cache2 = PriceCache(tmp_path)
    with pytest.warns(DamagedFileWarning, match="unreadable.*set aside"):
        (r,) = refresh(["300308"], [], FakeProvider(), cache2, today=TODAY).results
    assert r.status == "new"
    assert any("unreadable" in m and "set aside" in m for m in cache2.messages)
    assert len(list((tmp_path / "quarantine").iterdir())) == 1
    assert cache2.read("300308", "stock") is not None


def test_tampered_values_fail_the_checksum(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    cache = PriceCache(tmp_path)
    refresh(["300308"], [], FakeProvider(), cache, today=TODAY)
    path = cache.path("300308", "stock")
    table = pq.read_table(path)
    df = table.to_pandas()
    df.iloc[3, 3] *= 1.01
    import pyarrow as pa

    pq.write_table(pa.Table.from_pandas(df).replace_schema_metadata(table.schema.metadata), path)
    with pytest.warns(DamagedFileWarning, match="checksum mismatch"):
        assert cache.read("300308", "stock") is None
    assert "checksum mismatch" in cache.messages[0]


def test_cache_provider_falls_back_to_snapshot(tmp_path: Path) -> None:
    cache = PriceCache(tmp_path)
    refresh(["300308"], [], FakeProvider(), cache, today=TODAY)
    p = CacheProvider(cache, fallback=SNAP)
    assert p.fetch_daily("300308").index[-1] == pd.Timestamp("2024-03-29")
    assert p.info("300308").source == "cache (eastmoney)" and p.info("300308").as_of == "2024-03-29"
    p.fetch_daily("300502")
    assert p.info("300502").source == "snapshot" and p.from_fallback == ["300502"]


def test_evaluate_stops_at_the_least_recent_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import warnings

    import thematic
    from thematic.errors import MissingConstituentWarning

    monkeypatch.setenv("THEMATIC_CACHE_DIR", str(tmp_path))
    refresh(
        ["300308"],
        ["000300"],
        FakeProvider(until="2024-04-30"),
        PriceCache(tmp_path),
        today=dt.date(2024, 4, 30),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MissingConstituentWarning)
        df = thematic.evaluate("baskets/optical_communications.yaml", horizons="max")
    meta = df.attrs["metadata"]
    # 300308 and the index come from the cache (to 04-30), the others from the snapshot.
    assert meta["series"]["300308"]["source"] == "cache (eastmoney)"
    assert meta["series"]["300502"]["source"] == "snapshot"
    assert meta["as_of"] == "2024-04-30"
    assert any("come from the bundled snapshot" in n for n in meta["notices"])


SCRIPT = textwrap.dedent(
    """
    import sys, datetime as dt
    sys.path.insert(0, {root!r})
    from tests.fakes import FakeProvider
    from thematic.data.cache import PriceCache
    from thematic.data.refresh import refresh
    import filelock, pyarrow.parquet  # loaded on first write: load them before "go"
    codes = {codes!r}
    print("go", flush=True)
    report = refresh(codes, ["000300"], FakeProvider(until="2025-08-22", delay={delay}),
                     PriceCache(sys.argv[1]), today=dt.date(2025, 8, 22), full={full})
    print(report.summary())
    sys.exit(1 if report.failed else 0)
    """
)
CODES = ["300308", "300502", "300394", "002281", "000988", "300738", "002837", "600941"]


def run_refresh(cache_dir: Path, full: bool = False, delay: float = 0.0) -> subprocess.Popen[str]:
    code = SCRIPT.format(root=str(ROOT), codes=CODES, full=full, delay=delay)
    return subprocess.Popen([sys.executable, "-c", code, str(cache_dir)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip


def finish(proc: subprocess.Popen[str]) -> int:
    out, err = proc.communicate(timeout=120)
    assert proc.returncode in (0, -signal.SIGKILL), (out, err)
    return proc.returncode


def snapshot_of(cache_dir: Path) -> dict[str, str]:
    cache = PriceCache(cache_dir)
    out = {}
    for kind in ("stock", "index"):
        for code in cache.codes(kind):  # type: ignore[arg-type]
            cached = cache.read(code, kind)  # type: ignore[arg-type]
            assert cached is not None, f"{kind}/{code} unreadable"
            out[f"{kind}/{code}"] = cached.record["checksum"]
    return out


def test_two_refreshes_in_parallel_equal_one(tmp_path: Path) -> None:
    one = tmp_path / "one"
    assert finish(run_refresh(one)) == 0
    both = tmp_path / "both"
    a, b = run_refresh(both), run_refresh(both)
    assert finish(a) == 0 and finish(b) == 0
    assert snapshot_of(both) == snapshot_of(one)
    assert len(snapshot_of(one)) == len(CODES) + 1


def test_refresh_killed_mid_write_leaves_a_consistent_cache(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    assert finish(run_refresh(cache_dir)) == 0
    good = snapshot_of(cache_dir)
    files = sorted(cache_dir.glob("*/*.parquet"))
    partial = 0
    for delay in (0.0, 0.03, 0.06):  # after the first rewrite; fetches take 0.1 s each
        mtimes = {f: f.stat().st_mtime_ns for f in files}
        proc = run_refresh(cache_dir, full=True, delay=0.1)
        assert proc.stdout is not None and proc.stdout.readline().strip() == "go"
        # Kill once the refresh has rewritten a file (a fixed sleep misses it on a loaded
        # machine): the next write is at least one slow fetch away, so the kill lands inside
        # the refresh, before, during or after a write of the next file.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if any(f.stat().st_mtime_ns != mtimes[f] for f in files):
                break
            time.sleep(0.002)
        time.sleep(delay)
        os.kill(proc.pid, signal.SIGKILL)
        finish(proc)
        rewritten = sum(f.stat().st_mtime_ns != mtimes[f] for f in files)
        partial += 0 < rewritten < len(files)
        # Every file is readable and holds either the old or the new (identical) series.
        assert snapshot_of(cache_dir) == good
    assert partial >= 1, "no kill landed in the middle of a refresh"
    # The next refresh cleans up temp files left by the kills and completes.
    assert finish(run_refresh(cache_dir)) == 0
    assert not list(cache_dir.glob("*/.*.tmp"))
    assert snapshot_of(cache_dir) == good


def test_a_failed_write_keeps_the_old_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pyarrow.parquet as pq

    cache = PriceCache(tmp_path)
    refresh(["300308"], [], FakeProvider(until="2024-03-22"), cache, today=dt.date(2024, 3, 22))
    before = cache.path("300308", "stock").read_bytes()

    def crash(table, where, **kwargs):  # type: ignore[no-untyped-def]
        where.write(b"PAR1 half a file")
        raise OSError("No space left on device")

    monkeypatch.setattr(pq, "write_table", crash)
    (r,) = refresh(["300308"], [], FakeProvider(), cache, today=TODAY).results
    assert r.status == "failed" and "No space left on device" in r.message
    assert cache.path("300308", "stock").read_bytes() == before
    assert not list(tmp_path.glob("stock/.*.tmp"))
