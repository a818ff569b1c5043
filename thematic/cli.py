"""The ``thematic`` command line: argument parsing and one short function per command.

Exit codes: 0 success; 1 data problem (missing or malformed prices, some codes failed);
2 usage or configuration problem (bad option, invalid basket or events file, an output path
that cannot be written).  Results go to stdout (or ``--output``); messages, warnings and
errors go to stderr, so that ``--format csv|json`` output can be piped into another program.
Rendering lives in :mod:`thematic.output`, the work in the library; nothing here computes.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from thematic.constants import DEFAULT_ENTRY, DEFAULT_HORIZONS, ENTRY_RULES
from thematic.errors import ThematicError, UsageError
from thematic.files import check_targets_apart, check_writable_target, write_text
from thematic.output.console import say, with_warnings_said
from thematic.rules import Trading

if TYPE_CHECKING:
    from thematic.baskets import Basket

DEFAULT_BASKETS = "baskets"


def _inputs(args: argparse.Namespace) -> list[Path]:
    """Return the files a command reads: basket files, an events table, an ST table, a history."""
    from thematic.baskets import basket_files

    found: list[Path] = []
    if hasattr(args, "paths"):
        found += basket_files(args.paths or [DEFAULT_BASKETS])
    for name in ("events", "st_table"):
        if getattr(args, name, None) is not None:
            found.append(getattr(args, name))
    history = getattr(args, "history", None)
    if history is not None and history.is_dir():
        found += history.glob("as_of=*.parquet")
    return found


def _check_targets(args: argparse.Namespace, *names: str) -> None:
    """Fail before any work when an output path cannot be written (exit 2, nothing written).

    A target must be writable, must not be one of the command's inputs, and two options must
    not name one file.
    """
    targets = {f"--{name.replace('_', '-')}": getattr(args, name, None) for name in names}
    for param, path in targets.items():
        if path is not None:
            check_writable_target(path, param)
    check_targets_apart(targets, _inputs(args))


def _write_or_print(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_text(output, text)
        say(f"wrote {output}")


def _load_baskets(args: argparse.Namespace) -> list[Basket]:
    """Load the baskets the command names (default: every file under baskets/)."""
    from thematic.baskets import load_baskets

    return with_warnings_said(lambda: load_baskets(args.paths or [DEFAULT_BASKETS]))


def _say_messages(meta: dict[str, Any]) -> None:
    """Say a result's messages, then its notices as warnings (both on stderr)."""
    for message in meta.get("messages", []):
        say(message)
    for notice in meta.get("notices", []):
        say(notice, "warning")


