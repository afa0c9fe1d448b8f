"""Writes of the rankings app: recording page views and building snapshots."""

import logging
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.db.models.expressions import RawSQL
from django.utils import timezone

from articles.models import Article, Section
from newsroom.edge import edge_purge
from rankings.backends import FlushResult, get_backend
from rankings.models import PageViewDaily, PageViewHourly, RankingEntry, RankingSnapshot, RejectedViewHourly
from rankings.readers import network_hash, reader_hash, user_agent_is_bot
from rankings.selectors import GENERATION_KEY
from rankings.tokens import page_view_token_check

logger = logging.getLogger(__name__)

# --- Ranking snapshots: update_rankings ----------------------------------------------------------
# Non-current snapshots are kept this long (the admin can look back), then deleted in batches.
SNAPSHOT_HISTORY_HOURS_DEFAULT = 48
SNAPSHOT_DELETE_BATCH = 500
# Names update_rankings' PostgreSQL advisory lock, so two runs never interleave their writes.
_UPDATE_LOCK_KEY = 0x52414E4B


@dataclass(frozen=True)
class RankingsUpdateResult:
    computed_at: datetime
    snapshots: int
    entries: int
    snapshots_deleted: int


@dataclass(frozen=True)
class _Candidate:
    article_id: int
    section_id: int
    views: int


def _window_ranked(*, window: str, hours: int, now: datetime) -> list[_Candidate]:
    """Every rankable article with views in the window, best first.

    ONE grouped query: views are summed per article in a derived table over
    the window's hourly buckets (plus the daily roll-up for a window longer
    than hourly retention), and only that result, at most a row per article,
    is joined to ``Article.objects.published()`` minus exclusions (and the
    window's optional maximum age), then ordered: more views, then newer,
    then the higher id. The database never joins millions of bucket rows to
    articles, and Python never parses a date. The inner and outer querysets
    are compiled by the ORM; only the join around them is written here.
    """
    conf = settings.RANKINGS
    since = now - timedelta(hours=hours)
    rankable = Article.objects.published(now=now).filter(exclude_from_rankings=False)
    max_age = (conf.get("MAX_ARTICLE_AGE_DAYS") or {}).get(window)
    if max_age is not None:
        rankable = rankable.filter(published_at__gte=now - timedelta(days=max_age))
    # The upper bound changes no result (no bucket is in the future) but makes the range two-sided,
    # which SQLite's planner, without ANALYZE statistics, needs to pick the hour index over a full scan.
    counts = PageViewHourly.objects.filter(hour__gte=since, hour__lte=now).order_by().values("article_id", "views")
    if hours > conf["HOURLY_RETENTION_DAYS"] * 24:
        # Older hours were rolled into days by prune_page_views; whole days are counted.
        daily = PageViewDaily.objects.filter(day__gte=since.date()).order_by().values("article_id", "views")
        counts = counts.union(daily, all=True)
    counts_sql, counts_params = counts.query.sql_with_params()
    qn = connection.ops.quote_name
    a, article_id, views = qn(Article._meta.db_table), qn("article_id"), qn("views")
    # Correlated to the summed row: each candidate is checked by its primary key, so the cost follows
    # the articles with views, never the archive (an uncorrelated IN would list every published row).
    rankable = rankable.order_by().filter(pk=RawSQL(f"v.{article_id}", ())).values("pk")  # noqa: S611 - a quoted identifier
    rankable_sql, rankable_params = rankable.query.sql_with_params()
    sql = (
        f"SELECT {a}.{qn('id')}, {a}.{qn('section_id')}, v.{qn('total')} "  # noqa: S608 - identifiers only
        f"FROM (SELECT c.{article_id}, SUM(c.{views}) AS {qn('total')} FROM ({counts_sql}) c "
        f"GROUP BY c.{article_id}) v "
        f"INNER JOIN {a} ON {a}.{qn('id')} = v.{article_id} "
        f"WHERE EXISTS ({rankable_sql}) AND v.{qn('total')} > 0 "
        f"ORDER BY v.{qn('total')} DESC, {a}.{qn('published_at')} DESC, {a}.{qn('id')} DESC"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*counts_params, *rankable_params))
        return [_Candidate(article_id=row[0], section_id=row[1], views=int(row[2])) for row in cursor.fetchall()]


