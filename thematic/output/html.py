"""The HTML page: every call, its results, charts, path, statistics and methods, in one file.

Self-contained (charts embedded as PNG, styles inline, no network needed to open it) and
rendered from a Jinja2 template (``output/templates/page.html.j2``), never by string
concatenation.  It renders a :class:`~thematic.runs.page_data.PageData` (the library's own
results, gathered by :func:`thematic.runs.page_data.page_data`) with
:mod:`thematic.output.charts`, and computes nothing of its own.
"""

from __future__ import annotations

import base64
import datetime as dt
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from thematic.baskets import Basket
from thematic.codes import index_name

if TYPE_CHECKING:
    from thematic.runs.page_data import PageData

TEMPLATES = Path(__file__).with_name("templates")
#: Resolution of embedded charts: sharp on screen, light enough to mail.
REPORT_DPI = 80
#: The Simplified Chinese face of the Noto Sans CJK collection (JP, KR, SC, TC, HK, ...).
_SC_FACE = 2

_RESULT_COLUMNS = ("h", "exit", "priced", "blocked/delayed/out", "basket", "bench", "excess",
                   "net excess", "hit")  # fmt: skip
_PATH_COLUMNS = ("sessions", "total return", "benchmark", "max drawdown", "volatility",
                 "Sharpe", "information ratio")  # fmt: skip
_STATS_COLUMNS = ("h", "n", "mean CAR", "car_t", "bmp_z", "kp_z", "mean BHAR", "skew t",
                  "boot p", "gsign_z", "placebo %", "placebo p", "note")  # fmt: skip


def _png(fig: Any) -> str:
    from thematic.output.charts import to_png

    fig.set_dpi(REPORT_DPI)
    return base64.b64encode(to_png(fig)).decode("ascii")


def _pct(x: Any) -> str:
    return "" if pd.isna(x) else f"{float(x):+.2%}"


def _num(x: Any, digits: int = 2) -> str:
    return "" if pd.isna(x) else f"{float(x):+.{digits}f}"


def _fixed(x: Any, digits: int) -> str:
    return "" if pd.isna(x) else f"{float(x):.{digits}f}"


def _cell(text: str, value: Any = None) -> dict[str, str]:
    cls = "" if value is None or pd.isna(value) else ("up" if float(value) > 0 else "down")
    return {"text": text, "cls": cls}


def render_page(
    data: PageData,
    progress: Callable[[Iterable[Basket]], Iterable[Basket]] | None = None,
) -> str:
    """Return the HTML page of ``data`` (:func:`thematic.runs.page_data.page_data`) as text.

    ``progress`` wraps the loop that draws each basket's charts.
    """
    import jinja2

    from thematic import __version__
    from thematic.output import charts

    items, table, curve, stats = data.baskets, data.table, data.curves, data.stats
    meta = table.attrs["metadata"]
    names = {b.id: b.name for b in items}
    by_report: dict[tuple[str, str, dt.date], list[Basket]] = {}
    for b in items:
        by_report.setdefault((b.report.broker, b.report.title, b.published), []).append(b)
    bench = meta["benchmark"]
    bench_kind = meta.get("series", {}).get(bench, {}).get("adjustment", "price index")
    iterate = progress(items) if progress is not None else items
    rendered: dict[str, dict[str, Any]] = {}
    for b in iterate:
        rendered[b.id] = _basket_section(b, data, meta, charts)
    reports = [
        {"broker": broker, "title": title, "published": f"{published}",
         "analysts": "、".join(group[0].report.analysts),
         "baskets": [rendered[b.id] for b in group]}
        for (broker, title, published), group in by_report.items()
    ]  # fmt: skip
    methods = _methods(meta, bench_kind, stats, data.stats_note, data.warnings)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
    )
    context = dict(
        title="Did the calls work? Thematic baskets against the CSI 300",
        generated=dt.datetime.now().strftime("%Y-%m-%d %H:%M"),
        version=__version__,
        meta=meta,
        bench_kind=bench_kind,
        bench_name=index_name(bench),
        comparison=_png(charts.comparison_chart(curve, names, meta)),
        reports=reports,
        path_columns=_PATH_COLUMNS,
        stats_columns=_STATS_COLUMNS,
        methods=methods,
    )
    template = env.get_template("page.html.j2")
    draft = template.render(font="", **context)
    # The page carries the glyphs it uses (a subset of the bundled Noto Sans CJK SC), so
    # Chinese renders on a machine without CJK fonts, and the file stays light.
    return template.render(font=cjk_font_subset({c for c in draft if ord(c) > 127}), **context)