def _trading(args: argparse.Namespace) -> Trading:
    """Return the trading rules the options ask for (policy, delay, costs, ST periods)."""
    from thematic.data.st import load_st_table
    from thematic.rules import Costs, parse_untradable

    policy = parse_untradable(args.untradable, "--untradable")
    try:
        costs = Costs(args.commission_bps, args.slippage_bps, args.notional)
        Trading(policy, args.max_delay, costs)  # (checks the delay)
    except UsageError as exc:  # name the option, not the field: "--max-delay", not "max_delay"
        field, _, problem = str(exc).partition(":")
        raise UsageError(f"--{field.replace('_', '-')}:{problem}") from None
    st = load_st_table(args.st_table) if args.st_table else ()
    return Trading(policy, args.max_delay, costs, st)


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate baskets and print or write the result table."""
    from thematic.baskets import needed_codes
    from thematic.output.tables import (
        format_frame,
        metadata_json,
        metadata_lines,
        resolve_format,
        results_text,
    )
    from thematic.pipeline import evaluate
    from thematic.rules import parse_entry, parse_horizons

    horizons = parse_horizons(args.horizons, "--horizons")
    entry = parse_entry(args.entry, "--entry")
    _check_targets(args, "output", "metadata")
    if args.history is not None:
        from thematic.history import check_directory

        check_directory(args.history)  # before any work
    fmt = resolve_format(args.format, args.output, ("table", "csv", "json"), "table")
    baskets = _load_baskets(args)
    if not args.offline and args.market is None:
        from thematic.data.refresh import refresh_before_use

        notice = refresh_before_use(*needed_codes(baskets))
        if notice:
            say(notice, "warning")
    trading = _trading(args)
    df = with_warnings_said(
        lambda: evaluate(
            baskets,
            horizons=horizons,
            entry=entry,
            market=args.market,
            trading=trading,
            benchmark=args.benchmark,
        )
    )
    meta = df.attrs["metadata"]
    _say_messages(meta)
    if args.metadata:
        write_text(args.metadata, metadata_json(meta))
    if args.history:
        from thematic.history import append

        hashes = {b.id: b.content_hash for b in baskets}
        written = with_warnings_said(lambda: append(args.history, df, hashes))
        say(f"history: {len(df)} rows for as-of {meta['as_of']} in {written}")
    header = "\n".join(metadata_lines(meta))
    if fmt == "table":
        names = {b.id: b.name for b in baskets}
        _write_or_print(header + "\n\n" + results_text(df, names, args.output), args.output)
    else:
        say(header)
        _write_or_print(format_frame(df, fmt), args.output)
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Write the self-contained HTML report."""
    from thematic.output.console import progress
    from thematic.report import build_report
    from thematic.rules import parse_entry, parse_horizons

    horizons = parse_horizons(args.horizons, "--horizons")
    entry = parse_entry(args.entry, "--entry")
    _check_targets(args, "output")
    if args.output.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--output: {args.output}: the report is HTML; name it *.html")
    baskets = _load_baskets(args)
    trading = _trading(args)
    html = with_warnings_said(
        lambda: build_report(baskets, horizons=horizons, entry=entry, trading=trading,
                             market=args.market, placebo_draws=args.placebo,
                             progress=lambda xs: progress(xs, "report", len(baskets)))
    )  # fmt: skip
    write_text(args.output, html)
    say(f"wrote {args.output} ({len(html.encode()) / 2**20:.1f} MiB, {len(baskets)} baskets)")
    return 0


def cmd_history(args: argparse.Namespace) -> int:
    """Show how a basket's metrics evolved across data as-of dates."""
    from thematic.history import read
    from thematic.output.tables import format_frame, history_text, resolve_format

    _check_targets(args, "output", "chart")
    if args.chart is not None and args.chart.suffix.lower() != ".png":
        raise UsageError(f"--chart: {args.chart}: the chart is a PNG image; name it *.png")
    fmt = resolve_format(args.format, args.output, ("table", "csv", "json"), "table")
    df = with_warnings_said(lambda: read(args.history, args.id, args.horizon))
    if args.chart:
        if args.id is None:
            raise UsageError("--chart: name one basket (thematic history ID --chart FILE.png)")
        from thematic.files import atomic_path
        from thematic.output.charts import history_chart

        with atomic_path(args.chart) as tmp:
            history_chart(df, args.id).savefig(tmp, format="png")
        say(f"wrote {args.chart}")
    if fmt == "table":
        cols = ["as_of", "basket", "entry_rule", "horizon", "basket_return", "benchmark_return",
                "excess_return", "net_excess_return", "settings", "basket_hash", "sources",
                "run_at"]  # fmt: skip
        _write_or_print(history_text(df[cols], args.output), args.output)
    else:
        _write_or_print(format_frame(df, fmt), args.output)
    return 0