def _top_lists(ranked: list[_Candidate], *, section_ids: list[int], size: int) -> dict:
    """section id (None = site-wide) -> its first ``size`` candidates, from one ranked result."""
    lists: dict[int | None, list[_Candidate]] = {None: ranked[:size], **{section_id: [] for section_id in section_ids}}
    for candidate in ranked:
        top = lists.get(candidate.section_id)
        if top is not None and len(top) < size:
            top.append(candidate)
    return lists


def _movement(position: int, previous: int | None) -> str:
    if previous is None:
        return RankingEntry.Movement.NEW
    if position < previous:
        return RankingEntry.Movement.UP
    if position > previous:
        return RankingEntry.Movement.DOWN
    return RankingEntry.Movement.SAME


# What a reader sees of an entry; a change in any of them makes cached pages stale (views are not shown).
_SHOWN_FIELDS = ("position", "headline", "url", "movement", "previous_position")


def ranking_cache_bump() -> None:
    """Start a new cache generation, so every cached list is read again from the new snapshots."""
    try:
        cache.set(GENERATION_KEY, uuid.uuid4().hex[:12], None)
    except Exception:
        # Lists then refresh when their cache entries expire (LIST_CACHE_SECONDS).
        logger.warning("rankings: could not bump the list cache generation", exc_info=True)


def ranking_snapshots_update(*, now: datetime | None = None) -> RankingsUpdateResult:
    """Build the ranking snapshots of every configured window, site-wide and per section.

    Per window, one grouped query sums the window's views per published,
    non-excluded article; the site-wide and per-section top
    ``STORED_ENTRIES`` are then picked in Python (ties: more views, then
    newer). Each entry records its movement against the previous current
    list of the same window and scope, and copies the display headline and
    URL so readers need no join. All snapshots are written in ONE
    transaction that also retires the previous ones, so a reader sees the
    old lists or the new ones, never a mix. Running it twice gives the same
    lists, every movement "same" the second time.
    """
    conf = settings.RANKINGS
    now = now or timezone.now()
    size = conf["STORED_ENTRIES"]
    section_ids = list(Section.objects.order_by("position", "id").values_list("id", flat=True))

    lists: dict[tuple[str, int | None], list[_Candidate]] = {}
    for window, hours in conf["WINDOWS"].items():
        ranked = _window_ranked(window=window, hours=hours, now=now)
        for section_id, top in _top_lists(ranked, section_ids=section_ids, size=size).items():
            lists[(window, section_id)] = top

    # Display headline and URL of every listed article, in one query.
    ids = {candidate.article_id for top in lists.values() for candidate in top}
    articles = Article.objects.only("id", "headline", "slug", "update_count").in_bulk(ids)

    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_UPDATE_LOCK_KEY])
        # (SQLite: the IMMEDIATE transaction already holds the write lock.)
        previous: dict[tuple[str, int | None], dict[int, int]] = defaultdict(dict)
        shown_before: dict[tuple[str, int | None], list[tuple]] = defaultdict(list)
        for window, section_id, article_id, position, *shown in (
            RankingEntry.objects.filter(snapshot__is_current=True)
            .order_by("snapshot_id", "position")
            .values_list("snapshot__window", "snapshot__section_id", "article_id", "position", *_SHOWN_FIELDS)
        ):
            previous[(window, section_id)][article_id] = position
            shown_before[(window, section_id)].append((article_id, *shown))
        RankingSnapshot.objects.filter(is_current=True).update(is_current=False)
        snapshots = RankingSnapshot.objects.bulk_create(
            [
                RankingSnapshot(window=window, section_id=section_id, computed_at=now, is_current=True)
                for window, section_id in lists
            ]
        )
        entries = []
        for snapshot, (scope, top) in zip(snapshots, lists.items(), strict=True):
            before = previous.get(scope, {})
            # An article deleted since the aggregate ran is skipped; positions stay 1..n.
            listed = [(c, articles[c.article_id]) for c in top if c.article_id in articles]
            for position, (candidate, article) in enumerate(listed, start=1):
                previous_position = before.get(article.pk)
                entries.append(
                    RankingEntry(
                        snapshot=snapshot,
                        position=position,
                        article_id=article.pk,
                        views=candidate.views,
                        movement=_movement(position, previous_position),
                        previous_position=previous_position,
                        headline=article.display_headline[:300],
                        url=article.get_absolute_url()[:500],
                    )
                )
        RankingEntry.objects.bulk_create(entries, batch_size=500)
        transaction.on_commit(ranking_cache_bump)
        shown_now: dict[tuple[str, int | None], list[tuple]] = defaultdict(list)
        for scope, snapshot in zip(lists, snapshots, strict=True):
            shown_now[scope] = [
                (e.article_id, *(getattr(e, name) for name in _SHOWN_FIELDS)) for e in entries if e.snapshot is snapshot
            ]
        if {k: v for k, v in shown_now.items() if v} != {k: v for k, v in shown_before.items() if v}:
            # Pages are not touched (their rails refresh on their own, newsroom.rails); the
            # /ranking/ pages at the edge are purged by their keys.
            transaction.on_commit(lambda: edge_purge({f"rank-{window}" for window in conf["WINDOWS"]}))

    deleted = ranking_snapshots_prune_history(now=now)
    return RankingsUpdateResult(
        computed_at=now, snapshots=len(snapshots), entries=len(entries), snapshots_deleted=deleted
    )


