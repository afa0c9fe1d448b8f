"""newsroom.compression: brotli and gzip for anonymous pages, never next to a secret (BREACH)."""

import gzip
import time

import brotli
import pytest

from articles.tests.factories import ArticleFactory
from newsroom.compression import accepted_encodings

pytestmark = pytest.mark.django_db


@pytest.fixture
def article_url():
    return ArticleFactory(headline="Tide Tables Published").get_absolute_url()


def test_anonymous_pages_are_brotli_when_accepted_else_gzip_and_vary_on_accept_encoding(client, article_url):
    plain = client.get(article_url).content
    response = client.get(article_url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert response["Content-Encoding"] == "br"
    assert "Accept-Encoding" in response["Vary"]
    assert brotli.decompress(response.content) == plain
    response = client.get(article_url, HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert gzip.decompress(response.content) == plain
    assert len(response.content) < len(plain) / 2


def test_cached_hits_are_compressed_too(client, article_url):
    client.get(article_url)
    response = client.get(article_url, HTTP_ACCEPT_ENCODING="br")
    assert response["X-Cache"] == "hit"
    assert response["Content-Encoding"] == "br"


@pytest.mark.parametrize("cookie", ["sessionid=abc", "csrftoken=abc", "messages=abc"])
def test_requests_with_a_session_csrf_or_messages_cookie_are_never_compressed(client, article_url, cookie):
    name, value = cookie.split("=")
    client.cookies[name] = value
    response = client.get(article_url, HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")


def test_a_page_with_a_csrf_token_is_never_compressed(client):
    # The admin's login form holds a CSRF token: compressing it would leak the token's bytes.
    response = client.get("/admin/login/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert response.status_code == 200
    assert b"csrfmiddlewaretoken" in response.content
    assert not response.has_header("Content-Encoding")


def test_behind_varnish_the_edge_compresses(client, article_url):
    response = client.get(article_url, HTTP_ACCEPT_ENCODING="gzip", HTTP_SURROGATE_CAPABILITY="varnish=ESI/1.0")
    assert not response.has_header("Content-Encoding")
    assert "Accept-Encoding" in response["Vary"]


def test_accept_encoding_parsing_honours_q_zero():
    assert accepted_encodings("gzip;q=0, br") == {"br"}
    assert accepted_encodings("br;q=0.5, gzip;q=abc") == {"br"}
    assert accepted_encodings("") == set()


def test_static_files_are_precompressed_in_brotli_and_gzip(settings):
    css = [path for path in settings.STATIC_ROOT.rglob("*.css") if not path.name.endswith((".gz", ".br"))]
    assert css
    for path in css:
        assert path.with_name(path.name + ".br").exists(), path
        assert path.with_name(path.name + ".gz").exists(), path


def _views(article, count):
    from datetime import timedelta

    from django.utils import timezone

    from rankings.models import PageViewHourly

    hour = (timezone.now() - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    PageViewHourly.objects.update_or_create(article=article, hour=hour, defaults={"views": count})


def test_a_compressed_hit_carries_the_rail_of_its_time_not_a_kept_copy(client, settings):
    from rankings.services import ranking_snapshots_update

    settings.RAIL_MAX_AGE = 3
    alpha = ArticleFactory(headline="Alpha Story")
    beta = ArticleFactory(headline="Beta Story", section=alpha.section)
    _views(alpha, 10)
    _views(beta, 5)
    ranking_snapshots_update()
    # Read from a third story's page: a page's rail never lists the story being read (newsroom.rails).
    reader = ArticleFactory(headline="Gamma Story", section=alpha.section)
    client.get(reader.get_absolute_url())
    rail = brotli.decompress(client.get(reader.get_absolute_url(), HTTP_ACCEPT_ENCODING="br").content)
    rail = rail.split(b'class="rail"', 1)[1]
    assert rail.index(b"Alpha Story") < rail.index(b"Beta Story")
    _views(beta, 50)
    ranking_snapshots_update()
    time.sleep(2.1)  # past each rail layer's copy (RAIL_MAX_AGE / 3)
    response = client.get(reader.get_absolute_url(), HTTP_ACCEPT_ENCODING="br")
    assert response["X-Cache"] == "hit"
    rail = brotli.decompress(response.content).split(b'class="rail"', 1)[1]
    assert rail.index(b"Beta Story") < rail.index(b"Alpha Story")
