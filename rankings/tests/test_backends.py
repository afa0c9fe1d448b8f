"""Counter backends, through the recording service: the same tests on ``database`` and ``redis``."""

import random
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from articles.models import Article
from articles.tests.factories import ArticleFactory
from rankings.backends import COUNTED, DatabaseBackend, RedisBackend, get_backend, hour_of
from rankings.backends.redis import BEACON_CLIENT_NAME, RECORD_SHA
from rankings.backends.sql import vendor_sql
from rankings.models import PageViewHourly, ReaderSeen, RejectedViewHourly
from rankings.services import page_view_record
from rankings.tests import beacon_support
from rankings.tests.beacon_support import READER_UA, at, counted_views, rejected
from rankings.tokens import page_view_token_make

Reason = RejectedViewHourly.Reason
counter_backend = beacon_support.counter_backend

pytestmark = pytest.mark.django_db


def record(article, *, ip="198.51.100.1", ua=READER_UA, now=None, token=None, is_staff=False):
    article_id = article if isinstance(article, int) else article.pk
    return page_view_record(
        article_id=article_id,
        token=page_view_token_make(article_id=article_id) if token is None else token,
        user_agent=ua,
        client_ip=ip,
        is_staff=is_staff,
        now=now,
    )


def test_get_backend_follows_settings(counter_backend):
    backend = get_backend()
    assert backend.name == counter_backend
    assert isinstance(backend, RedisBackend if counter_backend == "redis" else DatabaseBackend)


def test_views_are_hourly_counts_not_rows(counter_backend):
    article = ArticleFactory(published_at=at(8))
    for reader in range(25):
        assert record(article, ip=f"198.51.100.{reader}", now=at(10, reader)) == COUNTED
    assert record(article, ip="198.51.100.99", now=at(11, 5)) == COUNTED
    assert counted_views(article) == 26
    buckets = list(PageViewHourly.objects.filter(article=article).order_by("hour").values_list("hour", "views"))
    assert buckets == [(at(10), 25), (at(11), 1)]


def test_same_reader_within_the_window_is_a_repeat(counter_backend, settings):
    settings.RANKINGS = {**settings.RANKINGS, "DEDUP_SECONDS": 1800}
    article = ArticleFactory(published_at=at(8))
    other = ArticleFactory(published_at=at(8))
    assert record(article, now=at(10, 0)) == COUNTED
    assert record(article, now=at(10, 29, 59)) == Reason.REPEAT
    assert record(other, now=at(10, 5)) == COUNTED  # another article is another view
    assert record(article, ip="198.51.100.2", now=at(10, 6)) == COUNTED  # another reader
    assert record(article, ua=READER_UA.replace("156", "155"), now=at(10, 7)) == COUNTED  # another browser
    assert counted_views(article) == 3
    assert rejected(Reason.REPEAT) == 1


def test_a_repeat_after_the_window_counts_again(counter_backend, settings):
    settings.RANKINGS = {**settings.RANKINGS, "DEDUP_SECONDS": 2}
    article = ArticleFactory()
    assert record(article) == COUNTED
    assert record(article) == Reason.REPEAT
    # Redis expires the marker on its own clock, so this test waits for real.
    time.sleep(2.2)
    assert record(article) == COUNTED
    assert counted_views(article) == 2


def test_readers_over_the_rate_limit_are_not_counted(counter_backend, settings):
    settings.RANKINGS = {**settings.RANKINGS, "RATE_LIMIT_PER_MINUTE": 3}
    articles = ArticleFactory.create_batch(5)
    now = timezone.now().replace(second=0, microsecond=0)
    outcomes = [record(a, now=now + timedelta(seconds=i)) for i, a in enumerate(articles)]
    assert outcomes == [COUNTED, COUNTED, COUNTED, Reason.RATE_LIMITED, Reason.RATE_LIMITED]
    assert record(articles[0], ip="198.51.100.77", now=now) == COUNTED  # other readers are not affected
    assert counted_views() == 4
    assert rejected(Reason.RATE_LIMITED) == 2