def ranking_snapshots_prune_history(*, now: datetime | None = None, batch_size: int = SNAPSHOT_DELETE_BATCH) -> int:
    """Delete non-current snapshots older than ``SNAPSHOT_HISTORY_HOURS``, a batch per transaction."""
    now = now or timezone.now()
    hours = settings.RANKINGS.get("SNAPSHOT_HISTORY_HOURS", SNAPSHOT_HISTORY_HOURS_DEFAULT)
    old = RankingSnapshot.objects.filter(is_current=False, computed_at__lt=now - timedelta(hours=hours))
    deleted = 0
    while True:
        ids = list(old.order_by("computed_at").values_list("id", flat=True)[:batch_size])
        if not ids:
            return deleted
        with transaction.atomic():
            # Entries go with their snapshot (a fast, bulk cascade: no signals on either model).
            _total, per_model = RankingSnapshot.objects.filter(id__in=ids, is_current=False).delete()
        if not per_model.get(RankingSnapshot._meta.label):
            return deleted  # a concurrent run took them
        deleted += per_model[RankingSnapshot._meta.label]


# --- Retention: prune_page_views ----------------------------------------------------------------
PRUNE_BATCH_DEFAULT = 10_000


@dataclass(frozen=True)
class PageViewsPruneResult:
    cutoff: datetime
    rows: int
    views: int
    batches: int


def _daily_upsert_sql() -> str:
    qn = connection.ops.quote_name
    table = qn(PageViewDaily._meta.db_table)
    # Only identifiers from the model's own metadata are interpolated; values are parameters.
    return (
        f"INSERT INTO {table} ({qn('article_id')}, {qn('day')}, {qn('views')}) VALUES (%s, %s, %s) "  # noqa: S608
        f"ON CONFLICT ({qn('article_id')}, {qn('day')}) "
        f"DO UPDATE SET {qn('views')} = {table}.{qn('views')} + EXCLUDED.{qn('views')}"
    )


