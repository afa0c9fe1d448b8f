"""flush_page_views: Redis counters reach the database exactly once, whatever happens half-way."""

import threading
from collections import Counter
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from articles.models import Article
from articles.tests.factories import ArticleFactory
from rankings import backends
from rankings.backends import COUNTED, get_backend
from rankings.backends import redis as redis_backends
from rankings.models import PageViewFlush, PageViewHourly, ReaderSeen, RejectedViewHourly
from rankings.services import page_view_record, page_views_flush
from rankings.tests import beacon_support
from rankings.tests.beacon_support import GOOGLEBOT_UA, READER_UA, at
from rankings.tokens import page_view_token_make

Reason = RejectedViewHourly.Reason


@pytest.fixture
def redis_backend(settings):
    """The Redis backend on a fresh key prefix (skipped on the SQLite leg if there is no Redis)."""
    url = beacon_support.redis_url_for_tests()
    prefix = beacon_support.use_backend(settings, "redis")
    yield get_backend()
    beacon_support.drop_redis_prefix(prefix, url)


def record(article_id, *, ip, ua=READER_UA, now=None):
    token = page_view_token_make(article_id=article_id)
    return page_view_record(article_id=article_id, token=token, user_agent=ua, client_ip=ip, now=now)


def db_views() -> dict[tuple[int, object], int]:
    return {(a, h): v for a, h, v in PageViewHourly.objects.values_list("article_id", "hour", "views")}


def db_total() -> int:
    return PageViewHourly.objects.aggregate(total=Sum("views"))["total"] or 0


def db_rejected() -> dict[str, int]:
    return dict(RejectedViewHourly.objects.values_list("reason").annotate(total=Sum("count")))


def redis_keys(backend) -> list[str]:
    return sorted(k.decode() for k in backend.flush_client.scan_iter(match=backend.prefix + "*"))


def _seed(articles, *, readers=20, hours=(9, 10)):
    """Count ``readers`` views per article per hour, plus some rejections; returns the expected counts."""
    expected = Counter()
    for hour in hours:
        for article in articles:
            for reader in range(readers):
                assert record(article.pk, ip=f"198.51.{hour}.{reader}", now=at(hour, reader)) == COUNTED
                expected[(article.pk, at(hour))] += 1
    record(articles[0].pk, ip="198.51.100.1", ua=GOOGLEBOT_UA, now=at(hours[0]))
    return expected


@pytest.mark.django_db
def test_flush_moves_every_count_to_the_database_and_leaves_redis_clean(redis_backend):
    articles = ArticleFactory.create_batch(3, published_at=at(8))
    expected = _seed(articles)
    assert db_total() == 0  # nothing reaches the database before the flush
    out = StringIO()
    call_command("flush_page_views", stdout=out)
    assert db_views() == dict(expected)
    assert db_rejected() == {Reason.BOT: 1}
    assert "1 batch(es) applied" in out.getvalue()
    assert f"{sum(expected.values())} views" in out.getvalue()
    assert redis_keys(redis_backend) == sorted(
        k for k in redis_keys(redis_backend) if any(f":{kind}:" in k for kind in ("seen", "rl", "nrl", "net"))
    )  # only de-duplication markers, network readers and rate-limit counters remain (they expire)
    assert redis_backend.unflushed_since() is None
    # Running again is harmless.
    call_command("flush_page_views", stdout=StringIO())
    assert db_views() == dict(expected)


@pytest.mark.django_db
def test_flush_adds_to_counts_already_in_the_database(redis_backend):
    article = ArticleFactory(published_at=at(8))
    for round_ in range(3):
        for reader in range(5):
            record(article.pk, ip=f"198.51.{round_}.{reader}", now=at(10, 10 * round_ + reader))
        page_views_flush()
    assert db_views() == {(article.pk, at(10)): 15}


@pytest.mark.django_db
def test_views_of_articles_unpublished_before_the_flush_become_rejections(redis_backend):
    kept = ArticleFactory()
    withdrawn = ArticleFactory()
    for reader in range(3):
        record(kept.pk, ip=f"198.51.100.{reader}")
        record(withdrawn.pk, ip=f"198.51.100.{reader}")
    Article.objects.filter(pk=withdrawn.pk).update(status=Article.Status.WITHDRAWN)
    result = page_views_flush()
    assert result.views == 3
    assert result.rejected == {Reason.UNPUBLISHED: 3}
    assert db_total() == 3
    assert db_rejected() == {Reason.UNPUBLISHED: 3}


@pytest.mark.django_db
def test_beacons_arriving_during_a_flush_wait_for_the_next_one(redis_backend):
    article = ArticleFactory(published_at=at(8))
    for reader in range(4):
        record(article.pk, ip=f"198.51.100.{reader}", now=at(10))
    batch = redis_backend.claim()
    for reader in range(4, 7):  # after the claim: in the live hash, not the batch
        record(article.pk, ip=f"198.51.100.{reader}", now=at(10))
    assert redis_backend.apply(batch).views == 4
    redis_backend.forget(batch)
    assert db_total() == 4
    page_views_flush()
    assert db_total() == 7


