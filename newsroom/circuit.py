"""The one circuit breaker every use of Redis goes through (cache, page cache, fragments, ranking lists, counters).

A Redis that refuses connections fails fast, but a hung one (``kill -STOP``,
a full network buffer, a stalled failover) makes every command wait out its
socket timeout. Without a breaker each request paid that wait once per cache
call: seconds per page, and beacons queued behind the pages. With it, the
first failure or timeout *opens* the circuit: every caller skips Redis (and
does without it: renders, reads the database, counts the beacon as a
``backend_error`` rejection) for ``REDIS_BACKOFF_SECONDS``. Then one caller at
a time is let through to try (*half-open*): its success closes the circuit
and every use of Redis resumes; its failure opens it for another period.

One breaker per process (``redis_circuit``), shared by all of them, because
they share the Redis server and the fault: a hung Redis found by the page
cache is hung for the counters too, and each use finding it out on its own
would multiply the waits. Writes that must be attempted whatever the state
(an editor's invalidation) call Redis anyway and report the outcome here.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings

logger = logging.getLogger(__name__)

T = TypeVar("T")

BACKOFF_SECONDS_DEFAULT = 5.0


class CircuitBreaker:
    """Skip a failing service for a back-off period after any failure; let one caller probe it afterwards."""

    def __init__(self, name: str, *, backoff_seconds: float | None = None):
        self.name = name
        self.configured_backoff = backoff_seconds
        self.lock = threading.Lock()
        self.open_until = 0.0  # monotonic time before which the service is skipped; 0.0: closed
        self.probing = False  # a caller was let through after the back-off and has not reported yet
        self.failures = 0  # since the process started or the last reset() (diagnostics, tests)

    @property
    def backoff_seconds(self) -> float:
        if self.configured_backoff is not None:
            return self.configured_backoff
        return float(getattr(settings, "REDIS_BACKOFF_SECONDS", BACKOFF_SECONDS_DEFAULT))

    @property
    def is_open(self) -> bool:
        """True while callers are told to skip the service (back-off running or a probe in flight)."""
        return self.open_until != 0.0

    def allows(self) -> bool:
        """Whether the caller may use the service now.

        Closed: always (one comparison, the hot path). Open: not before the
        back-off has run out; then only the first caller, whose
        ``succeeded()`` or ``failed()`` decides for everyone.
        """
        if self.open_until == 0.0:
            return True
        now = time.monotonic()
        if now < self.open_until:
            return False
        with self.lock:
            if self.open_until == 0.0:
                return True
            if now < self.open_until:
                return False
            # The probe: everyone else keeps skipping until it reports (or for another back-off,
            # should it never report, e.g. a caller that gave up without saying so).
            self.probing = True
            self.open_until = now + self.backoff_seconds
            return True

    def succeeded(self) -> None:
        """Report a call that worked: closes the circuit if it was open."""
        if self.open_until != 0.0 and self.probing:
            with self.lock:
                if self.probing:
                    logger.warning("%s answers again; using it again", self.name)
                self.open_until, self.probing = 0.0, False

    def failed(self, operation: str, exc: BaseException) -> None:
        """Report a failure or a timeout: the service is skipped for ``backoff_seconds`` from now.

        Logged once per outage, not once per request.
        """
        backoff = self.backoff_seconds
        with self.lock:
            first = self.open_until == 0.0
            self.open_until = time.monotonic() + backoff
            self.probing = False
            self.failures += 1
        if first:
            logger.warning("%s unavailable during %s (%s); skipping it for %ss", self.name, operation, exc, backoff)

    def call(self, operation: str, function: Callable[[], T], *, default: T = None) -> T:
        """``function()``'s result, or ``default`` when the circuit is open or the call fails (reported here)."""
        if not self.allows():
            return default
        try:
            result = function()
        except Exception as exc:  # noqa: BLE001 - any failure of the service leaves the caller working without it
            self.failed(operation, exc)
            return default
        self.succeeded()
        return result

    def reset(self) -> None:
        """Close the circuit and forget the outage (tests, or an operator who knows Redis is back)."""
        with self.lock:
            self.open_until, self.probing, self.failures = 0.0, False, 0


redis_circuit = CircuitBreaker("Redis")
