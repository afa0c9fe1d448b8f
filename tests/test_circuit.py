"""The one Redis circuit breaker: its states, and a hung Redis (SIGSTOP) costing one timeout, not one per call."""

import time
import uuid

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.tests.factories import ArticleFactory
from newsroom.caching.generation import page_cache_invalidate
from newsroom.circuit import CircuitBreaker, redis_circuit
from rankings.backends import COUNTED, get_backend
from rankings.models import PageViewHourly, RejectedViewHourly
from rankings.tests import beacon_support
from tests.redis_process import RedisProcess

Reason = RejectedViewHourly.Reason

# Long enough to tell "waited for Redis" from "skipped Redis" on a busy machine, and a back-off
# longer than the requests made while Redis is hung (none of them may be the probe).
SOCKET_TIMEOUT = 2.0
BACKOFF = 5.0


def test_a_failure_opens_the_circuit_for_the_backoff_then_one_probe_decides():
    breaker = CircuitBreaker("test", backoff_seconds=0.2)
    assert breaker.allows()
    breaker.failed("read", TimeoutError("hung"))
    assert breaker.is_open
    assert [breaker.allows() for _ in range(3)] == [False, False, False]
    time.sleep(0.25)
    # The back-off is over: one caller probes, everyone else still skips until it reports.
    assert [breaker.allows() for _ in range(3)] == [True, False, False]
    breaker.failed("read", TimeoutError("still hung"))
    assert not breaker.allows()
    time.sleep(0.25)
    assert breaker.allows()
    breaker.succeeded()
    assert not breaker.is_open
    assert [breaker.allows() for _ in range(3)] == [True, True, True]
    assert breaker.failures == 2


def test_call_returns_the_default_without_calling_while_open():
    breaker = CircuitBreaker("test", backoff_seconds=60)
    calls = []

    def broken():
        calls.append(1)
        raise ConnectionError("refused")

    assert breaker.call("read", broken, default="fallback") == "fallback"
    assert breaker.call("read", broken, default="fallback") == "fallback"
    assert breaker.call("read", lambda: "fresh") is None  # skipped: the default
    assert calls == [1]


@pytest.fixture
def hung_redis(settings):
    """The cache, the page cache and the counters on a private Redis, which the test hangs with SIGSTOP."""
    with RedisProcess() as server:
        prefix = f"test-{uuid.uuid4().hex[:8]}"
        settings.REDIS_SOCKET_TIMEOUT = SOCKET_TIMEOUT
        settings.REDIS_CONNECT_TIMEOUT = SOCKET_TIMEOUT
        settings.REDIS_BACKOFF_SECONDS = BACKOFF
        settings.CACHES = {
            "default": {
                "BACKEND": "newsroom.caching.backends.RedisCache",
                "LOCATION": server.url,
                "KEY_PREFIX": f"{prefix}:cache",
                "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": SOCKET_TIMEOUT, "SOCKET_TIMEOUT": SOCKET_TIMEOUT},
            }
        }
        settings.RANKINGS = {
            **settings.RANKINGS,
            "BACKEND": "redis",
            "REDIS_URL": server.url,
            "REDIS_KEY_PREFIX": f"{prefix}:rankings:",
        }
        redis_circuit.reset()
        yield server
        server.resume()
        redis_circuit.reset()


