"""The beacon endpoint: what is counted, what is rejected (and why), and what bad input gets."""

import time

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from articles.models import Article
from articles.tests.factories import ArticleFactory
from rankings.models import PageViewHourly, ReaderSeen, RejectedViewHourly
from rankings.readers import client_ip, reader_hash, user_agent_is_bot
from rankings.tests import beacon_support
from rankings.tests.beacon_support import BEACON_URL, GOOGLEBOT_UA, READER_UA, at, counted_views, post_beacon, rejected
from rankings.tokens import TOKEN_SALT, page_view_token_make

Reason = RejectedViewHourly.Reason
counter_backend = beacon_support.counter_backend


def test_url_name():
    assert reverse("rankings:beacon") == BEACON_URL


# --- Counting ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_beacon_counts_one_view_and_answers_204_without_cookies(counter_backend, client):
    article = ArticleFactory()
    response = post_beacon(client, article.pk)
    assert response.status_code == 204
    assert response.content == b""
    assert not response.cookies
    assert response["Cache-Control"] == "no-store"
    assert counted_views(article) == 1
    assert rejected() == {}


@pytest.mark.django_db
def test_csrf_is_not_required(counter_backend):
    article = ArticleFactory()
    strict = Client(enforce_csrf_checks=True)
    assert post_beacon(strict, article.pk).status_code == 204
    assert counted_views(article) == 1


@pytest.mark.django_db
def test_the_database_backend_counts_a_view_in_a_constant_number_of_queries(
    settings, client, django_assert_num_queries
):
    beacon_support.use_backend(settings, "database")
    article = ArticleFactory()
    # One statement on PostgreSQL (data-modifying CTEs), two on SQLite.
    queries = 1 if connection.vendor == "postgresql" else 2
    with django_assert_num_queries(queries):
        assert post_beacon(client, article.pk).status_code == 204
    with django_assert_num_queries(queries):
        assert post_beacon(client, article.pk, ip="203.0.113.11").status_code == 204
    assert counted_views(article) == 2


@pytest.mark.django_db
def test_the_redis_backend_counts_a_view_without_sql(settings, client, django_assert_num_queries):
    beacon_support.use_backend(settings, "redis")
    article = ArticleFactory()
    with django_assert_num_queries(0):
        assert post_beacon(client, article.pk).status_code == 204
    assert counted_views(article) == 1


# --- Rejections, by reason ----------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize(
    "ua",
    [
        GOOGLEBOT_UA,
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36",
        "curl/8.5.0",
        "",
        "   ",
    ],
)
def test_bots_are_rejected(counter_backend, client, ua):
    article = ArticleFactory()
    assert post_beacon(client, article.pk, ua=ua).status_code == 204
    assert counted_views() == 0
    assert rejected() == {Reason.BOT: 1}


