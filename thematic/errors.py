"""The exceptions thematic raises, one hierarchy, each naming what to fix.

::

    ThematicError
    ├── BasketError            a basket file is unreadable or breaks a rule (CLI exit 2)
    │   └── BasketErrors           several basket files are bad (one line each)
    ├── UsageError             a bad option or argument (CLI exit 2)
    │   └── EventsError            an events table is unreadable or breaks a rule
    ├── DataError              prices are missing or malformed (CLI exit 1)
    │   ├── UnknownCodeError       a code no provider has
    │   ├── ProviderError          a provider failed (network, blocked, empty answer)
    │   │   ├── BlockedError           the provider refuses us (rate limit / IP block)
    │   │   └── NetworkDown            the network itself is unreachable
    │   ├── ValidationError        a fetched frame breaks a sanity rule
    │   └── CacheError             a cache file cannot be read or written
    └── DraftError             a report text cannot be turned into baskets

    ThematicWarning            base of every warning thematic issues (filter them by it)
    ├── MissingConstituentWarning  a constituent was excluded (no price on the entry day)
    ├── BasketNameWarning          a basket's code is unknown or its name is not the code's
    ├── OffCalendarWarning         bars dated on a day the benchmark did not trade were dropped
    ├── DamagedFileWarning         an unreadable cache file or store was set aside
    └── RefreshWarning             the cache could not be brought up to date before a run

Every message names the file, field or code and the offending value, so that a reader can
act on one line without a traceback.
"""

from __future__ import annotations

from pathlib import Path


class ThematicError(Exception):
    """Base class of every error thematic raises on purpose."""

    exit_code = 1


class UsageError(ThematicError):
    """An option or argument the user passed is not valid."""

    exit_code = 2


class BasketError(ThematicError):
    """A basket file is unreadable or breaks a rule of the basket schema.

    Parameters
    ----------
    source
        The file (or other label) the basket came from.
    field
        Path of the offending field, e.g. ``constituents[2].code``; empty for the whole file.
    problem
        What is wrong, phrased to follow the field and value.
    """

    exit_code = 2

    def __init__(self, source: str | Path, field: str, problem: str) -> None:
        self.source = str(source)
        self.field = field
        self.problem = problem
        where = f"{self.source}: {field} " if field else f"{self.source}: "
        super().__init__(f"{where}{problem}")


class EventsError(UsageError):
    """An events table (one row per constituent of a call) is unreadable or breaks a rule.

    The same faults as in a basket file get the same messages and the same exit code,
    whether the table came from a file or a DataFrame.
    """


class BasketErrors(BasketError):
    """Several basket files are bad: the message has one line per file."""

    def __init__(self, errors: list[BasketError]) -> None:
        self.errors = errors
        ThematicError.__init__(self, "\n".join(str(e) for e in errors))
        self.source, self.field, self.problem = errors[0].source, errors[0].field, str(self)


class DataError(ThematicError):
    """Market data needed for a computation is missing or malformed."""


class UnknownCodeError(DataError):
    """No provider has data for a code."""

    def __init__(self, code: str, detail: str) -> None:
        self.code = code
        self.detail = detail
        super().__init__(f"{code}: {detail}")


class ProviderError(DataError):
    """A data provider failed to deliver a series."""

    def __init__(self, source: str, code: str, detail: str) -> None:
        self.source = source
        self.code = code
        super().__init__(f"{source} {code}: {detail}")


class BlockedError(ProviderError):
    """The provider refuses our requests (rate limit or IP block); back off for a while."""


class NetworkDown(ProviderError):
    """The network itself is unreachable (DNS or connection failures on every try)."""


class ValidationError(DataError):
    """A fetched price frame breaks a sanity rule; the cache is left untouched."""

    def __init__(self, source: str, code: str, detail: str) -> None:
        self.source = source
        self.code = code
        super().__init__(f"{source} {code}: {detail}")


class CacheError(DataError):
    """A cache file cannot be read or written."""

    def __init__(self, path: str | Path, detail: str) -> None:
        self.path = str(path)
        super().__init__(f"{self.path}: {detail}")


class DraftError(ThematicError):
    """A report text cannot be turned into draft baskets."""

    exit_code = 2


class ThematicWarning(UserWarning):
    """Base class of every warning thematic issues, so that users can filter them as one."""


class MissingConstituentWarning(ThematicWarning):
    """A constituent was left out of a basket because it has no price on the entry day."""


class BasketNameWarning(ThematicWarning):
    """A basket's code is not in the shipped stock table, or its name is not that code's."""


class OffCalendarWarning(ThematicWarning):
    """Bars dated on a day the benchmark did not trade were dropped from a panel."""


class DamagedFileWarning(ThematicWarning):
    """An unreadable cache file or panel store was set aside (it is rebuilt or re-fetched)."""


class RefreshWarning(ThematicWarning):
    """The cache could not be brought up to date before a run; it used what it holds.

    The run went on from the cache, then the bundled snapshot (no network, or some series
    failed to download).
    """
