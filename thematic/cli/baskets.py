"""``thematic list`` and ``thematic show``: the baskets, their coverage and blocked trades."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from thematic.cli.options import load_baskets, trading_of
from thematic.errors import UsageError

if TYPE_CHECKING:
    from thematic.baskets import Basket
    from thematic.data.base import Provider


def cmd_list(args: argparse.Namespace) -> int:
    """List the baskets with their report and size."""
    baskets = load_baskets(args)
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
    from thematic.data.sourcing import MemoProvider, default_provider
    from thematic.rules import parse_horizons
    from thematic.runs.evaluate import coverage

    parse_horizons(args.horizons, "--horizons")  # a bad option is a usage error, said first
    trading_of(args)
    baskets = {b.id: b for b in load_baskets(args)}
    if args.id not in baskets:
        raise UsageError(f"no basket {args.id!r}; known: {', '.join(sorted(baskets))}")
    b = baskets[args.id]
    rows = []
    provider = MemoProvider(default_provider())  # coverage and trades read each series once
    for c in coverage(b, provider):
        head = f"{c['code']:<7} {_pad(c['name'], 10)} {c['weight']:>7.2%}  "
        if c["problem"]:
            rows.append(head + f"no data: {c['problem']}")
        else:
            rows.append(head + f"{c['first']} .. {c['last']} ({c['rows']} sessions; "
                        f"{c['source']}, {c['adjustment']})")  # fmt: skip
    trades = _trades_of(b, args, provider)
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


def _trades_of(b: Basket, args: argparse.Namespace, provider: Provider) -> list[str]:
    """One line per blocked trade of basket ``b`` under the options' rules."""
    import warnings

    from thematic.errors import DataError
    from thematic.runs.evaluate import evaluate

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # show's own lines say what is missing
        try:
            df = evaluate([b], horizons=args.horizons, entry=args.entry, trading=trading_of(args),
                          provider=provider)  # fmt: skip
        except DataError as exc:
            return [f"  not evaluated: {exc}"]
    out = []
    for t in df.attrs["metadata"]["trades"]:
        when = t["actual_date"] or "never"
        h = f" (h={t['horizon']})" if t["horizon"] else ""
        out.append(f"  {t['side']}{h} {t['code']} {t['name']}: {t['what']} on "
                   f"{t['planned_date']}; {t['outcome']}, traded {when}")  # fmt: skip
    return out
