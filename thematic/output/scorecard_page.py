"""The scorecard as one self-contained HTML page: a forest plot per horizon, the table, the definitions.

Rendered from ``templates/scorecard.html.j2``; charts are embedded as PNG and the Chinese
glyphs the page uses as a subset of the bundled Noto Sans CJK font
(:func:`thematic.output.html.cjk_font_subset`), so it opens anywhere without a network.  It
draws the scorecard's own numbers and computes none.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from thematic.files import write_text

TEMPLATE: Final = "scorecard.html.j2"
PAGE_DPI: Final = 90
RAW_COLOR: Final = "#7f7f7f"
SHRUNK_COLOR: Final = "#1f4e79"


def group_label(row: pd.Series, by: Sequence[str]) -> str:
    """Return the name of a group on the page: its keys joined by `` · ``."""
    return " · ".join(str(row[k]) for k in by)


def forest_chart(rows: pd.DataFrame, by: Sequence[str], horizon: int, mu: float) -> Figure:
    """Draw each group's raw mean and shrunk 95 % interval at one horizon, sorted by shrunk mean.

    Groups without a shrunk estimate (too few calls or clusters) are left out of the plot
    (the table lists them).
    """
    from matplotlib.ticker import PercentFormatter

    from thematic.output.charts import use_cjk_font

    use_cjk_font()
    shown = rows.loc[np.isfinite(rows["shrunk_excess"].to_numpy(dtype=float))]
    shown = shown.sort_values(["shrunk_excess", "mean_excess"], kind="stable")  # ties: raw mean
    n = max(len(shown), 1)
    fig = Figure(figsize=(9.0, 1.6 + 0.32 * n), dpi=110, layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(shown))
    labels = [f"{group_label(r, by)} (n={int(r.n)})" for _, r in shown.iterrows()]
    ax.hlines(y, shown["shrunk_lo"], shown["shrunk_hi"], color=SHRUNK_COLOR, lw=2.2,
              label="shrunk mean, 95% interval")  # fmt: skip
    ax.plot(shown["shrunk_excess"], y, "o", color=SHRUNK_COLOR, ms=6, zorder=3)
    ax.plot(shown["mean_excess"], y, "D", mfc="none", mec=RAW_COLOR, ms=6, zorder=3,
            label="raw mean")  # fmt: skip
    ax.axvline(0.0, color="#222222", lw=0.8)
    if np.isfinite(mu):
        ax.axvline(mu, color=SHRUNK_COLOR, lw=0.9, ls="--", label=f"mean of all calls {mu:+.1%}")
    ax.set_yticks(y, labels, fontsize=9)
    ax.set_ylim(-0.7, max(len(shown), 1) - 0.3)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(f"excess return over {horizon} sessions (stock minus benchmark)")
    ax.set_ylabel(" · ".join(by))
    ax.set_title(f"h = {horizon}: raw and shrunk mean excess return per group", loc="left",
                 fontsize=11)  # fmt: skip
    ax.grid(axis="x", color="#e5e5e5", lw=0.6)
    fig.legend(fontsize=8, frameon=False, loc="outside lower center", ncol=3)
    return fig


def _png(fig: Figure) -> str:
    from thematic.output.charts import to_png

    fig.set_dpi(PAGE_DPI)
    return base64.b64encode(to_png(fig)).decode("ascii")


def _fmt(x: Any, kind: str) -> str:
    if x is None or (isinstance(x, float) and x != x):
        return ""
    if kind == "pct":
        return f"{float(x):+.2%}"
    if kind == "sd":
        return f"{float(x):.2%}"
    if kind == "share":
        return f"{float(x):.0%}"
    if kind == "p":
        return f"{float(x):.3f}"
    if kind == "num":
        return f"{float(x):+.2f}"
    return str(x)


_TABLE: Final = (("horizon", "h", ""), ("n_calls", "calls", ""), ("n", "n", ""),
                 ("clusters", "G", ""), ("mean_excess", "mean", "pct"),
                 ("median_excess", "median", "pct"), ("hit_rate", "hit", "share"),
                 ("se", "se", "pct"), ("t", "t", "num"), ("p", "p", "p"), ("q_bh", "q_bh", "p"),
                 ("shrunk_excess", "shrunk", "pct"), ("shrunk_lo", "lo", "pct"),
                 ("shrunk_hi", "hi", "pct"), ("mean_car", "CAR", "pct"),
                 ("car_t", "car_t", "num"), ("note", "note", ""))  # fmt: skip


def build_scorecard_page(df: pd.DataFrame, title: str = "Whose calls work? A scorecard") -> str:
    """Render the page for a scorecard (:func:`thematic.scorecard`'s result)."""
    import jinja2

    from thematic import __version__
    from thematic.output.html import TEMPLATES, cjk_font_subset

    meta = df.attrs["metadata"]
    by = list(meta["by"])
    charts = []
    for h in meta["horizons"]:
        rows = df.loc[df["horizon"] == h]
        mu = meta["pooled"][h]["mu"]
        n_groups = int(np.isfinite(rows["shrunk_excess"]).sum())
        png = _png(forest_chart(rows, by, h, mu)) if n_groups else ""  # no empty frame
        charts.append({"horizon": h, "png": png, "n_groups": n_groups,
                       "mu": _fmt(mu, "pct"), "tau": _fmt(np.sqrt(meta["pooled"][h]["tau2"]), "sd")})  # fmt: skip
    header = [*by, *(label for _, label, _ in _TABLE)]
    body = [[*(str(r[k]) for k in by), *(_fmt(r[col], kind) for col, _, kind in _TABLE)]
            for _, r in df.iterrows()]  # fmt: skip
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES),
                             autoescape=jinja2.select_autoescape(["j2"]))  # fmt: skip
    context = {"title": title, "meta": meta, "charts": charts, "header": header, "rows": body,
               "n_keys": len(by), "version": __version__,
               "generated": dt.datetime.now().strftime("%Y-%m-%d %H:%M")}  # fmt: skip
    draft = env.get_template(TEMPLATE).render(font="", **context)
    chars = {c for c in draft if ord(c) > 127}
    return env.get_template(TEMPLATE).render(font=cjk_font_subset(chars), **context)


def write_scorecard_page(df: pd.DataFrame, path: Path) -> None:
    """Write the page atomically."""
    write_text(Path(path), build_scorecard_page(df))
