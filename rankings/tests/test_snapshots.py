"""update_rankings: the lists it builds, their movement, and how they are written."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from articles.tests.factories import ArticleFactory, ArticleUpdateFactory, SectionFactory
from rankings import selectors
from rankings.models import PageViewDaily, PageViewHourly, RankingEntry, RankingSnapshot
from rankings.services import ranking_snapshots_update

pytestmark = pytest.mark.django_db


def _hour(delta: timedelta):
    return (timezone.now() - delta).replace(minute=0, second=0, microsecond=0)


def views(article, count, *, ago=timedelta(hours=1)):
    """Record ``count`` counted views of ``article`` in the hour ``ago`` (adds to an existing bucket)."""
    bucket, _ = PageViewHourly.objects.get_or_create(article=article, hour=_hour(ago))
    bucket.views += count
    bucket.save(update_fields=["views"])


def current(window="24h", section=None):
    """(article id, views, movement, previous_position) of the current list, by position."""
    qs = RankingEntry.objects.filter(snapshot__is_current=True, snapshot__window=window)
    qs = qs.filter(snapshot__section__isnull=True) if section is None else qs.filter(snapshot__section=section)
    return list(qs.order_by("position").values_list("article_id", "views", "movement", "previous_position"))


def ids(window="24h", section=None):
    return [row[0] for row in current(window, section)]


@pytest.fixture
def politics():
    return SectionFactory(name="Politics", slug="politics")


@pytest.fixture
def sports():
    return SectionFactory(name="Sports", slug="sports")


def test_site_and_section_lists_by_views(politics, sports):
    a, b, c = (ArticleFactory(section=politics) for _ in range(3))
    d = ArticleFactory(section=sports)
    for article, count in ((a, 5), (b, 50), (c, 20), (d, 30)):
        views(article, count)

    result = ranking_snapshots_update()

    assert ids() == [b.pk, d.pk, c.pk, a.pk]
    assert ids(section=politics) == [b.pk, c.pk, a.pk]
    assert ids(section=sports) == [d.pk]
    assert [row[1] for row in current()] == [50, 30, 20, 5]
    # Two windows, each site-wide plus one per section.
    assert result.snapshots == 2 * 3
    assert RankingSnapshot.objects.filter(is_current=True).count() == 6


def test_only_top_stored_entries_are_kept(settings, politics):
    settings.RANKINGS = {**settings.RANKINGS, "STORED_ENTRIES": 10}
    articles = [ArticleFactory(section=politics) for _ in range(13)]
    for n, article in enumerate(articles, start=1):
        views(article, n)

    ranking_snapshots_update()

    assert ids() == [a.pk for a in reversed(articles)][:10]
    assert [row[1] for row in current()] == list(range(13, 3, -1))


def test_only_published_and_not_excluded_articles_rank(politics):
    now = timezone.now()
    visible = ArticleFactory(section=politics)
    due_scheduled = ArticleFactory(
        section=politics, status=Article.Status.SCHEDULED, published_at=now - timedelta(minutes=5)
    )
    hidden = [
        ArticleFactory(section=politics, status=Article.Status.DRAFT, published_at=None),
        ArticleFactory(section=politics, status=Article.Status.WITHDRAWN),
        ArticleFactory(section=politics, status=Article.Status.SCHEDULED, published_at=now + timedelta(hours=2)),
        ArticleFactory(section=politics, exclude_from_rankings=True),
    ]
    for article in [visible, due_scheduled, *hidden]:
        views(article, 10 if article in hidden else 1)

    ranking_snapshots_update()

    assert set(ids()) == {visible.pk, due_scheduled.pk}
    assert set(ids("7d", politics)) == {visible.pk, due_scheduled.pk}


def test_windows_count_only_their_hours(politics):
    recent = ArticleFactory(section=politics, published_at=timezone.now() - timedelta(days=5))
    older = ArticleFactory(section=politics, published_at=timezone.now() - timedelta(days=5))
    views(recent, 10, ago=timedelta(hours=2))
    views(older, 25, ago=timedelta(hours=30))  # inside 7 days, outside 24 hours
    views(older, 1000, ago=timedelta(days=9))  # outside both

    ranking_snapshots_update()

    assert current("24h") == [(recent.pk, 10, "new", None)]
    assert [row[:2] for row in current("7d")] == [(older.pk, 25), (recent.pk, 10)]


def test_ties_go_to_the_newer_article_then_the_higher_id(politics):
    now = timezone.now()
    old = ArticleFactory(section=politics, published_at=now - timedelta(hours=20))
    new = ArticleFactory(section=politics, published_at=now - timedelta(hours=3))
    same_time = now - timedelta(hours=10)
    first = ArticleFactory(section=politics, published_at=same_time)
    second = ArticleFactory(section=politics, published_at=same_time)
    for article in (old, new, first, second):
        views(article, 7)

    ranking_snapshots_update()

    assert ids() == [new.pk, second.pk, first.pk, old.pk]


def test_optional_maximum_article_age_per_window(settings, politics):
    settings.RANKINGS = {**settings.RANKINGS, "MAX_ARTICLE_AGE_DAYS": {"24h": 2, "7d": None}}
    now = timezone.now()
    fresh = ArticleFactory(section=politics, published_at=now - timedelta(days=1))
    evergreen = ArticleFactory(section=politics, published_at=now - timedelta(days=10))
    views(fresh, 3)
    views(evergreen, 300)

    ranking_snapshots_update()

    assert ids("24h") == [fresh.pk]
    assert ids("7d") == [evergreen.pk, fresh.pk]


def test_entries_copy_display_headline_and_url(politics):
    article = ArticleFactory(section=politics, headline="Harbour Reopens")
    ArticleUpdateFactory(article=article)
    ArticleUpdateFactory(article=article)
    article.refresh_from_db()
    assert article.update_count == 2
    views(article, 4)

    ranking_snapshots_update()

    entry = RankingEntry.objects.get(snapshot__is_current=True, snapshot__window="24h", snapshot__section=None)
    assert entry.headline == "Harbour Reopens (UPDATE 2)"
    assert entry.url == article.get_absolute_url()
    assert entry.snapshot.computed_at is not None


def test_movement_against_the_previous_snapshot(politics):
    a, b, c = (ArticleFactory(section=politics) for _ in range(3))
    views(a, 30)
    views(b, 20)
    views(c, 10)
    ranking_snapshots_update()
    assert [row[2] for row in current()] == ["new", "new", "new"]

    d = ArticleFactory(section=politics)
    views(c, 25)  # c: 35, overtakes a and b
    views(d, 31)  # new, second
    ranking_snapshots_update()

    assert current() == [
        (c.pk, 35, "up", 3),
        (d.pk, 31, "new", None),
        (a.pk, 30, "down", 1),
        (b.pk, 20, "down", 2),
    ]


def test_running_twice_gives_the_same_lists_all_same(politics, sports):
    for n, section in enumerate([politics, sports, politics, sports, politics], start=1):
        views(ArticleFactory(section=section), n * 3)
    ranking_snapshots_update()
    first = {(w, s): [row[:2] for row in current(w, s)] for w in ("24h", "7d") for s in (None, politics, sports)}

    ranking_snapshots_update()

    second = {(w, s): current(w, s) for w in ("24h", "7d") for s in (None, politics, sports)}
    assert {key: [row[:2] for row in rows] for key, rows in second.items()} == first
    assert {row[2] for rows in second.values() for row in rows} == {"same"}
    # One current snapshot per window and scope; the previous run's are kept as history, not current.
    assert RankingSnapshot.objects.filter(is_current=True).count() == 6
    assert RankingSnapshot.objects.filter(is_current=False).count() == 6


def test_sections_without_views_get_an_empty_current_snapshot(politics, sports):
    views(ArticleFactory(section=politics), 5)

    ranking_snapshots_update()

    snapshot = RankingSnapshot.objects.get(is_current=True, window="24h", section=sports)
    assert snapshot.entries.count() == 0


def test_a_failed_write_leaves_the_previous_lists_current(politics, monkeypatch):
    a = ArticleFactory(section=politics)
    views(a, 5)
    ranking_snapshots_update()
    before = {(w, s): current(w, s) for w in ("24h", "7d") for s in (None, politics)}
    snapshot_ids = set(RankingSnapshot.objects.filter(is_current=True).values_list("id", flat=True))

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(RankingEntry.objects, "bulk_create", boom)
    views(ArticleFactory(section=politics), 50)
    with pytest.raises(RuntimeError):
        ranking_snapshots_update()

    assert set(RankingSnapshot.objects.filter(is_current=True).values_list("id", flat=True)) == snapshot_ids
    assert {(w, s): current(w, s) for w in ("24h", "7d") for s in (None, politics)} == before
    assert RankingSnapshot.objects.count() == len(snapshot_ids)


def test_one_grouped_query_per_window_whatever_the_number_of_sections():
    def run_with(section_count):
        for _ in range(section_count):
            section = SectionFactory()
            for n in range(3):
                views(ArticleFactory(section=section), n + 1)
        with CaptureQueriesContext(connection) as ctx:
            ranking_snapshots_update()
        return [q["sql"] for q in ctx.captured_queries]

    few = run_with(2)
    many = run_with(6)  # 8 sections, 24 articles in all

    assert len(many) == len(few)
    grouped = [sql for sql in many if "SUM(" in sql.upper() and "GROUP BY" in sql.upper()]
    assert len(grouped) == 2  # one per window (24h, 7d)
    assert len(many) <= 12


def test_old_history_is_deleted_but_current_snapshots_stay(politics):
    views(ArticleFactory(section=politics), 5)
    long_ago = timezone.now() - timedelta(days=5)
    ranking_snapshots_update(now=long_ago)
    ranking_snapshots_update(now=long_ago + timedelta(minutes=1))
    assert RankingSnapshot.objects.filter(is_current=False).count() == 4

    result = ranking_snapshots_update()

    # Both old runs are past the 48-hour history (the second one just retired): all 8 go, with their entries.
    assert result.snapshots_deleted == 8
    assert set(RankingSnapshot.objects.values_list("is_current", flat=True)) == {True}
    assert RankingSnapshot.objects.count() == 4
    assert RankingEntry.objects.filter(snapshot__is_current=False).count() == 0
    assert RankingEntry.objects.count() == 4  # one article, in 2 windows x (site + its section)


def test_recent_history_is_kept(politics):
    views(ArticleFactory(section=politics), 5)
    ranking_snapshots_update(now=timezone.now() - timedelta(hours=3))

    result = ranking_snapshots_update()

    assert result.snapshots_deleted == 0
    assert RankingSnapshot.objects.filter(is_current=False).count() == 4


def test_window_longer_than_hourly_retention_adds_daily_rollups(settings, politics):
    settings.RANKINGS = {**settings.RANKINGS, "WINDOWS": {"24h": 24, "30d": 30 * 24}, "HOURLY_RETENTION_DAYS": 7}
    article = ArticleFactory(section=politics, published_at=timezone.now() - timedelta(days=25))
    other = ArticleFactory(section=politics, published_at=timezone.now() - timedelta(days=25))
    views(article, 4)
    PageViewDaily.objects.create(article=article, day=(timezone.now() - timedelta(days=20)).date(), views=100)
    PageViewDaily.objects.create(article=other, day=(timezone.now() - timedelta(days=40)).date(), views=999)

    ranking_snapshots_update()

    assert current("30d") == [(article.pk, 104, "new", None)]
    assert current("24h") == [(article.pk, 4, "new", None)]


def test_new_snapshots_reach_cached_lists(politics, django_capture_on_commit_callbacks):
    a, b = ArticleFactory(section=politics), ArticleFactory(section=politics)
    views(a, 10)
    with django_capture_on_commit_callbacks(execute=True):
        ranking_snapshots_update()
    assert [e.article_id for e in selectors.ranking_access()] == [a.pk]  # now cached

    views(b, 40)
    assert [e.article_id for e in selectors.ranking_access()] == [a.pk]  # still the cached list
    with django_capture_on_commit_callbacks(execute=True):
        ranking_snapshots_update()

    assert [e.article_id for e in selectors.ranking_access()] == [b.pk, a.pk]
    assert [e.article_id for e in selectors.ranking_top_in_section(politics)] == [b.pk, a.pk]


def test_command_reports_what_it_wrote(politics, capsys):
    views(ArticleFactory(section=politics), 3)

    call_command("update_rankings")

    out = capsys.readouterr().out
    assert "update_rankings: 4 snapshots, 4 entries" in out


def test_a_ranking_update_never_makes_stored_pages_stale_and_their_rails_follow_within_the_bound(
    politics, client, settings
):
    from newsroom.caching.generation import page_cache_generation

    settings.RAIL_MAX_AGE = 3  # each rail layer keeps a copy 1 s at most
    a = ArticleFactory(section=politics, headline="Alpha Story")
    b = ArticleFactory(section=politics, headline="Beta Story")
    reading = ArticleFactory(section=politics, headline="Gamma Story")  # its rails list both (never itself)
    views(a, 10)
    views(b, 5)
    ranking_snapshots_update()
    generation = page_cache_generation(create=True)
    client.get(reading.get_absolute_url())
    page = client.get(reading.get_absolute_url())
    assert page["X-Cache"] == "hit"
    rail = page.content.decode().split('class="rail"', 1)[1]
    assert rail.index("Alpha Story") < rail.index("Beta Story")

    views(b, 50)  # b overtakes a: the shown lists change
    ranking_snapshots_update()
    assert page_cache_generation() == generation
    time.sleep(2.1)  # past the rail's own copies (RAIL_MAX_AGE / 3 each), not the page's 300 s
    page = client.get(reading.get_absolute_url())
    assert page["X-Cache"] == "hit"  # the same stored page...
    rail = page.content.decode().split('class="rail"', 1)[1]
    assert rail.index("Beta Story") < rail.index("Alpha Story")  # ...with the new rail spliced in


@pytest.mark.django_db(transaction=True)
def test_concurrent_runs_leave_exactly_one_current_list_per_scope():
    """Several update_rankings at once (cron overlap): the advisory lock serialises their writes."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connections

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("the in-memory SQLite test database locks tables between threads; SQLite serialises writers")

    section = SectionFactory()
    for n in range(12):
        views(ArticleFactory(section=section), n + 1)

    def run(_):
        try:
            for _ in range(3):
                ranking_snapshots_update()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(run, range(4)))

    current = RankingSnapshot.objects.filter(is_current=True)
    assert sorted(current.values_list("window", "section_id"), key=str) == sorted(
        [(w, s) for w in ("24h", "7d") for s in (None, section.pk)], key=str
    )
    for snapshot in current:
        assert list(snapshot.entries.order_by("position").values_list("position", flat=True)) == list(range(1, 11))


