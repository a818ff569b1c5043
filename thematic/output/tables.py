"""Result tables as text (terminal, CSV, JSON) or files (those, and Parquet).

One rule for every command: ``--format`` wins; without it the format follows the output
file's suffix; without an output file it is the command's default.  An unknown suffix is an
error that lists the known ones (never a silent CSV in an ``.xlsx``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import pandas as pd

from thematic.errors import UsageError
from thematic.files import atomic_path, write_text

#: Output file suffix -> format.
SUFFIX_FORMATS: Final[dict[str, str]] = {
    ".csv": "csv",
    ".json": "json",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".txt": "table",
}


def resolve_format(
    fmt: str | None, output: Path | None, allowed: Sequence[str], default: str
) -> str:
    """Pick the output format: ``fmt`` if given, else by ``output``'s suffix, else ``default``.

    Examples
    --------
    >>> resolve_format(None, Path("r.json"), ("table", "csv", "json"), "table")
    'json'
    >>> resolve_format(None, Path("r.xlsx"), ("csv", "json"), "csv")
    Traceback (most recent call last):
    ...
    thematic.errors.UsageError: --output: r.xlsx: unknown suffix '.xlsx'; known: .csv, .json (or give --format)
    """
    if fmt is not None:
        if fmt == "parquet" and output is None:
            raise UsageError("--format parquet needs --output FILE")
        return fmt
    if output is None:
        return default
    known = {s: f for s, f in SUFFIX_FORMATS.items() if f in allowed}
    suffix = output.suffix.lower()
    if suffix not in known:
        raise UsageError(
            f"--output: {output}: unknown suffix {suffix or '(none)'!r}; known: "
            f"{', '.join(known)} (or give --format)"
        )
    return known[suffix]


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    if hasattr(value, "item"):  # numpy scalar
        return _jsonable(value.item())
    return value


def format_frame(df: pd.DataFrame, fmt: str) -> str:
    """Render a result table as ``csv``, ``json`` (a list of records) or a terminal table."""
    if fmt == "csv":
        text: str = df.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")
        return text
    if fmt == "json":
        records = [
            {str(k): _jsonable(v) for k, v in row.items()} for row in df.to_dict(orient="records")
        ]
        return json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    return results_table(df)


def _pct(x: float) -> str:
    return "" if x != x else f"{x * 100:+.2f}%"


def results_table(df: pd.DataFrame) -> str:
    """Render the evaluation table for a terminal: dates, signed percentages, priced/size."""
    if df.empty:
        return "(no rows)\n"
    shown = pd.DataFrame(
        {
            "basket": df["basket"],
            "published": df["published"].dt.strftime("%Y-%m-%d"),
            "entry": df["entry_date"].dt.strftime("%Y-%m-%d").fillna("-"),
            "h": df["horizon"].astype(str),
            "exit": df["exit_date"].dt.strftime("%Y-%m-%d").fillna("-"),
            "priced": [  # the constituents in the row: bought, and by its exit
                f"{n - m - late}/{n}"
                for n, m, late in zip(
                    df["n_constituents"], df["n_missing"], df["entered_after_exit"], strict=True
                )
            ],
            "basket %": df["basket_return"].map(_pct),
            "bench %": df["benchmark_return"].map(_pct),
            "excess %": df["excess_return"].map(_pct),
            "relative %": df["relative_return"].map(_pct),
            "net %": df["net_return"].map(_pct),
            "net excess %": df["net_excess_return"].map(_pct),
            "hit": df["hit_rate"].map(lambda x: "" if x != x else f"{x:.0%}"),
            "blocked in/delayed/out": [
                f"{a}/{b}/{c}"
                for a, b, c in zip(
                    df["blocked_entries"], df["delayed_entries"], df["blocked_exits"], strict=True
                )
            ],
            "note": [
                note or (f"{late} bought after this exit: left out of the row" if late else "")
                for note, late in zip(df["note"].astype(str), df["entered_after_exit"], strict=True)
            ],
        }
    )
    if not shown["note"].str.len().any():
        shown = shown.drop(columns="note")
    text: str = shown.to_string(index=False)
    return text + "\n"


def _rich_text(rows: list[list[str]], header: list[str], right: set[str], color: bool,
               signs: list[list[int]] | None = None) -> str:  # fmt: skip
    """Render rows with rich: aligned by display width (CJK counts two), coloured or plain."""
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, highlight=False)
    for h in header:
        table.add_column(h, justify="right" if h in right else "left", no_wrap=True)
    styles = {1: "red", -1: "green", 0: ""}  # A-share convention: red up, green down
    for i, row in enumerate(rows):
        cells = row
        if color and signs is not None:
            cells = [
                f"[{styles[s]}]{c}[/]" if styles[s] else c
                for c, s in zip(row, signs[i], strict=True)
            ]
        table.add_row(*cells)
    buf = io.StringIO()
    console = Console(file=buf, width=400, force_terminal=color, no_color=not color,
                      color_system="standard" if color else None, highlight=False,
                      markup=color, emoji=False)  # fmt: skip
    console.print(table)
    return "\n".join(line.rstrip() for line in buf.getvalue().splitlines()) + "\n"


def _sign(x: Any) -> int:
    return 0 if x is None or x != x or x == 0 else (1 if x > 0 else -1)


def results_text(df: pd.DataFrame, names: dict[str, str], output: Any = None) -> str:
    """Render the evaluation table for people: display names, signed percentages.

    Red up and green down on a terminal; plain when piped, written to a file, or with
    ``NO_COLOR`` set.
    """
    import sys

    from thematic.output.console import use_color

    if df.empty:
        return "(no rows)\n"
    color = output is None and use_color(sys.stdout)
    header = ["basket", "name", "published", "entry", "h", "exit", "priced", "basket %",
              "bench %", "excess %", "relative %", "net %", "net excess %", "hit",
              "blocked in/delayed/out"]  # fmt: skip
    rows, signs = [], []
    for r in df.to_dict("records"):
        pct = [r["basket_return"], r["benchmark_return"], r["excess_return"],
               r["relative_return"], r["net_return"], r["net_excess_return"]]  # fmt: skip
        rows.append([
            str(r["basket"]), names.get(str(r["basket"]), ""),
            f"{pd.Timestamp(r['published']):%Y-%m-%d}",
            "-" if pd.isna(r["entry_date"]) else f"{pd.Timestamp(r['entry_date']):%Y-%m-%d}",
            str(r["horizon"]),
            "-" if pd.isna(r["exit_date"]) else f"{pd.Timestamp(r['exit_date']):%Y-%m-%d}",
            # The constituents in the row: bought, and bought by its exit.
            f"{r['n_constituents'] - r['n_missing'] - r['entered_after_exit']}/"
            f"{r['n_constituents']}",
            *[_pct(x) for x in pct],
            "" if r["hit_rate"] != r["hit_rate"] else f"{r['hit_rate']:.0%}",
            f"{r['blocked_entries']}/{r['delayed_entries']}/{r['blocked_exits']}",
        ])  # fmt: skip
        signs.append([0] * 7 + [_sign(x) for x in pct] + [0, 0])
    notes = [
        note or (f"{late} bought after this exit: left out of the row" if late else "")
        for note, late in zip(df["note"].astype(str), df["entered_after_exit"], strict=True)
    ]
    if any(notes):
        header.append("note")
        for row, sg, n in zip(rows, signs, notes, strict=True):
            row.append(n)
            sg.append(0)
    right = {"h", "priced", "basket %", "bench %", "excess %", "relative %", "net %",
             "net excess %", "hit", "blocked in/delayed/out"}  # fmt: skip
    return _rich_text(rows, header, right, color, signs)


def history_text(df: pd.DataFrame, output: Any = None) -> str:
    """Render a history table for people (see :func:`results_text` for colour)."""
    import sys

    from thematic.output.console import use_color

    color = output is None and use_color(sys.stdout)
    pct_cols = ["basket_return", "benchmark_return", "excess_return", "net_excess_return"]
    rows, signs = [], []
    for r in df.to_dict("records"):
        rows.append([str(r[c]) if c not in pct_cols else _pct(r[c]) for c in df.columns])
        signs.append([_sign(r[c]) if c in pct_cols else 0 for c in df.columns])
    right = {"horizon", *pct_cols}
    return _rich_text(rows, list(df.columns), right, color, signs)


def _stars(z: float) -> str:
    """Significance stars of a two-sided normal test: * 10%, ** 5%, *** 1%."""
    if z != z:
        return ""
    a = abs(z)
    return (
        "***"
        if a >= 2.5758293035489
        else "**"
        if a >= 1.959963984540
        else "*"
        if a >= 1.6448536269514
        else ""
    )


def stats_table(df: pd.DataFrame) -> str:
    """Render an event-study table for a terminal, starred by ``kp_z`` as papers do."""
    if df.empty:
        return "(no rows)\n"

    def num(x: float, digits: int = 2) -> str:
        return "" if x != x else f"{x:+.{digits}f}"

    shown = pd.DataFrame(
        {
            "basket": df["basket"].astype(str),
            "entry": df["entry_date"].dt.strftime("%Y-%m-%d").fillna("-"),
            "h": df["horizon"].astype(str),
            "n": df["n"].astype(str),
            "CAR %": df["mean_car"].map(_pct),
            "CAR_ma %": df["mean_car_ma"].map(_pct),
            "BHAR %": df["mean_bhar"].map(_pct),
            "car_t": df["car_t"].map(num),
            "bmp_z": df["bmp_z"].map(num),
            "kp_z": [num(z) + _stars(z) for z in df["kp_z"]],
            "skew_t": df["bhar_skew_t"].map(num),
            "boot_p": df["bhar_boot_p"].map(lambda x: "" if x != x else f"{x:.3f}"),
            "gsign_z": df["gsign_z"].map(num),
            "placebo %": df["placebo_pct"].map(lambda x: "" if x != x else f"{x:.1f}"),
            "placebo_p": df["placebo_p"].map(lambda x: "" if x != x else f"{x:.3f}"),
            "note": df["note"].astype(str),
        }
    )
    for col in ("placebo %", "placebo_p", "note"):
        if not shown[col].str.len().any():
            shown = shown.drop(columns=col)
    text: str = shown.to_string(index=False)
    return text + "\n"


def stats_header(meta: dict[str, Any]) -> list[str]:
    """Return the lines that say what an event-study table measured and how."""
    placebo = meta["placebo"]
    lines = [
        f"event study by {meta['by']}: market model estimated on the "
        f"{meta['definitions']['estimation_window']}",
        f"returns from {meta['statistics_entry']} (entry rule {meta['entry_rule']}); "
        f"benchmark {meta['benchmark']} ({meta['benchmark_series']}); data: {meta['sources_text']} "
        f"series, as of {meta['as_of']}",
        "constituents equal-weighted; significance: * 10%, ** 5%, *** 1% two-sided by kp_z "
        "(Kolari-Pynnonen); boot_p: bootstrap p of the BHAR skewness-adjusted t "
        f"({meta['resamples']} resamples, seed {meta['seed']})",
    ]
    if placebo["draws"]:
        match = ", matched on " + " and ".join(placebo["match"]) if placebo["match"] else ""
        lines.append(
            f"placebo: {placebo['draws']} random baskets per basket{match} from "
            f"{placebo['universe']} ({placebo['universe_stocks']:,} stocks), seed {meta['seed']}"
        )
    return lines


def metadata_lines(meta: dict[str, Any]) -> list[str]:
    """Return the header every evaluation prints: rules, benchmark, sources used, adjustment."""
    bench = meta["benchmark"]
    kind = meta.get("series", {}).get(bench, {}).get("adjustment") or "price index"
    lines = [
        f"entry rule: {meta['entry_rule']} ({meta['entry_rule_text']}); exit: {meta['exit_rule']}",
        f"benchmark: {bench} ({kind}); data: {meta['sources_text']} series, as of {meta['as_of']}",
    ]
    prov = meta.get("provenance")
    if prov:
        lines.append(f"prices: {prov['adjustment']}; {prov.get('origin', prov['source'])}")
    if "untradable" in meta:
        short = {
            "delay": f"a trade blocked by a price limit or a missing bar waits up to "
            f"{meta['max_delay']} sessions for a tradable price",
            "skip": "a constituent whose trade is blocked is left out",
            "ignore": "trades are booked at the day's price, limits or not",
        }[meta["untradable"]]
        lines.append(f"untradable trades: {meta['untradable']} ({short})")
        lines.append(f"costs (net columns): {meta['costs']}")
    return lines


def metadata_json(meta: dict[str, Any]) -> str:
    """Return the run's metadata as JSON text (what ``--metadata FILE`` writes)."""
    return json.dumps(meta, ensure_ascii=False, indent=1, default=str) + "\n"


