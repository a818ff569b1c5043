"""The ``thematic calls`` and ``thematic scorecard`` commands: parsing and short functions.

``calls fetch`` fills the report-list cache, ``calls list`` prints the call table,
``calls events`` writes it as an events file for ``evaluate-events``, and ``scorecard``
measures whose calls work.  The options shared with the other commands (entry rule,
horizons, market, tradability and costs) come from :mod:`thematic.cli.options`, so that they
are defined once.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from thematic.cli.options import check_targets, estimation_args, rule_args, trading_args, trading_of
from thematic.errors import UsageError
from thematic.files import write_text
from thematic.output.console import say, with_warnings_said
from thematic.rules import Trading

TradingOf = Callable[[argparse.Namespace], Trading]


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_text(output, text)
        say(f"wrote {output}")


def _format(args: argparse.Namespace, allowed: tuple[str, ...], default: str) -> str:
    """``--format`` or the ``--output`` suffix (``.txt`` is text); checks the target first."""
    from thematic.output.tables import resolve_format

    check_targets(args, "output")
    fmt = resolve_format(args.format, args.output, (*allowed, "table"), default)
    return "text" if fmt == "table" else fmt


def _codes(args: argparse.Namespace) -> list[str]:
    """Return the codes ``calls fetch`` names: arguments, baskets, a file, or the stock table."""
    from thematic.codes import is_code_format, known_stocks

    codes = list(args.codes)
    if args.baskets is not None:
        from thematic.baskets import load_baskets, needed_codes

        codes += needed_codes(with_warnings_said(lambda: load_baskets(args.baskets)))[0]
    if args.codes_file is not None:
        try:  # utf-8-sig: a file saved by Notepad or Excel starts with a byte-order mark
            lines = args.codes_file.read_text(encoding="utf-8-sig").splitlines()
        except OSError as exc:
            raise UsageError(f"--codes-file: {args.codes_file}: {exc.strerror}") from None
        except UnicodeDecodeError as exc:
            raise UsageError(f"--codes-file: {args.codes_file}: not UTF-8 text (byte "
                             f"{exc.start}); one 6-digit code a line") from None  # fmt: skip
        for i, line in enumerate(lines, 1):
            code = line.split("#")[0].strip()
            if code and not is_code_format(code):
                raise UsageError(f"--codes-file: {args.codes_file}: line {i}: {code!r} is not "
                                 "a 6-digit A-share code")  # fmt: skip
            codes += [code] if code else []
    if args.all:
        codes += sorted(known_stocks())
    bad = [c for c in codes if not is_code_format(c)]
    if bad:
        raise UsageError(f"codes: {bad[0]!r} is not a 6-digit A-share code")
    if not codes:
        raise UsageError("calls fetch: name codes, --baskets DIR, --codes-file FILE or --all")
    return list(dict.fromkeys(codes))


def cmd_calls_fetch(args: argparse.Namespace) -> int:
    """Fetch report lists into the cache; exit 1 when a code failed (the rest are saved)."""
    from thematic.data.report_feed import CallsCache, CodeFetch, fetch_into_cache
    from thematic.output.console import progress

    codes = _codes(args)
    cache = CallsCache()
    quiet = sys.stderr.isatty() and len(codes) > 1

    def log(r: CodeFetch) -> None:
        if r.status == "ok" and not quiet:
            say(f"{r.code}: {r.reports} reports ({r.new} new"
                + (f", {r.duplicates} duplicate(s) dropped)" if r.duplicates else ")"))  # fmt: skip

    report = with_warnings_said(lambda: fetch_into_cache(
        codes, cache, resume=args.all, on_result=log,
        wrap=lambda xs: progress(xs, "reports", len(codes))))  # fmt: skip
    # (a damaged list met here was said as a warning, then fetched again: no hint to add)
    failed = [r for r in report.failed if r.status == "failed"]
    skipped = [r for r in report.failed if r.status == "skipped"]
    for r in failed:
        say(r.message, "error")
    if skipped:
        say(f"network unreachable: {len(skipped)} of {len(codes)} codes skipped ("
            f"{', '.join(r.code for r in skipped[:10])}{' ...' if len(skipped) > 10 else ''}); "
            f"the cache ({cache.root}) is unchanged for them; check the connection and run "
            "again", "error")  # fmt: skip
    say(f"calls fetch: {report.summary()}; cache {cache.root}")
    return 1 if report.failed else 0


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    return {"broker": args.broker, "rating": args.rating, "code": args.code,
            "since": args.since, "until": args.until}  # fmt: skip


def _load(args: argparse.Namespace) -> Any:
    from thematic.calls import filter_calls, load_calls, parse_codes, parse_period, parse_ratings

    parse_period(args.since, args.until, ("--since", "--until"))  # messages that name the
    parse_ratings(args.rating, "--rating")  # option, before any work
    parse_codes(args.code, "--code")

    calls = with_warnings_said(load_calls)
    for message in calls.attrs.get("messages", []):
        say(message, "warning")
    if not len(calls):
        from thematic.data.report_feed import CallsCache

        say(f"no calls in the cache ({CallsCache().root}): run `thematic calls fetch` first",
            "warning")  # fmt: skip
    return filter_calls(calls, **_filters(args))


def cmd_calls_list(args: argparse.Namespace) -> int:
    """Print or write the call table."""
    from thematic.output.scorecard import calls_text
    from thematic.output.tables import format_frame

    fmt = _format(args, ("csv", "json"), "table")
    calls = _load(args)
    say(f"{len(calls):,} calls")
    _emit(calls_text(calls) if fmt == "text" else format_frame(calls, fmt), args.output)
    return 0


def cmd_calls_events(args: argparse.Namespace) -> int:
    """Write the calls as an events file (``event_id,published,code``)."""
    from thematic.calls import events_from_calls
    from thematic.files import atomic_path
    from thematic.output.tables import format_frame, resolve_format

    check_targets(args, "output")
    fmt = resolve_format(None, args.output, ("csv", "parquet"), "csv")
    events = events_from_calls(_load(args))
    if fmt == "parquet":
        with atomic_path(args.output) as tmp:
            events.to_parquet(tmp, index=False)
        say(f"wrote {args.output}")
    else:
        _emit(format_frame(events, "csv"), args.output)
    say(f"{len(events):,} events (one per call, id report_id:code)")
    return 0


def make_scorecard_command(trading_of: TradingOf) -> Callable[[argparse.Namespace], int]:
    """Return the ``scorecard`` command, with the CLI's own reading of the trading options."""

    def cmd_scorecard(args: argparse.Namespace) -> int:
        from thematic.calls import parse_ratings
        from thematic.output.scorecard import scorecard_header, scorecard_text
        from thematic.output.tables import format_frame
        from thematic.rules import parse_entry
        from thematic.runs.scorecard import (
            check_benchmark,
            parse_by,
            parse_scorecard_horizons,
            scorecard,
        )

        horizons = parse_scorecard_horizons(args.horizons, "--horizons")
        entry = parse_entry(args.entry, "--entry")
        by = parse_by(args.by, "--by")
        ratings = parse_ratings(args.ratings, "--ratings")
        if args.min_calls < 1:
            raise UsageError(f"--min-calls: {args.min_calls} must be at least 1")
        fmt = _format(args, ("csv", "json"), "table")
        check_targets(args, "html")
        if (
            args.html is not None
            and args.output is not None
            and (args.html.resolve() == args.output.resolve())
        ):
            raise UsageError(f"--html: {args.html} is also the --output file; give two names")
        trading = trading_of(args)
        check_benchmark(args.market, args.benchmark, "--market")
        calls = _load(args)
        df = with_warnings_said(lambda: scorecard(
            calls, by=by, horizons=horizons, ratings=ratings, since=args.since,
            until=args.until, min_calls=args.min_calls,
            entry=entry, trading=trading, market=args.market, benchmark=args.benchmark,
            est_window=args.est_window, est_gap=args.est_gap, min_obs=args.min_obs))  # fmt: skip
        meta = df.attrs["metadata"]
        for message in meta["messages"]:
            say(message)
        header = "\n".join(scorecard_header(meta))
        if args.html is not None:
            from thematic.output.scorecard_page import write_scorecard_page

            write_scorecard_page(df, args.html)
            say(f"wrote {args.html}")
        if fmt == "text":
            _emit(header + "\n\n" + scorecard_text(df, meta["by"]), args.output)
        else:
            say(header)
            _emit(format_frame(df, fmt), args.output)
        return 0

    return cmd_scorecard


