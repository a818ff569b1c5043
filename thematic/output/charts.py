"""Charts of calls: event time, comparisons, constituents, placebo, mean CAR, history.

The only module of thematic that imports matplotlib.  Every function takes DataFrames the
library produces and returns a :class:`matplotlib.figure.Figure` (nothing calls
``plt.show()``; figures are built with the object API, not pyplot's global state).  Chinese
names render with Noto Sans CJK SC, shipped by the ``noto-cjk-sans-otc`` package (SIL Open
Font License 1.1), so a fresh machine with no system fonts draws them.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from thematic.codes import index_name

CJK_FAMILY: Final = "Noto Sans CJK SC"
UP: Final = "#c0392b"  # A-share convention: red is up
DOWN: Final = "#1e8449"  # and green is down
BASKET_COLOR: Final = "#1f4e79"
BENCH_COLOR: Final = "#7f7f7f"
_REGISTERED: list[bool] = []


def use_cjk_font() -> str:
    """Register the bundled Noto Sans CJK font with matplotlib once; return its family."""
    if not _REGISTERED:
        import matplotlib as mpl
        import noto_cjk_sans_otc
        from matplotlib import font_manager

        path = Path(noto_cjk_sans_otc.__file__).with_name("NotoSansCJK-Regular.ttc")
        font_manager.fontManager.addfont(str(path))
        mpl.rcParams["font.family"] = [CJK_FAMILY, "DejaVu Sans"]
        mpl.rcParams["axes.unicode_minus"] = False  # the CJK font has no U+2212 minus
        _REGISTERED.append(True)
    return CJK_FAMILY


def _figure(width: float = 9.0, height: float = 4.8) -> tuple[Figure, Any]:
    use_cjk_font()
    fig = Figure(figsize=(width, height), dpi=110, layout="constrained")
    return fig, fig.add_subplot()


def _pct_axis(ax: Any, axis: str = "y") -> None:
    from matplotlib.ticker import PercentFormatter

    (ax.yaxis if axis == "y" else ax.xaxis).set_major_formatter(PercentFormatter(1.0, decimals=0))


def _footnote(fig: Figure, text: str) -> None:
    fig.supxlabel(text, fontsize=7.5, color="#555555", ha="left", x=0.01)


def footnote_text(meta: Mapping[str, Any]) -> str:
    """Return the entry rule, benchmark series, data source and as-of date, for a footnote."""
    bench = meta.get("benchmark", "")
    kind = meta.get("series", {}).get(bench, {}).get("adjustment") or meta.get(
        "benchmark_series", "price index"
    )
    return (
        f"Entry: {meta.get('entry_rule', '?')}; untradable trades: {meta.get('untradable', '?')}. "
        f"Benchmark {index_name(bench)}, {bench} ({kind}). Data: {meta.get('sources_text', '?')} series, "
        f"as of {meta.get('as_of', '?')}."
    )


def event_time_chart(
    curve: pd.DataFrame,
    table: pd.DataFrame,
    title: str,
    meta: Mapping[str, Any],
) -> Figure:
    """Cumulative basket and benchmark returns since entry, the excess shaded, horizons marked.

    Parameters
    ----------
    curve
        One basket's rows of :func:`thematic.curves` (``session``, ``basket_return``,
        ``benchmark_return``).
    table
        That basket's rows of :func:`thematic.evaluate` (one per horizon).
    title
        The basket's display name (Chinese is fine).
    meta
        ``attrs["metadata"]`` of the evaluation, for the footnote.
    """
    fig, ax = _figure()
    x = curve["session"].to_numpy()
    b = curve["basket_return"].to_numpy()
    m = curve["benchmark_return"].to_numpy()
    ax.plot(x, b, color=BASKET_COLOR, lw=1.8, label="basket")
    ax.plot(x, m, color=BENCH_COLOR, lw=1.4, label=index_name(meta.get("benchmark", "")))
    ax.fill_between(x, m, b, where=b >= m, color=UP, alpha=0.15, interpolate=True,
                    label="excess > 0")  # fmt: skip
    ax.fill_between(x, m, b, where=b < m, color=DOWN, alpha=0.15, interpolate=True,
                    label="excess < 0")  # fmt: skip
    ax.axhline(0.0, color="#333333", lw=0.6)
    # Marks a few sessions apart (h=1, 5, 20 on a year-long axis) would print over each
    # other: a label goes to the first row down where it clears the row's last label.
    lo, hi = ax.get_xlim()
    axes_pt = 0.9 * ax.get_position().width * fig.get_figwidth() * 72  # (layout shrinks it)
    row_ends: list[float] = []
    for row in table.itertuples(index=False):
        h = str(row.horizon)
        excess = float(row.excess_return)  # type: ignore[arg-type]
        if h == "max" or np.isnan(excess) or not len(x) or int(h) > x.max():
            continue
        ax.axvline(int(h), color="#999999", lw=0.7, ls="--")
        text = f"h={h}\n{excess:+.1%}"
        start = (int(h) - lo) / (hi - lo) * axes_pt
        line = next((k for k, end in enumerate(row_ends) if start > end), len(row_ends))
        if line == len(row_ends):
            row_ends.append(0.0)
        row_ends[line] = start + 3 + 0.62 * 8 * max(map(len, text.split("\n")))
        ax.annotate(text, xy=(int(h), 1.0), xycoords=("data", "axes fraction"),
                    xytext=(3, -3 - 22 * line), textcoords="offset points", va="top",
                    fontsize=8, color=UP if excess >= 0 else DOWN)  # fmt: skip
    if not len(x):  # e.g. the only stock was bought late: the curve runs from the entry day
        ax.text(0.5, 0.5, "no daily curve: no constituent has a price on the entry session\n"
                "(the table's numbers include constituents bought later)", ha="center",
                va="center", transform=ax.transAxes, fontsize=10, color="#555555")  # fmt: skip
    ax.set_xlabel("sessions since entry")
    ax.set_ylabel("cumulative return since entry")
    _pct_axis(ax)
    entry = pd.Timestamp(curve["date"].iloc[0]).strftime("%Y-%m-%d") if len(curve) else "?"
    ax.set_title(f"{title}: entered {entry}", loc="left")
    ax.legend(loc="lower right", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False, ncols=4)
    _footnote(fig, footnote_text(meta) + " Curves at the day's prices; h= marks: the table.")
    return fig


def comparison_chart(
    curves: pd.DataFrame, names: Mapping[str, str], meta: Mapping[str, Any]
) -> Figure:
    """Every basket's cumulative excess return on one event-time axis, by display name."""
    fig, ax = _figure()
    colors = _palette(curves["basket"].nunique())
    for color, (basket, c) in zip(colors, curves.groupby("basket", sort=False), strict=True):
        label = names.get(str(basket), str(basket))
        ax.plot(c["session"], c["excess_return"], lw=1.5, color=color, label=label)
    ax.axhline(0.0, color="#333333", lw=0.6)
    ax.set_xlabel("sessions since entry")
    ax.set_ylabel("cumulative excess return vs benchmark")
    _pct_axis(ax)
    ax.set_title("Excess return since each call", loc="left")
    if len(curves):
        ax.legend(fontsize=8, frameon=False, loc="upper left", ncols=2)
    else:  # no basket has a constituent priced on its entry session
        ax.text(0.5, 0.5, "no daily curve: no constituent has a price on its entry session",
                ha="center", va="center", transform=ax.transAxes, fontsize=10, color="#555555")  # fmt: skip
    _footnote(fig, footnote_text(meta))
    return fig