@pytest.mark.parametrize(
    ("status", "published_delta"),
    [
        (Article.Status.DRAFT, None),
        (Article.Status.WITHDRAWN, timedelta(hours=-2)),
        (Article.Status.SCHEDULED, timedelta(hours=2)),
    ],
)
def test_unpublished_articles_are_not_counted(counter_backend, status, published_delta):
    published_at = timezone.now() + published_delta if published_delta is not None else None
    article = ArticleFactory(status=status, published_at=published_at)
    record(article)
    assert counted_views() == 0
    assert rejected(Reason.UNPUBLISHED) == 1


def test_unknown_articles_are_not_counted(counter_backend):
    record(987654321)
    assert counted_views() == 0
    assert rejected(Reason.UNPUBLISHED) == 1


def test_a_scheduled_article_counts_once_its_time_has_come(counter_backend):
    article = ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() - timedelta(minutes=1))
    assert record(article) == COUNTED
    assert counted_views(article) == 1


def test_an_unpublished_view_does_not_block_the_readers_first_real_view(settings):
    beacon_support.use_backend(settings, "database")
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    assert record(article) == Reason.UNPUBLISHED
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED, published_at=timezone.now())
    assert record(article) == COUNTED


def test_bots_bad_tokens_and_staff_are_rejected_by_reason(counter_backend):
    article = ArticleFactory()
    googlebot = beacon_support.GOOGLEBOT_UA
    assert record(article, ua=googlebot) == Reason.BOT
    assert record(article, ua="") == Reason.BOT
    assert record(article, ua="python-requests/2.32.3") == Reason.BOT
    assert record(article, ua="Mozilla/5.0 (X11; Linux x86_64) HeadlessChrome/156.0.0.0 Safari/537.36") == Reason.BOT
    assert record(article, token="") == Reason.BAD_TOKEN
    assert record(article, token=page_view_token_make(article_id=article.pk + 1)) == Reason.BAD_TOKEN
    assert record(article, is_staff=True) == Reason.STAFF
    assert counted_views() == 0
    assert rejected() == {Reason.BOT: 4, Reason.BAD_TOKEN: 2, Reason.STAFF: 1}


def test_rejections_are_counted_per_hour(counter_backend):
    article = ArticleFactory()
    record(article, ua="", now=at(9, 10))
    record(article, ua="", now=at(9, 50))
    record(article, ua="", now=at(10, 1))
    rejected()  # flushes
    rows = list(RejectedViewHourly.objects.order_by("hour").values_list("hour", "reason", "count"))
    assert rows == [(at(9), Reason.BOT, 2), (at(10), Reason.BOT, 1)]


def test_the_raw_ip_is_never_stored(counter_backend):
    article = ArticleFactory()
    ip = "203.0.113.199"
    record(article, ip=ip)
    stored = " ".join(ReaderSeen.objects.values_list("reader", flat=True))
    backend = get_backend()
    if isinstance(backend, RedisBackend):
        stored += " ".join(k.decode() for k in backend.client.scan_iter(match=backend.prefix + "*"))
        assert stored  # the de-duplication marker is there...
    assert ip not in stored  # ...but names the reader by a hash only


def test_database_backend_counts_a_view_in_two_statements(settings):
    beacon_support.use_backend(settings, "database")
    article = ArticleFactory()
    with CaptureQueriesContext(connection) as queries:
        assert record(article) == COUNTED
    # PostgreSQL runs both steps as one statement (data-modifying CTEs); SQLite needs two.
    assert len(queries) == (1 if connection.vendor == "postgresql" else 2), [q["sql"] for q in queries]
    assert counted_views(article) == 1


