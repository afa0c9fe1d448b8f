"""Redis keys of one site: a prefix unique per database, and a cache clear that never deletes the counters."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db.models import Sum

from articles.tests.factories import ArticleFactory
from newsroom.caching.backends import RedisCache
from rankings.backends import COUNTED, RedisBackend, get_backend
from rankings.models import PageViewHourly
from rankings.services import page_view_record
from rankings.tests.beacon_support import READER_UA, at
from rankings.tokens import page_view_token_make
from tests.redis_process import RedisProcess

BASE_DIR = Path(__file__).resolve().parents[2]

SETTINGS_SCRIPT = """
import json
from newsroom import settings
print(json.dumps({
    "prefix": settings.REDIS_KEY_PREFIX,
    "cache_prefix": settings.CACHES["default"]["KEY_PREFIX"],
    "cache_backend": settings.CACHES["default"]["BACKEND"],
    "rankings_prefix": settings.RANKINGS["REDIS_KEY_PREFIX"],
}))
"""


def site_settings(*, database_url: str, redis_url: str, **env) -> dict:
    """The Redis key settings a site started with this environment gets (its own process, as in production)."""
    environ = {
        **{name: value for name, value in os.environ.items() if not name.startswith("NEWSROOM_REDIS")},
        # Development settings: what matters here does not depend on DEBUG, and they need no secret key.
        "DJANGO_DEBUG": "1",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        **env,
    }
    environ.pop("NEWSROOM_RANKINGS_REDIS_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", SETTINGS_SCRIPT], cwd=BASE_DIR, env=environ, capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def private_redis():
    """A redis-server of these tests alone: a FLUSHDB here (the bug) can touch nobody else's keys."""
    with RedisProcess() as server:
        yield server


def site_cache(server, conf: dict) -> RedisCache:
    return RedisCache(server.url, {"KEY_PREFIX": conf["cache_prefix"]})


def test_the_key_prefix_defaults_to_one_per_database_and_can_be_set(private_redis, tmp_path):
    site_a = site_settings(database_url=f"sqlite:///{tmp_path}/a.sqlite3", redis_url=private_redis.url)
    again = site_settings(database_url=f"sqlite:///{tmp_path}/a.sqlite3", redis_url=private_redis.url)
    site_b = site_settings(database_url="postgres://newsroom@db.internal:5432/site_b", redis_url=private_redis.url)
    assert site_a == again
    assert site_a["prefix"] != site_b["prefix"]
    assert site_a["cache_backend"] == "newsroom.caching.backends.RedisCache"
    for site in (site_a, site_b):
        assert site["cache_prefix"] == f"{site['prefix']}:cache"
        assert site["rankings_prefix"] == f"{site['prefix']}:rankings:"
    chosen = site_settings(
        database_url=f"sqlite:///{tmp_path}/a.sqlite3", redis_url=private_redis.url, NEWSROOM_REDIS_KEY_PREFIX="paper2"
    )
    assert chosen == {
        "prefix": "paper2",
        "cache_prefix": "paper2:cache",
        "cache_backend": "newsroom.caching.backends.RedisCache",
        "rankings_prefix": "paper2:rankings:",
    }


@pytest.mark.django_db
def test_two_sites_on_one_redis_database_do_not_see_each_others_counts_or_pages(private_redis, tmp_path):
    site_a = site_settings(database_url=f"sqlite:///{tmp_path}/a.sqlite3", redis_url=private_redis.url)
    site_b = site_settings(database_url=f"sqlite:///{tmp_path}/b.sqlite3", redis_url=private_redis.url)
    counters_a = RedisBackend(url=private_redis.url, prefix=site_a["rankings_prefix"])
    counters_b = RedisBackend(url=private_redis.url, prefix=site_b["rankings_prefix"])
    article = ArticleFactory(published_at=at(8))  # the same article id on both sites
    for i in range(3):
        assert (
            counters_a.record(article_id=article.pk, reader=f"reader-a-{i}", network=f"net-a-{i}", now=at(9, i))
            == COUNTED
        )
    for i in range(2):
        assert (
            counters_b.record(article_id=article.pk, reader=f"reader-b-{i}", network=f"net-b-{i}", now=at(9, i))
            == COUNTED
        )
    assert counters_a.flush(now=at(9, 30)).views == 3  # only site A's views reach site A's database
    assert counters_b.flush(now=at(9, 30)).views == 2

    cache_a, cache_b = site_cache(private_redis, site_a), site_cache(private_redis, site_b)
    cache_a.set("pagecache:generation", 1)
    assert cache_b.get("pagecache:generation") is None
    cache_b.set("pagecache:generation", 2)
    cache_b.clear()
    assert cache_a.get("pagecache:generation") == 1  # site B's clear left site A's cache alone


@pytest.mark.django_db
def test_a_cache_clear_never_deletes_unflushed_page_views(private_redis, tmp_path, settings):
    site = site_settings(database_url=f"sqlite:///{tmp_path}/site.sqlite3", redis_url=private_redis.url)
    # Counters and cache in the same Redis database: the README's default production setup.
    settings.CACHES = {
        "default": {"BACKEND": site["cache_backend"], "LOCATION": private_redis.url, "KEY_PREFIX": site["cache_prefix"]}
    }
    settings.RANKINGS = {
        **settings.RANKINGS,
        "BACKEND": "redis",
        "REDIS_URL": private_redis.url,
        "REDIS_KEY_PREFIX": site["rankings_prefix"],
    }
    article = ArticleFactory()
    for i in range(3):
        outcome = page_view_record(
            article_id=article.pk,
            token=page_view_token_make(article_id=article.pk),
            user_agent=READER_UA,
            client_ip=f"198.51.100.{i}",
        )
        assert outcome == COUNTED
    cache.set("fragment:something", "<p>cached</p>")
    cache.clear()
    assert cache.get("fragment:something") is None  # the cache was cleared ...
    get_backend().flush()
    # ... and the counts waiting in Redis were not.
    assert PageViewHourly.objects.filter(article=article).aggregate(n=Sum("views"))["n"] == 3


def test_clear_matches_a_prefix_literally():
    odd = RedisCache("redis://127.0.0.1:1/0", {"KEY_PREFIX": "site*[1]?"})
    assert odd.clear_pattern() == r"site\*\[1\]\?:*"