def constituent_chart(
    constituents: pd.DataFrame, title: str, horizon: Any, meta: Mapping[str, Any]
) -> Figure:
    """Each stock's return at one horizon against the benchmark's, sorted; odd ones marked.

    ``constituents``: one basket's rows of :func:`thematic.runs.evaluate.constituent_returns`.
    Excluded constituents are listed at the bottom with why; delayed entries and blocked
    exits are hatched.
    """
    df = constituents.sort_values("stock_return", na_position="first")
    priced = df[df["stock_return"].notna()]
    excluded = df[df["stock_return"].isna()]
    fig, ax = _figure(9.0, 1.6 + 0.42 * max(len(df), 1))
    labels = [f"{n} {c}" for n, c in zip(priced["name"], priced["code"], strict=True)]
    vals = priced["stock_return"].to_numpy()
    bars = ax.barh(labels, vals, color=[UP if v >= 0 else DOWN for v in vals], alpha=0.85)
    for bar, status in zip(bars, priced["status"], strict=True):
        if status != "priced":
            bar.set_hatch("///")
            bar.set_edgecolor("#333333")
            ax.annotate(status, (max(bar.get_width(), 0.0), bar.get_y() + bar.get_height() / 2),
                        xytext=(4, 0), textcoords="offset points", va="center", fontsize=7.5)  # fmt: skip
    if len(priced):
        bench = float(priced["benchmark_return"].iloc[0])
        ax.axvline(bench, color=BENCH_COLOR, lw=1.4, ls="--", label=f"benchmark {bench:+.1%}")
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    ax.axvline(0.0, color="#333333", lw=0.6)
    _pct_axis(ax, "x")
    ax.set_xlabel(f"return from entry to the close {horizon} sessions later")
    ax.set_ylabel("constituent")
    ax.set_title(f"{title}: constituents at h={horizon}", loc="left")
    note = footnote_text(meta)
    if len(excluded):
        note += " Excluded: " + "; ".join(
            f"{n} {c} ({s})"
            for n, c, s in zip(excluded["name"], excluded["code"], excluded["status"], strict=True)
        )
    _footnote(fig, _wrap(note, 150))
    return fig