def _filter_args(p: argparse.ArgumentParser, ratings: bool = True) -> None:
    g = p.add_argument_group("which calls")
    g.add_argument("--broker", metavar="NAMES", help="only these brokers (comma-separated)")
    if ratings:
        g.add_argument("--rating", metavar="RATINGS",
                       help="only these ratings: buy, outperform, neutral, underperform, sell, "
                       "unrated, other (comma-separated)")  # fmt: skip
    g.add_argument("--code", metavar="CODES", help="only these stocks (comma-separated)")
    g.add_argument("--since", metavar="DATE", help="published on or after DATE (YYYY-MM-DD)")
    g.add_argument("--until", metavar="DATE", help="published on or before DATE (YYYY-MM-DD)")


def _output_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--format", choices=("text", "csv", "json"),
                   help="output format (default: by the --output suffix, else text)")  # fmt: skip
    p.add_argument(
        "--output", type=Path, help="write to FILE (.txt, .csv, .json) instead of stdout"
    )


def add_calls_commands(sub: Any) -> None:
    """Add ``calls`` (fetch, list, events) and ``scorecard`` to the CLI's subparsers."""
    calls = sub.add_parser("calls", help="research-report calls: fetch, list, export as events")
    csub = calls.add_subparsers(dest="calls_command", required=True, metavar="ACTION")
    fe = csub.add_parser("fetch", help="fetch Eastmoney's report lists (via akshare) into the "
                         "cache", description="Fetch every research report Eastmoney lists for "
                         "the codes into <cache>/calls/; a re-fetch merges by report id, a "
                         "report gone upstream is kept. Exit 1 when a code failed (the rest "
                         "are saved).")  # fmt: skip
    fe.add_argument("codes", nargs="*", metavar="CODE", help="6-digit stock codes")
    fe.add_argument("--baskets", type=Path, metavar="DIR",
                    help="every constituent of the baskets in DIR (or one file)")  # fmt: skip
    fe.add_argument("--codes-file", type=Path, metavar="FILE", help="codes, one a line")
    fe.add_argument("--all", action="store_true",
                    help="every code of the shipped stock table (a killed run resumes)")  # fmt: skip
    fe.set_defaults(func=cmd_calls_fetch)

    ls = csub.add_parser("list", help="print the call table from the cache")
    _filter_args(ls)
    _output_args(ls)
    ls.set_defaults(func=cmd_calls_list)

    ev = csub.add_parser("events", help="write the calls as an events file for evaluate-events")
    _filter_args(ev)
    ev.add_argument("--output", type=Path, required=True,
                    help="the events file (.csv or .parquet)")  # fmt: skip
    ev.set_defaults(func=cmd_calls_events)

    sc = sub.add_parser("scorecard", help="whose calls work: clustered statistics per broker, "
                        "rating, industry, code or year", description="Each cached call is an "
                        "event of one stock under the usual rules; per group and horizon: "
                        "mean, median and hit rate of the excess return, CR1 cluster-robust t "
                        "(clusters = entry sessions), BH q-values, empirical-Bayes shrunk means "
                        "and the market-model CAR.")  # fmt: skip
    rule_args(sc, max_horizon=False)  # a scorecard's CAR needs a fixed event window
    sc.set_defaults(horizons="20,60,250")
    sc.add_argument("--by", default="broker", metavar="KEYS",
                    help="group by any of broker, rating, industry, code, year "
                    "(comma-separated; default %(default)s)")  # fmt: skip
    sc.add_argument("--ratings", default="buy,outperform", metavar="RATINGS",
                    help="ratings scored (default %(default)s: the positive calls)")  # fmt: skip
    _filter_args(sc, ratings=False)
    sc.set_defaults(rating=None)
    sc.add_argument("--min-calls", type=int, default=1, metavar="N",
                    help="groups with fewer calls are listed with empty statistics "
                    "(default %(default)s)")  # fmt: skip
    sc.add_argument("--benchmark", default="000300", metavar="CODE",
                    help="benchmark index (default %(default)s; H00300 after `thematic "
                    "refresh`)")  # fmt: skip
    estimation_args(sc, "a call (for its CAR)")
    sc.add_argument("--html", type=Path, metavar="FILE",
                    help="also write a self-contained page with a forest plot per horizon")  # fmt: skip
    _output_args(sc)
    trading_args(sc)
    sc.set_defaults(func=make_scorecard_command(trading_of))
