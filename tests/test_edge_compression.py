"""Compression through a real varnishd (deploy/varnish/newsroom.vcl) in front of the live server.

Pages holding the rails' edge-side includes are gzipped by Varnish after it splices them; the rest
(feeds, sitemaps, static files) is compressed by the app for the encoding Varnish asks for, one copy
per encoding (brotli, gzip), and a purge drops every copy. Nothing that may carry a secret is
compressed (BREACH).
"""

import gzip
import http.client

import brotli
import pytest
from django.utils import timezone

from articles.tests.factories import ArticleFactory
from tests.test_edge import edge  # noqa: F401 - the fixture

pytestmark = [pytest.mark.deploy, pytest.mark.django_db(transaction=True)]

BROWSER = "gzip, deflate, br, zstd"


def raw_get(port: int, path: str, **headers) -> tuple[int, dict, bytes]:
    """One GET through Varnish, the body left as sent (``edge_get`` decodes it as text)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "localhost", "X-Edge-Debug": "1", **headers})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_feeds_are_brotli_or_gzip_per_reader_one_copy_each_and_a_purge_drops_every_copy(edge):  # noqa: F811
    yesterday = timezone.now() - timezone.timedelta(days=1)
    article = ArticleFactory(headline="Ferry Timetable Changes", published_at=yesterday)
    variants = {}
    for accept, coding in ((BROWSER, "br"), ("gzip", "gzip"), ("", None)):
        raw_get(edge, "/feed/", **{"Accept-Encoding": accept})
        status, headers, body = raw_get(edge, "/feed/", **{"Accept-Encoding": accept})
        assert status == 200
        assert headers["x-edge-cache"] == "hit", (accept, headers)
        assert headers.get("content-encoding") == coding, (accept, headers)
        assert "Accept-Encoding" in headers["vary"]
        assert "X-Edge-Encoding" not in headers["vary"]
        variants[coding] = body
    assert brotli.decompress(variants["br"]) == variants[None]
    assert gzip.decompress(variants["gzip"]) == variants[None]
    assert b"Ferry Timetable Changes" in variants[None]
    # A client refusing brotli with q=0 gets gzip.
    assert raw_get(edge, "/feed/", **{"Accept-Encoding": "br;q=0, gzip"})[1]["content-encoding"] == "gzip"

    article.headline = "Ferry Timetable Changes Again"
    article.save()  # purges a<id>, which the feed carries: every encoding's copy goes

    for accept, coding in ((BROWSER, "br"), ("gzip", "gzip")):
        status, headers, body = raw_get(edge, "/feed/", **{"Accept-Encoding": accept})
        assert headers["x-edge-cache"] == "miss", accept
        text = brotli.decompress(body) if coding == "br" else gzip.decompress(body)
        assert b"Ferry Timetable Changes Again" in text


def test_pages_with_rails_are_spliced_then_gzipped_by_varnish_for_browsers(edge):  # noqa: F811
    article = ArticleFactory(headline="Lighthouse Restored")
    path = article.get_absolute_url()
    raw_get(edge, path, **{"Accept-Encoding": BROWSER})
    status, headers, body = raw_get(edge, path, **{"Accept-Encoding": BROWSER})
    assert status == 200
    assert headers["x-edge-cache"] == "hit"
    assert headers["content-encoding"] == "gzip"
    html = gzip.decompress(body)
    assert b"Lighthouse Restored" in html
    assert b'class="rail"' in html  # the include was processed, not sent on
    assert b"esi:include" not in html
    # A client taking no compression gets the same page, unzipped by Varnish.
    status, headers, plain = raw_get(edge, path)
    assert "content-encoding" not in headers
    assert plain == html


def test_static_files_come_through_varnish_in_brotli_for_browsers(edge, settings):  # noqa: F811
    from django.templatetags.static import static

    path = static("css/site.css")
    raw_get(edge, path, **{"Accept-Encoding": BROWSER})
    status, headers, body = raw_get(edge, path, **{"Accept-Encoding": BROWSER})
    assert status == 200
    assert headers["x-edge-cache"] == "hit"
    assert headers["content-encoding"] == "br"
    assert brotli.decompress(body).startswith(raw_get(edge, path)[2][:64])


@pytest.mark.parametrize("path", ["/admin/login/", "/feed/"])
def test_responses_that_may_carry_a_secret_are_never_compressed_at_the_edge(edge, path):  # noqa: F811
    # The admin's login form holds a CSRF token; any request with a session cookie is passed.
    ArticleFactory()
    status, headers, body = raw_get(edge, path, **{"Accept-Encoding": BROWSER, "Cookie": "sessionid=abc"})
    assert status == 200
    assert headers["x-edge-cache"] == "miss"
    assert "content-encoding" not in headers
    status, headers, body = raw_get(edge, "/admin/login/", **{"Accept-Encoding": "gzip"})
    assert b"csrfmiddlewaretoken" in body
    assert "content-encoding" not in headers