@pytest.mark.django_db
def test_a_hung_redis_costs_one_timeout_then_pages_and_beacons_skip_it_until_it_answers(client, hung_redis):
    article = ArticleFactory()
    url = article.get_absolute_url()
    assert client.get(url).status_code == 200
    assert client.get(url)["X-Cache"] == "hit"  # Redis works: the page cache is in use
    # A render (?page= is never stored for an article) with the fragments and lists this process keeps.
    with CaptureQueriesContext(connection) as healthy_render:
        assert client.get(f"{url}?page=1")["X-Cache"] == "miss"

    hung_redis.hang()
    started = time.monotonic()
    assert client.get("/").status_code == 200
    first = time.monotonic() - started
    assert redis_circuit.is_open
    failures = redis_circuit.failures
    assert failures == 1  # the first call timed out; every later use of Redis in that request skipped it
    assert first < 3 * SOCKET_TIMEOUT

    started = time.monotonic()
    for i in range(5):
        assert client.get("/").status_code == 200
        assert client.get(url).status_code == 200
        assert beacon_support.post_beacon(client, article.pk, ip=f"198.51.100.{i}").status_code == 204
    elapsed = time.monotonic() - started
    # While Redis is skipped, a render still uses this process's copies of fragments and lists.
    with CaptureQueriesContext(connection) as hung_render:
        assert client.get(f"{url}?page=1").status_code == 200
    assert len(hung_render) == len(healthy_render)
    # No Redis call was even attempted (each would have failed and been counted) ...
    assert redis_circuit.failures == failures
    # ... so 15 requests took less than one socket timeout altogether.
    assert elapsed < SOCKET_TIMEOUT
    # The beacons said honestly what happened to them: not counted, for a backend error.
    errors = RejectedViewHourly.objects.filter(reason=Reason.BACKEND_ERROR).aggregate(n=Sum("count"))["n"]
    assert errors == 5

    hung_redis.resume()
    time.sleep(BACKOFF + 0.1)
    # The first beacon after the back-off probes Redis, finds it answering, and counts again.
    assert beacon_support.post_beacon(client, article.pk, ip="198.51.100.99").status_code == 204
    assert not redis_circuit.is_open
    assert beacon_support.post_beacon(client, article.pk, ip="198.51.100.98").status_code == 204
    get_backend().flush()
    assert PageViewHourly.objects.filter(article=article).aggregate(n=Sum("views"))["n"] == 2
    # And the page cache is back in use: the copy stored before the outage is served again.
    assert client.get(url)["X-Cache"] == "hit"


@pytest.mark.django_db
def test_while_redis_is_skipped_a_page_this_process_served_is_answered_from_its_copy(client, hung_redis):
    article = ArticleFactory(headline="Harbour Ferry Returns")
    url = article.get_absolute_url()
    served = client.get(url)
    assert client.get(url)["X-Cache"] == "hit"

    hung_redis.hang()
    client.get(f"{url}?page=1")  # the one request that waits for the hung Redis
    assert redis_circuit.is_open
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response["X-Cache"] == "outage"
    assert len(queries) == 0  # as cheap as a cache hit: no rendering, no database
    assert response.content == served.content

    # An invalidation this process could not deliver (an edit during the outage) drops its copies.
    Article.objects.filter(pk=article.pk).update(headline="Harbour Ferry Delayed Again")
    page_cache_invalidate()
    response = client.get(url)
    assert not response.has_header("X-Cache")  # rendered, the cache skipped
    assert b"Harbour Ferry Delayed Again" in response.content


@pytest.mark.django_db
def test_while_redis_is_skipped_the_edge_never_gets_an_outage_copy_of_a_page_edited_elsewhere(client, hung_redis):
    """Varnish's miss after a purge (an edit saved on another app server) is rendered, fresh, not replayed."""
    article = ArticleFactory(headline="Harbour Ferry Returns")
    url = article.get_absolute_url()
    edge = {"HTTP_SURROGATE_CAPABILITY": "varnish=ESI/1.0"}
    client.get(url, **edge)
    assert client.get(url, **edge)["X-Cache"] == "hit"

    hung_redis.hang()
    client.get(f"{url}?page=1", **edge)  # the one request that waits for the hung Redis
    assert redis_circuit.is_open
    # Saved on another app server: Redis got its invalidation (not from here), Varnish its purge.
    Article.objects.filter(pk=article.pk).update(headline="Harbour Ferry Delayed Again")
    response = client.get(url, **edge)
    assert response.status_code == 200
    assert not response.has_header("X-Cache")  # rendered, the cache skipped
    assert b"Harbour Ferry Delayed Again" in response.content
    assert client.get(url)["X-Cache"] == "outage"  # a reader asking this process directly: its copy


@pytest.mark.django_db
def test_a_hung_redis_never_blocks_the_database_backends_rate_limit(client, hung_redis, settings):
    """Counters in the database, the rate limit in the (hung) Redis cache: counted, without waiting."""
    settings.RANKINGS = {**settings.RANKINGS, "BACKEND": "database"}
    article = ArticleFactory()
    hung_redis.hang()
    outcomes = []
    started = time.monotonic()
    from rankings.services import page_view_record
    from rankings.tokens import page_view_token_make

    for i in range(5):
        outcomes.append(
            page_view_record(
                article_id=article.pk,
                token=page_view_token_make(article_id=article.pk),
                user_agent=beacon_support.READER_UA,
                client_ip=f"198.51.100.{i}",
            )
        )
    elapsed = time.monotonic() - started
    assert outcomes == [COUNTED] * 5
    assert redis_circuit.failures == 1
    assert elapsed < 2 * SOCKET_TIMEOUT
