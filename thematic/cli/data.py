"""``thematic refresh``: new prices into the cache (for cron jobs)."""

from __future__ import annotations

import argparse
import sys

from thematic.cli.options import load_baskets
from thematic.output.console import say, with_warnings_said


def cmd_refresh(args: argparse.Namespace) -> int:
    """Refresh the cache for every code and benchmark the baskets need."""
    from thematic.baskets import needed_codes
    from thematic.data.cache import PriceCache

    baskets = load_baskets(args)
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
