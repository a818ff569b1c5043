"""``thematic stats``: the event study (market-model CAR/BHAR, tests, placebo baskets)."""

from __future__ import annotations

import argparse

from thematic.cli.options import (
    check_targets,
    dask_client,
    load_baskets,
    say_messages,
    write_or_print,
)
from thematic.output.console import say, with_warnings_said


def cmd_stats(args: argparse.Namespace) -> int:
    """Event-study statistics and placebo baskets; print or write the table."""
    from thematic.output.console import progress
    from thematic.output.tables import format_frame, resolve_format, stats_header, stats_table
    from thematic.rules import parse_entry, parse_horizons
    from thematic.runs.event_study import event_stats

    horizons = parse_horizons(args.horizons, "--horizons")
    entry = parse_entry(args.entry, "--entry")
    check_targets(args, "output")
    fmt = resolve_format(args.format, args.output, ("table", "csv", "json"), "table")
    match = [m.strip() for m in args.match.split(",") if m.strip()] if args.match else []
    baskets = load_baskets(args)
    with dask_client(args) as client:
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
    say_messages(meta)
    for x in meta["excluded"]:
        say(f"{x['basket']}: {x['code']} {x['name']} left out of the tests ({x['reason']})",
            "warning")  # fmt: skip
    header = "\n".join(stats_header(meta))
    if fmt == "table":
        write_or_print(header + "\n\n" + stats_table(df), args.output)
    else:
        say(header)
        write_or_print(format_frame(df, fmt), args.output)
    return 0
