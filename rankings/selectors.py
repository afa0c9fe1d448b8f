"""Composed reads of the rankings app: the ranking lists, the admin charts' data, health.

Reading a list is ONE query on a snapshot (``RankingEntry`` rows carry the
headline and URL), which keeps only entries whose article readers may see
now (``Article.objects.published()``, not excluded from rankings, checked per
entry by primary key): an article withdrawn, rescheduled or excluded drops
out at once, without waiting for ``update_rankings``, and the next stored
entry takes its place (snapshots store more entries than lists show). Its
result is kept
in Django's cache under a *generation* key that ``update_rankings`` bumps each
time it writes new snapshots. With Redis as the cache the bump reaches every
web process at once. With the local-memory cache (SQLite mode) every process
has its own copy. Keys also include the full-page cache's generation
(``newsroom.caching.generation``, shared between processes through a file even with the
local-memory cache), which every article save (a withdrawal, an exclusion)
bumps, and ``update_rankings`` whenever a list readers see changes; otherwise
a copy lives at most ``RANKINGS["LIST_CACHE_SECONDS"]`` (default 60 s).

When no snapshot exists yet (before the first ``update_rankings``) a list is
empty and the template shows an empty state; it does not fall back to other
articles, so a "most read" list never shows articles nobody read.
"""

import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db.models import Exists, Max, OuterRef, Sum
from django.utils import timezone

from articles.models import Article, Section
from newsroom.caching.fragments import fragment_generation
from newsroom.caching.generation import page_cache_generation
from newsroom.circuit import redis_circuit
from rankings.models import PageViewHourly, RankingEntry, RankingSnapshot, RejectedViewHourly

logger = logging.getLogger(__name__)

GENERATION_KEY = "rankings:generation"
LIST_CACHE_SECONDS_DEFAULT = 60
_ENTRY_FIELDS = ("position", "headline", "url", "movement", "previous_position", "views", "article_id")


@dataclass(frozen=True)
class RankedArticle:
    """One line of a ranking list, as templates render it."""

    position: int
    headline: str
    url: str
    movement: str
    previous_position: int | None
    views: int
    article_id: int


@dataclass(frozen=True)
class RankingList:
    """A ranking list of one window and scope (site-wide when ``section`` is None)."""

    window: str
    section: Section | None
    entries: list[RankedArticle]


def ranking_windows() -> dict[str, int]:
    """Configured windows, name -> hours, in settings order (the first is the default)."""
    return dict(settings.RANKINGS["WINDOWS"])


def ranking_window_default() -> str:
    """The window lists use when none is asked for (the first configured, 24h by default)."""
    return next(iter(settings.RANKINGS["WINDOWS"]))


def ranking_window_label(window: str) -> str:
    """ "24 hours", "7 days": how a window is named to readers."""
    hours = settings.RANKINGS["WINDOWS"][window]
    if hours % 24 == 0 and hours >= 48:
        return f"{hours // 24} days"
    return f"{hours} hours"


# --- Cache -------------------------------------------------------------------------------------


def _cache_get(key: str):
    # A cache outage (Redis down or hung) must not break or slow pages: read from the database
    # instead, and leave Redis alone while the shared breaker (newsroom.circuit) is open.
    return redis_circuit.call("rankings list read", lambda: cache.get(key))


def _cache_set(key: str, value, timeout) -> None:
    redis_circuit.call("rankings list store", lambda: cache.set(key, value, timeout))


def _cache_add_then_get(key: str, value):
    def add_then_get():
        cache.add(key, value, None)
        return cache.get(key)

    return redis_circuit.call("rankings generation store", add_then_get)


def _page_generation(request=None):
    # The full-page cache's generation (newsroom.caching.generation), shared by every process even with the
    # local-memory cache. update_rankings bumps it when a list readers see changes, so a page
    # re-rendered after that never reuses this process's older copy of a list. During a page
    # render the fragment cache has read it already: the same value, without another read.
    generation = fragment_generation(request) if request is not None else None
    return generation if generation is not None else page_cache_generation()


def ranking_cache_generation(*, request=None) -> str:
    """The token list cache keys include: ours (bumped by every update_rankings) and the page cache's.

    With ``request``, read once per request: a page showing two lists pays for one read.
    """
    token = getattr(request, "ranking_generation", None)
    if token is None:
        token = _ranking_cache_generation(request)
        if request is not None:
            request.ranking_generation = token
    return token


