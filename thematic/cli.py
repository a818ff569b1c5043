"""The ``thematic`` command line.

Exit codes: 0 success; 1 data problem (missing or malformed prices, some codes failed);
2 usage or configuration problem (bad option, invalid basket file).  Results go to stdout
(or ``--output``); messages, warnings and errors go to stderr, so that ``--format csv|json``
output can be piped straight into another program.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from thematic.constants import DEFAULT_ENTRY, DEFAULT_HORIZONS, ENTRY_RULES
from thematic.errors import ThematicError

DEFAULT_BASKETS = "baskets"


def _color(text: str, code: str, stream: IO[str]) -> str:
    if stream.isatty() and not os.environ.get("NO_COLOR"):
        return f"\033[{code}m{text}\033[0m"
    return text


def _say(message: str, kind: str = "") -> None:
    colors = {"error": "31", "warning": "33"}
    text = f"{kind}: {message}" if kind else message
    print(_color(text, colors[kind], sys.stderr) if kind else text, file=sys.stderr)


@contextlib.contextmanager
def _atomic_target(path: Path) -> Iterator[Path]:
    """Yield a temp path beside ``path``; rename it over ``path`` only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_atomic(path: Path, text: str) -> None:
    with _atomic_target(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="")


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        _write_atomic(output, text)
        _say(f"wrote {output}")


def _jsonable(value: Any) -> Any:
    import pandas as pd

    if value is None or value is pd.NaT:
        return None
    if isinstance(value, float):
        return None if math.isnan(value) else value
    if isinstance(value, pd.Timestamp):
        return f"{value:%Y-%m-%d}"
    if hasattr(value, "item"):  # numpy scalar
        return _jsonable(value.item())
    return value


def format_frame(df: Any, fmt: str) -> str:
    """Render a result table as ``csv``, ``json`` (a list of records) or a terminal table."""
    if fmt == "csv":
        text: str = df.to_csv(index=False, date_format="%Y-%m-%d", lineterminator="\n")
        return text
    if fmt == "json":
        records = [
            {k: _jsonable(v) for k, v in row.items()} for row in df.to_dict(orient="records")
        ]
        return json.dumps(records, ensure_ascii=False, indent=1) + "\n"
    return _table(df)


def _pct(x: float) -> str:
    return "" if x != x else f"{x * 100:+.2f}%"


def _table(df: Any) -> str:
    import pandas as pd

    shown = pd.DataFrame(
        {
            "basket": df["basket"],
            "published": df["published"].dt.strftime("%Y-%m-%d"),
            "entry": df["entry_date"].dt.strftime("%Y-%m-%d").fillna("-"),
            "h": df["horizon"].astype(str),
            "exit": df["exit_date"].dt.strftime("%Y-%m-%d").fillna("-"),
            "priced": [
                f"{n - m}/{n}" for n, m in zip(df["n_constituents"], df["n_missing"], strict=True)
            ],
            "basket %": df["basket_return"].map(_pct),
            "bench %": df["benchmark_return"].map(_pct),
            "excess %": df["excess_return"].map(_pct),
            "relative %": df["relative_return"].map(_pct),
            "hit": df["hit_rate"].map(lambda x: "" if x != x else f"{x:.0%}"),
            "note": df["note"].astype(str),
        }
    )
    if not shown["note"].str.len().any():
        shown = shown.drop(columns="note")
    text: str = shown.to_string(index=False)
    return text + "\n"


def _metadata_lines(meta: dict[str, Any]) -> list[str]:
    lines = [
        f"entry rule: {meta['entry_rule']} ({meta['entry_rule_text']}); exit: {meta['exit_rule']}",
        f"benchmark: {meta['benchmark']}; data: {meta['provider']}, as of {meta['as_of']}",
    ]
    prov = meta.get("provenance")
    if prov:
        lines.append(f"prices: {prov['adjustment']} ({prov['source']})")
    return lines


def _capture_warnings(fn: Callable[[], Any]) -> Any:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn()
    for w in caught:
        _say(str(w.message), "warning")
    return result


