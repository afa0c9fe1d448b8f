"""Shared helpers and fixtures of the view-counting tests (tokens, backends, beacon, flush).

Test modules bind the fixtures with a plain assignment, e.g.
``counter_backend = beacon_support.counter_backend``.

The same tests run on both counter backends. ``redis`` runs wherever Redis is
reachable: on the PostgreSQL + Redis leg it uses ``REDIS_URL`` (and must be
reachable); on the SQLite leg it uses ``NEWSROOM_TEST_REDIS_URL`` (default
db 15 of the local Redis) and is skipped if there is no Redis. Every test gets
its own key prefix, deleted afterwards, so nothing leaks between tests.
"""

import os
import time
import uuid
from datetime import UTC, datetime

import pytest
from django.conf import settings as django_settings
from django.db.models import Sum

from rankings.backends import RedisBackend, get_backend
from rankings.models import PageViewHourly, RejectedViewHourly
from rankings.tokens import page_view_token_make

# A current desktop Chrome: not a bot. (Headless Chrome's own agent *is* one.)
READER_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Safari/537.36"
GOOGLEBOT_UA = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
DEFAULT_TEST_REDIS_URL = "redis://127.0.0.1:6379/15"
CLOSED_REDIS_URL = "redis://127.0.0.1:6390/0"  # nothing listens there
BEACON_URL = "/rankings/beacon"


def production_leg() -> bool:
    return os.environ.get("NEWSROOM_EXPECT_PRODUCTION_SERVICES") == "1"


def redis_url_for_tests() -> str:
    return django_settings.RANKINGS.get("REDIS_URL") or os.environ.get(
        "NEWSROOM_TEST_REDIS_URL", DEFAULT_TEST_REDIS_URL
    )


def redis_reachable(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5).ping())
    except (redis.RedisError, OSError):
        return False


def use_backend(settings, name: str, **overrides) -> str | None:
    """Point ``settings.RANKINGS`` at backend ``name`` (a fresh Redis key prefix); returns the prefix."""
    conf = {**settings.RANKINGS, "BACKEND": name, **overrides}
    prefix = None
    if name == "redis":
        url = redis_url_for_tests()
        if not redis_reachable(url):
            if production_leg():
                pytest.fail(f"Redis is not reachable at {url} on the PostgreSQL + Redis leg")
            pytest.skip(f"Redis is not reachable at {url}")
        prefix = f"test:rankings:{uuid.uuid4().hex[:12]}:"
        conf["REDIS_URL"] = url
        conf["REDIS_KEY_PREFIX"] = prefix
    settings.RANKINGS = conf
    return prefix


def drop_redis_prefix(prefix: str | None, url: str) -> None:
    if not prefix:
        return
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)


@pytest.fixture(params=["database", "redis"])
def counter_backend(request, settings):
    """Each test runs once per counter backend; yields the backend's name."""
    url = redis_url_for_tests()
    prefix = use_backend(settings, request.param)
    yield request.param
    drop_redis_prefix(prefix, url)


def flush_if_redis() -> None:
    backend = get_backend()
    if isinstance(backend, RedisBackend):
        backend.flush()


def counted_views(article=None) -> int:
    """Views in the database for one article (or all), after flushing Redis."""
    flush_if_redis()
    qs = PageViewHourly.objects.all()
    if article is not None:
        qs = qs.filter(article=article)
    return qs.aggregate(total=Sum("views"))["total"] or 0


def rejected(reason: str | None = None) -> int | dict[str, int]:
    """Rejections in the database (all reasons as a dict, or one reason), after flushing Redis."""
    flush_if_redis()
    rows = RejectedViewHourly.objects.values_list("reason").annotate(total=Sum("count"))
    totals = dict(rows)
    if reason is None:
        return totals
    return totals.get(reason, 0)


def post_beacon(client, article_id, *, token=None, ua=READER_UA, ip="203.0.113.10", xff=None, **extra):
    """POST a beacon the way beacon.js does (form-encoded ``a`` and ``t``)."""
    if token is None:
        token = page_view_token_make(article_id=article_id)
    headers = {"HTTP_USER_AGENT": ua, "REMOTE_ADDR": ip, **extra}
    if xff is not None:
        headers["HTTP_X_FORWARDED_FOR"] = xff
    body = f"a={article_id}&t={token}"
    return client.post(BEACON_URL, data=body, content_type="application/x-www-form-urlencoded", **headers)


def at(hour: int, minute: int = 0, second: int = 0, *, day: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=UTC)


def wait_for(condition, *, timeout=10.0, what="the condition"):
    """Poll (flushing Redis each time, through the helpers) until ``condition()`` is true."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")
