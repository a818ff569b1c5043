"""The prices a run uses: the data floor's sourcing, with the engine's arrays a store keeps.

A market dump's dense store keeps the engine's trade state beside the prices (it takes
seconds to compute for the whole market); the data floor stores it without knowing what it
is, so the runs, which know both floors, pass it in here.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Final

from thematic.data import universe
from thematic.data.base import Provider
from thematic.data.panel import Derived, PricePanel
from thematic.data.sourcing import PricedPanel
from thematic.data.sourcing import price_panel as source_prices
from thematic.engine.tradable import TRADE_STATE

#: The engine's arrays a market panel store keeps (a changed rulebook builds a new store).
STORED: Final[tuple[Derived, ...]] = (TRADE_STATE,)


def load_market_panel(
    market: str | Path, store: Path | None = None, messages: list[str] | None = None
) -> PricePanel:
    """Load the whole market of a shared-format dump as one panel, via the dense store.

    The store keeps the engine's trade state too; see
    :func:`thematic.data.universe.load_market_panel` for the parameters.
    """
    return universe.load_market_panel(market, store, messages, derived=STORED)


def price_panel(
    codes: Iterable[str],
    benchmark: str,
    market: str | Path | None,
    provider: Provider | None,
    messages: list[str] | None = None,
) -> PricedPanel:
    """Return the prices of ``codes`` (:func:`thematic.data.sourcing.price_panel`)."""
    return source_prices(codes, benchmark, market, provider, messages, derived=STORED)
