"""What several commands share: option groups, loading baskets, trading rules, output."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thematic.constants import (
    DEFAULT_ENTRY,
    DEFAULT_HORIZONS,
    ENTRY_RULES,
    EST_GAP,
    EST_WINDOW,
    MIN_OBS,
)
from thematic.errors import UsageError
from thematic.files import (
    check_not_an_input,
    check_targets_apart,
    check_writable_target,
    write_text,
)
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


def check_targets(
    args: argparse.Namespace, *names: str, inputs: Sequence[tuple[Path, str]] = ()
) -> None:
    """Fail before any work when an output path cannot be written (exit 2, nothing written).

    A target must be writable, must not be one of the command's inputs (its basket files,
    events table, ST table or history, and ``inputs``) nor lie inside the cache directory,
    and two options must not name one file.
    """
    from thematic.data.cache import cache_dir

    targets = {f"--{name.replace('_', '-')}": getattr(args, name, None) for name in names}
    for param, path in targets.items():
        if path is not None:
            check_writable_target(path, param)
    check_targets_apart(targets, _inputs(args))
    protected = [*inputs, (cache_dir(), "the cache directory")]
    for param, path in targets.items():
        if path is not None:
            check_not_an_input(path, param, protected)


def write_or_print(text: str, output: Path | None) -> None:
    """Write ``text`` to ``output`` (atomically, then say so), or to stdout."""
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
    else:
        write_text(output, text)
        say(f"wrote {output}")


def load_baskets(args: argparse.Namespace) -> list[Basket]:
    """Load the baskets the command names (default: every file under baskets/)."""
    from thematic.baskets import load_baskets

    return with_warnings_said(lambda: load_baskets(args.paths or [DEFAULT_BASKETS]))


def check_market(args: argparse.Namespace, baskets: list[Basket]) -> None:
    """Refuse, naming ``--market``, a benchmark the market dump lacks (before any work).

    The benchmark is ``--benchmark`` when the command has it and it is an index code (a
    bad one is refused by the library, naming ``benchmark``), else each basket's own.
    """
    from thematic.codes import is_index_code
    from thematic.data.sourcing import check_market_benchmark

    benchmark = getattr(args, "benchmark", None)
    if benchmark is not None and not is_index_code(benchmark):
        return
    benchmarks = [benchmark] if benchmark is not None else [b.benchmark for b in baskets]
    check_market_benchmark(args.market, dict.fromkeys(benchmarks), "--market")


def say_messages(meta: dict[str, Any]) -> None:
    """Say a result's messages, then its notices as warnings (both on stderr)."""
    for message in meta.get("messages", []):
        say(message)
    for notice in meta.get("notices", []):
        say(notice, "warning")


def trading_of(args: argparse.Namespace) -> Trading:
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
    st = load_st_table(args.st_table, "--st-table") if args.st_table else ()
    return Trading(policy, args.max_delay, costs, st)


@contextmanager
def dask_client(args: argparse.Namespace) -> Iterator[Any]:
    """Yield a dask.distributed client when --dask-workers or --dask-scheduler asks.

    Yields None when neither is given; closes the client however the work ends.
    """
    if args.dask_workers is None and args.dask_scheduler is None:
        yield None
        return
    from thematic.engine.distributed import connect

    client = connect(args.dask_workers, args.dask_scheduler, ("--dask-workers", "--dask-scheduler"))
    say(f"dask: {len(client.scheduler_info()['workers'])} workers at "
        f"{client.scheduler.address}")  # fmt: skip
    try:
        yield client
    finally:
        client.close()


def dask_args(p: argparse.ArgumentParser) -> None:
    """Add ``--dask-workers`` and ``--dask-scheduler``."""
    g = p.add_argument_group("past one machine (pip install 'thematic[dask]')")
    g.add_argument("--dask-workers", type=int, metavar="N",
                   help="run on a local dask.distributed cluster of N worker processes")  # fmt: skip
    g.add_argument("--dask-scheduler", metavar="ADDRESS",
                   help="run on an existing dask.distributed cluster (tcp://host:8786)")  # fmt: skip


def paths_arg(p: argparse.ArgumentParser) -> None:
    """Add the basket paths (default: every file under ``baskets/``)."""
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help=f"basket YAML files or directories of them (default: {DEFAULT_BASKETS}/)",
    )


def rule_args(p: argparse.ArgumentParser, max_horizon: bool = True) -> None:
    """Add ``--entry``, ``--horizons`` (``max`` allowed unless told) and ``--market``."""
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
        help="sessions held after entry, comma-separated"
        + ("; 'max' = last session with data" if max_horizon else "")
        + " (default %(default)s)",
    )
    p.add_argument(
        "--market",
        type=Path,
        metavar="DIR",
        help="price from a full market dump in the ../shared/market layout instead of the "
        "cache and bundled snapshot (default: none)",
    )


def trading_args(p: argparse.ArgumentParser) -> None:
    """Add the tradability and cost options."""
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


def estimation_args(p: argparse.ArgumentParser, member: str) -> None:
    """Add the market-model estimation options; ``member`` is what needs the valid returns."""
    p.add_argument("--est-window", type=int, default=EST_WINDOW,
                   help="market-model estimation window, in returns (default %(default)s)")  # fmt: skip
    p.add_argument("--est-gap", type=int, default=EST_GAP,
                   help="sessions between the estimation window and entry (default %(default)s)")  # fmt: skip
    p.add_argument("--min-obs", type=int, default=MIN_OBS,
                   help=f"valid estimation returns {member} needs (default %(default)s)")  # fmt: skip
