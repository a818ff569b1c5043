"""Charts, the HTML report, the metrics history and the terminal table."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import thematic
from tests.conftest import ROOT
from thematic.output import charts
from thematic.runs.evaluate import constituent_returns


@pytest.fixture(scope="module")
def evaluated() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str]]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        table = thematic.evaluate("baskets", horizons="20,60,250")
        curves = thematic.curves("baskets")
    names = {b.id: b.name for b in thematic.load_baskets("baskets")}
    return table, curves, names


def _texts(fig: object) -> list[str]:
    return [t.get_text() for t in fig.findobj(lambda o: hasattr(o, "get_text"))]  # type: ignore[attr-defined]


def test_charts_draw_chinese_without_missing_glyphs(
    evaluated: tuple[pd.DataFrame, pd.DataFrame, dict[str, str]], tmp_path: Path
) -> None:
    table, curves, names = evaluated
    meta = table.attrs["metadata"]
    b = "compute_infrastructure"
    cons = constituent_returns(["baskets/compute_infrastructure.yaml"], 250, "next_close")
    figs = {
        "event": charts.event_time_chart(
            curves[curves.basket == b], table[table.basket == b], names[b], meta
        ),
        "compare": charts.comparison_chart(curves, names, meta),
        "constituents": charts.constituent_chart(cons, names[b], 250, meta),
    }
    # pytest turns warnings into errors: a missing glyph ("Glyph ... missing from font")
    # would fail here when the PNG is drawn.
    for name, fig in figs.items():
        png = tmp_path / f"{name}.png"
        fig.savefig(png)
        assert png.stat().st_size > 20_000, name
        ax = fig.axes[0]
        assert ax.get_xlabel() and ax.get_ylabel(), name  # axes are labelled
    assert "算力基础设施: entered 2024-02-19" in _texts(figs["event"])
    assert {"光通信", "运营商", "温控"} <= set(_texts(figs["compare"]))
    shown = " ".join(t.replace("\n", " ") for t in _texts(figs["constituents"]))
    assert "曙光数创 872808 (no price data for this code)" in shown  # excluded, with why
    footnote = next(t for t in _texts(figs["event"]) if t.startswith("Entry:"))
    assert "000300 (price index)" in footnote and "as of 2025-08-22" in footnote


def test_constituent_returns_are_the_engines(evaluated: tuple[pd.DataFrame, ...]) -> None:
    table = evaluated[0]
    cons = constituent_returns(["baskets/idc.yaml"], 20)
    row = table[(table.basket == "idc") & (table.horizon == 20)].iloc[0]
    assert cons["stock_return"].iloc[0] == pytest.approx(row.basket_return, abs=1e-15)
    assert cons["name"].iloc[0] == "奥飞数据"


def test_report_is_one_self_contained_file(tmp_path: Path) -> None:
    out = tmp_path / "report.html"
    r = subprocess.run([sys.executable, "-m", "thematic", "report", "baskets/idc.yaml",
                        "baskets/optical_communications.yaml", "--horizons", "20,250",
                        "--output", str(out)], cwd=ROOT, capture_output=True, text=True,
                       env={**os.environ, "THEMATIC_CACHE_DIR": str(tmp_path / "c")},
                       timeout=300, check=False)  # fmt: skip
    assert r.returncode == 0, r.stderr
    html = out.read_text("utf-8")
    assert not re.search(r"""(src|href)=["'](https?:)?//""", html)  # nothing to fetch
    assert html.count("data:image/png;base64,") >= 5
    assert "@font-face" in html  # carries the CJK glyphs it uses
    for text in ("光通信", "中际旭创", "中国银河证券", "赵良毕", "Methods", "price index",
                 "Kolari-Pynnonen", "Untradable trades", "CSI 300 (沪深300)"):  # fmt: skip
        assert text in html, text
    assert out.stat().st_size < 3 * 2**20  # light enough to mail