def _needed_codes(paths: list[str]) -> tuple[list[str], list[str]]:
    from thematic.baskets import load_baskets

    baskets = load_baskets(paths)
    stocks = list(dict.fromkeys(c for b in baskets for c in b.codes))
    return stocks, list(dict.fromkeys(b.benchmark for b in baskets))


def _refresh_before_evaluate(paths: list[str]) -> None:
    """Bring the cache up to date for these baskets; on failure say what is used instead."""
    from thematic.data.akshare_provider import AkshareProvider
    from thematic.data.cache import PriceCache
    from thematic.data.network import HttpPolicy
    from thematic.data.refresh import refresh

    stocks, indices = _needed_codes(paths)
    # Quick policy: a user is waiting; a scheduled `thematic refresh` retries harder.
    provider = AkshareProvider(HttpPolicy(retries=1, backoff=0.5))
    report = refresh(stocks, indices, provider, PriceCache())
    if any(r.status == "skipped" for r in report.results):
        _say("network unavailable: evaluating from the cache, then the bundled snapshot", "warning")
    elif report.failed:
        _say(f"{len(report.failed)} series could not be refreshed; using what the cache holds",
             "warning")  # fmt: skip


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate baskets and print or write the result table."""
    from thematic.engine import parse_horizons
    from thematic.pipeline import evaluate

    horizons = parse_horizons(args.horizons)
    paths = args.paths or [DEFAULT_BASKETS]
    if not args.offline:
        _refresh_before_evaluate(paths)
    df = _capture_warnings(lambda: evaluate(paths, horizons=horizons, entry=args.entry))
    meta = df.attrs["metadata"]
    for notice in meta.get("notices", []):
        _say(notice, "warning")
    if args.metadata:
        _write_atomic(Path(args.metadata), json.dumps(meta, ensure_ascii=False, indent=1) + "\n")
    if args.format == "table":
        header = "\n".join(_metadata_lines(meta)) + "\n\n"
        _emit(header + format_frame(df, "table"), args.output)
    else:
        for line in _metadata_lines(meta):
            _say(line)
        _emit(format_frame(df, args.format), args.output)
    return 0


def cmd_evaluate_events(args: argparse.Namespace) -> int:
    """Evaluate a table of calls and write the result table."""
    import time

    from thematic.engine import parse_horizons
    from thematic.pipeline import evaluate_calls

    horizons = parse_horizons(args.horizons)
    start = time.perf_counter()
    df = evaluate_calls(args.events, horizons=horizons, entry=args.entry, market=args.market)
    meta = df.attrs["metadata"]
    _say(
        f"{meta['n_events']:,} events x {len(horizons)} horizons in "
        f"{time.perf_counter() - start:.2f} s; data: {meta['provider']}, as of {meta['as_of']}; "
        f"entry rule {meta['entry_rule']}; {meta['n_missing_constituents']:,} constituents "
        "without a price on their entry day were excluded"
    )
    fmt = args.format
    if fmt is None:
        is_parquet = args.output is not None and args.output.suffix.lower() in (".parquet", ".pq")
        fmt = "parquet" if is_parquet else "csv"
    if fmt == "parquet":
        if args.output is None:
            from thematic.errors import UsageError

            raise UsageError("--format parquet needs --output FILE")
        out = df.assign(basket=df["basket"].astype(str), note=df["note"].astype(str))
        out = out.assign(
            entry_rule=out["entry_rule"].astype(str), horizon=out["horizon"].astype(str)
        )
        out.attrs = {"metadata": meta}  # stored in the Parquet schema metadata
        with _atomic_target(args.output) as tmp:
            out.to_parquet(tmp, index=False)
        _say(f"wrote {args.output}")
    else:
        _emit(format_frame(df, fmt), args.output)
    return 0


def cmd_draft(args: argparse.Namespace) -> int:
    """Draft basket YAML files from a report's text."""
    from thematic.draft import write_drafts

    draft, files = write_drafts(args.report, args.output_dir, force=args.force)
    _say(f"{args.report}: published {draft.published or 'TODO'}; broker {draft.broker or 'TODO'}; "
         f"analysts {', '.join(draft.analysts) or 'TODO'}")  # fmt: skip
    _say(f"title: {draft.title or 'TODO'}")
    for theme, path in zip(draft.themes, files, strict=True):
        names = "、".join(f"{s.name}({s.code})" for s in theme.stocks)
        _say(f"  {path}: {theme.name}: {names}")
    needs = [f"fill in {field} (left as TODO)" for field in draft.todo]
    needs += [f"unknown name, not added: {name}" for name in draft.unknown]
    needs += [f"ambiguous name, not added: {n} could be {', '.join(c)}"
              for n, c in draft.ambiguous.items()]  # fmt: skip
    needs += [f"check: {m}" for m in draft.mismatched]
    for line in needs:
        _say(line, "warning")
    _say(f"wrote {len(files)} draft basket(s); " + (
        f"{len(needs)} item(s) need a human" if needs else "review them before use"
    ))  # fmt: skip
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    """Refresh the cache for every code and benchmark the baskets need."""
    from thematic.data.cache import PriceCache

    stocks, indices = _needed_codes(args.paths or [DEFAULT_BASKETS])
    cache = PriceCache()
    if args.offline:
        missing = []
        for kind, codes in (("index", indices), ("stock", stocks)):
            for code in codes:
                if cache.read(code, kind) is None:  # type: ignore[arg-type]
                    missing.append(code)
        for message in cache.messages:
            _say(message, "warning")
        _say(f"offline check of {cache.root}: {len(stocks) + len(indices) - len(missing)} series "
             f"readable, {len(missing)} missing" + (f" ({', '.join(missing)})" if missing else ""))  # fmt: skip
        return 1 if missing else 0

    from thematic.data.akshare_provider import AkshareProvider
    from thematic.data.refresh import CodeResult, refresh

    provider = AkshareProvider()
    total = len(stocks) + len(indices)
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=total, desc="refresh", unit="series", file=sys.stderr)

    def log(r: CodeResult) -> None:
        line = f"{r.kind} {r.code}: {r.status}" + (
            f", +{r.rows_added} rows" if r.rows_added else ""
        )
        line += f" ({r.source})" if r.source else ""
        line += f": {r.message}" if r.message else ""
        if bar is not None:
            bar.update(1)
            if r.status in ("failed", "rebased") or r.message:
                bar.write(line, file=sys.stderr)
        else:
            _say(line, "warning" if r.status in ("failed", "skipped") else "")

    report = refresh(stocks, indices, provider, cache, full=args.full,
                     workers=provider.caller.policy.max_concurrency, on_result=log)  # fmt: skip
    if bar is not None:
        bar.close()
    for message in report.messages:
        _say(message)
    _say(f"refresh: {report.summary()}; cache {cache.root}")
    for r in report.failed:
        _say(r.message, "error")  # messages name their source and code
    return 1 if report.failed else 0


