"""The raw SQL both backends share: the hourly upserts and the de-duplication statement.

Raw SQL interpolates only identifiers, quoted by ``connection.ops.quote_name``
(table names from model metadata); every value is a parameter, adapted by
``connection.ops``. It runs through Django's own cursors (``connection.cursor()``),
so it is logged, health-checked and wrapped in errors as any ORM query.
The beacon's statements test "published" inside themselves (``VendorSql.published``):
``Article.objects.published()``'s rule (``VISIBLE_STATUSES``, ``published_at`` from
``now`` on) written with the model's own column names, the same way
``Article.is_visible`` writes it for one loaded article; a test holds the
three to the same answers. Asking the ORM instead cost about 450 us of CPU
per beacon (building and compiling the queryset), half of the beacon's own.
The flush asks the ORM (``articles_published``): once per batch.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from articles.models import VISIBLE_STATUSES, Article
from rankings.backends.base import hour_of
from rankings.models import PageViewHourly, ReaderSeen, RejectedViewHourly


class VendorSql:
    """The raw SQL of one database vendor, built once per process and vendor (``vendor_sql``)."""

    def __init__(self, db):
        qn = db.ops.quote_name
        self.ops = db.ops
        hourly = qn(PageViewHourly._meta.db_table)
        rejected, count = qn(RejectedViewHourly._meta.db_table), qn("count")
        seen, seen_at, network = qn(ReaderSeen._meta.db_table), qn("seen_at"), qn("network")
        views_upsert = (
            f"ON CONFLICT ({qn('article_id')}, {qn('hour')}) "
            f"DO UPDATE SET {qn('views')} = {hourly}.{qn('views')} + excluded.{qn('views')}"
        )
        # Parameters: article, hour, views.
        self.count = (
            f"INSERT INTO {hourly} ({qn('article_id')}, {qn('hour')}, {qn('views')}) "  # noqa: S608
            f"VALUES (%s, %s, %s) {views_upsert}"
        )
        # Parameters: hour, reason, count.
        self.reject = (
            f"INSERT INTO {rejected} ({qn('hour')}, {qn('reason')}, {count}) VALUES (%s, %s, %s) "  # noqa: S608
            f"ON CONFLICT ({qn('hour')}, {qn('reason')}) DO UPDATE SET {count} = {rejected}.{count} + excluded.{count}"
        )
        # Inserts a new reader/article pair, or moves seen_at forward only when the
        # last counted view is outside the window; in both cases only while fewer than
        # the cap of readers of the reader's network counted the article within the
        # window, and only for a published article: no row changed means "unpublished",
        # "repeat" or "network cap" (``rejected_why`` tells which).
        # Parameters: reader, article, now, network; published's; network, article, cutoff, cap; cutoff.
        net = qn("net")
        # Whether the article is visible at ``now``: Article.objects.published()'s rule.
        # Parameters: article, the visible statuses, now.
        article, field = qn(Article._meta.db_table), Article._meta.get_field
        self.published = (
            f"EXISTS (SELECT 1 FROM {article} WHERE {article}.{qn(Article._meta.pk.column)} = %s "  # noqa: S608
            f"AND {article}.{qn(field('status').column)} IN ({', '.join(['%s'] * len(VISIBLE_STATUSES))}) "
            f"AND {article}.{qn(field('published_at').column)} <= %s)"
        )

        def seen_sql(source_from: str) -> str:
            return (
                f"INSERT INTO {seen} ({qn('reader')}, {qn('article_id')}, {seen_at}, {network}) "  # noqa: S608
                f"SELECT %s, %s, %s, %s{source_from} WHERE {self.published} AND (SELECT count(*) FROM {seen} AS {net} "
                f"WHERE {net}.{network} = %s AND {net}.{qn('article_id')} = %s AND {net}.{seen_at} > %s) < %s "
                f"ON CONFLICT ({qn('reader')}, {qn('article_id')}) DO UPDATE SET {seen_at} = excluded.{seen_at}, "
                f"{network} = excluded.{network} WHERE {seen}.{seen_at} <= %s"
            )

        self.seen = seen_sql("")
        # Whether the reader counted for the article within the window (a repeat, not the cap).
        # Parameters: reader, article, cutoff.
        self.known = (
            f"EXISTS (SELECT 1 FROM {seen} WHERE {qn('reader')} = %s AND {qn('article_id')} = %s "  # noqa: S608
            f"AND {seen_at} > %s)"
        )
        # (repeat?, published?) of a beacon ``seen`` did not count. Parameters: known's, published's.
        self.rejected_why = f"SELECT {self.known}, {self.published}"
        # PostgreSQL runs both writes as ONE statement (data-modifying CTEs): one round
        # trip and one commit per beacon. It reports (new reader?, counted?, repeat?, published?);
        # ``known`` reads the table as it was before the statement: true only for a repeat.
        # The asynchronous variant: set_config(..., true) lasts until the end of this
        # statement's own transaction, so its commit does not wait for the WAL flush
        # (milliseconds on real disks). A PostgreSQL crash may then lose the last fraction
        # of a second of counts (like Redis without persistence), never corrupt anything.
        tail = (
            f" RETURNING 1), {qn('counted')} AS ("  # noqa: S608
            f"INSERT INTO {hourly} ({qn('article_id')}, {qn('hour')}, {qn('views')}) "
            f"SELECT %s, %s, 1 WHERE EXISTS (SELECT 1 FROM {qn('seen')}) {views_upsert} RETURNING 1) "
            f"SELECT (SELECT count(*) FROM {qn('seen')}), (SELECT count(*) FROM {qn('counted')}), {self.known}, "
            f"{self.published}"
        )
        self.record = f"WITH {qn('seen')} AS ({self.seen}{tail}"
        commit_mode = qn("commit_mode")
        self.record_async = (
            f"WITH {commit_mode} AS (SELECT set_config('synchronous_commit', 'off', true)), "  # noqa: S608
            f"{qn('seen')} AS ({seen_sql(' FROM ' + commit_mode)}{tail}"
        )
        self.one_statement_record = db.vendor == "postgresql"

    def adapt(self, moment: datetime):
        # Raw SQL gets no field adaptation: SQLite stores naive UTC text, and
        # comparisons / unique keys only match in exactly that format.
        return self.ops.adapt_datetimefield_value(moment)

    def published_params(self, *, article_id: int, now: datetime) -> list:
        """The parameters of ``published``."""
        return [article_id, *VISIBLE_STATUSES, self.adapt(now)]

    def seen_params(self, *, reader: str, network: str, article_id: int, now: datetime, cutoff: datetime, cap: int):
        """The parameters of ``seen``: insert or refresh the reader's row unless the network's cap is reached."""
        adapted_cutoff = self.adapt(cutoff)
        return [
            *(reader, article_id, self.adapt(now), network),
            *self.published_params(article_id=article_id, now=now),
            *(network, article_id, adapted_cutoff, cap, adapted_cutoff),
        ]

    def rejected_why_params(self, *, reader: str, article_id: int, now: datetime, cutoff: datetime) -> list:
        """The parameters of ``rejected_why``."""
        return [reader, article_id, self.adapt(cutoff), *self.published_params(article_id=article_id, now=now)]

    def record_params(self, *, reader: str, network: str, article_id: int, now: datetime, cutoff: datetime, cap: int):
        """The parameters of ``record``/``record_async`` (PostgreSQL's one statement)."""
        seen = self.seen_params(reader=reader, network=network, article_id=article_id, now=now, cutoff=cutoff, cap=cap)
        why = self.rejected_why_params(reader=reader, article_id=article_id, now=now, cutoff=cutoff)
        return [*seen, article_id, self.adapt(hour_of(now)), *why]


_vendor_sql: dict[str, VendorSql] = {}


def vendor_sql() -> VendorSql:
    """The SQL of the default connection's vendor (built on first use)."""
    built = _vendor_sql.get(connection.vendor)
    if built is None:
        built = _vendor_sql[connection.vendor] = VendorSql(connection)
    return built


def articles_published(*, article_ids: set[int], now: datetime) -> set[int]:
    """Those of ``article_ids`` readers can see at ``now`` (one query)."""
    return set(Article.objects.published(now=now).filter(pk__in=article_ids).values_list("pk", flat=True))


def views_add_many(rows: list[tuple[datetime, int, int]]) -> None:
    """Add views (hour, article id, count) to their hourly buckets, in a stable order (no lock-order deadlocks)."""
    rows = sorted(row for row in rows if row[2] > 0)
    if not rows:
        return
    sql = vendor_sql()
    with connection.cursor() as cursor:
        cursor.executemany(sql.count, [[article_id, sql.adapt(hour), n] for hour, article_id, n in rows])


def rejections_add_many(rows: list[tuple[datetime, str, int]]) -> None:
    """Add rejection counts (hour, reason, count), in a stable order (no lock-order deadlocks)."""
    rows = sorted(row for row in rows if row[2] > 0)
    if not rows:
        return
    sql = vendor_sql()
    with connection.cursor() as cursor:
        cursor.executemany(sql.reject, [[sql.adapt(hour), reason, n] for hour, reason, n in rows])


def db_count_rejection(*, reason: str, now: datetime, count: int = 1) -> None:
    """Add ``count`` rejections for ``reason`` to the database bucket of ``now``'s hour (one statement)."""
    rejections_add_many([(hour_of(now), reason, count)])