def page_views_prune(
    *, now: datetime | None = None, retention_days: int | None = None, batch_size: int = PRUNE_BATCH_DEFAULT
) -> PageViewsPruneResult:
    """Roll hourly buckets older than the retention period into daily ones, then delete them.

    Works in batches of ``batch_size`` rows, each in its own transaction that
    adds the batch to ``PageViewDaily`` (an upsert that adds) and deletes
    exactly the rows it added: a crash loses nothing and counts nothing
    twice, and there is never one giant DELETE. Concurrent runs skip each
    other's locked rows on PostgreSQL; SQLite serialises them.
    """
    now = now or timezone.now()
    if retention_days is None:
        retention_days = settings.RANKINGS["HOURLY_RETENTION_DAYS"]
    cutoff = (now - timedelta(days=retention_days)).replace(minute=0, second=0, microsecond=0)
    upsert = _daily_upsert_sql()
    chunk = connection.features.max_query_params or batch_size
    rows_total = views_total = batches = 0
    while True:
        with transaction.atomic():
            batch = list(
                PageViewHourly.objects.filter(hour__lt=cutoff)
                .order_by()
                .select_for_update(skip_locked=True)
                .values_list("id", "article_id", "hour", "views")[:batch_size]
            )
            if not batch:
                break
            daily: dict[tuple[int, object], int] = defaultdict(int)
            for _id, article_id, hour, views in batch:
                daily[(article_id, hour.astimezone(UTC).date())] += views
            with connection.cursor() as cursor:
                cursor.executemany(
                    upsert,
                    [
                        (article_id, connection.ops.adapt_datefield_value(day), views)
                        for (article_id, day), views in daily.items()
                    ],
                )
            ids = [row[0] for row in batch]
            for start in range(0, len(ids), chunk):
                PageViewHourly.objects.filter(id__in=ids[start : start + chunk]).delete()
        rows_total += len(batch)
        views_total += sum(row[3] for row in batch)
        batches += 1
    return PageViewsPruneResult(cutoff=cutoff, rows=rows_total, views=views_total, batches=batches)


# --- Demo: a synthetic view history so a fresh demo's lists are full ------------------------------
# How busy each Tokyo hour of the day is, relative to the daily mean (morning, lunch and evening peaks).
_DEMO_HOUR_SHAPE = (
    0.35, 0.2, 0.12, 0.1, 0.12, 0.3, 0.7, 1.2, 1.6, 1.3, 1.1, 1.2,
    1.5, 1.3, 1.1, 1.0, 1.0, 1.1, 1.3, 1.5, 1.7, 1.6, 1.2, 0.7,
)  # fmt: skip


@dataclass(frozen=True)
class DemoHistoryResult:
    hourly_rows: int
    rejected_rows: int