@pytest.mark.parametrize(
    ("status", "published_delta"),
    [
        (status, delta)
        for status in Article.Status
        for delta in (None, timedelta(hours=-1), timedelta(0), timedelta(seconds=1))
        # A published or scheduled article always has its time (a database constraint).
        if delta is not None or status not in (Article.Status.PUBLISHED, Article.Status.SCHEDULED)
    ],
)
def test_the_statements_published_test_is_the_orm_s(status, published_delta):
    """The beacon's in-statement "published" gives ``Article.objects.published()``'s answer, and ``is_visible``'s."""
    now = timezone.now()
    article = ArticleFactory(status=status, published_at=None if published_delta is None else now + published_delta)
    sql = vendor_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {sql.published}", sql.published_params(article_id=article.pk, now=now))
        (in_statement,) = cursor.fetchone()
    orm = Article.objects.published(now=now).filter(pk=article.pk).exists()
    assert bool(in_statement) == orm == article.is_visible(now=now)


@pytest.mark.django_db(transaction=True)
def test_postgresql_commits_views_without_waiting_for_the_disk(settings):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL's asynchronous commit")
    beacon_support.use_backend(settings, "database")
    article = ArticleFactory()
    with CaptureQueriesContext(connection) as queries:
        assert record(article) == COUNTED
    (statement,) = [q["sql"] for q in queries]  # one statement, its own transaction
    assert "set_config('synchronous_commit', 'off', true)" in statement
    settings.RANKINGS = {**settings.RANKINGS, "ASYNC_COMMIT": False}
    with CaptureQueriesContext(connection) as queries:
        assert record(article, ip="198.51.100.200") == COUNTED
        assert record(article, ip="198.51.100.200") == Reason.REPEAT
    assert "synchronous_commit" not in queries[0]["sql"]
    assert len(queries) == 1 + 2  # counted: 1; repeat: 1 + the rejection
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)  # the connection's own setting is untouched
    assert counted_views(article) == 2


def test_redis_backend_counts_a_view_without_touching_the_database(settings):
    beacon_support.use_backend(settings, "redis")
    article = ArticleFactory()
    with CaptureQueriesContext(connection) as queries:
        assert record(article) == COUNTED
    assert len(queries) == 0
    assert counted_views(article) == 1


def test_redis_backend_counts_again_after_a_dropped_connection(settings, caplog):
    """Redis restarted or closed an idle connection: the next beacon reconnects and counts."""
    import redis

    beacon_support.use_backend(settings, "redis")
    article = ArticleFactory()
    assert record(article, ip="198.51.100.1") == COUNTED
    admin = redis.Redis.from_url(settings.RANKINGS["REDIS_URL"])
    beacon_connections = [c["id"] for c in admin.client_list() if c["name"] == BEACON_CLIENT_NAME]
    assert beacon_connections
    for client_id in beacon_connections:
        admin.client_kill_filter(_id=client_id)
    assert record(article, ip="198.51.100.2") == COUNTED
    assert record(article, ip="198.51.100.2") == Reason.REPEAT
    assert counted_views(article) == 2
    assert rejected() == {Reason.REPEAT: 1}
    assert "Redis unavailable" not in caplog.text


def test_redis_backend_counts_after_redis_forgot_its_scripts(settings):
    """After a Redis restart (or SCRIPT FLUSH) the record script is sent again, not failed."""
    import redis

    beacon_support.use_backend(settings, "redis")
    article = ArticleFactory()
    assert record(article, ip="198.51.100.1") == COUNTED
    admin = redis.Redis.from_url(settings.RANKINGS["REDIS_URL"])
    admin.script_flush()
    assert record(article, ip="198.51.100.2") == COUNTED
    assert admin.script_exists(RECORD_SHA) == [True]
    assert record(article, ip="198.51.100.3") == COUNTED
    assert counted_views(article) == 3
    assert rejected() == {}


