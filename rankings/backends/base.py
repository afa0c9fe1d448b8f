"""The counter backend interface and what both backends share: outcomes, results, hours."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings

from rankings.models import RejectedViewHourly

COUNTED = "counted"
Reason = RejectedViewHourly.Reason

# Applied flush ids are kept this long; a batch stuck in Redis for longer
# than this would be applied again, which needs a month-long Redis outage.
FLUSH_LOG_RETENTION = timedelta(days=30)
# Expired de-duplication rows are deleted in batches of this size.
SEEN_PRUNE_BATCH = 5000
# The per-network cap when NETWORK_READERS_PER_ARTICLE is 0 (off): more readers than any window holds.
NO_CAP = 2**31 - 1


class BackendUnavailable(RuntimeError):
    """The counter store cannot be reached (e.g. Redis is down)."""


def hour_of(moment: datetime) -> datetime:
    """The UTC hour a moment falls in (the bucket key)."""
    return moment.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@dataclass
class FlushResult:
    """What one ``flush_page_views`` run did."""

    batches: int = 0
    skipped_batches: int = 0
    views: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    pruned_seen: int = 0

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def merge(self, part: FlushResult) -> None:
        """Add what another run (one batch) did to this result."""
        self.batches += part.batches
        self.skipped_batches += part.skipped_batches
        self.views += part.views
        for reason, n in part.rejected.items():
            self.rejected[reason] = self.rejected.get(reason, 0) + n


class CounterBackend:
    """Where counts go first; ``rankings.backends.get_backend`` picks one from ``settings.RANKINGS``."""

    name = "base"

    def record(self, *, article_id: int, reader: str, network: str, now: datetime) -> str:
        """Count one view of ``article_id`` by ``reader`` of ``network`` unless a limit says otherwise.

        In this order: the reader's rate limit, the network's rate limit (both
        per minute), the article being published, the reader's repeat within
        ``DEDUP_SECONDS``, then the network's cap of distinct readers counted
        for the article within that window (``NETWORK_READERS_PER_ARTICLE``).
        Returns ``COUNTED`` or the ``RejectedViewHourly.Reason`` it was counted as.
        """
        raise NotImplementedError

    def reject(self, *, reason: str, now: datetime, count: int = 1) -> None:
        """Count ``count`` beacons rejected for ``reason`` in ``now``'s hour."""
        raise NotImplementedError

    def flush(self, *, now: datetime | None = None) -> FlushResult:
        """Move pending counts to the database and tidy up; safe to run concurrently."""
        raise NotImplementedError

    def unflushed_since(self) -> datetime | None:
        """When the oldest count not yet in the database was recorded; None if nothing is pending."""
        return None

    @staticmethod
    def conf() -> dict:
        """``settings.RANKINGS``, read on every call (tests change it)."""
        return settings.RANKINGS