def cmd_evaluate_events(args: argparse.Namespace) -> int:
    """Evaluate a table of calls and write the result table."""
    from thematic.output.tables import format_frame, resolve_format, write_parquet
    from thematic.pipeline import evaluate_calls
    from thematic.rules import parse_entry, parse_horizons

    horizons = parse_horizons(args.horizons, "--horizons")
    entry = parse_entry(args.entry, "--entry")
    _check_targets(args, "output")
    fmt = resolve_format(args.format, args.output, ("table", "csv", "json", "parquet"), "csv")
    start = time.perf_counter()
    trading = _trading(args)
    if args.chunk_events is not None:
        return _evaluate_events_streamed(args, horizons, entry, fmt, trading)
    with _dask_client(args) as client:
        df = with_warnings_said(
            lambda: evaluate_calls(
                args.events,
                horizons=horizons,
                entry=entry,
                market=args.market,
                trading=trading,
                client=client,
            )
        )
    meta = df.attrs["metadata"]
    _say_messages(meta)
    say(
        f"{meta['n_events']:,} events x {len(horizons)} horizons in "
        f"{time.perf_counter() - start:.2f} s; data: {meta['sources_text']} series, as of "
        f"{meta['as_of']}; entry rule {meta['entry_rule']}; {meta['n_missing_constituents']:,} "
        "constituents without a price on their entry day were excluded; the basket column "
        "holds the event id"
    )
    if fmt == "parquet":
        write_parquet(df, args.output, meta)
        say(f"wrote {args.output}")
    else:
        _write_or_print(format_frame(df, fmt), args.output)
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Event-study statistics and placebo baskets; print or write the table."""
    from thematic.eventstats import event_stats
    from thematic.output.console import progress
    from thematic.output.tables import format_frame, resolve_format, stats_header, stats_table
    from thematic.rules import parse_entry, parse_horizons

    horizons = parse_horizons(args.horizons, "--horizons")
    entry = parse_entry(args.entry, "--entry")
    _check_targets(args, "output")
    fmt = resolve_format(args.format, args.output, ("table", "csv", "json"), "table")
    match = [m.strip() for m in args.match.split(",") if m.strip()] if args.match else []
    baskets = _load_baskets(args)
    with _dask_client(args) as client:
        df = with_warnings_said(
            lambda: event_stats(
                baskets,
                horizons=horizons,
                entry=entry,
                placebo_draws=args.placebo,
                seed=args.seed,
                market=args.market,
                by=args.by,
                match=match,
                resamples=args.resamples,
                est_window=args.est_window,
                est_gap=args.est_gap,
                min_obs=args.min_obs,
                progress=lambda xs: progress(xs, "placebo", len(baskets)),
                client=client,
            )
        )
    meta = df.attrs["metadata"]
    _say_messages(meta)
    for x in meta["excluded"]:
        say(f"{x['basket']}: {x['code']} {x['name']} left out of the tests ({x['reason']})",
            "warning")  # fmt: skip
    header = "\n".join(stats_header(meta))
    if fmt == "table":
        _write_or_print(header + "\n\n" + stats_table(df), args.output)
    else:
        say(header)
        _write_or_print(format_frame(df, fmt), args.output)
    return 0


def _evaluate_events_streamed(
    args: argparse.Namespace, horizons: Any, entry: str, fmt: str, trading: Trading
) -> int:
    """Write the result to Parquet chunk by chunk: memory bounded by --chunk-events."""
    from thematic.pipeline import evaluate_calls_to_parquet

    if fmt != "parquet" or args.output is None:
        raise UsageError("--chunk-events streams the result to Parquet: give --output FILE.parquet")
    if args.dask_workers is not None or args.dask_scheduler is not None:
        raise UsageError("--chunk-events and --dask-* do not go together: pick one")
    start = time.perf_counter()
    meta = with_warnings_said(
        lambda: evaluate_calls_to_parquet(
            args.events,
            args.output,
            horizons=horizons,
            entry=entry,
            market=args.market,
            trading=trading,
            chunk_events=args.chunk_events,
        )
    )
    _say_messages(meta)
    say(f"{meta['n_events']:,} events x {len(horizons)} horizons in "
        f"{time.perf_counter() - start:.2f} s, written in chunks of {args.chunk_events:,} "
        f"events; data: {meta['sources_text']} series, as of {meta['as_of']}; "
        f"{meta['n_missing_constituents']:,} constituents excluded")  # fmt: skip
    say(f"wrote {args.output}")
    return 0


@contextmanager
def _dask_client(args: argparse.Namespace) -> Iterator[Any]:
    """Yield a dask.distributed client when --dask-workers or --dask-scheduler asks.

    Yields None when neither is given; closes the client however the work ends.
    """
    if args.dask_workers is None and args.dask_scheduler is None:
        yield None
        return
    from thematic.engine.distributed import connect

    client = connect(args.dask_workers, args.dask_scheduler)
    say(f"dask: {len(client.scheduler_info()['workers'])} workers at "
        f"{client.scheduler.address}")  # fmt: skip
    try:
        yield client
    finally:
        client.close()


def _dask_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("past one machine (pip install 'thematic[dask]')")
    g.add_argument("--dask-workers", type=int, metavar="N",
                   help="run on a local dask.distributed cluster of N worker processes")  # fmt: skip
    g.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="run on an existing dask.distributed cluster (tcp://host:8786)")  # fmt: skip


def cmd_draft(args: argparse.Namespace) -> int:
    """Draft basket YAML files from a report's text."""
    from thematic.draft import write_drafts

    if args.output_dir.exists() and not args.output_dir.is_dir():
        raise UsageError(f"--output-dir: {args.output_dir} is a file, not a directory")
    if not args.report.is_file():
        raise UsageError(f"{args.report}: no such report file")
    draft, files = write_drafts(args.report, args.output_dir, force=args.force)
    say(f"{args.report}: published {draft.published or 'TODO'}; broker {draft.broker or 'TODO'}; "
        f"analysts {', '.join(draft.analysts) or 'TODO'}")  # fmt: skip
    say(f"title: {draft.title or 'TODO'}")
    for theme, path in zip(draft.themes, files, strict=True):
        names = "、".join(f"{s.name}({s.code})" for s in theme.stocks)
        say(f"  {path}: {theme.name}: {names}")
    needs = [f"fill in {field} (left as TODO)" for field in draft.todo]
    needs += [f"unknown name, not added: {name}" for name in draft.unknown]
    needs += [f"ambiguous name, not added: {n} could be {', '.join(c)}"
              for n, c in draft.ambiguous.items()]  # fmt: skip
    needs += [f"check: {m}" for m in draft.mismatched]
    for line in needs:
        say(line, "warning")
    say(f"wrote {len(files)} draft basket(s); " + (
        f"{len(needs)} item(s) need a human" if needs else "review them before use"
    ))  # fmt: skip
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    """Refresh the cache for every code and benchmark the baskets need."""
    from thematic.baskets import needed_codes
    from thematic.data.cache import PriceCache

    baskets = _load_baskets(args)
    stocks, indices = needed_codes(baskets)
    cache = PriceCache()
    if args.offline:
        missing = with_warnings_said(lambda: cache.audit(stocks, indices))
        have = len(stocks) + len(indices) - len(missing)
        say(f"offline check of {cache.root}: {have} series readable, {len(missing)} missing"
            + (f" ({', '.join(missing)})" if missing else ""))  # fmt: skip
        return 1 if missing else 0

    from thematic.data.akshare_provider import AkshareProvider
    from thematic.data.refresh import CodeResult, refresh

    provider = AkshareProvider()
    bar = None
    if sys.stderr.isatty():
        from tqdm import tqdm

        bar = tqdm(total=len(stocks) + len(indices), desc="refresh", unit="series", file=sys.stderr)

    def log(r: CodeResult) -> None:
        if bar is not None:
            bar.update(1)
        if r.status in ("skipped", "failed"):
            return  # said once, at the end
        line = f"{r.kind} {r.code}: {r.status}" + (
            f", +{r.rows_added} rows" if r.rows_added else ""
        )
        line += (f" ({r.source})" if r.source else "") + (f": {r.message}" if r.message else "")
        if bar is None:
            say(line)
        elif r.status == "rebased" or r.message:
            bar.write(line, file=sys.stderr)

    report = with_warnings_said(
        lambda: refresh(
            stocks,
            indices,
            provider,
            cache,
            full=args.full,
            workers=provider.max_concurrency,
            on_result=log,
        )
    )
    if bar is not None:
        bar.close()
    for message in provider.log:
        say(message)
    skipped = [r for r in report.results if r.status == "skipped"]
    failed = [r for r in report.failed if r.status != "skipped"]
    for r in failed:
        say(r.message, "error")  # messages name their source and code
    if skipped:
        say(f"network unreachable: {len(skipped)} of {len(report.results)} series skipped, the "
            f"cache ({cache.root}) is unchanged for them; check the connection and run again "
            "(`thematic evaluate --offline` works from the cache and the bundled snapshot)",
            "error")  # fmt: skip
    say(f"refresh: {report.summary()}; cache {cache.root}")
    return 1 if report.failed else 0


