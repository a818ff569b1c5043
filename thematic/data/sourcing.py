"""Choosing prices: a provider (cache, snapshot, akshare) or a market dump -> a priced panel.

:func:`price_panel` is the one place a run's prices are fetched; it returns the panel with
what the provider lacked, the source's label and its provenance, which the run's metadata
states.  The engine's derived arrays that a market-dump store keeps are passed in by the
caller (``derived``): this floor knows nothing of the engine.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd

from thematic.constants import CSI300
from thematic.data.base import Provider, SeriesInfo, window_bars
from thematic.data.panel import Derived, PricePanel, build_panel
from thematic.errors import UnknownCodeError, UsageError


class PricedPanel(NamedTuple):
    """A run's prices and where they came from."""

    panel: PricePanel
    unavailable: dict[str, str]
    """Codes the provider has no data for, with the reason it gave."""
    label: str
    """The source, as the metadata names it (``snapshot``, ``market dump DIR``, ...)."""
    provenance: Mapping[str, Any] | None
    """The data set's provenance (source, adjustment, as-of date), when it states one."""


class MemoProvider:
    """A provider that fetches each series once and hands out the same bars afterwards.

    For a run that prices the same codes several times (the HTML page: results, curves,
    statistics and each basket's constituents): every fetch after the first is a lookup,
    and every use sees the same bars and the same :class:`~thematic.data.base.SeriesInfo`.
    A code the inner provider has no data for raises the same error each time.
    """

    def __init__(self, inner: Provider) -> None:
        self.inner = inner
        self.name = inner.name
        self._seen: dict[tuple[str, str], tuple[pd.DataFrame, SeriesInfo] | UnknownCodeError] = {}
        self._info: dict[str, SeriesInfo] = {}

    @property
    def provenance(self) -> Mapping[str, Any] | None:
        """The inner provider's provenance."""
        return self.inner.provenance

    def _fetch(self, kind: str, code: str) -> pd.DataFrame:
        key = (kind, code)
        if key not in self._seen:
            fetch = self.inner.fetch_daily if kind == "stock" else self.inner.fetch_index_daily
            try:
                self._seen[key] = (fetch(code), self.inner.info(code))
            except UnknownCodeError as exc:
                self._seen[key] = exc
        seen = self._seen[key]
        if isinstance(seen, UnknownCodeError):
            raise seen
        self._info[code] = seen[1]
        return seen[0]

    def fetch_daily(
        self, code: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Daily bars of a stock (fetched once; ``start``/``end`` cut the bars handed out)."""
        return window_bars(self._fetch("stock", code), start, end)

    def fetch_index_daily(
        self, code: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Daily bars of an index (fetched once)."""
        return window_bars(self._fetch("index", code), start, end)

    def info(self, code: str) -> SeriesInfo:
        """Provenance of the series of ``code`` handed out last."""
        return self._info[code]


def default_provider() -> Provider:
    """Return the provider used when none is given: the cache, then the bundled snapshot.

    Codes the cache (``data_cache/`` or ``$THEMATIC_CACHE_DIR``, filled by
    ``thematic refresh``) does not hold come from the snapshot; nothing touches the network.
    """
    from thematic.data.cache import CacheProvider
    from thematic.data.snapshot import SnapshotProvider

    return CacheProvider(fallback=SnapshotProvider())


def load_panel(
    codes: Iterable[str], benchmark: str, provider: Provider
) -> tuple[PricePanel, dict[str, str]]:
    """Fetch the codes and the benchmark from ``provider`` and align them.

    Returns the panel and, for codes the provider has no data for, the reason it gave.
    """
    bars: dict[str, pd.DataFrame] = {}
    unavailable: dict[str, str] = {}
    for code in sorted(set(codes)):
        try:
            bars[code] = provider.fetch_daily(code)
        except UnknownCodeError as exc:
            unavailable[code] = exc.detail
    bench = provider.fetch_index_daily(benchmark)
    sources = {c: provider.info(c) for c in [*bars, benchmark]}
    # Stop where the least recent stock series ends its coverage: a series from an older
    # source must not be valued at a stale close while the others move on.
    covered = [d for c, i in sources.items() if c in bars and (d := i.as_of or i.last)]
    as_of = pd.Timestamp(min(covered)) if covered else None
    panel = build_panel(bars, bench, benchmark, sources=sources, as_of=as_of)
    return panel, unavailable


def price_panel(
    codes: Iterable[str],
    benchmark: str,
    market: str | Path | None,
    provider: Provider | None,
    messages: list[str] | None = None,
    derived: Sequence[Derived] = (),
) -> PricedPanel:
    """Return the panel pricing ``codes`` from the market dump or else the provider.

    Also returns what the provider had no data for (with its reason), and the source's
    label and provenance for the metadata.  ``derived``: arrays a market dump's dense store
    keeps along (see :func:`thematic.data.universe.load_market_panel`).
    """
    if market is not None:
        from thematic.data.universe import load_market_panel

        if benchmark != CSI300:
            raise UsageError(
                f"--market: the market dump has only the {CSI300} benchmark, not {benchmark}"
            )
        panel = load_market_panel(market, messages=messages, derived=derived)
        return PricedPanel(panel, {}, f"market dump {market}", market_provenance(market, panel))
    provider = provider or default_provider()
    panel, unavailable = load_panel(codes, benchmark, provider)
    return PricedPanel(panel, unavailable, provider.name, provider.provenance)


def market_provenance(market: str | Path, panel: PricePanel) -> dict[str, str]:
    """Provenance of prices taken from a market dump (the ``../shared/market`` layout)."""
    as_of = f"{panel.as_of:%Y-%m-%d}"
    return {
        "source": f"market dump {market}",
        "origin": f"market dump {market}",
        "note": "the dump's daily bars, forward-adjusted (qfq) as of its last date",
        "adjustment": f"qfq as of {as_of}",
        "as_of": as_of,
    }


def source_counts(panel: PricePanel, used: Iterable[str]) -> dict[str, int]:
    """How many of the series used came from each kind of source (snapshot, cache, ...)."""
    counts: Counter[str] = Counter()
    for code in used:
        info = panel.sources.get(code)
        if info is not None:
            counts[info.source.split(" ")[0]] += 1
    return dict(sorted(counts.items()))


def describe_sources(counts: dict[str, int]) -> str:
    """``"snapshot 26 / cache 0"``-style text of :func:`source_counts`' result.

    Examples
    --------
    >>> describe_sources({"snapshot": 26})
    'snapshot 26 / cache 0'
    >>> describe_sources({"market dump": 3361})
    'market dump 3361'
    """
    if "market dump" in counts:
        return f"market dump {counts['market dump']}"
    full = {"snapshot": 0, "cache": 0, **counts}
    return " / ".join(f"{k} {v}" for k, v in full.items())