@pytest.mark.django_db
def test_a_missing_user_agent_header_is_a_bot(counter_backend, client):
    article = ArticleFactory()
    token = page_view_token_make(article_id=article.pk)
    response = client.post(
        BEACON_URL, data=f"a={article.pk}&t={token}", content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 204
    assert rejected() == {Reason.BOT: 1}


def _expired_token(article_id: int, seconds_ago: int) -> str:
    from django.core import signing

    signer = signing.TimestampSigner(salt=TOKEN_SALT)
    return signing.Signer.sign(signer, f"{article_id}:{signing.b62_encode(int(time.time()) - seconds_ago)}")


@pytest.mark.django_db
def test_missing_forged_expired_and_other_article_tokens_are_rejected(counter_backend, client, settings):
    article = ArticleFactory()
    other = ArticleFactory()
    max_age = settings.RANKINGS["TOKEN_MAX_AGE"]
    valid = page_view_token_make(article_id=article.pk)
    tokens = [
        "",  # missing value
        valid[:-3] + "abc",  # forged signature
        _expired_token(article.pk, max_age + 60),  # expired
        page_view_token_make(article_id=other.pk),  # another article's token
    ]
    for token in tokens:
        assert post_beacon(client, article.pk, token=token).status_code == 204
    body = f"a={article.pk}"  # no token field at all
    response = client.post(
        BEACON_URL, body, content_type="application/x-www-form-urlencoded", HTTP_USER_AGENT=READER_UA
    )
    assert response.status_code == 204
    assert counted_views() == 0
    assert rejected() == {Reason.BAD_TOKEN: 5}
    # A token a little younger than the limit still counts: cached pages keep working.
    assert post_beacon(client, article.pk, token=_expired_token(article.pk, max_age - 60)).status_code == 204
    assert counted_views(article) == 1


@pytest.mark.django_db
def test_unpublished_and_unknown_articles_are_rejected(counter_backend, client):
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    post_beacon(client, draft.pk)
    post_beacon(client, 99999999)
    assert counted_views() == 0
    assert rejected() == {Reason.UNPUBLISHED: 2}


@pytest.mark.django_db
def test_logged_in_staff_are_not_counted_unless_configured(counter_backend, client, settings):
    article = ArticleFactory()
    editor = get_user_model().objects.create_user("editor", password="pw-for-tests-only", is_staff=True)
    client.force_login(editor)
    assert post_beacon(client, article.pk).status_code == 204
    assert counted_views() == 0
    assert rejected() == {Reason.STAFF: 1}

    settings.RANKINGS = {**settings.RANKINGS, "COUNT_STAFF": True}
    post_beacon(client, article.pk)
    assert counted_views(article) == 1


@pytest.mark.django_db
def test_logged_in_readers_who_are_not_staff_are_counted(counter_backend, client):
    article = ArticleFactory()
    reader = get_user_model().objects.create_user("reader", password="pw-for-tests-only")
    client.force_login(reader)
    post_beacon(client, article.pk)
    assert counted_views(article) == 1


@pytest.mark.django_db
def test_a_reload_within_the_window_is_a_repeat(counter_backend, client):
    article = ArticleFactory()
    for _ in range(3):
        assert post_beacon(client, article.pk).status_code == 204
    assert counted_views(article) == 1
    assert rejected() == {Reason.REPEAT: 2}


@pytest.mark.django_db
def test_a_reader_over_the_rate_limit_is_rejected(counter_backend, client, settings):
    settings.RANKINGS = {**settings.RANKINGS, "RATE_LIMIT_PER_MINUTE": 4}
    articles = ArticleFactory.create_batch(6)
    for article in articles:
        post_beacon(client, article.pk)
    counted = counted_views()
    # The window is a calendar minute: a run straddling a minute boundary may get a fresh allowance.
    assert counted in (4, 6)
    assert rejected().get(Reason.RATE_LIMITED, 0) == 6 - counted


# --- The reader: client IP through trusted proxies, hashed ------------------------------------------


def _request(remote="10.0.0.9", xff=None):
    meta = {"REMOTE_ADDR": remote}
    if xff is not None:
        meta["HTTP_X_FORWARDED_FOR"] = xff
    return RequestFactory().post(BEACON_URL, **meta)


@pytest.mark.parametrize(
    ("proxies", "remote", "xff", "expected"),
    [
        # No proxy of ours: the header is the client's own words and is ignored.
        (0, "203.0.113.5", "198.51.100.1", "203.0.113.5"),
        (0, "203.0.113.5", None, "203.0.113.5"),
        # One proxy: it appended the client's address, the rightmost entry.
        (1, "10.0.0.2", "203.0.113.7", "203.0.113.7"),
        (1, "10.0.0.2", "6.6.6.6, 203.0.113.7", "203.0.113.7"),  # a forged entry further left is ignored
        (1, "10.0.0.2", None, "10.0.0.2"),
        # Two proxies (CDN -> load balancer): the second entry from the right.
        (2, "10.0.0.3", "203.0.113.8, 10.0.0.2", "203.0.113.8"),
        (2, "10.0.0.3", "6.6.6.6, 203.0.113.8, 10.0.0.2", "203.0.113.8"),
        (2, "10.0.0.3", "203.0.113.8", "203.0.113.8"),  # fewer hops than proxies: all written by ours
        # Ports and IPv6 forms are normalised; junk falls back to the socket address.
        (1, "10.0.0.2", "203.0.113.7:51234", "203.0.113.7"),
        (1, "10.0.0.2", "[2001:db8::1]:443", "2001:db8::1"),
        (1, "10.0.0.2", "2001:DB8:0::1", "2001:db8::1"),
        (1, "10.0.0.2", "not-an-ip", "10.0.0.2"),
        (1, "10.0.0.2", " , ", "10.0.0.2"),
    ],
)
def test_client_ip_trusts_x_forwarded_for_only_through_our_proxies(proxies, remote, xff, expected):
    assert client_ip(_request(remote, xff), trusted_proxy_count=proxies) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [0, 1, 2])
