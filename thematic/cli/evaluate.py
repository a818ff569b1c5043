"""``thematic evaluate`` and ``thematic evaluate-events``: result tables."""

from __future__ import annotations

import argparse
import time
from typing import Any

from thematic.cli.options import (
    check_market,
    check_targets,
    dask_client,
    load_baskets,
    say_messages,
    trading_of,
    write_or_print,
)
from thematic.errors import UsageError
from thematic.files import write_text
from thematic.output.console import say, with_warnings_said
from thematic.rules import Trading


def cmd_evaluate(args: argparse.Namespace) -> int:
    """Evaluate baskets and print or write the result table."""
    from thematic.output.tables import (
        format_frame,
        metadata_json,
        metadata_lines,
        resolve_format,
        results_text,
    )
    from thematic.rules import parse_entry, parse_horizons
    from thematic.runs.evaluate import evaluate

    horizons = parse_horizons(args.horizons, "--horizons")
    entry = parse_entry(args.entry, "--entry")
    check_targets(args, "output", "metadata")
    if args.history is not None:
        from thematic.history import check_directory

        check_directory(args.history, "--history")  # before any work
    fmt = resolve_format(args.format, args.output, ("table", "csv", "json"), "table")
    baskets = load_baskets(args)
    trading = trading_of(args)
    check_market(args, baskets)
    df = with_warnings_said(
        lambda: evaluate(
            baskets,
            horizons=horizons,
            entry=entry,
            market=args.market,
            trading=trading,
            benchmark=args.benchmark,
            refresh=not args.offline,
        )
    )
    meta = df.attrs["metadata"]
    say_messages(meta)
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
        write_or_print(header + "\n\n" + results_text(df, names, args.output), args.output)
    else:
        say(header)
        write_or_print(format_frame(df, fmt), args.output)
    return 0


def cmd_evaluate_events(args: argparse.Namespace) -> int:
    """Evaluate a table of calls and write the result table."""
    from thematic.output.tables import format_frame, resolve_format, write_parquet
    from thematic.rules import parse_entry, parse_horizons
    from thematic.runs.calls import evaluate_calls

    horizons = parse_horizons(args.horizons, "--horizons")
    entry = parse_entry(args.entry, "--entry")
    check_targets(args, "output", inputs=[(args.events, "the events file")])
    fmt = resolve_format(args.format, args.output, ("table", "csv", "json", "parquet"), "csv")
    start = time.perf_counter()
    trading = trading_of(args)
    if args.chunk_events is not None:
        return _evaluate_events_streamed(args, horizons, entry, fmt, trading)
    with dask_client(args) as client:
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
    say_messages(meta)
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
        write_or_print(format_frame(df, fmt), args.output)
    return 0


def _evaluate_events_streamed(
    args: argparse.Namespace, horizons: Any, entry: str, fmt: str, trading: Trading
) -> int:
    """Write the result to Parquet chunk by chunk: memory bounded by --chunk-events."""
    from thematic.runs.calls import evaluate_calls_to_parquet

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
    say_messages(meta)
    say(f"{meta['n_events']:,} events x {len(horizons)} horizons in "
        f"{time.perf_counter() - start:.2f} s, written in chunks of {args.chunk_events:,} "
        f"events; data: {meta['sources_text']} series, as of {meta['as_of']}; "
        f"{meta['n_missing_constituents']:,} constituents excluded")  # fmt: skip
    say(f"wrote {args.output}")
    return 0