# --- Dying half-way ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_death_after_claiming_loses_nothing(redis_backend):
    articles = ArticleFactory.create_batch(2, published_at=at(8))
    expected = _seed(articles)
    assert redis_backend.claim() is not None  # ...and the process dies here
    assert redis_backend.unflushed_since() is not None  # the claimed batch is still pending
    _seed_more = record(articles[0].pk, ip="198.51.200.1", now=at(11))
    assert _seed_more == COUNTED
    expected[(articles[0].pk, at(11))] += 1
    result = page_views_flush()
    assert result.batches == 2  # the leftover batch first, then the new one
    assert db_views() == dict(expected)


@pytest.mark.django_db(transaction=True)
def test_death_inside_the_transaction_rolls_back_and_the_rerun_is_exact(redis_backend, monkeypatch):
    articles = ArticleFactory.create_batch(3, published_at=at(8))
    expected = _seed(articles)

    def die(*args, **kwargs):
        raise KeyboardInterrupt("killed half-way through the upserts")

    # Views are upserted, then the process dies before the rejections and the commit.
    monkeypatch.setattr(redis_backends, "rejections_add_many", die)
    with pytest.raises(KeyboardInterrupt):
        page_views_flush()
    monkeypatch.undo()
    assert db_total() == 0  # the half-applied batch was rolled back
    assert not PageViewFlush.objects.exists()
    page_views_flush()
    assert db_views() == dict(expected)
    assert db_rejected() == {Reason.BOT: 1}


@pytest.mark.django_db
def test_death_after_commit_before_forgetting_does_not_count_twice(redis_backend):
    articles = ArticleFactory.create_batch(2, published_at=at(8))
    expected = _seed(articles)
    batch = redis_backend.claim()
    assert redis_backend.apply(batch).views == sum(expected.values())
    # ...the process dies here: the batch is committed but still in Redis.
    assert batch in redis_backend.pending_batches()
    result = page_views_flush()
    assert result.skipped_batches == 1
    assert result.views == 0
    assert db_views() == dict(expected)
    assert db_rejected() == {Reason.BOT: 1}
    assert redis_backend.pending_batches() == []


@pytest.mark.django_db
def test_applied_batches_are_remembered_then_pruned(redis_backend):
    article = ArticleFactory()
    record(article.pk, ip="198.51.100.1")
    page_views_flush()
    flush = PageViewFlush.objects.get()
    assert flush.views == 1
    PageViewFlush.objects.update(applied_at=timezone.now() - timedelta(days=31))
    record(article.pk, ip="198.51.100.2")
    page_views_flush()
    assert PageViewFlush.objects.count() == 1  # the month-old one is gone, the new one kept
    assert PageViewFlush.objects.get().pk != flush.pk


# --- Concurrent runs ------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_concurrent_flushes_while_beacons_arrive_give_exact_counts(redis_backend):
    if connection.vendor == "sqlite":
        # The SQLite test database lives in memory, where threads get table locks
        # instead of waiting; test_concurrency.py runs processes on PostgreSQL.
        pytest.skip("in-memory SQLite test database: concurrent writers are covered on PostgreSQL")
    articles = ArticleFactory.create_batch(3)
    errors = []
    expected = Counter()
    done = threading.Event()

    def write():
        try:
            for reader in range(300):
                article = articles[reader % 3]
                assert record(article.pk, ip=f"198.51.{reader // 256}.{reader % 256}") == COUNTED
                expected[article.pk] += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)
        finally:
            done.set()
            connection.close()

    def flush_repeatedly():
        try:
            while not done.is_set():
                page_views_flush()
            page_views_flush()
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write)] + [threading.Thread(target=flush_repeatedly) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    page_views_flush()
    totals = dict(
        PageViewHourly.objects.values("article_id").annotate(total=Sum("views")).values_list("article_id", "total")
    )
    assert totals == dict(expected)
    assert sum(PageViewFlush.objects.values_list("views", flat=True)) == 300  # each batch applied once


# --- Redis down, database backend --------------------------------------------------------------------------


@pytest.mark.django_db
def test_flush_fails_loudly_when_redis_is_down(settings):
    beacon_support.use_backend(settings, "redis")
    settings.RANKINGS = {**settings.RANKINGS, "REDIS_URL": beacon_support.CLOSED_REDIS_URL}
    with pytest.raises(CommandError, match="Redis unavailable"):
        call_command("flush_page_views", stdout=StringIO())
    with pytest.raises(backends.BackendUnavailable):
        get_backend().unflushed_since()


@pytest.mark.django_db
def test_on_the_database_backend_flush_deletes_expired_deduplication_rows(settings):
    beacon_support.use_backend(settings, "database", DEDUP_SECONDS=1800)
    now = timezone.now()
    article = ArticleFactory(published_at=now - timedelta(days=1))
    record(article.pk, ip="198.51.100.1", now=now - timedelta(hours=2))
    record(article.pk, ip="198.51.100.2", now=now - timedelta(minutes=5))
    assert ReaderSeen.objects.count() == 2
    out = StringIO()
    call_command("flush_page_views", stdout=out)
    assert ReaderSeen.objects.count() == 1
    assert "1 expired de-duplication rows deleted" in out.getvalue()
    assert db_total() == 2  # counts are untouched