def cmd_list(args: argparse.Namespace) -> int:
    """List the baskets with their report and size."""
    from thematic.baskets import load_baskets

    rows = [
        f"{b.id:<24} {b.published}  {len(b.constituents):>2}  {b.name}  "
        f"({b.report.broker}: {b.report.title})"
        for b in load_baskets(args.paths or [DEFAULT_BASKETS])
    ]
    sys.stdout.write("\n".join(rows) + "\n")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Show one basket: report, constituents, weights and data coverage."""
    from thematic.baskets import load_baskets
    from thematic.errors import UnknownCodeError, UsageError
    from thematic.pipeline import default_provider

    baskets = {b.id: b for b in load_baskets(args.paths or [DEFAULT_BASKETS])}
    if args.id not in baskets:
        raise UsageError(f"no basket {args.id!r}; known: {', '.join(sorted(baskets))}")
    b = baskets[args.id]
    provider = default_provider()
    rows = []
    for c, w in zip(b.constituents, b.weights, strict=True):
        try:
            provider.fetch_daily(c.code)
        except UnknownCodeError as exc:
            rows.append(f"{c.code:<7} {_pad(c.name, 10)} {w:>7.2%}  no data: {exc.detail}")
            continue
        info = provider.info(c.code)
        rows.append(
            f"{c.code:<7} {_pad(c.name, 10)} {w:>7.2%}  {info.first} .. {info.last} "
            f"({info.rows} sessions; {info.source}, {info.adjustment})"
        )
    lines = [
        f"{b.id}: {b.name}",
        f"report: {b.report.title}",
        f"broker: {b.report.broker}; analysts: {', '.join(b.report.analysts) or '-'}; "
        f"published {b.published}",
        f"benchmark: {b.benchmark}",
        "",
        f"{'code':<7} {_pad('name', 10)} {'weight':>7}  coverage",
        *rows,
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal columns (CJK characters take two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def _paths_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=f"basket YAML files or directories of them (default: {DEFAULT_BASKETS}/)",
    )


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``thematic`` command."""
    from thematic import __version__

    parser = argparse.ArgumentParser(
        prog="thematic",
        description="How did a research report's basket do against the CSI 300 after it came out?",
    )
    parser.add_argument("--version", action="version", version=f"thematic {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ev = sub.add_parser("evaluate", help="measure baskets after publication vs the benchmark")
    _paths_arg(ev)
    ev.add_argument(
        "--entry",
        default=DEFAULT_ENTRY,
        choices=ENTRY_RULES,
        help="entry price: open or close of the first session after publication "
        f"(default {DEFAULT_ENTRY})",
    )
    ev.add_argument(
        "--horizons",
        default=",".join(map(str, DEFAULT_HORIZONS)),
        help="sessions held after entry, comma-separated; 'max' = last session with data "
        "(default %(default)s)",
    )
    ev.add_argument(
        "--format", default="table", choices=("table", "csv", "json"), help="output format"
    )
    ev.add_argument("--output", type=Path, help="write the result to FILE instead of stdout")
    ev.add_argument("--metadata", type=Path, help="write the run's metadata (JSON) to FILE")
    ev.add_argument(
        "--offline",
        action="store_true",
        help="never touch the network: use the cache, then the bundled snapshot",
    )
    ev.set_defaults(func=cmd_evaluate)

    rf = sub.add_parser("refresh", help="fetch new prices into the cache (for cron jobs)")
    _paths_arg(rf)
    rf.add_argument("--full", action="store_true", help="ignore the cache: fetch full histories")
    rf.add_argument(
        "--offline", action="store_true", help="no network: check the cache, set aside bad files"
    )
    rf.set_defaults(func=cmd_refresh)

    ee = sub.add_parser(
        "evaluate-events", help="evaluate a table of calls (event_id, published, code[, weight])"
    )
    ee.add_argument("events", type=Path, help="CSV or Parquet file of calls")
    ee.add_argument("--market", type=Path, help="a full market dump directory (../shared/market)")
    ee.add_argument("--entry", default=DEFAULT_ENTRY, choices=ENTRY_RULES)
    ee.add_argument("--horizons", default=",".join(map(str, DEFAULT_HORIZONS)))
    ee.add_argument(
        "--format", choices=("csv", "json", "parquet"), help="default: by --output suffix, else csv"
    )
    ee.add_argument("--output", type=Path, help="write to FILE (.csv, .json or .parquet)")
    ee.set_defaults(func=cmd_evaluate_events)

    dr = sub.add_parser("draft", help="draft basket YAML from a research report's text")
    dr.add_argument("report", type=Path, help="the report as plain text (UTF-8)")
    dr.add_argument("--output-dir", type=Path, default=Path("drafts"), help="default: drafts/")
    dr.add_argument("--force", action="store_true", help="overwrite existing files")
    dr.set_defaults(func=cmd_draft)

    ls = sub.add_parser("list", help="list baskets")
    _paths_arg(ls)
    ls.set_defaults(func=cmd_list)

    sh = sub.add_parser("show", help="show one basket and its data coverage")
    sh.add_argument("id", help="basket id")
    sh.add_argument("paths", nargs="*", metavar="PATH", help="where to look (default baskets/)")
    sh.set_defaults(func=cmd_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except ThematicError as exc:
        _say(str(exc), "error")
        return exc.exit_code
    except KeyboardInterrupt:
        _say("interrupted", "error")
        return 130
    except BrokenPipeError:
        return 0
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