def cmd_list(args: argparse.Namespace) -> int:
    """List the baskets with their report and size."""
    baskets = _load_baskets(args)
    rows = [
        f"{b.id:<24} {b.published}  {len(b.constituents):>2}  {b.name}  "
        f"({b.report.broker}: {b.report.title})"
        for b in baskets
    ]
    sys.stdout.write("\n".join(rows) + "\n")
    return 0


def _pad(text: str, width: int) -> str:
    """Left-align ``text`` in ``width`` terminal columns (CJK characters take two)."""
    import unicodedata

    used = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)
    return text + " " * max(0, width - used)


def cmd_show(args: argparse.Namespace) -> int:
    """Show one basket: report, constituents, weights and data coverage."""
    from thematic.pipeline import coverage
    from thematic.rules import parse_horizons

    parse_horizons(args.horizons, "--horizons")  # a bad option is a usage error, said first
    _trading(args)
    baskets = {b.id: b for b in _load_baskets(args)}
    if args.id not in baskets:
        raise UsageError(f"no basket {args.id!r}; known: {', '.join(sorted(baskets))}")
    b = baskets[args.id]
    rows = []
    for c in coverage(b):
        head = f"{c['code']:<7} {_pad(c['name'], 10)} {c['weight']:>7.2%}  "
        if c["problem"]:
            rows.append(head + f"no data: {c['problem']}")
        else:
            rows.append(head + f"{c['first']} .. {c['last']} ({c['rows']} sessions; "
                        f"{c['source']}, {c['adjustment']})")  # fmt: skip
    trades = _trades_of(b, args)
    lines = [
        f"{b.id}: {b.name}",
        f"report: {b.report.title}",
        f"broker: {b.report.broker}; analysts: {', '.join(b.report.analysts) or '-'}; "
        f"published {b.published}",
        f"benchmark: {b.benchmark}",
        "",
        f"{'code':<7} {_pad('name', 10)} {'weight':>7}  coverage",
        *rows,
        "",
        f"trades a price limit or a missing bar blocked (entry {args.entry}, untradable "
        f"{args.untradable}, horizons {args.horizons}):",
        *(trades or ["  none"]),
    ]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def _trades_of(b: Basket, args: argparse.Namespace) -> list[str]:
    """One line per blocked trade of basket ``b`` under the options' rules."""
    import warnings

    from thematic.errors import DataError
    from thematic.pipeline import evaluate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # show's own lines say what is missing
        try:
            df = evaluate([b], horizons=args.horizons, entry=args.entry, trading=_trading(args))
        except DataError as exc:
            return [f"  not evaluated: {exc}"]
    out = []
    for t in df.attrs["metadata"]["trades"]:
        when = t["actual_date"] or "never"
        h = f" (h={t['horizon']})" if t["horizon"] else ""
        out.append(f"  {t['side']}{h} {t['code']} {t['name']}: {t['what']} on "
                   f"{t['planned_date']}; {t['outcome']}, traded {when}")  # fmt: skip
    return out


