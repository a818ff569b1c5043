"""The ``thematic`` command line: the parser, ``main`` and the exit codes.

Exit codes: 0 success; 1 data problem (missing or malformed prices, some codes failed);
2 usage or configuration problem (bad option, invalid basket or events file, an output path
that cannot be written).  Results go to stdout (or ``--output``); messages, warnings and
errors go to stderr, so that ``--format csv|json`` output can be piped into another program.
Rendering lives in :mod:`thematic.output`, the work in the library; nothing here computes.
Each family of commands has its module (:mod:`~thematic.cli.evaluate`,
:mod:`~thematic.cli.stats`, :mod:`~thematic.cli.page`, :mod:`~thematic.cli.baskets`,
:mod:`~thematic.cli.data`, :mod:`~thematic.cli.history`, :mod:`~thematic.cli.draft`,
:mod:`~thematic.cli.calls`);
:mod:`~thematic.cli.options` holds what they share.  Building the parser imports none of
the library's heavy modules, so ``thematic --help`` is quick.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from thematic.cli import baskets, calls, data, draft, evaluate, history, page, stats
from thematic.cli.options import dask_args, estimation_args, paths_arg, rule_args, trading_args
from thematic.constants import DEFAULT_ENTRY, DEFAULT_HORIZONS, ENTRY_RULES
from thematic.errors import ThematicError
from thematic.output.console import say


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
    paths_arg(ev)
    rule_args(ev)
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
    trading_args(ev)
    ev.set_defaults(func=evaluate.cmd_evaluate)

    rp = sub.add_parser(
        "report",
        help="write a self-contained HTML page of the baskets (results, charts, event study)",
    )
    paths_arg(rp)
    rule_args(rp)
    rp.add_argument("--output", type=Path, required=True, help="the HTML file to write")
    rp.add_argument("--placebo", type=int, default=0, metavar="N",
                    help="placebo baskets per basket (needs --market; default 0)")  # fmt: skip
    trading_args(rp)
    rp.set_defaults(func=page.cmd_report)

    hi = sub.add_parser("history", help="how a basket's metrics evolved across as-of dates")
    hi.add_argument("id", nargs="?", help="basket id (default: all)")
    hi.add_argument("--history", type=Path, required=True, metavar="DIR",
                    help="the history directory `evaluate --history` writes")  # fmt: skip
    hi.add_argument("--horizon", help="one horizon only")
    hi.add_argument("--format", choices=("table", "csv", "json"),
                    help="output format (default: by the --output suffix, else table)")  # fmt: skip
    hi.add_argument("--output", type=Path, help="write to FILE instead of stdout")
    hi.add_argument("--chart", type=Path, metavar="PNG", help="also draw the history (one basket)")
    hi.set_defaults(func=history.cmd_history)

    rf = sub.add_parser("refresh", help="fetch new prices into the cache (for cron jobs)")
    paths_arg(rf)
    rf.add_argument("--full", action="store_true", help="ignore the cache: fetch full histories")
    rf.add_argument(
        "--offline", action="store_true", help="no network: check the cache, set aside bad files"
    )
    rf.set_defaults(func=data.cmd_refresh)

    ee = sub.add_parser(
        "evaluate-events",
        help="evaluate a table of calls (event_id, published, code[, weight])",
        description="Evaluate a table of calls, one row per constituent: event_id, published, "
        "code[, weight]. The result's basket column holds the event id.",
    )
    ee.add_argument("events", type=Path, help="CSV or Parquet file of calls")
    rule_args(ee)
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
    trading_args(ee)
    dask_args(ee)
    ee.set_defaults(func=evaluate.cmd_evaluate_events)

    st = sub.add_parser(
        "stats",
        help="event-study statistics: market-model CAR/BHAR, tests, placebo baskets",
        description="Was the call beta, luck or skill? Market-model abnormal returns with "
        "the Boehmer-Musumeci-Poulsen, Kolari-Pynnonen, skewness-adjusted and generalised sign "
        "tests, and random placebo baskets drawn on the same day.",
    )
    paths_arg(st)
    rule_args(st)
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
    estimation_args(st, "a constituent")
    st.add_argument("--format", choices=("table", "csv", "json"),
                    help="output format (default: by the --output suffix, else table)")  # fmt: skip
    st.add_argument("--output", type=Path, help="write the result to FILE instead of stdout")
    dask_args(st)
    st.set_defaults(func=stats.cmd_stats)

    draft.add_draft_parser(sub)

    ls = sub.add_parser("list", help="list baskets")
    paths_arg(ls)
    ls.set_defaults(func=baskets.cmd_list)

    sh = sub.add_parser("show", help="show one basket, its data coverage and blocked trades")
    sh.add_argument("id", help="basket id")
    sh.add_argument("paths", nargs="*", metavar="PATH", help="where to look (default baskets/)")
    sh.add_argument("--entry", default=DEFAULT_ENTRY, choices=ENTRY_RULES,
                    help="entry rule for the blocked-trade report (default %(default)s)")  # fmt: skip
    sh.add_argument("--horizons", default=",".join(map(str, DEFAULT_HORIZONS)),
                    help="horizons for the blocked-trade report (default %(default)s)")  # fmt: skip
    trading_args(sh)
    sh.set_defaults(func=baskets.cmd_show)

    calls.add_calls_commands(sub)
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
