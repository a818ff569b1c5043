"""The bundled snapshot: real prices shipped inside the package, for offline use."""

from __future__ import annotations

import datetime as dt
import json
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from thematic.data.base import BAR_COLUMNS, SeriesInfo, window_bars
from thematic.errors import UnknownCodeError

SNAPSHOT_DIR = Path(__file__).with_name("snapshot")


class SnapshotProvider:
    """Prices from the snapshot bundled with thematic (see ``snapshot/PROVENANCE.md``).

    Examples
    --------
    >>> snap = SnapshotProvider()
    >>> snap.fetch_daily("300308").loc["2024-03-25", "open"]
    np.float64(119.89)
    >>> snap.info("300308").adjustment
    'qfq as of 2025-08-22'
    """

    name = "snapshot"

    def __init__(self, directory: Path = SNAPSHOT_DIR) -> None:
        self.directory = Path(directory)

    @cached_property
    def provenance(self) -> dict[str, Any]:
        """The snapshot's provenance record (source, adjustment, as-of, coverage, missing)."""
        with (self.directory / "provenance.json").open(encoding="utf-8") as f:
            prov: dict[str, Any] = json.load(f)
        return prov

    @cached_property
    def _stocks(self) -> dict[str, pd.DataFrame]:
        long = pd.read_parquet(self.directory / "stocks.parquet")
        long = long.set_index("date")
        long.index = pd.DatetimeIndex(long.index).as_unit("ns")
        return {
            str(code): df.loc[:, list(BAR_COLUMNS)] for code, df in long.groupby("code", sort=True)
        }

    def _index(self, code: str) -> pd.DataFrame:
        path = self.directory / f"index_{code}.parquet"
        if not path.exists():
            have = sorted(self.provenance["indices"])
            raise UnknownCodeError(
                code,
                f"index not in the bundled snapshot (it has {have}); `thematic refresh` fetches "
                "it into the cache",
            )
        df = pd.read_parquet(path).set_index("date")
        df.index = pd.DatetimeIndex(df.index).as_unit("ns")
        return df.loc[:, list(BAR_COLUMNS)].astype("float64")

    @property
    def codes(self) -> list[str]:
        """Stock codes the snapshot has bars for."""
        return sorted(self.provenance["stocks"])

    def fetch_daily(
        self, code: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Daily bars of a stock from the snapshot."""
        try:
            df = self._stocks[code]
        except KeyError:
            why = self.provenance["missing"].get(code, "not among the shipped baskets' stocks")
            raise UnknownCodeError(code, f"no bars in the bundled snapshot: {why}") from None
        return window_bars(df, start, end)

    def fetch_index_daily(
        self, code: str, start: dt.date | None = None, end: dt.date | None = None
    ) -> pd.DataFrame:
        """Daily bars of an index from the snapshot."""
        return window_bars(self._index(code), start, end)

    def info(self, code: str) -> SeriesInfo:
        """Provenance of one series of the snapshot."""
        prov = self.provenance
        if code in prov["stocks"]:
            s, adj = prov["stocks"][code], prov["adjustment"]
        elif code in prov["indices"]:
            s, adj = prov["indices"][code], prov["benchmark_adjustment"]
        else:
            return SeriesInfo(code, "snapshot", "", None, None, 0)
        as_of = prov["as_of"] if code in prov["stocks"] else s["last"]
        return SeriesInfo(code, "snapshot", adj, s["first"], s["last"], s["rows"], as_of)
