"""The call table and the scorecard as text for people, and the header that labels them.

Columns are aligned by display width (a Chinese character counts two) with rich; the CSV and
JSON forms are :func:`thematic.output.tables.format_frame`'s, with every column as it is.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pandas as pd


def aligned(frame: pd.DataFrame, right: Sequence[str] = ()) -> str:
    """Render a frame of strings as a plain text table aligned by display width."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, highlight=False)
    for col in frame.columns:
        table.add_column(str(col), justify="right" if col in right else "left", no_wrap=True)
    for row in frame.itertuples(index=False):
        table.add_row(*map(str, row))
    buf = io.StringIO()
    Console(file=buf, width=1000, no_color=True, color_system=None, highlight=False,
            markup=False, emoji=False).print(table)  # fmt: skip
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def calls_text(calls: pd.DataFrame, title_width: int = 40) -> str:
    """Render the call table for a terminal (titles cut to ``title_width``; no PDF links)."""
    if calls.empty:
        return "(no calls)\n"
    shown = pd.DataFrame({
        "published": calls["published"].dt.strftime("%Y-%m-%d"),
        "code": calls["code"], "name": calls["name"], "broker": calls["broker"],
        "rating": calls["rating"], "rating_cn": calls["rating_cn"],
        "industry": calls["industry"], "report_id": calls["report_id"],
        "title": [t if len(t) <= title_width else t[: title_width - 1] + "…"
                  for t in calls["title"].astype(str)],
    })  # fmt: skip
    return aligned(shown)


def _pct(x: float) -> str:
    return "" if x != x else f"{x * 100:+.2f}%"


def _num(x: float, fmt: str = "+.2f") -> str:
    return "" if x != x else format(x, fmt)


def scorecard_text(df: pd.DataFrame, by: Sequence[str]) -> str:
    """Render the scorecard for a terminal: returns in %, p and q to three places, notes last."""
    if df.empty:
        return "(no rows)\n"
    shown = pd.DataFrame({k: df[k].astype(str) for k in by})
    shown["h"] = df["horizon"].astype(str)
    shown["calls"] = df["n_calls"].astype(str)
    shown["n"] = df["n"].astype(str)
    shown["G"] = df["clusters"].astype(str)
    shown["mean"] = df["mean_excess"].map(_pct)
    shown["median"] = df["median_excess"].map(_pct)
    shown["hit"] = df["hit_rate"].map(lambda x: "" if x != x else f"{x * 100:.0f}%")
    shown["se"] = df["se"].map(lambda x: "" if x != x else f"{x * 100:.2f}%")
    shown["t"] = df["t"].map(_num)
    shown["p"] = df["p"].map(lambda x: _num(x, ".3f"))
    shown["q_bh"] = df["q_bh"].map(lambda x: _num(x, ".3f"))
    shown["shrunk"] = df["shrunk_excess"].map(_pct)
    shown["shrunk 95%"] = [
        "" if lo != lo else f"[{lo * 100:+.2f}, {hi * 100:+.2f}]"
        for lo, hi in zip(df["shrunk_lo"], df["shrunk_hi"], strict=True)
    ]
    shown["CAR"] = df["mean_car"].map(_pct)
    shown["car_t"] = df["car_t"].map(_num)
    shown["note"] = df["note"].astype(str)
    if not shown["note"].str.len().any():
        shown = shown.drop(columns="note")
    right = [c for c in shown.columns if c not in (*by, "note", "shrunk 95%")]
    return aligned(shown, right)


def scorecard_header(meta: dict[str, Any]) -> list[str]:
    """Return the lines that say what a scorecard measured, on which data, under which rules."""
    prices = meta["prices"]
    ratings = meta["ratings"] if isinstance(meta["ratings"], str) else ",".join(meta["ratings"])
    window = [f"since {meta['since']}" if meta["since"] else "",
              f"until {meta['until']}" if meta["until"] else ""]  # fmt: skip
    when = " ".join(w for w in window if w)
    return [
        f"scorecard by {','.join(meta['by'])}: {meta['calls_scored']:,} calls (ratings "
        f"{ratings}{'; ' + when if when else ''}) of {meta['calls_in_table']:,} in the call "
        f"table; {meta['calls_without_entry_price']:,} without an entry price",
        f"entry rule: {meta['entry_rule']} ({meta['entry_rule_text']}); untradable: "
        f"{meta['untradable_text']}",
        f"benchmark: {meta['benchmark']} ({meta['benchmark_series']}); prices: "
        f"{prices.get('source', '')}, {prices.get('adjustment', '')}, as of {meta['as_of']}",
        "excess = stock return - benchmark return over the same sessions (gross of costs); "
        "hit = share of calls with excess > 0",
        "se: CR1 cluster-robust standard error of the mean, clusters = entry sessions (G); "
        "t = mean/se; p two-sided from Student's t with G-1 df; q_bh: Benjamini-Hochberg over "
        "the groups of each horizon",
        "shrunk: empirical-Bayes (normal-normal) mean pulled towards the mean of all calls of "
        "the horizon by B = tau^2/(tau^2+se^2), with its 95% interval",
        f"CAR: market-model CAR over [1, h], OLS on the {meta['estimation_window']}; group "
        "mean and its CR1 t",
    ]