def placebo_chart(placebo: pd.DataFrame, title: str, horizon: Any, pct: float) -> Figure:
    """Draw the distribution of placebo excess returns with the real basket's marked."""
    fig, ax = _figure(8.0, 4.2)
    ex = placebo["excess"].to_numpy()
    real = float(placebo["real"].iloc[0])
    ax.hist(ex, bins=50, color=BENCH_COLOR, alpha=0.8, label=f"{len(ex):,} random baskets")
    ax.axvline(real, color=UP if real >= 0 else DOWN, lw=2.0,
               label=f"the call: {real:+.1%} (above {pct:.1f}% of them)")  # fmt: skip
    _pct_axis(ax, "x")
    ax.set_xlabel(f"equal-weight excess return at h={horizon} (entry at the close)")
    ax.set_ylabel("random baskets")
    ax.set_title(f"{title}: the call among random picks of the same size, same day", loc="left")
    ax.legend(fontsize=8, frameon=False)
    return fig


def mean_car_chart(daily: pd.DataFrame, title: str, z: float = 1.959963984540054) -> Figure:
    """Mean market-model CAR by event day with a 95% band (cross-sectional standard error).

    ``daily``: one group's rows of ``event_stats(...).attrs["daily"]`` (``code, day, ar``).
    """
    fig, ax = _figure(8.0, 4.2)
    wide = daily.pivot(index="day", columns="code", values="ar").cumsum()
    mean = wide.mean(axis=1)
    n = wide.notna().sum(axis=1)
    se = wide.std(axis=1, ddof=1) / np.sqrt(n)
    ax.plot(mean.index, mean, color=BASKET_COLOR, lw=1.8, label=f"mean CAR ({int(n.max())} stocks)")
    ax.fill_between(mean.index, mean - z * se, mean + z * se, color=BASKET_COLOR, alpha=0.15,
                    label="95% band (cross-sectional)")  # fmt: skip
    ax.axhline(0.0, color="#333333", lw=0.6)
    _pct_axis(ax)
    ax.set_xlabel("event day (1 = the session after entry)")
    ax.set_ylabel("cumulative abnormal return (market model)")
    ax.set_title(f"{title}: mean CAR by event day", loc="left")
    ax.legend(fontsize=8, frameon=False, loc="upper left")
    return fig


def history_chart(history: pd.DataFrame, title: str, column: str = "excess_return") -> Figure:
    """How a basket's metric evolved across as-of dates, one line per horizon."""
    fig, ax = _figure(8.0, 4.2)
    for h, g in history.groupby("horizon", sort=False):
        g = g.sort_values("as_of")
        ax.plot(pd.to_datetime(g["as_of"]), g[column], marker="o", ms=3, lw=1.3, label=f"h={h}")
    _pct_axis(ax)
    ax.set_xlabel("data as-of date")
    ax.set_ylabel(column.replace("_", " "))
    ax.set_title(f"{title}: {column.replace('_', ' ')} by as-of date", loc="left")
    ax.legend(fontsize=8, frameon=False)
    fig.autofmt_xdate()
    return fig


def to_png(fig: Figure) -> bytes:
    """Return the figure as PNG bytes (for embedding in HTML)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _palette(n: int) -> Sequence[Any]:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))
