"""The HTML report: every call, its results, charts, path, statistics and methods, in one file.

Self-contained (charts embedded as PNG, styles inline, no network needed to open it) and
rendered from a Jinja2 template (``templates/report.html.j2``), never by string
concatenation.  Built from the library's own outputs: :func:`thematic.evaluate`,
:func:`thematic.curves`, :func:`thematic.stats.path_metrics`, :func:`thematic.event_stats`
and :mod:`thematic.output.charts`.
"""

from __future__ import annotations

import base64
import datetime as dt
import warnings
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from thematic.baskets import Basket
from thematic.constants import DEFAULT_ENTRY, DEFAULT_HORIZONS
from thematic.errors import DataError, ThematicWarning, UsageError
from thematic.pipeline import BasketsLike, _as_baskets, constituent_returns, curves, evaluate
from thematic.rules import Horizon, Trading

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


def build_report(
    baskets: BasketsLike = "baskets",
    horizons: str | Sequence[Horizon] = DEFAULT_HORIZONS,
    entry: str = DEFAULT_ENTRY,
    trading: Trading | None = None,
    market: str | Path | None = None,
    placebo_draws: int = 0,
    progress: Callable[[Iterable[Basket]], Iterable[Basket]] | None = None,
) -> str:
    """Return the HTML report of ``baskets`` as text.

    Statistics (market-model CARs and tests) are included whenever the data allow; placebo
    baskets only with ``market`` (a universe) and ``placebo_draws``.  When the event study
    or a basket's placebo cannot be made, a :class:`ThematicWarning` says why (and the page
    does).
    """
    import jinja2

    from thematic import __version__
    from thematic.eventstats import event_stats
    from thematic.output import charts
    from thematic.stats import path_metrics

    items = _as_baskets(baskets)
    trading = trading or Trading()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ThematicWarning)
        table = evaluate(items, horizons=horizons, entry=entry, trading=trading, market=market)
        curve = curves(items, entry=entry, market=market)
        stat_h = [int(h) for h in table["horizon"].unique() if str(h).isdigit()]
        stats, stats_note, said = None, "", []
        for draws in dict.fromkeys((placebo_draws, 0)):  # without placebos if they fail
            try:
                stats = event_stats(items, horizons=stat_h or [20], entry=entry,
                                    placebo_draws=draws, market=market)  # fmt: skip
                break
            except (DataError, UsageError) as exc:
                stats_note = f"event study not available: {exc}"
                if draws:
                    said.append(f"no placebo baskets: {exc}")
        if stats is not None:
            stats_note = ""
            said += stats.attrs["metadata"].get("notices", [])
        for text in said:  # into the page's warnings (the methods section)
            warnings.warn(text, ThematicWarning, stacklevel=2)
    if stats_note:
        said.append(stats_note)
    # Said to the caller too (the terminal, with the CLI), not only inside the page: a
    # missing event study or placebo is something the user asked for and did not get.
    for text in said:
        warnings.warn(text, ThematicWarning, stacklevel=2)
    meta = table.attrs["metadata"]
    names = {b.id: b.name for b in items}
    paths = path_metrics(curve, entry) if len(curve) else pd.DataFrame()
    by_report: dict[tuple[str, str, dt.date], list[Basket]] = {}
    for b in items:
        by_report.setdefault((b.report.broker, b.report.title, b.published), []).append(b)
    bench = meta["benchmark"]
    bench_kind = meta.get("series", {}).get(bench, {}).get("adjustment", "price index")
    iterate = progress(items) if progress is not None else items
    rendered: dict[str, dict[str, Any]] = {}
    for b in iterate:
        rendered[b.id] = _basket_section(b, table, curve, paths, stats, meta, trading, entry,
                                         market, charts)  # fmt: skip
    reports = [
        {"broker": broker, "title": title, "published": f"{published}",
         "analysts": "、".join(group[0].report.analysts),
         "baskets": [rendered[b.id] for b in group]}
        for (broker, title, published), group in by_report.items()
    ]  # fmt: skip
    methods = _methods(meta, bench_kind, stats, stats_note, caught)
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
        comparison=_png(charts.comparison_chart(curve, names, meta)),
        reports=reports,
        path_columns=_PATH_COLUMNS,
        stats_columns=_STATS_COLUMNS,
        methods=methods,
    )
    template = env.get_template("report.html.j2")
    draft = template.render(font="", **context)
    # The report carries the glyphs it uses (a subset of the bundled Noto Sans CJK SC), so
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


def _basket_section(
    b: Basket,
    table: pd.DataFrame,
    curve: pd.DataFrame,
    paths: pd.DataFrame,
    stats: pd.DataFrame | None,
    meta: dict[str, Any],
    trading: Trading,
    entry: str,
    market: str | Path | None,
    charts: Any,
) -> dict[str, Any]:
    rows = table[table["basket"].astype(str) == b.id]
    results = []
    for r in rows.to_dict("records"):
        exit_day = "-" if pd.isna(r["exit_date"]) else f"{pd.Timestamp(r['exit_date']):%Y-%m-%d}"
        results.append([
            _cell(str(r["horizon"])), _cell(exit_day),
            _cell(f"{r['n_constituents'] - r['n_missing']}/{r['n_constituents']}"),
            _cell(f"{r['blocked_entries']}/{r['delayed_entries']}/{r['blocked_exits']}"),
            _cell(_pct(r["basket_return"]), r["basket_return"]),
            _cell(_pct(r["benchmark_return"]), r["benchmark_return"]),
            _cell(_pct(r["excess_return"]), r["excess_return"]),
            _cell(_pct(r["net_excess_return"]), r["net_excess_return"]),
            _cell("" if pd.isna(r["hit_rate"]) else f"{r['hit_rate']:.0%}"),
        ])  # fmt: skip
    priced = rows.dropna(subset=["basket_return"])
    widest = priced["horizon"].iloc[-1] if len(priced) else 20
    cons = constituent_returns([b], widest, entry, trading=trading, market=market)
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
    caught: list[Any],
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
            f"{bench}, {kind}"
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
    warned = sorted({str(w.message) for w in caught if issubclass(w.category, ThematicWarning)})
    out += [("Warning", w) for w in warned]
    return out