def test_update_rankings_works_while_redis_is_down(politics, settings, capsys):
    """Production shares Redis between the cache and the counters: with it refused, lists still update."""
    from rankings.tests.beacon_support import CLOSED_REDIS_URL

    settings.CACHES = {
        "default": {
            "BACKEND": "newsroom.caching.backends.RedisCache",
            "LOCATION": CLOSED_REDIS_URL,
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.5, "SOCKET_TIMEOUT": 0.5},
        }
    }
    settings.RANKINGS = {**settings.RANKINGS, "BACKEND": "redis", "REDIS_URL": CLOSED_REDIS_URL}
    article = ArticleFactory(section=politics)
    views(article, 3)

    call_command("update_rankings")

    assert "update_rankings: 4 snapshots, 4 entries" in capsys.readouterr().out
    assert ids() == [article.pk]
    assert ids(section=politics) == [article.pk]


def test_the_readmes_cron_runs_update_rankings_even_when_flush_page_views_fails():
    """``flush_page_views`` exits 1 while Redis is down: update_rankings must not be chained after it with ``&&``."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    cron = readme.split("```cron", 1)[1].split("```", 1)[0]
    lines = [line for line in cron.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    (update_line,) = [line for line in lines if "update_rankings" in line]
    assert "flush_page_views" not in update_line
    assert any("flush_page_views" in line for line in lines)


def test_candidates_are_checked_by_primary_key_not_by_listing_the_archive(politics):
    """The ranking query's cost follows the articles with views, never the number of published articles."""
    now = timezone.now()
    archive = Article.objects.bulk_create(
        Article(
            headline=f"Story {i}",
            slug=f"story-{i}",
            section=politics,
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(hours=2 + i),
        )
        for i in range(3000)
    )
    for article in archive[:5]:
        views(article, 3)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    with CaptureQueriesContext(connection) as queries:
        ranking_snapshots_update()
    statements = [q["sql"] for q in queries.captured_queries if "SUM(" in q["sql"]]
    assert statements
    for sql in statements:
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.execute("EXPLAIN QUERY PLAN " + sql)
                lines = [row[-1] for row in cursor.fetchall()]
                reads = [line for line in lines if "articles_article " in line + " "]
                assert reads, lines
                assert all("USING INTEGER PRIMARY KEY" in line for line in reads), lines
            else:
                cursor.execute("EXPLAIN " + sql)
                lines = [row[0] for row in cursor.fetchall()]
                reads = [line for line in lines if " on articles_article " in line + " "]
                assert reads, lines
                assert all("using articles_article_pkey" in line for line in reads), lines
    assert set(ids()) == {a.pk for a in archive[:5]}
