"""``thematic history``: how a basket's metrics evolved across data as-of dates."""

from __future__ import annotations

import argparse

from thematic.cli.options import check_targets, write_or_print
from thematic.errors import UsageError
from thematic.output.console import say, with_warnings_said


def cmd_history(args: argparse.Namespace) -> int:
    """Show how a basket's metrics evolved across data as-of dates."""
    from thematic.history import read
    from thematic.output.tables import format_frame, history_text, resolve_format

    check_targets(args, "output", "chart")
    if args.chart is not None and args.chart.suffix.lower() != ".png":
        raise UsageError(f"--chart: {args.chart}: the chart is a PNG image; name it *.png")
    fmt = resolve_format(args.format, args.output, ("table", "csv", "json"), "table")
    df = with_warnings_said(
        lambda: read(args.history, args.id, args.horizon, ("--history", "--horizon"))
    )
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
        write_or_print(history_text(df[cols], args.output), args.output)
    else:
        write_or_print(format_frame(df, fmt), args.output)
    return 0
