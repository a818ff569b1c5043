"""The rules of a run: horizons and entry rule (later: tradability and cost policies).

Each parser takes the name of the parameter it parses, so that its message fits the caller:
``--horizons`` on the command line, ``horizons=`` in Python (the way exchange_calendars'
``parse_date(param_name=...)`` does).  A parsed value is returned as a type the parsers
recognise, so passing it on to another function does not parse it again.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from thematic.constants import ENTRY_RULES, MAX_HORIZON, EntryRule
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
