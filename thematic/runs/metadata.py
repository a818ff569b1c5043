"""A run's metadata: rules, as-of date, sources used, exclusions, notices.

Every result carries it as ``DataFrame.attrs["metadata"]`` (a :class:`RunMetadata`); the
outputs print it, the history stores parts of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from thematic.codes import known_stocks
from thematic.data.panel import PricePanel
from thematic.data.sourcing import describe_sources, source_counts
from thematic.rules import ENTRY_RULE_TEXT, EXIT_RULE_TEXT, UNTRADABLE_TEXT, Horizon, Trading

#: How a publication timestamp is read (stated in every output's metadata).
PUBLICATION_RULE = (
    "a time of day is ignored: entry is the first session strictly after the publication "
    "date, also for a report released before the open"
)


class RunMetadata(dict[str, Any]):
    """A run's metadata as ``DataFrame.attrs["metadata"]``: a dict handed on, not copied.

    pandas deep-copies ``attrs`` into every frame derived from a result (a filter, a column,
    a comparison).  With a million calls the metadata lists hundreds of thousands of
    excluded constituents and blocked trades, and each such copy took over a second.  This
    dict is passed on as it is instead, so read it; do not change it.
    """

    def __deepcopy__(self, memo: dict[int, Any]) -> RunMetadata:
        return self


def run_metadata(
    panel: PricePanel,
    provider_label: str,
    provenance: Any,
    entry: str,
    horizons: Sequence[Horizon],
    used: Iterable[str],
    market: bool = False,
) -> dict[str, Any]:
    """Return the metadata every run states: rules, benchmark, as-of date, sources used.

    ``used``: the codes whose series the result used (the benchmark among them); ``market``:
    the prices came from a market dump (one source for every series).
    """
    used = list(used)
    stock_series = [
        panel.sources[c] for c in used if c in panel.sources and c != panel.benchmark_code
    ]
    stock_as_of = [d for i in stock_series if (d := i.as_of or i.last)]
    # A market dump is one source for every series (its panel records only the benchmark's).
    counts = {"market dump": len(used)} if market else source_counts(panel, used)
    meta: dict[str, Any] = {
        "entry_rule": entry,
        "entry_rule_text": ENTRY_RULE_TEXT[entry],
        "exit_rule": EXIT_RULE_TEXT,
        "publication_rule": PUBLICATION_RULE,
        "horizons": list(horizons),
        "benchmark": panel.benchmark_code,
        "calendar": f"{panel.benchmark_code} trading sessions",
        # The as-of date of the stock data used; with none used, the data set's own.
        "as_of": min(stock_as_of) if stock_as_of else dataset_as_of(panel, provenance),
        "provider": provider_label,
        "sources_used": counts,
        "sources_text": describe_sources(counts),
        "series": {c: panel.sources[c].to_dict() for c in used if c in panel.sources},
    }
    meta["sources"] = sorted({panel.sources[c].source for c in used if c in panel.sources})
    if isinstance(provenance, dict) and meta["sources_used"].get("snapshot"):
        meta["provenance"] = {k: provenance[k] for k in ("source", "note", "adjustment", "as_of")}
        meta["provenance"]["origin"] = f"bundled snapshot built from {provenance['source']}"
    elif provenance:
        meta["provenance"] = dict(provenance)
    return meta


def price_index_notice(meta: dict[str, Any]) -> list[str]:
    """Say once when a price index is compared with dividend-adjusted stock prices."""
    bench = meta["benchmark"]
    kind = meta.get("series", {}).get(bench, {}).get("adjustment", "")
    if kind != "price index":
        return []
    return [
        f"benchmark {bench} is a price index (dividends not reinvested) while the stock prices "
        "are dividend-adjusted: excess returns are flattered by its dividend yield (about 2-3% "
        "a year); `--benchmark H00300` compares with the CSI 300 total-return index once "
        "`thematic refresh` has fetched it"
    ]


def dataset_as_of(panel: PricePanel, provenance: Any) -> str:
    """Return the data set's own as-of date (its provenance's, else the panel's last session)."""
    if isinstance(provenance, dict) and provenance.get("as_of"):
        return str(provenance["as_of"])
    return f"{panel.as_of:%Y-%m-%d}"


