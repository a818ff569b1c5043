"""The rules of a run: horizons and entry rule (later: tradability and cost policies).

Each parser takes the name of the parameter it parses, so that its message fits the caller:
``--horizons`` on the command line, ``horizons=`` in Python (the way exchange_calendars'
``parse_date(param_name=...)`` does).  A parsed value is returned as a type the parsers
recognise, so passing it on to another function does not parse it again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Final, Literal

from thematic.constants import (
    ENTRY_RULES,
    MAX_COST_BPS,
    MAX_HORIZON,
    MAX_NOTIONAL,
    MAX_SESSIONS,
    EntryRule,
)
from thematic.errors import UsageError

Horizon = int | str
"""A horizon: sessions after the entry session (``int >= 1``) or ``"max"``."""

#: What each entry rule means, for outputs and metadata.
ENTRY_RULE_TEXT: Final[dict[str, str]] = {
    "next_open": "buy at the open of the first session strictly after the publication date",
    "next_close": "buy at the close of the first session strictly after the publication date",
}

#: The exit rule every evaluation uses.
EXIT_RULE_TEXT: Final = "close of the session h sessions after the entry session"


def china_today() -> dt.date:
    """Today's date in China, the latest publication date a basket or a call may give.

    Reports are dated in China time; a report published "today" in Beijing is not in the
    future.  One rule for basket files and events tables.
    """
    return dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).date()


class Horizons(list[Horizon]):
    """Validated horizons, in the order given (built by :func:`parse_horizons` only)."""

    __slots__ = ()


def parse_horizons(spec: str | Sequence[Horizon], param: str = "horizons") -> Horizons:
    """Parse ``"1,5,20,max"`` (or a sequence) into validated horizons.

    Parameters
    ----------
    spec
        Comma-separated text or a sequence of whole numbers and ``"max"``.
    param
        The parameter's name, for the message (``"--horizons"`` on the command line).

    Examples
    --------
    >>> parse_horizons("1, 5,20,max")
    [1, 5, 20, 'max']
    >>> parse_horizons("0", param="--horizons")
    Traceback (most recent call last):
    ...
    thematic.errors.UsageError: --horizons: '0' is not a positive whole number of sessions or 'max'
    """
    if isinstance(spec, Horizons):
        return spec
    items = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else list(spec)
    out: list[Horizon] = []
    for item in items:
        if isinstance(item, str) and item.lower() == MAX_HORIZON:
            h: Horizon = MAX_HORIZON
        else:
            try:
                h = int(item)
            except (TypeError, ValueError):
                h = -1
            if h < 1 or (isinstance(item, float) and not float(item).is_integer()):
                raise UsageError(
                    f"{param}: {item!r} is not a positive whole number of sessions or 'max'"
                )
            if h > MAX_SESSIONS:
                raise UsageError(
                    f"{param}: {item!r} is more sessions than any calendar holds (at most "
                    f"{MAX_SESSIONS}; 'max' is the last session with data)"
                )
        if h in out:
            raise UsageError(f"{param}: {item!r} is given twice")
        out.append(h)
    if not out:
        raise UsageError(f"{param}: no horizon given")
    return Horizons(out)


def parse_entry(entry: str, param: str = "entry") -> EntryRule:
    """Return ``entry`` as an entry rule, or raise naming ``param`` and the known rules.

    Examples
    --------
    >>> parse_entry("next_close")
    'next_close'
    >>> parse_entry("open", param="--entry")
    Traceback (most recent call last):
    ...
    thematic.errors.UsageError: --entry: 'open' is not one of next_open, next_close
    """
    for rule in ENTRY_RULES:
        if entry == rule:
            return rule
    raise UsageError(f"{param}: {entry!r} is not one of {', '.join(ENTRY_RULES)}")


Untradable = Literal["delay", "skip", "ignore"]
UNTRADABLE: Final[tuple[Untradable, ...]] = ("delay", "skip", "ignore")
DEFAULT_UNTRADABLE: Final[Untradable] = "delay"
DEFAULT_MAX_DELAY: Final = 10

UNTRADABLE_TEXT: Final[dict[str, str]] = {
    "delay": "a trade blocked by a price limit or a missing bar waits for the first later "
    "session where it is possible, at the same price type, up to {max_delay} sessions "
    "(past that the constituent is excluded on entry; an exit is valued at the last "
    "session tried)",
    "skip": "a constituent whose entry is blocked is excluded (weights renormalised); one "
    "whose exit is blocked is left out of that horizon",
    "ignore": "trades are booked at the price of the day even at a price limit; a "
    "constituent without a bar on the entry day is excluded, one without a bar on the "
    "exit day is valued at its last close",
}


def parse_untradable(policy: str, param: str = "untradable") -> Untradable:
    """Return ``policy`` as an untradable-trade policy, or raise naming ``param``.

    Examples
    --------
    >>> parse_untradable("skip")
    'skip'
    """
    for p in UNTRADABLE:
        if policy == p:
            return p
    raise UsageError(f"{param}: {policy!r} is not one of {', '.join(UNTRADABLE)}")


@dataclass(frozen=True)
class Costs:
    """What a round trip costs: commission, slippage and the notional they apply to.

    Stamp duty, transfer fees and the minimum commission are dated market rules
    (:mod:`thematic.marketrules`), applied on each trade's own date.
    """

    commission_bps: float = 2.5
    """Broker commission per side, in basis points of the traded value (minimum per order
    from the rulebook, 5 yuan)."""
    slippage_bps: float = 5.0
    """Price impact and spread per side, in basis points of the traded value."""
    notional: float = 1_000_000.0
    """Yuan invested in the basket, split by weight (the minimum commission bites on small
    orders)."""

    def __post_init__(self) -> None:
        for name in ("commission_bps", "slippage_bps"):
            value = getattr(self, name)
            if not (isinstance(value, Real) and 0 <= float(value) <= MAX_COST_BPS):
                raise UsageError(
                    f"{name}: {value} must be a number of basis points from 0 to {MAX_COST_BPS:g}"
                )
        if not (isinstance(self.notional, Real) and 0 < float(self.notional) <= MAX_NOTIONAL):
            raise UsageError(
                f"notional: {self.notional} must be a positive number of yuan, at most "
                f"{MAX_NOTIONAL:g}"
            )

    def describe(self) -> str:
        """One line stating the cost model, for output headers and metadata."""
        return (
            f"commission {self.commission_bps:g} bps per side (min 5 yuan per order), "
            f"slippage {self.slippage_bps:g} bps per side, stamp duty on sales and transfer "
            f"fees as dated by the exchanges, on {self.notional:,.0f} yuan split by weight"
        )


@dataclass(frozen=True)
class Trading:
    """How trades meet the market: the untradable policy, its delay bound, costs, ST dates."""

    untradable: Untradable = DEFAULT_UNTRADABLE
    max_delay: int = DEFAULT_MAX_DELAY
    costs: Costs = field(default_factory=Costs)
    st: tuple[tuple[str, str, str], ...] = ()
    """Dated special-treatment periods ``(code, start, end)``; empty: unknown (board limits)."""

    def __post_init__(self) -> None:
        parse_untradable(self.untradable)
        if not (isinstance(self.max_delay, int) and 0 <= self.max_delay <= MAX_SESSIONS):
            raise UsageError(
                f"max_delay: {self.max_delay!r} must be a whole number of sessions from 0 to "
                f"{MAX_SESSIONS}"
            )


def check_estimation_window(est_window: int, est_gap: int, min_obs: int) -> None:
    """Refuse a market-model estimation window that cannot be fitted or reaches past entry.

    A negative gap would put returns from after entry into the estimation window (the
    model would be fitted on the event it measures); fewer than 3 returns leave no residual
    variance; ``min_obs`` above the window's length leaves every call without a model.

    Examples
    --------
    >>> check_estimation_window(250, -5, 120)
    Traceback (most recent call last):
    ...
    thematic.errors.UsageError: est_gap: -5 must be at least 0
    """
    for name, value, least in (("est_window", est_window, 3), ("est_gap", est_gap, 0),
                               ("min_obs", min_obs, 3)):  # fmt: skip
        if value < least:
            raise UsageError(f"{name}: {value} must be at least {least}")
    if min_obs > est_window:
        raise UsageError(f"min_obs: {min_obs} is more than est_window {est_window}")
