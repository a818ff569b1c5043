"""What several commands share: option groups, loading baskets, trading rules, output."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thematic.constants import DEFAULT_ENTRY, DEFAULT_HORIZONS, ENTRY_RULES
from thematic.errors import UsageError
from thematic.files import check_not_an_input, check_writable_target, write_text
from thematic.output.console import say, with_warnings_said
from thematic.rules import Trading

if TYPE_CHECKING:
    from thematic.baskets import Basket


DEFAULT_BASKETS = "baskets"


def check_targets(
    args: argparse.Namespace, *names: str, inputs: Sequence[tuple[Path, str]] = ()
) -> None:
    """Fail before any work when an output path cannot be written (exit 2, nothing written).

    An output may not be one of ``inputs`` nor lie inside the cache directory: a result
    written over an events file or a cached report list would destroy what is read.
    """
    from thematic.data.cache import cache_dir

    protected = [*inputs, (cache_dir(), "the cache directory")]
    for name in names:
        path = getattr(args, name, None)
        if path is not None:
            param = f"--{name.replace('_', '-')}"
            check_writable_target(path, param)
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

    if args.max_delay < 0:
        raise UsageError(f"--max-delay: {args.max_delay} must be a whole number >= 0")
    costs = Costs(args.commission_bps, args.slippage_bps, args.notional)
    st = load_st_table(args.st_table, "--st-table") if args.st_table else ()
    return Trading(parse_untradable(args.untradable, "--untradable"), args.max_delay, costs, st)


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