def snapshot_notices(meta: dict[str, Any]) -> list[str]:
    """Say plainly when prices come from the bundled snapshot rather than fresh data."""
    series = meta.get("series", {})
    snap = [c for c, info in series.items() if info["source"] == "snapshot"]
    if not snap or meta.get("provider") == "snapshot":  # nothing else was asked for
        return []
    return [
        f"{len(snap)} of {len(series)} series come from the bundled snapshot (as of "
        f"{meta.get('provenance', {}).get('as_of', '?')}), not from the cache; results run "
        f"to {meta['as_of']}. Run `thematic refresh` for current prices."
    ]


def unpriced_notice(unpriced: Sequence[str], n_codes: int, market: bool) -> list[str]:
    """One line when requested codes are not in the data at all, with how to get them."""
    if not unpriced:
        return []
    shown = ", ".join(unpriced[:5]) + (
        f" and {len(unpriced) - 5} more" if len(unpriced) > 5 else ""
    )
    how = (
        "the market dump has no bars for them"
        if market
        else "get them with `thematic refresh` (network) or price from a full dump with "
        "`--market DIR`"
    )
    return [f"{len(unpriced)} of {n_codes} codes have no price data here ({shown}): {how}"]


def iso_column(dates: pd.Series) -> list[str | None]:
    """Each date of a datetime column as ``YYYY-MM-DD`` (None for NaT), at once."""
    dates = pd.to_datetime(dates)  # (an empty table's column may be untyped)
    text = dates.dt.strftime("%Y-%m-%d").astype(object)
    iso: list[str | None] = text.where(dates.notna(), None).tolist()
    return iso


def missing_records(
    missing: pd.DataFrame, unavailable: dict[str, str], names: dict[tuple[str, str], str]
) -> list[dict[str, Any]]:
    """Return one JSON-ready record per excluded constituent (the engine's ``missing``).

    ``unavailable``: the provider's reason per code it has no data for (it replaces the
    engine's); ``names``: the basket's name of each ``(basket, code)``.
    """
    stock_names = known_stocks()
    # Column by column, as trading_metadata (a million calls exclude thousands of rows).
    columns = zip(missing["basket"].astype(str).tolist(), missing["code"].astype(str).tolist(),
                  iso_column(missing["entry_date"]), missing["reason"].astype(str).tolist(),
                  strict=True)  # fmt: skip
    return [
        {
            "basket": basket,
            "code": code,
            "name": names.get((basket, code)) or stock_names.get(code, ""),
            "entry_date": entry_date,
            "reason": unavailable.get(code) or reason,
        }
        for basket, code, entry_date, reason in columns
    ]


def trading_metadata(
    trading: Trading, names: dict[tuple[str, str], str], trades: Sequence[pd.DataFrame]
) -> dict[str, Any]:
    """Return the run's trading rules and every blocked trade, as JSON-ready metadata."""
    records = []
    stock_names = known_stocks()
    for t in trades:
        if not len(t):
            continue
        # Column by column (a million calls block a few hundred thousand trades).
        columns = zip(t["basket"].astype(str).tolist(), t["code"].astype(str).tolist(),
                      t["side"].tolist(), t["horizon"].tolist(), t["what"].tolist(),
                      iso_column(t["planned_date"]), iso_column(t["actual_date"]),
                      t["outcome"].tolist(), strict=True)  # fmt: skip
        for basket, code, side, horizon, what, planned, actual, outcome in columns:
            records.append({
                "basket": basket, "code": code,
                "name": names.get((basket, code)) or stock_names.get(code, ""),
                "side": side, "horizon": None if side == "entry" else str(horizon),
                "what": what, "planned_date": planned, "actual_date": actual, "outcome": outcome,
            })  # fmt: skip
    return {
        "untradable": trading.untradable,
        "max_delay": trading.max_delay,
        "untradable_text": UNTRADABLE_TEXT[trading.untradable].format(max_delay=trading.max_delay),
        "limits": "price limits by board and date from thematic.marketrules; "
        + ("ST periods from the given table" if trading.st else "no ST table given: every "
           "stock gets its board's limit (ST status on a past date is not in this data)"),
        "costs": trading.costs.describe(),
        "cost_parameters": {"commission_bps": trading.costs.commission_bps,
                            "slippage_bps": trading.costs.slippage_bps,
                            "notional": trading.costs.notional},
        "trades": records,
    }  # fmt: skip


def unpriced_baskets(tables: Sequence[pd.DataFrame]) -> set[str]:
    """Baskets in which no constituent has an entry price (n_missing == n_constituents)."""
    out: set[str] = set()
    for t in tables:
        none = t["n_missing"] == t["n_constituents"]
        out |= set(t.loc[none, "basket"].astype(str))
    return out
