"""``thematic report``: the self-contained HTML page of the baskets."""

from __future__ import annotations

import argparse

from thematic.cli.options import check_targets, load_baskets, trading_of
from thematic.errors import UsageError
from thematic.files import write_text
from thematic.output.console import say, with_warnings_said


def cmd_report(args: argparse.Namespace) -> int:
    """Write the self-contained HTML page of the baskets."""
    from thematic.output.console import progress
    from thematic.output.html import render_page
    from thematic.rules import parse_entry, parse_horizons
    from thematic.runs.page_data import page_data

    horizons = parse_horizons(args.horizons, "--horizons")
    entry = parse_entry(args.entry, "--entry")
    check_targets(args, "output")
    if args.output.suffix.lower() not in (".html", ".htm"):
        raise UsageError(f"--output: {args.output}: the report is HTML; name it *.html")
    baskets = load_baskets(args)
    trading = trading_of(args)
    data = with_warnings_said(
        lambda: page_data(baskets, horizons=horizons, entry=entry, trading=trading,
                          market=args.market, placebo_draws=args.placebo)
    )  # fmt: skip
    html = render_page(data, progress=lambda xs: progress(xs, "report", len(baskets)))
    write_text(args.output, html)
    say(f"wrote {args.output} ({len(html.encode()) / 2**20:.1f} MiB, {len(baskets)} baskets)")
    return 0
