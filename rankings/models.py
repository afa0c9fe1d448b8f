"""Page-view counts and the ranking snapshots built from them.

Counts are aggregated on write: one row per article per hour (then per day
after retention), never one row per view.
"""

from django.db import models

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

    ``reader`` is a daily-salted hash of client IP and user agent; the raw IP
    is never stored.
    """

    reader = models.CharField(max_length=64)
    article_id = models.BigIntegerField()
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["reader", "article_id"], name="reader_seen_reader_article")]
        indexes = [models.Index(fields=["seen_at"], name="reader_seen_seen_at_idx")]

    def __str__(self):
        return f"{self.reader[:8]}… read {self.article_id}"


class RankingSnapshot(models.Model):
    """One computed list: a window, site-wide (section null) or for one section."""

    window = models.CharField(max_length=10)
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    computed_at = models.DateTimeField()
    is_current = models.BooleanField(default=True)

    class Meta:
        ordering = ["-computed_at"]
        indexes = [models.Index(fields=["window", "section", "is_current"], name="snapshot_current_idx")]

    def __str__(self):
        scope = self.section.name if self.section_id else "site"
        return f"{self.window} {scope} @ {self.computed_at:%Y-%m-%d %H:%M}"


class RankingEntry(models.Model):
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