def test_unflushed_since_reports_the_oldest_pending_count(counter_backend):
    backend = get_backend()
    assert backend.unflushed_since() is None
    article = ArticleFactory()
    before = timezone.now().replace(microsecond=0)
    record(article, now=before)
    record(article, ip="198.51.100.5", now=before + timedelta(seconds=30))
    if counter_backend == "database":
        assert backend.unflushed_since() is None  # counted straight into the database
        return
    assert backend.unflushed_since() == before
    backend.flush()
    assert backend.unflushed_since() is None
    # After a flush the live counters start again, and so does their age: from the next view on.
    later = before + timedelta(minutes=5)
    record(article, ip="198.51.100.6", now=later)
    record(article, ip="198.51.100.7", now=later + timedelta(seconds=30))
    assert backend.unflushed_since() == later


def test_redis_down_answers_fast_and_counts_the_failure(settings, caplog):
    beacon_support.use_backend(settings, "redis")
    settings.RANKINGS = {**settings.RANKINGS, "REDIS_URL": beacon_support.CLOSED_REDIS_URL}
    article = ArticleFactory()
    started = time.monotonic()
    outcomes = [record(article, ip=f"198.51.100.{i}") for i in range(5)]
    elapsed = time.monotonic() - started
    assert outcomes == [Reason.BACKEND_ERROR] * 5
    assert elapsed < 2
    totals = dict(RejectedViewHourly.objects.values_list("reason", "count"))
    assert totals == {Reason.BACKEND_ERROR: 5}
    assert "Redis unavailable" in caplog.text
    assert hour_of(timezone.now()) == RejectedViewHourly.objects.get().hour


# --- One network cannot multiply readers by making up user agents -----------------------------


def made_up_user_agents(count: int, *, seed: int = 9) -> list[str]:
    """``count`` distinct, plausible browser user agents, as a script forging beacons would send."""
    rng = random.Random(seed)
    agents = set()
    while len(agents) < count:
        agents.add(
            f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
            f"Chrome/{rng.randint(100, 156)}.0.{rng.randint(1000, 9999)}.{rng.randint(10, 250)} Safari/537.36"
        )
    return sorted(agents)


def network_limits(settings, **overrides):
    settings.RANKINGS = {
        **settings.RANKINGS,
        "DEDUP_SECONDS": 1800,
        "RATE_LIMIT_PER_MINUTE": 60,
        "NETWORK_RATE_LIMIT_PER_MINUTE": 300,
        "NETWORK_READERS_PER_ARTICLE": 15,
        "NETWORK_PREFIX_IPV4": 32,
        "NETWORK_PREFIX_IPV6": 64,
        **overrides,
    }


def test_made_up_user_agents_from_one_address_count_at_most_the_cap(counter_backend, settings):
    network_limits(settings)
    article = ArticleFactory(published_at=at(8))
    other = ArticleFactory(published_at=at(8))
    agents = made_up_user_agents(200)
    # One beacon every 1.5 s: under both rate limits, so only the cap can stop them.
    outcomes = [
        record(article, ip="203.0.113.50", ua=ua, now=at(10, 0) + timedelta(seconds=1.5 * i))
        for i, ua in enumerate(agents)
    ]
    assert outcomes.count(COUNTED) == 15
    assert outcomes[:15] == [COUNTED] * 15  # the first readers of the network count
    assert set(outcomes[15:]) == {Reason.NETWORK_CAP}
    assert counted_views(article) == 15
    assert rejected(Reason.NETWORK_CAP) == 185
    # A capped reader coming back is a reader the article did not count: still the cap, not a repeat.
    assert record(article, ip="203.0.113.50", ua=agents[-1], now=at(10, 6)) == Reason.NETWORK_CAP
    # A counted reader coming back is a repeat.
    assert record(article, ip="203.0.113.50", ua=agents[0], now=at(10, 6)) == Reason.REPEAT
    # The cap is per article and per network.
    assert record(other, ip="203.0.113.50", ua=agents[-1], now=at(10, 7)) == COUNTED
    assert record(article, ip="203.0.113.51", ua=agents[-1], now=at(10, 7)) == COUNTED
    # Once the window has passed, the network's readers count again.
    assert record(article, ip="203.0.113.50", ua=agents[-1], now=at(10, 40)) == COUNTED
    assert counted_views(article) == 17


