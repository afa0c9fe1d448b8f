"""Page-view counts and the ranking snapshots built from them.

Counts are aggregated on write: one row per article per hour (then per day
after retention), never one row per view.
"""

from django.db import models
from django.utils import timezone

from articles.models import Article, Section


class PageViewHourly(models.Model):
    """Counted views of one article in one UTC hour (``hour`` is truncated to the hour)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    hour = models.DateTimeField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "hour"], name="pageview_hourly_article_hour")]
        indexes = [models.Index(fields=["hour", "article"], name="pageview_hourly_hour_idx")]

    def __str__(self):
        return f"article {self.article_id} @ {self.hour:%Y-%m-%d %H:00}: {self.views}"


class PageViewDaily(models.Model):
    """Hourly buckets older than the retention period, rolled up per UTC day."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "day"], name="pageview_daily_article_day")]
        indexes = [models.Index(fields=["day"], name="pageview_daily_day_idx")]

    def __str__(self):
        return f"article {self.article_id} on {self.day}: {self.views}"


class RejectedViewHourly(models.Model):
    """Beacons that were not counted, per UTC hour and reason."""

    class Reason(models.TextChoices):
        BOT = "bot", "Bot or crawler"
        BAD_TOKEN = "bad_token", "Missing, forged or expired token"
        UNPUBLISHED = "unpublished", "Unknown or unpublished article"
        STAFF = "staff", "Logged-in staff"
        REPEAT = "repeat", "Repeat by the same reader"
        RATE_LIMITED = "rate_limited", "Over the rate limit"
        NETWORK_RATE_LIMITED = "network_rate_limited", "Over the rate limit of one network"
        NETWORK_CAP = "network_cap", "Too many readers of one article from one network"
        BACKEND_ERROR = "backend_error", "Counter backend unavailable"

    hour = models.DateTimeField()
    reason = models.CharField(max_length=20, choices=Reason.choices)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["hour", "reason"], name="rejected_view_hour_reason")]

    def __str__(self):
        return f"{self.reason} @ {self.hour:%Y-%m-%d %H:00}: {self.count}"


class ReaderSeen(models.Model):
    """De-duplication for the database backend: when a reader last counted for an article.

    ``reader`` is a daily-salted hash of client IP and user agent, ``network``
    the same of the IP's network prefix alone (how many readers of one
    network an article counts); the raw IP is never stored.
    """

    reader = models.CharField(max_length=64)
    article_id = models.BigIntegerField()
    seen_at = models.DateTimeField()
    # Null on rows written before networks were recorded: they never match a network.
    network = models.CharField(max_length=32, null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reader", "article_id"], name="reader_seen_reader_article")]
        indexes = [
            models.Index(fields=["seen_at"], name="reader_seen_seen_at_idx"),
            models.Index(fields=["network", "article_id", "seen_at"], name="reader_seen_network_idx"),
        ]

    def __str__(self):
        return f"{self.reader[:8]}… read {self.article_id}"


class PageViewFlush(models.Model):
    """A batch of Redis counters already applied to the database (the flush's idempotency key).

    Written in the same transaction as the batch's counts, so a flush that dies
    after committing but before deleting the batch from Redis is skipped, not
    applied twice, when the next flush finds the batch again.
    """

    batch_id = models.CharField(max_length=64, unique=True)
    applied_at = models.DateTimeField(db_index=True)
    views = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"flush {self.batch_id} @ {self.applied_at:%Y-%m-%d %H:%M}: {self.views} views"


class RankingSnapshot(models.Model):
    """One computed list: a window, site-wide (section null) or for one section."""

    window = models.CharField(max_length=10)
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    computed_at = models.DateTimeField()
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-computed_at"]
        indexes = [
            models.Index(fields=["window", "section", "is_current"], name="snapshot_current_idx"),
            # update_rankings deletes old, no-longer-current snapshots by age.
            models.Index(fields=["computed_at"], name="snapshot_computed_at_idx"),
        ]

    def __str__(self):
        scope = self.section.name if self.section_id else "site-wide"
        return f"{self.window} {scope} @ {timezone.localtime(self.computed_at):%Y-%m-%d %H:%M %Z}"


class RankingEntry(models.Model):
    """One position of a snapshot, with what a reader needs to render it (no join to Article)."""

    class Movement(models.TextChoices):
        NEW = "new", "New"
        UP = "up", "Up"
        DOWN = "down", "Down"
        SAME = "same", "Same"

    snapshot = models.ForeignKey(RankingSnapshot, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveSmallIntegerField()
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    views = models.PositiveIntegerField()
    movement = models.CharField(max_length=4, choices=Movement.choices)
    previous_position = models.PositiveSmallIntegerField(null=True, blank=True)
    # Copied at compute time so reading a list is one query with no joins.
    headline = models.CharField(max_length=300)
    url = models.CharField(max_length=500)

    class Meta:
        ordering = ["snapshot", "position"]
        constraints = [models.UniqueConstraint(fields=["snapshot", "position"], name="ranking_entry_position")]

    def __str__(self):
        return f"{self.position}. {self.headline}"


class ArticleViewStats(Article):
    """Article, as the rankings admin sees it: a changelist of view totals and a per-article chart.

    A proxy (no table), so the admin can list articles under "Rankings"
    without ``articles`` knowing about page views.
    """

    class Meta:
        proxy = True
        verbose_name = "article views"
        verbose_name_plural = "article views"
