"""A polite HTTP policy around akshare: timeouts, retries, rate limit, block detection.

akshare calls ``requests.get`` itself and not every function takes a timeout (Sina and
``stock_zh_index_daily_em`` do not).  While a fetch is in flight, :func:`instrumented`
wraps ``requests.Session.request`` so that every request akshare makes gets our timeout and
its HTTP status is recorded: a 403/429 hidden behind akshare's ``r.json()`` failing on an HTML
page is then recognised as a block, and a 5xx as a transient failure.  The wrapper is
installed once, thread-safe, and only changes requests made without a timeout.
"""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import requests

from thematic.errors import BlockedError, NetworkDown, ProviderError

T = TypeVar("T")

#: HTTP statuses meaning "you are asking too much": back off, do not hammer.
BLOCKED_STATUSES = frozenset({403, 418, 429, 456})


@dataclass(frozen=True)
class HttpPolicy:
    """Timeouts, retries and pacing for provider calls.

    Eastmoney blocks IPs that scrape fast (akshare's issue tracker has many reports), so the
    defaults are slow on purpose: one request start every 0.6 s across all threads, at most
    two calls in flight, three retries with exponential backoff and jitter.
    """

    timeout: float = 15.0
    retries: int = 3
    backoff: float = 1.0
    max_backoff: float = 30.0
    jitter: float = 0.5
    min_interval: float = 0.6
    max_concurrency: int = 2


class _Local(threading.local):
    def __init__(self) -> None:
        self.timeout: float | None = None
        self.statuses: list[tuple[int, str]] = []
        self.kept: list[requests.Response] | None = None


_local = _Local()
_install_lock = threading.Lock()
_installed = False


def _install() -> None:
    global _installed
    with _install_lock:
        if _installed:
            return
        original = requests.Session.request

        def request(
            self: requests.Session, method: str, url: str, *args: Any, **kwargs: Any
        ) -> Any:
            if _local.timeout is not None and kwargs.get("timeout") is None:
                kwargs["timeout"] = _local.timeout
            response = original(self, method, url, *args, **kwargs)
            if _local.timeout is not None:
                _local.statuses.append((response.status_code, url))
            if _local.kept is not None:
                _local.kept.append(response)
            return response

        requests.Session.request = request  # type: ignore[method-assign,assignment]
        _installed = True


@contextlib.contextmanager
def instrumented(timeout: float) -> Iterator[list[tuple[int, str]]]:
    """Give every request in this thread ``timeout`` and collect (status, url) pairs."""
    _install()
    _local.timeout, _local.statuses = timeout, []
    try:
        yield _local.statuses
    finally:
        _local.timeout = None


@contextlib.contextmanager
def kept_responses() -> Iterator[list[requests.Response]]:
    """Keep every response this thread receives in the block (to read what akshare drops)."""
    _install()
    _local.kept = []
    try:
        yield _local.kept
    finally:
        _local.kept = None


class RateLimiter:
    """At most one request start every ``interval`` seconds, across threads."""

    def __init__(
        self,
        interval: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next = 0.0

    def wait(self) -> None:
        """Block until the next request may start."""
        with self._lock:
            now = self._clock()
            start = max(now, self._next)
            self._next = start + self.interval
        if start > now:
            self._sleep(start - now)


def _is_connection_level(exc: BaseException) -> bool:
    return isinstance(exc, requests.ConnectionError) and not isinstance(exc, requests.Timeout)


def _no_name_resolution(exc: BaseException) -> bool:
    """Tell whether a failure comes from DNS itself (no host resolves: retrying is futile)."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, socket.gaierror):
            return True
        cause = cause.__cause__ or cause.__context__
    return False


class Caller:
    """Runs provider calls under an :class:`HttpPolicy`.

    Transient failures (timeouts, connection errors, HTTP 5xx) are retried with exponential
    backoff and jitter; a block (HTTP 403/429) raises :class:`BlockedError` at once; anything
    else (malformed answer, schema change) raises :class:`ProviderError` at once so that the
    next source can be tried.
    """

    def __init__(
        self,
        policy: HttpPolicy = HttpPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.policy = policy
        self._sleep = sleep
        self._rng = rng or random.Random()
        self.limiter = RateLimiter(policy.min_interval, sleep=sleep)
        self.slots = threading.BoundedSemaphore(policy.max_concurrency)
        self.network_down = False

    def delay(self, attempt: int) -> float:
        """Backoff before retry ``attempt`` (1-based): base * 2^(attempt-1) plus jitter."""
        base = min(self.policy.max_backoff, self.policy.backoff * 2 ** (attempt - 1))
        return float(base + self._rng.uniform(0, self.policy.jitter * base))

    def call(self, source: str, code: str, fn: Callable[[], T]) -> T:
        """Call ``fn`` (one akshare function) with retries; classify its failures."""
        if self.network_down:
            raise NetworkDown(source, code, "skipped: the network is unreachable this run")
        attempts = self.policy.retries + 1
        connection_failures = 0
        for attempt in range(1, attempts + 1):
            with self.slots:
                self.limiter.wait()
                with instrumented(self.policy.timeout) as statuses:
                    try:
                        return fn()
                    except Exception as exc:  # akshare raises whatever its parsing hits
                        failure: BaseException = exc
                seen = list(statuses)
            blocked = [s for s, _ in seen if s in BLOCKED_STATUSES]
            if blocked:
                raise BlockedError(
                    source,
                    code,
                    f"the server refuses our requests (HTTP {blocked[-1]}): rate-limited or "
                    "IP-blocked; wait an hour or more before refreshing again",
                ) from None
            server_error = [s for s, _ in seen if s >= 500]
            transient = isinstance(failure, (requests.Timeout, requests.ConnectionError)) or bool(
                server_error
            )
            if _is_connection_level(failure):
                connection_failures += 1
                if _no_name_resolution(failure):  # no DNS: retrying only costs the user time
                    self.network_down = True
                    raise NetworkDown(
                        source, code, f"network unreachable ({_describe(failure, seen)})"
                    ) from None
            if not transient:
                raise ProviderError(source, code, _describe(failure, seen)) from None
            if attempt < attempts:
                self._sleep(self.delay(attempt))
        if connection_failures == attempts:
            self.network_down = True
            raise NetworkDown(source, code, f"network unreachable ({_describe(failure, seen)})")
        raise ProviderError(
            source, code, f"failed {attempts} times: {_describe(failure, seen)}"
        ) from None


def _describe(exc: BaseException, statuses: list[tuple[int, str]]) -> str:
    status = f"HTTP {statuses[-1][0]}; " if statuses else ""
    if isinstance(exc, requests.Timeout):
        return f"{status}timed out"
    if isinstance(exc, requests.ConnectionError):
        return f"{status}connection failed ({type(exc).__name__})"
    if isinstance(exc, ValueError) and "JSON" in type(exc).__name__ + str(exc):
        return f"{status}malformed answer (not the expected JSON: {exc})"
    if isinstance(exc, KeyError):
        return f"{status}unexpected answer: missing field {exc}"
    return f"{status}{type(exc).__name__}: {exc}"