def test_readers_behind_one_nat_reading_different_articles_all_count(counter_backend, settings):
    network_limits(settings)
    articles = ArticleFactory.create_batch(20, published_at=at(8))
    agents = made_up_user_agents(20, seed=3)
    outcomes = [
        record(article, ip="192.0.2.1", ua=ua, now=at(10, 0, 2 * i))
        for i, (article, ua) in enumerate(zip(articles, agents, strict=True))
    ]
    assert outcomes == [COUNTED] * 20
    # ...and as many of them as the cap reading the same story all count too.
    assert [record(articles[0], ip="192.0.2.1", ua=ua, now=at(10, 1, i)) for i, ua in enumerate(agents[1:15])] == [
        COUNTED
    ] * 14
    assert counted_views() == 34
    assert rejected() == {}


def test_one_network_over_its_rate_limit_is_not_counted(counter_backend, settings):
    network_limits(settings, RATE_LIMIT_PER_MINUTE=3, NETWORK_RATE_LIMIT_PER_MINUTE=5)
    articles = ArticleFactory.create_batch(7, published_at=at(8))
    agents = made_up_user_agents(7, seed=5)
    # Seven readers of one address, a beacon each: each under its own limit, the address over its own.
    outcomes = [
        record(article, ip="198.51.100.9", ua=ua, now=at(10, 0, i))
        for i, (article, ua) in enumerate(zip(articles, agents, strict=True))
    ]
    assert outcomes == [COUNTED] * 5 + [Reason.NETWORK_RATE_LIMITED] * 2
    assert record(articles[6], ip="198.51.100.10", ua=agents[6], now=at(10, 0, 30)) == COUNTED  # another address
    assert record(articles[6], ip="198.51.100.9", ua=agents[6], now=at(10, 1, 0)) == COUNTED  # the next minute
    assert counted_views() == 7
    assert rejected(Reason.NETWORK_RATE_LIMITED) == 2
    assert rejected(Reason.RATE_LIMITED) == 0


def test_an_ipv6_client_cannot_multiply_itself_with_the_addresses_of_its_subnet(counter_backend, settings):
    network_limits(settings, NETWORK_READERS_PER_ARTICLE=2)
    article = ArticleFactory(published_at=at(8))
    same_64 = ["2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2:abcd::7", "2001:db8:1:2::8"]
    outcomes = [record(article, ip=ip, now=at(10, i)) for i, ip in enumerate(same_64)]
    assert outcomes == [COUNTED, COUNTED, Reason.NETWORK_CAP, Reason.NETWORK_CAP]
    assert record(article, ip="2001:db8:1:3::1", now=at(10, 9)) == COUNTED  # the next /64 is another network
    assert counted_views(article) == 3


def test_the_ipv4_network_prefix_is_configurable(counter_backend, settings):
    network_limits(settings, NETWORK_READERS_PER_ARTICLE=2, NETWORK_PREFIX_IPV4=24)
    article = ArticleFactory(published_at=at(8))
    outcomes = [record(article, ip=f"198.51.100.{n}", now=at(10, n)) for n in (1, 2, 3)]
    assert outcomes == [COUNTED, COUNTED, Reason.NETWORK_CAP]
    assert record(article, ip="198.51.101.3", now=at(10, 9)) == COUNTED


def test_network_limits_of_zero_are_off(counter_backend, settings):
    network_limits(settings, NETWORK_READERS_PER_ARTICLE=0, NETWORK_RATE_LIMIT_PER_MINUTE=0)
    article = ArticleFactory(published_at=at(8))
    agents = made_up_user_agents(40, seed=7)
    assert [record(article, ip="203.0.113.60", ua=ua, now=at(10, 0, i)) for i, ua in enumerate(agents)] == [
        COUNTED
    ] * 40