def test_report_renders_in_headless_chromium(tmp_path: Path) -> None:
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        pytest.skip("chromium is not installed (make test installs Debian's where it can)")
    out = tmp_path / "r.html"
    from thematic.output.html import render_page
    from thematic.runs.page_data import page_data

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        out.write_text(render_page(page_data("baskets/telecom_carriers.yaml", "20")), "utf-8")
    png = tmp_path / "r.png"
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--hide-scrollbars",
                    "--window-size=1100,4000", f"--screenshot={png}", out.as_uri()],
                   capture_output=True, timeout=120, check=False)  # fmt: skip
    assert png.exists() and png.stat().st_size > 50_000
    from PIL import Image

    with Image.open(png) as im:
        assert im.size == (1100, 4000)
        colours = im.convert("RGB").getcolors(maxcolors=1_000_000)
    assert colours is not None and len(colours) > 50  # text, tables and charts, not blank


# -- the metrics history ---------------------------------------------------------------------
def _history_run(hist: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "thematic", "evaluate", "--offline",
                           "--horizons", "20,250", "--format", "csv", "--history", str(hist),
                           *extra], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "THEMATIC_CACHE_DIR": str(hist.parent / "c")},
                          check=False)  # fmt: skip


def test_history_is_idempotent_per_as_of(tmp_path: Path) -> None:
    from thematic.history import read

    hist = tmp_path / "hist"
    assert _history_run(hist, "baskets/idc.yaml").returncode == 0
    assert (
        _history_run(hist, "baskets/idc.yaml", "baskets/optical_communications.yaml").returncode
        == 0
    )
    assert _history_run(hist, "baskets/idc.yaml").returncode == 0  # same data: replaces
    df = read(hist)
    assert len(df) == 4  # idc x 2 horizons + optical x 2, no duplicates
    assert set(df["as_of"]) == {"2025-08-22"}
    assert not df.duplicated(["basket", "horizon", "entry_rule", "as_of"]).any()
    r = subprocess.run([sys.executable, "-m", "thematic", "history", "idc", "--history",
                        str(hist), "--horizon", "250", "--format", "csv"], cwd=ROOT,
                       capture_output=True, text=True, check=False)  # fmt: skip
    assert r.returncode == 0 and len(r.stdout.splitlines()) == 2
    import io

    row = pd.read_csv(io.StringIO(r.stdout)).iloc[0]
    assert round(row["excess_return"], 4) == 0.5063  # idc's 250-session excess (README)


def test_history_two_runs_at_once(tmp_path: Path) -> None:
    from thematic.history import read

    hist = tmp_path / "hist"
    procs = [subprocess.Popen([sys.executable, "-m", "thematic", "evaluate", "--offline",
                               "--horizons", "20", "--format", "csv", "--history", str(hist), b],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "THEMATIC_CACHE_DIR": str(tmp_path / "c")})
             for b in ("baskets/idc.yaml", "baskets/telecom_carriers.yaml")]  # fmt: skip
    assert [p.wait(timeout=300) for p in procs] == [0, 0]
    assert sorted(read(hist)["basket"]) == ["idc", "telecom_carriers"]  # neither lost


def test_history_killed_mid_write_stays_readable_and_unchanged(tmp_path: Path) -> None:
    from thematic.history import read

    hist = tmp_path / "hist"
    assert _history_run(hist, "baskets/idc.yaml").returncode == 0
    (before,) = list(hist.glob("as_of=*.parquet"))
    snapshot = before.read_bytes()
    killed = 0
    for delay in (0.3, 0.6, 0.9, 1.2, 1.5, 1.8, 2.1, 2.4):
        p = subprocess.Popen([sys.executable, "-m", "thematic", "evaluate", "--offline",
                              "--horizons", "20,250", "--format", "csv", "--history",
                              str(hist), "baskets/optical_communications.yaml"], cwd=ROOT,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             env={**os.environ, "THEMATIC_CACHE_DIR": str(tmp_path / "c")})  # fmt: skip
        time.sleep(delay)
        if p.poll() is None:
            p.send_signal(signal.SIGKILL)
            killed += 1
        p.wait()
        df = read(hist)  # readable after every kill
        if before.read_bytes() == snapshot:
            assert set(df["basket"]) == {"idc"}
        else:  # the run finished: the new rows are there, the old ones kept
            assert set(df["basket"]) == {"idc", "optical_communications"}
            break
    assert killed >= 1