def _ranking_cache_generation(request=None) -> str:
    global _last_read
    generation = _cache_get(GENERATION_KEY)
    if generation is None and redis_circuit.is_open and _last_read is not None:
        # Redis skipped: this process's copies of the lists (LIST_CACHE_SECONDS at most) stay in
        # use, rather than every page reading and rendering its lists again for the whole outage.
        generation = _last_read
    if generation is None:
        generation = uuid.uuid4().hex[:12]
        generation = _cache_add_then_get(GENERATION_KEY, generation) or generation
    if not redis_circuit.is_open:
        _last_read = generation
    return f"{generation}.{_page_generation(request)}"


# The list cache generation this process last read from Redis (see _ranking_cache_generation).
_last_read: str | None = None


def list_cache_seconds() -> int:
    # One of the three layers keeping a rail (newsroom.rails): at most a third of RAIL_MAX_AGE.
    configured = settings.RANKINGS.get("LIST_CACHE_SECONDS", LIST_CACHE_SECONDS_DEFAULT)
    return max(1, min(configured, int(settings.RAIL_MAX_AGE) // 3))


def _cached(key_suffix: str, compute):
    key = f"rankings:{ranking_cache_generation()}:{key_suffix}"
    value = _cache_get(key)
    if value is None:
        value = compute()
        _cache_set(key, value, list_cache_seconds())
    return value


# --- Lists -------------------------------------------------------------------------------------


def _entry(row: dict, *, position: int) -> RankedArticle:
    # Shown positions are 1..n even when an entry above dropped out since the snapshot was taken.
    return RankedArticle(**{**{name: row[name] for name in _ENTRY_FIELDS}, "position": position})


def _current_visible_entries(*, window: str):
    """Entries of the window's current snapshots whose article readers may see now and may be ranked.

    The same rule as ``update_rankings`` (``Article.objects.published()``
    minus ``exclude_from_rankings``), as a correlated EXISTS on the article's
    primary key: a few index lookups for the few entries of a snapshot,
    whatever the size of the archive.
    """
    rankable = Article.objects.published().filter(pk=OuterRef("article_id"), exclude_from_rankings=False)
    return RankingEntry.objects.filter(snapshot__window=window, snapshot__is_current=True).filter(Exists(rankable))


def _current_entries(*, window: str, section_id: int | None, limit: int) -> list[RankedArticle]:
    # ONE query: the current snapshot's visible entries, joined to the snapshot only to pick it.
    qs = _current_visible_entries(window=window)
    qs = qs.filter(snapshot__section__isnull=True) if section_id is None else qs.filter(snapshot__section=section_id)
    rows = qs.order_by("position").values(*_ENTRY_FIELDS)[:limit]
    return [_entry(row, position=position) for position, row in enumerate(rows, start=1)]


def ranking_entries(
    *, window: str | None = None, section: Section | int | None = None, limit: int | None = None
) -> list[RankedArticle]:
    """The current list of one window, site-wide (``section=None``) or for one section.

    At most one query, none when cached. Unknown windows give an empty list.
    """
    window = window or ranking_window_default()
    if window not in settings.RANKINGS["WINDOWS"]:
        return []
    limit = limit or settings.RANKINGS["SHOWN_ENTRIES"]
    section_id = section.pk if isinstance(section, Section) else section
    scope = "site" if section_id is None else f"s{section_id}"
    return _cached(
        f"list:{window}:{scope}:{limit}",
        lambda: _current_entries(window=window, section_id=section_id, limit=limit),
    )


def ranking_access(*, window: str | None = None, limit: int | None = None) -> list[RankedArticle]:
    """The site-wide "Access Ranking" list (current snapshot, cached)."""
    return ranking_entries(window=window, section=None, limit=limit)


def ranking_top_in_section(section: Section | int, *, window: str | None = None, limit: int | None = None):
    """The "Top Articles in <Section>" list (current snapshot, cached)."""
    return ranking_entries(window=window, section=section, limit=limit)


@dataclass(frozen=True)
class RankingPage:
    window: str
    computed_at: datetime | None
    site: list[RankedArticle]
    sections: list[RankingList]


def _window_lists(window: str) -> tuple[datetime | None, dict[int | None, list[RankedArticle]]]:
    rows = (
        _current_visible_entries(window=window)
        .order_by("snapshot__section_id", "position")
        .values(*_ENTRY_FIELDS, "snapshot__section_id", "snapshot__computed_at")
    )
    lists: dict[int | None, list[RankedArticle]] = defaultdict(list)
    computed_at = None
    for row in rows:
        entries = lists[row["snapshot__section_id"]]
        entries.append(_entry(row, position=len(entries) + 1))
        computed_at = max(computed_at, row["snapshot__computed_at"]) if computed_at else row["snapshot__computed_at"]
    return computed_at, dict(lists)


def ranking_page_lists(*, window: str, section_limit: int | None = None) -> RankingPage:
    """Every list of one window for the /ranking/ page: two queries (sections, entries), whatever the sections."""
    computed_at, lists = _cached(f"page:{window}", lambda: _window_lists(window))
    section_limit = section_limit or settings.RANKINGS["SHOWN_ENTRIES"]
    sections = [
        RankingList(window=window, section=section, entries=lists.get(section.pk, [])[:section_limit])
        for section in Section.objects.order_by("position", "name").only("id", "name", "slug")
    ]
    return RankingPage(window=window, computed_at=computed_at, site=lists.get(None, []), sections=sections)


# --- Health ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankingsHealth:
    ok: bool
    messages: list[str]


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def rankings_health(*, now: datetime | None = None, backend=None) -> RankingsHealth:
    """Whether snapshots are fresh and (Redis backend) counters are being flushed, with a message per check."""
    conf = settings.RANKINGS
    now = now or timezone.now()
    ok, messages = True, []

    newest = RankingSnapshot.objects.filter(is_current=True).aggregate(newest=Max("computed_at"))["newest"]
    max_age = timedelta(minutes=conf["HEALTH_MAX_SNAPSHOT_AGE_MINUTES"])
    if newest is None:
        ok = False
        messages.append("no ranking snapshot exists: run `manage.py update_rankings` (cron, every minute)")
    elif now - newest > max_age:
        ok = False
        messages.append(
            f"newest ranking snapshot is {_minutes(now - newest)} min old (limit {_minutes(max_age)} min): "
            "is the update_rankings cron running?"
        )
    else:
        messages.append(f"newest ranking snapshot is {_minutes(now - newest)} min old")

    if backend is None:
        try:
            from rankings import backends  # the view-recording side owns the counter backends

            backend = backends.get_backend()
        except (ImportError, AttributeError):
            backend = None
    unflushed_since = getattr(backend, "unflushed_since", None)
    if unflushed_since is None:
        messages.append("counter backend keeps no unflushed counts")
    else:
        try:
            since = unflushed_since()
        except Exception as exc:
            ok = False
            messages.append(f"cannot read the counter backend: {exc}")
        else:
            limit = timedelta(minutes=conf["HEALTH_MAX_UNFLUSHED_MINUTES"])
            if since is None:
                messages.append("no unflushed page views")
            elif now - since > limit:
                ok = False
                messages.append(
                    f"page views unflushed for {_minutes(now - since)} min (limit {_minutes(limit)} min): "
                    "is the flush_page_views cron running?"
                )
            else:
                messages.append(f"oldest unflushed page views are {_minutes(now - since)} min old")
    return RankingsHealth(ok=ok, messages=messages)


# --- Admin charts ------------------------------------------------------------------------------


def _hours(*, until: datetime, count: int) -> list[datetime]:
    last = until.replace(minute=0, second=0, microsecond=0)
    return [last - timedelta(hours=count - 1 - i) for i in range(count)]


def article_views_hourly(*, article_id: int, hours: int = 7 * 24, now: datetime | None = None):
    """(hour, views) for every hour of the last ``hours`` (zeros included), oldest first. One query."""
    now = now or timezone.now()
    slots = _hours(until=now, count=hours)
    counted = dict(
        PageViewHourly.objects.filter(article_id=article_id, hour__gte=slots[0]).values_list("hour", "views")
    )
    return [(hour, counted.get(hour, 0)) for hour in slots]


@dataclass(frozen=True)
class TrafficHour:
    hour: datetime
    counted: int
    rejected: dict[str, int]

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())


def page_view_traffic_hourly(*, hours: int = 48, now: datetime | None = None) -> list[TrafficHour]:
    """Counted views and rejected beacons by reason, per hour of the last ``hours``, oldest first. Two queries."""
    now = now or timezone.now()
    slots = _hours(until=now, count=hours)
    counted = dict(
        PageViewHourly.objects.filter(hour__gte=slots[0])
        .values("hour")
        .annotate(total=Sum("views"))
        .order_by()
        .values_list("hour", "total")
    )
    rejected: dict[datetime, dict[str, int]] = defaultdict(dict)
    for hour, reason, count in RejectedViewHourly.objects.filter(hour__gte=slots[0]).values_list(
        "hour", "reason", "count"
    ):
        rejected[hour][reason] = rejected[hour].get(reason, 0) + count
    return [TrafficHour(hour=hour, counted=counted.get(hour, 0), rejected=rejected.get(hour, {})) for hour in slots]
