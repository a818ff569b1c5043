"""Placebo baskets for the event study: random baskets drawn on the same day, priced alike.

The draws are :mod:`thematic.stats.placebo`'s (pure); here each basket's real equal-weight
excess and its placebos' are priced by the engine (on a ``distributed`` cluster when one is
given) and compared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final

import numpy as np
import pandas as pd

from thematic.baskets import Basket
from thematic.codes import board_of, industries
from thematic.data.panel import PricePanel
from thematic.engine import evaluate_events
from thematic.errors import UsageError
from thematic.rules import Horizon, Trading
from thematic.stats import placebo

#: Placebo and real baskets are priced alike: bought at the entry close, a stock without a
#: bar on the exit day valued at its last close (the issue's rule; no tradability filter).
PLACEBO_TRADING: Final = Trading(untradable="ignore")


def placebo_baskets(
    items: Sequence[Basket],
    panel: PricePanel,
    enc: Any,
    hs: Sequence[Horizon],
    n_draws: int,
    match: Sequence[str],
    rng: np.random.Generator,
    progress: Callable[[Iterable[Any]], Iterable[Any]] | None = None,
    client: Any = None,
) -> tuple[dict[tuple[str, Horizon], tuple[float, float]], list[pd.DataFrame], dict[str, str]]:
    """Draw and price placebo baskets for every basket; compare with its real EW excess.

    A basket without a universe on its entry day (too early in the data, or after it) gets
    no placebo and a note (the third value, by basket id); the others are tested.  When no
    basket has one, the run needs more data: a :class:`UsageError` says how to get it.
    """
    codes = panel.codes.to_numpy()
    labels = _strata_labels(codes, match)
    out: dict[tuple[str, Horizon], tuple[float, float]] = {}
    frames = []
    notes: dict[str, str] = {}
    pools = []
    for i in range(len(items)):
        own = enc.col[(enc.event == i) & (enc.col >= 0)]
        pools.append(placebo.eligible(panel.close, int(enc.entry[i]), exclude=own))
    if all(len(pool) < placebo.MIN_UNIVERSE for pool in pools):
        raise UsageError(
            f"placebo: only {max(map(len, pools), default=0)} stocks are eligible on any "
            f"basket's entry day (a close that day and {placebo.MIN_HISTORY} sessions before "
            "it): draws need a few hundred; pass --market DIR (e.g. ../shared/market) or "
            "fill the cache with `thematic refresh`"
        )
    numbered: Iterable[Any] = enumerate(items)
    if progress is not None:
        numbered = progress(list(numbered))
    for i, b in numbered:
        rows = np.flatnonzero((enc.event == i) & enc.present)
        cols = enc.col[rows]
        pool = pools[i]
        if len(pool) < placebo.MIN_UNIVERSE:
            notes[b.id] = (
                f"no placebo: only {len(pool)} stocks are eligible on the entry day (a close "
                f"that day and {placebo.MIN_HISTORY} sessions before it; {placebo.MIN_UNIVERSE} "
                "needed)"
            )
            continue
        if len(cols) == 0:
            continue
        published = pd.Timestamp(b.published)
        real_ev = pd.DataFrame({"event_id": 0, "published": published, "code": codes[cols]})
        real = evaluate_events(panel, real_ev, hs, "next_close", validate=False,
                               trading=PLACEBO_TRADING).table  # fmt: skip
        try:
            picks = placebo.draw(pool, len(cols), n_draws, rng,
                                 labels[pool] if labels is not None else None,
                                 labels[cols] if labels is not None else None)  # fmt: skip
        except ValueError as exc:
            raise UsageError(f"placebo: {b.id}: cannot match ({exc})") from None
        fake = pd.DataFrame({
            "event_id": np.repeat(np.arange(n_draws), len(cols)),
            "published": published,
            "code": codes[picks.ravel()],
        })  # fmt: skip
        if client is not None:
            from thematic.engine.distributed import evaluate_events_distributed

            res = evaluate_events_distributed(client, panel, fake, hs, "next_close",
                                              PLACEBO_TRADING, chunk_events=max(1, n_draws // 4),
                                              validate=False).table  # fmt: skip
        else:
            res = evaluate_events(panel, fake, hs, "next_close", validate=False,
                                  trading=PLACEBO_TRADING).table  # fmt: skip
        for h in hs:
            excess = res.loc[res["horizon"] == h, "excess_return"].to_numpy()
            real_x = float(real.loc[real["horizon"] == h, "excess_return"].iloc[0])
            out[(b.id, h)] = placebo.percentile_and_p(real_x, excess)
            frames.append(pd.DataFrame({"basket": b.id, "horizon": int(h), "draw": np.arange(n_draws),
                                        "excess": excess, "real": real_x}))  # fmt: skip
    return out, frames, notes


def _strata_labels(codes: np.ndarray, match: Sequence[str]) -> np.ndarray | None:
    if not match:
        return None
    inds = industries()
    parts: list[list[str]] = []
    if "board" in match:
        parts.append([str(board_of(str(c))) for c in codes])
    if "industry" in match:
        parts.append([inds.get(str(c), "?") for c in codes])
    labels = ["|".join(p) for p in zip(*parts, strict=True)]
    return pd.factorize(pd.Index(labels))[0]