# -- the terminal table ----------------------------------------------------------------------
def test_table_is_plain_when_piped_and_aligned_by_display_width() -> None:
    r = subprocess.run([sys.executable, "-m", "thematic", "evaluate", "--offline",
                        "baskets/idc.yaml", "baskets/optical_communications.yaml",
                        "--horizons", "20"], cwd=ROOT, capture_output=True, text=True,
                       check=False)  # fmt: skip
    assert r.returncode == 0 and "\x1b[" not in r.stdout
    lines = [x for x in r.stdout.splitlines() if x.startswith(("idc ", "optical"))]
    from rich.cells import cell_len

    # "IDC" and "光通信" differ in characters but the columns after them line up on screen.
    assert len({cell_len(x.split("2024-03-22")[0]) for x in lines}) == 1
    assert "-12.39%" in r.stdout  # signed percentages


def test_table_is_coloured_on_a_terminal_unless_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    from thematic.output import tables

    table = thematic.evaluate("baskets/idc.yaml", horizons="20")
    monkeypatch.setattr(tables, "_stdout_is_terminal", lambda: True, raising=False)
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    monkeypatch.delenv("NO_COLOR", raising=False)
    coloured = tables.results_text(table, {"idc": "IDC"})
    assert "\x1b[32m-12.81%" in coloured  # down is green
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\x1b[" not in tables.results_text(table, {"idc": "IDC"})


def test_event_chart_horizon_labels_do_not_overlap() -> None:
    """h=1, h=5 and h=20 sit a few sessions apart on a 370-session axis: their labels stack."""
    n = 370
    curve = pd.DataFrame({
        "session": np.arange(n),
        "date": pd.bdate_range("2024-02-19", periods=n),
        "basket_return": np.linspace(0.0, 0.6, n),
        "benchmark_return": np.linspace(0.0, 0.3, n),
    })  # fmt: skip
    hs = [1, 5, 20, 60, 120, 250]
    rows = pd.DataFrame(
        {"horizon": hs, "excess_return": [-0.006, 0.021, 0.135, -0.035, -0.2, 0.394]}
    )
    fig = charts.event_time_chart(curve, rows, "AI应用端", {"benchmark": "000300"})
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    labels = [t for t in fig.axes[0].texts if t.get_text().startswith("h=")]
    assert len(labels) == len(hs)
    boxes = [t.get_window_extent(renderer) for t in labels]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert not a.overlaps(b), (a, b)


def test_the_page_reads_each_series_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from collections import Counter

    from thematic.data.sourcing import default_provider
    from thematic.runs import page_data as module

    inner = default_provider()
    fetched: Counter[str] = Counter()
    real_daily, real_index = inner.fetch_daily, inner.fetch_index_daily

    def daily(code: str, start: object = None, end: object = None) -> pd.DataFrame:
        fetched[code] += 1
        return real_daily(code)

    def index(code: str, start: object = None, end: object = None) -> pd.DataFrame:
        fetched[code] += 1
        return real_index(code)

    monkeypatch.setattr(inner, "fetch_daily", daily)
    monkeypatch.setattr(inner, "fetch_index_daily", index)
    monkeypatch.setattr(module, "default_provider", lambda: inner)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", thematic.ThematicWarning)
        data = module.page_data("baskets/optical_communications.yaml", "20")
    assert len(data.constituents) == 1 and data.stats is not None
    # Results, curves, statistics and the constituents: five stocks and the index, once each.
    assert fetched == dict.fromkeys(["300308", "300502", "300394", "002281", "000988", "000300"], 1)