def test_forged_x_forwarded_for_cannot_make_new_readers(counter_backend, client, settings, proxies):
    settings.RANKINGS = {**settings.RANKINGS, "TRUSTED_PROXY_COUNT": proxies}
    article = ArticleFactory()
    real_hops = ["203.0.113.50", "10.0.0.2"][:proxies]  # what our proxies append
    for forged in ["1.1.1.1", "2.2.2.2", "3.3.3.3"]:
        xff = ", ".join([forged, *real_hops]) if proxies else forged
        assert post_beacon(client, article.pk, ip="10.0.0.9", xff=xff).status_code == 204
    assert counted_views(article) == 1
    assert rejected() == {Reason.REPEAT: 2}


@pytest.mark.django_db
@pytest.mark.parametrize("proxies", [1, 2])
def test_readers_behind_our_proxies_are_told_apart(counter_backend, client, settings, proxies):
    settings.RANKINGS = {**settings.RANKINGS, "TRUSTED_PROXY_COUNT": proxies}
    article = ArticleFactory()
    for n in range(3):
        hops = [f"203.0.113.{n + 1}", "10.0.0.2"][:proxies]
        post_beacon(client, article.pk, ip="10.0.0.9", xff=", ".join(hops))
    assert counted_views(article) == 3


def test_reader_hash_is_daily_salted_and_never_contains_the_ip():
    first = reader_hash(ip="203.0.113.9", user_agent=READER_UA, now=at(10, day=10))
    assert first == reader_hash(ip="203.0.113.9", user_agent=READER_UA, now=at(23, 59, day=10))
    assert first != reader_hash(ip="203.0.113.9", user_agent=READER_UA, now=at(0, 0, day=11))
    assert first != reader_hash(ip="203.0.113.10", user_agent=READER_UA, now=at(10, day=10))
    assert "203.0.113.9" not in first
    assert len(first) == 32


@pytest.mark.django_db
def test_the_database_stores_only_the_hash(settings, client):
    beacon_support.use_backend(settings, "database")
    article = ArticleFactory()
    post_beacon(client, article.pk, ip="203.0.113.77")
    (reader,) = ReaderSeen.objects.values_list("reader", flat=True)
    assert "203.0.113.77" not in reader


def test_bot_detection_uses_crawlerdetect_and_caches():
    assert user_agent_is_bot(GOOGLEBOT_UA)
    assert user_agent_is_bot("Mozilla/5.0 (compatible; YandexBot/3.0)")
    assert not user_agent_is_bot(READER_UA)
    assert not user_agent_is_bot(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
        "Version/18.0 Mobile/15E148 Safari/604.1"
    )


# --- Bad input: a 4xx or a silent 204, never a 500, never counted ------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("method", ["get", "put", "delete", "patch"])
def test_only_post_is_allowed(counter_backend, client, method):
    response = getattr(client, method)(BEACON_URL, HTTP_USER_AGENT=READER_UA)
    assert response.status_code == 405
    assert counted_views() == 0


@pytest.mark.django_db
def test_oversized_bodies_are_refused(counter_backend, client):
    article = ArticleFactory()
    token = page_view_token_make(article_id=article.pk)
    body = f"a={article.pk}&t={token}&pad=" + "x" * 5000
    response = client.post(
        BEACON_URL, body, content_type="application/x-www-form-urlencoded", HTTP_USER_AGENT=READER_UA
    )
    assert response.status_code == 413
    assert counted_views() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"garbage",
        b"a=&t=",
        b"a=abc&t=x",
        b"a=-5&t=x",
        b"a=0&t=x",
        b"a=1e3&t=x",
        b"a=99999999999999999999999&t=x",
        b"a=\xff\xfe&t=\x00",
        b'{"a": 1, "t": "x"}',
        b"a=1&" * 50,
    ],
)
def test_junk_payloads_get_400_and_are_not_counted(counter_backend, client, body):
    ArticleFactory()
    response = client.post(
        BEACON_URL, body, content_type="application/x-www-form-urlencoded", HTTP_USER_AGENT=READER_UA
    )
    assert response.status_code == 400
    assert counted_views() == 0
    assert rejected() == {Reason.BAD_TOKEN: 1}