def page_views_demo_history(
    *, articles: list[Article], now: datetime | None = None, days: int = 8, seed: int = 2026
) -> DemoHistoryResult:
    """Write a plausible, synthetic page-view history for demo articles (``seed_demo``).

    Popularity follows a Zipf-like law over a seeded shuffle of the articles,
    decays with the article's age and follows the Tokyo day; a share of
    rejected beacons (bots, repeats, ...) is written for the last 48 hours so
    the admin's traffic chart is not empty. Deterministic for a given seed and
    ``now``; re-running adds nothing for hours already written (conflicts are
    ignored), so counts never double.
    """
    now = now or timezone.now()
    current = now.replace(minute=0, second=0, microsecond=0)
    first = current - timedelta(days=days)
    visible = sorted((a for a in articles if a.is_visible(now=now)), key=lambda a: a.pk)
    rng = random.Random(seed)  # noqa: S311 - demo numbers, not security
    ranks = list(range(1, len(visible) + 1))
    rng.shuffle(ranks)
    rows: list[PageViewHourly] = []
    counted_by_hour: dict[datetime, int] = defaultdict(int)
    for article, rank in zip(visible, ranks, strict=True):
        peak = 220 / rank**0.85  # views an hour for a fresh article at the daily mean
        start = max(first, article.published_at.replace(minute=0, second=0, microsecond=0))
        hour = start
        while hour <= current:
            age = (hour - article.published_at).total_seconds() / 3600
            shape = _DEMO_HOUR_SHAPE[(hour.hour + 9) % 24]  # UTC -> Tokyo hour of day
            views = round(peak * (0.08 + 0.92 * math.exp(-max(age, 0) / 30)) * shape * rng.uniform(0.75, 1.25))
            if views > 0:
                rows.append(PageViewHourly(article=article, hour=hour, views=views))
                counted_by_hour[hour] += views
            hour += timedelta(hours=1)
    PageViewHourly.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)

    # Rejections: crawlers are a large share of raw traffic; repeats and the rest are smaller.
    shares = {
        RejectedViewHourly.Reason.BOT: (0.2, 0.45),
        RejectedViewHourly.Reason.REPEAT: (0.05, 0.12),
        RejectedViewHourly.Reason.BAD_TOKEN: (0.0, 0.02),
        RejectedViewHourly.Reason.RATE_LIMITED: (0.0, 0.015),
    }
    rejected = []
    for offset in range(48):
        hour = current - timedelta(hours=offset)
        counted = counted_by_hour.get(hour, 0)
        for reason, (low, high) in shares.items():
            count = round(counted * rng.uniform(low, high))
            if count:
                rejected.append(RejectedViewHourly(hour=hour, reason=reason, count=count))
    RejectedViewHourly.objects.bulk_create(rejected, batch_size=500, ignore_conflicts=True)
    return DemoHistoryResult(hourly_rows=len(rows), rejected_rows=len(rejected))


# --- Recording page views: the beacon and flush_page_views (see rankings.backends) ---------------


def page_view_record(
    *,
    article_id: int,
    token: str,
    user_agent: str,
    client_ip: str,
    is_staff: bool = False,
    now: datetime | None = None,
) -> str:
    """Count one beacon as a view, or count why it was rejected; returns ``COUNTED`` or the reason.

    Checks run cheapest first: the user agent (bots, crawlers, headless
    browsers, no agent), the signed token (forged, expired, other article),
    logged-in staff; then the backend applies the per-reader and per-network
    rate limits, de-duplicates per reader (a daily-salted hash of
    ``client_ip`` and ``user_agent``; the IP itself is never stored), caps the
    readers one network (a hash of the IP's prefix) counts per article, so
    made-up user agents cannot multiply views, and counts only published
    articles.
    Never raises for bad input; a database outage is logged and reported as
    ``backend_error``.
    """
    now = now or timezone.now()
    backend = get_backend()
    if user_agent_is_bot(user_agent):
        reason = RejectedViewHourly.Reason.BOT
    elif not page_view_token_check(token=token, article_id=article_id):
        reason = RejectedViewHourly.Reason.BAD_TOKEN
    elif is_staff:
        reason = RejectedViewHourly.Reason.STAFF
    else:
        reader = reader_hash(ip=client_ip, user_agent=user_agent, now=now)
        network = network_hash(ip=client_ip, now=now)
        try:
            return backend.record(article_id=article_id, reader=reader, network=network, now=now)
        except DatabaseError:
            logger.exception("rankings: could not record a page view")
            return RejectedViewHourly.Reason.BACKEND_ERROR
    page_view_reject(reason=reason, now=now)
    return reason


def page_view_reject(*, reason: str, now: datetime | None = None, count: int = 1) -> None:
    """Count ``count`` beacons rejected for ``reason`` (a ``RejectedViewHourly.Reason``) in this hour."""
    try:
        get_backend().reject(reason=reason, now=now or timezone.now(), count=count)
    except DatabaseError:
        logger.exception("rankings: could not count a rejected page view")


def page_views_flush(*, now: datetime | None = None) -> FlushResult:
    """Move counts waiting in the backend (Redis) into the database; tidy de-duplication rows.

    Loses nothing if it dies half-way and is safe to run concurrently and
    every minute (see ``rankings.backends``). Raises
    ``rankings.backends.BackendUnavailable`` when Redis cannot be reached.
    """
    return get_backend().flush(now=now)