#: Metadata lists that can hold a record per constituent: counted in a Parquet file's
#: metadata, not copied (file metadata has a size limit; --metadata writes them in full).
_LONG_LISTS = ("missing", "trades", "series")


def compact_metadata(meta: dict[str, Any]) -> dict[str, Any]:
    """Return the metadata with its per-constituent lists replaced by their lengths."""
    out = {k: v for k, v in meta.items() if k not in _LONG_LISTS}
    for k in _LONG_LISTS:
        if k in meta:
            out[f"n_{k}"] = len(meta[k])
    return out


def write_parquet(df: pd.DataFrame, path: Path, meta: dict[str, Any]) -> None:
    """Write a result table to Parquet atomically, its metadata in the schema metadata."""
    # Categorical columns are written as Arrow dictionary columns (no per-row strings).
    out = (
        df.assign(horizon=df["horizon"].astype(str))
        if df["horizon"].dtype == object
        else df.copy(deep=False)
    )
    out.attrs = {"metadata": json.loads(metadata_json(compact_metadata(meta)))}
    with atomic_path(path) as tmp:
        out.to_parquet(tmp, index=False)


def write_result(df: pd.DataFrame, fmt: str, path: Path, header: str = "") -> None:
    """Write a result table to ``path`` in ``fmt`` atomically (``header`` precedes a table)."""
    if fmt == "parquet":
        write_parquet(df, path, df.attrs.get("metadata", {}))
    else:
        write_text(path, (header if fmt == "table" else "") + format_frame(df, fmt))