def _paths_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=f"basket YAML files or directories of them (default: {DEFAULT_BASKETS}/)",
    )


def _rule_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--entry",
        default=DEFAULT_ENTRY,
        choices=ENTRY_RULES,
        help="entry price: open or close of the first session after publication "
        "(default %(default)s)",
    )
    p.add_argument(
        "--horizons",
        default=",".join(map(str, DEFAULT_HORIZONS)),
        help="sessions held after entry, comma-separated; 'max' = last session with data "
        "(default %(default)s)",
    )
    p.add_argument(
        "--market",
        type=Path,
        metavar="DIR",
        help="price from a full market dump in the ../shared/market layout instead of the "
        "cache and bundled snapshot (default: none)",
    )


def _trading_args(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("tradability and costs")
    g.add_argument("--untradable", default="delay", choices=("delay", "skip", "ignore"),
                   help="a trade blocked by a price limit or a suspension: wait for the first "
                   "possible session (delay), drop the constituent (skip) or book it anyway "
                   "(ignore) (default %(default)s)")  # fmt: skip
    g.add_argument("--max-delay", type=int, default=10, metavar="N",
                   help="sessions a blocked trade may wait under delay (default %(default)s)")  # fmt: skip
    g.add_argument("--st-table", type=Path, metavar="FILE",
                   help="CSV code,start,end of special-treatment periods (ST limits); default: "
                   "none, every stock gets its board's limit")  # fmt: skip
    g.add_argument("--commission-bps", type=float, default=2.5,
                   help="commission per side in bps, min 5 yuan per order (default %(default)s)")  # fmt: skip
    g.add_argument("--slippage-bps", type=float, default=5.0,
                   help="slippage per side in bps (default %(default)s)")  # fmt: skip
    g.add_argument("--notional", type=float, default=1_000_000.0,
                   help="yuan invested per basket, split by weight (default %(default).0f)")  # fmt: skip


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line, like every other error (exit 2)."""

    def error(self, message: str) -> NoReturn:
        """Say ``message`` as one ``error:`` line naming the command, and exit 2."""
        say(f"{self.prog}: {message} (see {self.prog} --help)", "error")
        sys.exit(2)


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of the ``thematic`` command."""
    from thematic import __version__

    parser = _Parser(
        prog="thematic",
        description="How did a research report's basket do against the CSI 300 after it came out?",
        epilog="Exit codes: 0 success, 1 data problem, 2 usage or input-file problem.",
    )
    parser.add_argument("--version", action="version", version=f"thematic {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ev = sub.add_parser("evaluate", help="measure baskets after publication vs the benchmark")
    _paths_arg(ev)
    _rule_args(ev)
    ev.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        help="output format (default: by the --output suffix, else table)",
    )
    ev.add_argument("--output", type=Path, help="write the result to FILE instead of stdout")
    ev.add_argument("--metadata", type=Path, help="write the run's metadata (JSON) to FILE")
    ev.add_argument(
        "--offline",
        action="store_true",
        help="never touch the network: use the cache, then the bundled snapshot",
    )
    ev.add_argument(
        "--benchmark",
        metavar="CODE",
        help="compare every basket with this index instead of its own (e.g. H00300, the CSI "
        "300 total-return index, after `thematic refresh`)",
    )
    ev.add_argument(
        "--history",
        type=Path,
        metavar="DIR",
        help="append the results to a metrics history (Parquet per as-of date; a rerun on the "
        "same data replaces its rows)",
    )
    _trading_args(ev)
    ev.set_defaults(func=cmd_evaluate)

    rp = sub.add_parser("report", help="write a self-contained HTML report of the baskets")
    _paths_arg(rp)
    _rule_args(rp)
    rp.add_argument("--output", type=Path, required=True, help="the HTML file to write")
    rp.add_argument("--placebo", type=int, default=0, metavar="N",
                    help="placebo baskets per basket (needs --market; default 0)")  # fmt: skip
    _trading_args(rp)
    rp.set_defaults(func=cmd_report)

    hi = sub.add_parser("history", help="how a basket's metrics evolved across as-of dates")
    hi.add_argument("id", nargs="?", help="basket id (default: all)")
    hi.add_argument("--history", type=Path, required=True, metavar="DIR",
                    help="the history directory `evaluate --history` writes")  # fmt: skip
    hi.add_argument("--horizon", help="one horizon only")
    hi.add_argument("--format", choices=("table", "csv", "json"),
                    help="output format (default: by the --output suffix, else table)")  # fmt: skip
    hi.add_argument("--output", type=Path, help="write to FILE instead of stdout")
    hi.add_argument("--chart", type=Path, metavar="PNG", help="also draw the history (one basket)")
    hi.set_defaults(func=cmd_history)

    rf = sub.add_parser("refresh", help="fetch new prices into the cache (for cron jobs)")
    _paths_arg(rf)
    rf.add_argument("--full", action="store_true", help="ignore the cache: fetch full histories")
    rf.add_argument(
        "--offline", action="store_true", help="no network: check the cache, set aside bad files"
    )
    rf.set_defaults(func=cmd_refresh)

    ee = sub.add_parser(
        "evaluate-events",
        help="evaluate a table of calls (event_id, published, code[, weight])",
        description="Evaluate a table of calls, one row per constituent: event_id, published, "
        "code[, weight]. The result's basket column holds the event id.",
    )
    ee.add_argument("events", type=Path, help="CSV or Parquet file of calls")
    _rule_args(ee)
    ee.add_argument(
        "--format",
        choices=("table", "csv", "json", "parquet"),
        help="output format (default: by the --output suffix, else csv)",
    )
    ee.add_argument(
        "--output", type=Path, help="write to FILE (.csv, .json, .parquet) instead of stdout"
    )
    ee.add_argument(
        "--chunk-events",
        type=int,
        metavar="N",
        help="with a .parquet output: evaluate and write N events at a time, so memory stays "
        "bounded whatever the number of calls (default: all at once)",
    )
    _trading_args(ee)
    _dask_args(ee)
    ee.set_defaults(func=cmd_evaluate_events)

    st = sub.add_parser(
        "stats",
        help="event-study statistics: market-model CAR/BHAR, tests, placebo baskets",
        description="Was the call beta, luck or skill? Market-model abnormal returns with "
        "the Boehmer-Musumeci-Poulsen, Kolari-Pynnonen, skewness-adjusted and generalised sign "
        "tests, and random placebo baskets drawn on the same day.",
    )
    _paths_arg(st)
    _rule_args(st)
    st.set_defaults(horizons="20,60,120,250")
    st.add_argument("--placebo", type=int, default=0, metavar="N",
                    help="random baskets per basket and horizon (default 0: none; needs --market "
                    "or a cache of a few hundred stocks)")  # fmt: skip
    st.add_argument("--seed", type=int, default=0, help="seed of draws and bootstrap (default 0)")
    st.add_argument("--by", default="basket", choices=("basket", "report", "broker"),
                    help="pool constituents by report or broker (default basket)")  # fmt: skip
    st.add_argument("--match", default="", metavar="board,industry",
                    help="placebo matching on board and/or industry (default none)")  # fmt: skip
    st.add_argument("--resamples", type=int, default=1000,
                    help="bootstrap resamples for bhar_boot_p (default %(default)s)")  # fmt: skip
    st.add_argument("--est-window", type=int, default=250,
                    help="estimation window, in returns (default %(default)s)")  # fmt: skip
    st.add_argument("--est-gap", type=int, default=20,
                    help="sessions between the estimation window and entry (default %(default)s)")  # fmt: skip
    st.add_argument("--min-obs", type=int, default=120,
                    help="valid estimation returns a constituent needs (default %(default)s)")  # fmt: skip
    st.add_argument("--format", choices=("table", "csv", "json"),
                    help="output format (default: by the --output suffix, else table)")  # fmt: skip
    st.add_argument("--output", type=Path, help="write the result to FILE instead of stdout")
    _dask_args(st)
    st.set_defaults(func=cmd_stats)

    dr = sub.add_parser("draft", help="draft basket YAML from a research report")
    dr.add_argument("report", type=Path,
                    help="the report: PDF, a web page saved from a browser, or text "
                    "(recognised from the content)")  # fmt: skip
    dr.add_argument("--output-dir", type=Path, default=Path("drafts"), help="default: %(default)s/")
    dr.add_argument("--force", action="store_true", help="overwrite existing files")
    dr.set_defaults(func=cmd_draft)

    ls = sub.add_parser("list", help="list baskets")
    _paths_arg(ls)
    ls.set_defaults(func=cmd_list)

    sh = sub.add_parser("show", help="show one basket, its data coverage and blocked trades")
    sh.add_argument("id", help="basket id")
    sh.add_argument("paths", nargs="*", metavar="PATH", help="where to look (default baskets/)")
    sh.add_argument("--entry", default=DEFAULT_ENTRY, choices=ENTRY_RULES,
                    help="entry rule for the blocked-trade report (default %(default)s)")  # fmt: skip
    sh.add_argument("--horizons", default=",".join(map(str, DEFAULT_HORIZONS)),
                    help="horizons for the blocked-trade report (default %(default)s)")  # fmt: skip
    _trading_args(sh)
    sh.set_defaults(func=cmd_show)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.func(args)
    except ThematicError as exc:
        for line in str(exc).splitlines():  # several bad files: one line each
            say(line, "error")
        return exc.exit_code
    except KeyboardInterrupt:
        say("interrupted", "error")
        return 130
    except BrokenPipeError:
        return 0
    except OSError as exc:  # a file system fault while writing (disk full, permissions)
        say(f"{exc.filename or ''}: {exc.strerror or exc}".lstrip(": "), "error")
        return 1
    except Exception as exc:  # a bug: still one line; THEMATIC_DEBUG=1 shows the traceback
        if os.environ.get("THEMATIC_DEBUG"):
            raise
        say(f"internal error ({type(exc).__name__}: {exc}); rerun with THEMATIC_DEBUG=1 "
            "and report the traceback", "error")  # fmt: skip
        return 1
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