@pytest.mark.django_db
def test_a_disallowed_host_gets_400_and_is_not_counted(client):
    article = ArticleFactory()
    response = post_beacon(client, article.pk, HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert PageViewHourly.objects.count() == 0


@pytest.mark.django_db
def test_anonymous_beacons_and_editors_take_the_same_ordinary_path(client, settings):
    beacon_support.use_backend(settings, "database")
    article = ArticleFactory()
    anonymous = post_beacon(client, article.pk)
    # Django's own middleware answers for every beacon: security and clickjacking headers...
    assert anonymous["X-Content-Type-Options"] == "nosniff"
    assert anonymous["X-Frame-Options"] == "DENY"
    assert anonymous["Cache-Control"] == "no-store"
    # ...and the lazy session and user are never loaded for a reader without the cookie.
    assert "Cookie" not in anonymous.get("Vary", "")
    assert not anonymous.cookies
    editor = get_user_model().objects.create_user("desk", password="pw-for-tests-only", is_staff=True)
    client.force_login(editor)
    logged_in = post_beacon(client, article.pk, ip="203.0.113.99")
    assert logged_in.status_code == 204
    assert logged_in["X-Frame-Options"] == "DENY"
    assert rejected() == {Reason.STAFF: 1}  # the session says "staff"
    assert counted_views(article) == 1


@pytest.mark.django_db
def test_a_lying_content_length_is_refused(client):
    response = client.generic(
        "POST", BEACON_URL, b"a=1&t=x", content_type="text/plain", HTTP_USER_AGENT=READER_UA, CONTENT_LENGTH="nope"
    )
    assert response.status_code == 400
    assert PageViewHourly.objects.count() == 0


# --- Redis down ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_redis_down_still_answers_204_fast_and_counts_the_failure(settings, client, caplog):
    beacon_support.use_backend(settings, "redis")
    settings.RANKINGS = {**settings.RANKINGS, "REDIS_URL": beacon_support.CLOSED_REDIS_URL}
    article = ArticleFactory()
    started = time.monotonic()
    statuses = [post_beacon(client, article.pk, ip=f"198.51.100.{i}").status_code for i in range(10)]
    assert statuses == [204] * 10
    assert time.monotonic() - started < 3
    totals = dict(RejectedViewHourly.objects.values_list("reason", "count"))
    assert totals == {Reason.BACKEND_ERROR: 10}
    assert PageViewHourly.objects.count() == 0
    # Logged once per outage, not once per beacon.
    assert caplog.text.count("Redis unavailable") == 1


@pytest.mark.django_db
def test_article_pages_render_with_the_beacon_while_the_counter_redis_is_down(settings, client):
    beacon_support.use_backend(settings, "redis")
    settings.RANKINGS = {**settings.RANKINGS, "REDIS_URL": beacon_support.CLOSED_REDIS_URL}
    article = ArticleFactory()
    response = client.get(article.get_absolute_url(), HTTP_USER_AGENT=READER_UA)
    assert response.status_code == 200
    assert f'data-article="{article.pk}"' in response.content.decode()


@pytest.mark.django_db
def test_made_up_user_agents_behind_our_proxy_count_as_one_network(counter_backend, client, settings):
    """The network is the client's address as our proxy saw it, not what the client wrote further left."""
    settings.RANKINGS = {**settings.RANKINGS, "TRUSTED_PROXY_COUNT": 1, "NETWORK_READERS_PER_ARTICLE": 5}
    article = ArticleFactory()
    for n in range(30):
        ua = READER_UA.replace("156.0.0.0", f"156.0.{n}.0")
        # A forged left-hand entry changes with every beacon; the proxy's entry stays the client's address.
        response = post_beacon(client, article.pk, ua=ua, ip="10.0.0.2", xff=f"192.0.2.{n}, 203.0.113.80")
        assert response.status_code == 204
    assert counted_views(article) == 5
    assert rejected(Reason.NETWORK_CAP) == 25
