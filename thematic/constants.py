"""Named constants used across thematic, kept in one place."""

from __future__ import annotations

from typing import Final, Literal

#: Sessions in an A-share trading year, used to annualise daily statistics (SSE/SZSE
#: calendars have 242-244 sessions a year; 242 is the usual convention in CN research).
TRADING_DAYS_PER_YEAR: Final = 242
#: Nanoseconds in a calendar day (datetime64[ns] ticks of one date).
NS_PER_DAY: Final = 86_400 * 10**9

#: Most sessions a horizon or a trade delay may span: 100 years of sessions, more than any
#: A-share calendar holds (the exchanges opened in 1990).  Larger values are refused as
#: typos; within it, the engine bounds a delay by the sessions the data actually has.
MAX_SESSIONS: Final = 100 * TRADING_DAYS_PER_YEAR

#: Largest per-side cost in basis points (the whole traded value) and largest notional
#: (yuan; more than the whole A-share market's capitalisation).
MAX_COST_BPS: Final = 10_000.0
MAX_NOTIONAL: Final = 1e15

#: Index code of the CSI 300 (沪深300), the default benchmark.
CSI300: Final = "000300"

#: Horizons, in sessions after the entry day, evaluated by default.
DEFAULT_HORIZONS: Final[tuple[int, ...]] = (1, 5, 20, 60, 120, 250)

#: Horizon label meaning "the last session with data".
MAX_HORIZON: Final = "max"

EntryRule = Literal["next_open", "next_close"]

#: Entry rules: buy at the open (or close) of the first session strictly after publication.
ENTRY_RULES: Final[tuple[EntryRule, ...]] = ("next_open", "next_close")
DEFAULT_ENTRY: Final[EntryRule] = "next_open"

#: Tolerance on the sum of explicit weights.
WEIGHT_SUM_TOLERANCE: Final = 1e-6

#: Environment variable overriding the cache directory.
CACHE_ENV_VAR: Final = "THEMATIC_CACHE_DIR"

#: Columns of an evaluation table, in order.
RESULT_COLUMNS: Final[tuple[str, ...]] = (
    "basket",
    "published",
    "entry_rule",
    "entry_date",
    "horizon",
    "exit_date",
    "n_constituents",
    "n_missing",
    "blocked_entries",
    "delayed_entries",
    "blocked_exits",
    "entered_after_exit",
    "basket_return",
    "benchmark_return",
    "excess_return",
    "relative_return",
    "net_return",
    "net_excess_return",
    "hit_rate",
    "note",
)

#: Columns of an event-study table (``thematic stats``), in order.
STATS_COLUMNS: Final[tuple[str, ...]] = (
    "basket",
    "published",
    "entry_date",
    "horizon",
    "n",
    "mean_car",
    "car_t",
    "bmp_z",
    "kp_z",
    "mean_car_ma",
    "mean_bhar",
    "bhar_skew_t",
    "bhar_boot_p",
    "gsign_z",
    "placebo_pct",
    "placebo_p",
    "note",
)

#: The market model's estimation window (returns), its gap before entry (sessions) and the
#: fewest valid returns a constituent needs (``thematic stats``, ``thematic scorecard``).
EST_WINDOW = 250
EST_GAP = 20
MIN_OBS = 120