def cjk_font_subset(chars: set[str]) -> str:
    """Return Noto Sans CJK SC cut down to ``chars`` (and ASCII), as base64 OpenType."""
    import io

    import noto_cjk_sans_otc
    from fontTools import subset
    from fontTools.ttLib import TTFont

    path = Path(noto_cjk_sans_otc.__file__).with_name("NotoSansCJK-Regular.ttc")
    font = TTFont(str(path), fontNumber=_SC_FACE)
    options = subset.Options()
    options.layout_features = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted({*map(ord, chars), *range(32, 127)}))
    subsetter.subset(font)
    buf = io.BytesIO()
    font.save(buf)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _basket_section(b: Basket, data: PageData, meta: dict[str, Any], charts: Any) -> dict[str, Any]:
    table, curve, paths, stats = data.table, data.curves, data.paths, data.stats
    rows = table[table["basket"].astype(str) == b.id]
    results = []
    for r in rows.to_dict("records"):
        exit_day = "-" if pd.isna(r["exit_date"]) else f"{pd.Timestamp(r['exit_date']):%Y-%m-%d}"
        results.append([
            _cell(str(r["horizon"])), _cell(exit_day),
            _cell(f"{r['n_constituents'] - r['n_missing'] - r['entered_after_exit']}/"
                  f"{r['n_constituents']}"),
            _cell(f"{r['blocked_entries']}/{r['delayed_entries']}/{r['blocked_exits']}"),
            _cell(_pct(r["basket_return"]), r["basket_return"]),
            _cell(_pct(r["benchmark_return"]), r["benchmark_return"]),
            _cell(_pct(r["excess_return"]), r["excess_return"]),
            _cell(_pct(r["net_excess_return"]), r["net_excess_return"]),
            _cell("" if pd.isna(r["hit_rate"]) else f"{r['hit_rate']:.0%}"),
        ])  # fmt: skip
    widest, cons = data.constituents[b.id]
    section: dict[str, Any] = {
        "id": b.id,
        "name": b.name,
        "constituents": [
            {"code": c.code, "name": c.name, "weight": f"{w:.1%}"}
            for c, w in zip(b.constituents, b.weights, strict=True)
        ],
        "results_columns": _RESULT_COLUMNS,
        "results": results,
        "event_chart": _png(
            charts.event_time_chart(curve[curve["basket"] == b.id], rows, b.name, meta)
        ),
        "constituent_chart": _png(charts.constituent_chart(cons, b.name, widest, meta)),
        "path": [""] * len(_PATH_COLUMNS),
        "stats": [],
        "car_chart": "",
        "placebo_chart": "",
        "trades": [
            f"{t['side']}{' h=' + t['horizon'] if t['horizon'] else ''} {t['code']} {t['name']}: "
            f"{t['what']} on {t['planned_date']}; {t['outcome']}"
            + (f", traded {t['actual_date']}" if t["actual_date"] else "")
            for t in meta.get("trades", [])
            if t["basket"] == b.id
        ],
        "excluded": [
            f"{m['code']} {m['name']}: {m['reason']}"
            for m in meta.get("missing", [])
            if m["basket"] == b.id
        ],
    }
    if b.id in paths.index:
        p = paths.loc[b.id]
        section["path"] = [str(p["sessions"]), _pct(p["total_return"]),
                           _pct(p["benchmark_total_return"]), _pct(p["max_drawdown"]),
                           f"{p['annualized_volatility']:.1%}", _num(p["sharpe_ratio"]),
                           _num(p["information_ratio"])]  # fmt: skip
    if stats is not None:
        srows = stats[stats["basket"] == b.id]
        section["stats"] = [
            [str(r.horizon), str(r.n), _pct(r.mean_car), _num(r.car_t), _num(r.bmp_z),
             _num(r.kp_z), _pct(r.mean_bhar), _num(r.bhar_skew_t),
             _fixed(r.bhar_boot_p, 3), _num(r.gsign_z), _fixed(r.placebo_pct, 1),
             _fixed(r.placebo_p, 3), r.note]
            for r in srows.itertuples(index=False)
        ]  # fmt: skip
        daily = stats.attrs["daily"]
        mine = daily[daily["group"] == b.id]
        if mine["code"].nunique() >= 2:
            section["car_chart"] = _png(charts.mean_car_chart(mine, b.name))
        draws = stats.attrs["placebo"]
        if len(draws):
            last = srows.dropna(subset=["placebo_pct"])
            if len(last):
                h = last["horizon"].iloc[-1]
                mine_p = draws[(draws["basket"] == b.id) & (draws["horizon"] == h)]
                section["placebo_chart"] = _png(
                    charts.placebo_chart(mine_p, b.name, h, float(last["placebo_pct"].iloc[-1]))
                )
    return section


def _methods(
    meta: dict[str, Any],
    kind: str,
    stats: pd.DataFrame | None,
    stats_note: str,
    warned: list[str],
) -> list[tuple[str, str]]:
    """Return the methods table: each rule and source used (``kind``: the benchmark series)."""
    bench = meta["benchmark"]
    prov = meta.get("provenance") or {}
    out = [
        ("Entry rule", f"{meta['entry_rule']}: {meta['entry_rule_text']}"),
        ("Exit", meta["exit_rule"]),
        ("Publication time", meta.get("publication_rule", "")),
        ("Calendar", meta["calendar"]),
        ("Prices", f"{prov.get('adjustment', '')}; {prov.get('origin', prov.get('source', ''))}"),
        ("Data", f"{meta['sources_text']} series, as of {meta['as_of']}"),
        (
            "Benchmark",
            f"{index_name(bench)}, {bench}, {kind}"
            + (
                ": dividends not reinvested, so excess returns are flattered by its dividend "
                "yield (about 2-3% a year)"
                if kind == "price index"
                else ""
            ),
        ),
        ("Untradable trades", f"{meta['untradable']}: {meta['untradable_text']}"),
        ("Price limits", meta["limits"]),
        ("Costs", meta["costs"]),
    ]
    if stats is not None:
        defs = stats.attrs["metadata"]["definitions"]
        out += [(f"Event study: {k}", v) for k, v in defs.items()]
    elif stats_note:
        out.append(("Event study", stats_note))
    out += [("Warning", w) for w in warned]
    return out
