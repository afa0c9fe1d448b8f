"""Varnish in front (deploy/varnish/newsroom.vcl): surrogate keys, purges on commit, what is cached.

A real ``varnishd`` (scripts/ensure-varnish.sh, which ``make test`` runs) on a free loopback
port, in front of pytest-django's live server, which shares this test's database: an edit
saved here is purged through ``NEWSROOM_EDGE_PURGE_URLS`` exactly as an app server would.
"""

import http.client
import shutil
import socket
import subprocess
import time
from contextlib import contextmanager

import pytest
from django.utils import timezone

from articles.tests.factories import ArticleFactory, SectionFactory
from newsroom.edge import MAX_ARTICLE_KEYS, edge_keys_header, edge_vcl_render

VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"

pytestmark = [pytest.mark.deploy, pytest.mark.django_db(transaction=True)]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def edge_get(port: int, path: str, **headers) -> tuple[int, dict, str]:
    """One GET through Varnish, asking to see the surrogate keys: status, headers (lower-cased), body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "localhost", "X-Edge-Debug": "1", **headers})
        response = connection.getresponse()
        body = response.read().decode("utf-8", "replace")
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body
    finally:
        connection.close()


@contextmanager
def varnishd(tmp_path, backends: list[tuple[str, int]]):
    """varnishd with the repo's VCL in front of ``backends``; yields its port once a page comes through."""
    if not shutil.which("varnishd") and not shutil.os.path.exists(VARNISHD):
        pytest.fail("varnishd is missing: run scripts/ensure-varnish.sh (make test does).")
    port = _free_port()
    vcl = tmp_path / "newsroom.vcl"
    vcl.write_text(edge_vcl_render(backends=backends))
    log = tmp_path / "varnishd.log"
    command = [VARNISHD, "-F", "-a", f"127.0.0.1:{port}", "-f", str(vcl), "-n", str(tmp_path / "varnish")]
    # -j none: no privilege drop to the varnish user, who cannot read pytest's private tmp folders.
    command += ["-T", "none", "-j", "none", "-s", "malloc,64m", "-p", "backend_idle_timeout=4"]
    with log.open("wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"varnishd exited:\n{log.read_text()[-3000:]}")
            try:
                if edge_get(port, "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"varnishd did not pass /healthz within 30 s:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def edge(live_server, tmp_path, settings):
    """Varnish in front of the live server, purged by this process's saves."""
    backend_port = int(live_server.url.rsplit(":", 1)[1])
    with varnishd(tmp_path, [("127.0.0.1", backend_port)]) as port:
        settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{port}"]
        yield port


def fetched_twice(port: int, path: str) -> dict:
    """GET ``path`` twice; the second must be an edge hit. Returns its headers."""
    edge_get(port, path)
    status, headers, _ = edge_get(port, path)
    assert status == 200
    assert headers["x-edge-cache"] == "hit", headers
    return headers


def test_a_saved_edit_is_fresh_at_the_edge_on_the_next_request_and_other_pages_stay_cached(edge):
    old = timezone.now() - timezone.timedelta(days=3)
    article = ArticleFactory(headline="Harbour Bridge Opens", published_at=old)
    other = ArticleFactory(headline="Rain Expected", section=SectionFactory(), published_at=old)
    article_path = article.get_absolute_url()
    home = fetched_twice(edge, "/")
    assert f"a{article.pk}" in home["xkey"].split()
    fetched_twice(edge, article_path)
    fetched_twice(edge, other.get_absolute_url())
    fetched_twice(edge, other.section.get_absolute_url())

    article.headline = "Harbour Bridge Opens Early"
    article.save()  # a pure text edit: purges a<id> on commit (autocommit here)

    status, headers, body = edge_get(edge, article_path)
    assert headers["x-edge-cache"] == "miss"
    assert "Harbour Bridge Opens Early" in body
    # The front page lists it (it carries a<id>): fresh too.
    _, headers, body = edge_get(edge, "/")
    assert "Harbour Bridge Opens Early" in body
    # Pages that do not show it were not purged.
    assert edge_get(edge, other.get_absolute_url())[1]["x-edge-cache"] == "hit"
    assert edge_get(edge, other.section.get_absolute_url())[1]["x-edge-cache"] == "hit"


def test_an_edited_articles_own_page_is_back_at_the_edge_before_the_save_returns(edge, settings):
    settings.SITE_URL = "http://localhost"  # the readers' host (edge_get's): Varnish keys copies by host
    old = timezone.now() - timezone.timedelta(days=3)
    article = ArticleFactory(headline="Harbour Bridge Opens", published_at=old)
    path = article.get_absolute_url()
    fetched_twice(edge, path)

    article.headline = "Harbour Bridge Opens Early"
    article.save()

    # Each copy Varnish keeps (one per encoding asked, see the VCL) was fetched again after the
    # purge: readers get a hit on the new text at once.
    for encoding in ("br", "gzip"):
        assert edge_get(edge, path, **{"Accept-Encoding": encoding})[1]["x-edge-cache"] == "hit", encoding
    status, headers, body = edge_get(edge, path)
    assert status == 200
    assert headers["x-edge-cache"] == "hit"
    assert "Harbour Bridge Opens Early" in body


def test_publishing_purges_the_lists_it_enters(edge):
    section = SectionFactory()
    ArticleFactory(section=section, headline="Older Story")
    draft = ArticleFactory(section=section, headline="Breaking Story", status="draft", published_at=None)
    section_path = section.get_absolute_url()
    assert "Breaking Story" not in edge_get(edge, section_path)[2]
    assert edge_get(edge, section_path)[1]["x-edge-cache"] == "hit"

    draft.status = "published"
    draft.published_at = timezone.now() - timezone.timedelta(minutes=1)
    draft.save()

    status, headers, body = edge_get(edge, section_path)
    assert headers["x-edge-cache"] == "miss"
    assert "Breaking Story" in body


def test_surrogate_keys_are_hidden_from_readers_and_tracking_parameters_share_one_copy(edge):
    article = ArticleFactory()
    path = article.get_absolute_url()
    fetched_twice(edge, path)
    connection = http.client.HTTPConnection("127.0.0.1", edge, timeout=10)
    connection.request("GET", path + "?utm_source=newsletter&fbclid=abc", headers={"Host": "localhost"})
    response = connection.getresponse()
    response.read()
    connection.close()
    assert response.status == 200
    assert response.getheader("xkey") is None
    assert response.getheader("X-Edge-Cache") == "hit"


def test_editors_with_a_session_cookie_are_never_served_from_the_edge(edge):
    article = ArticleFactory()
    path = article.get_absolute_url()
    fetched_twice(edge, path)
    status, headers, _ = edge_get(edge, path, Cookie="sessionid=abc")
    assert headers["x-edge-cache"] == "miss"


def test_a_purge_is_refused_without_keys():
    # A request for the whole cache (no key) must not be mistaken for a purge of everything.
    assert edge_keys_header([]) == ""


def test_a_response_listing_thousands_of_articles_keeps_only_its_list_keys():
    keys = [f"a{n}" for n in range(MAX_ARTICLE_KEYS + 1)] + ["sitemap", "site"]
    assert edge_keys_header(keys) == "site sitemap"
    assert edge_keys_header(["a1", "home"]) == "a1 home"


def test_purgeable_pages_outlive_their_s_maxage_at_the_edge_but_a_scheduled_story_is_on_time(
    live_server, tmp_path, settings
):
    # Varnish keeps a reader page EDGE_TTL (every change purges it), not its s-maxage; a page whose
    # s-maxage the app cut short because a scheduled story is due keeps the cut.
    settings.PAGE_CACHE_SECONDS = 6
    settings.EDGE_TTL = 3600
    old = timezone.now() - timezone.timedelta(days=3)
    section = SectionFactory()
    article = ArticleFactory(section=section, headline="Quay Repairs Finished", published_at=old)
    backend_port = int(live_server.url.rsplit(":", 1)[1])
    with varnishd(tmp_path, [("127.0.0.1", backend_port)]) as port:
        settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{port}"]
        path = article.get_absolute_url()
        headers = fetched_twice(port, path)
        assert "s-maxage=6" in headers["cache-control"]
        time.sleep(7)
        _, headers, _ = edge_get(port, path)
        assert headers["x-edge-cache"] == "hit"
        assert int(headers["age"]) >= 7

        ArticleFactory(
            section=section,
            headline="Evening Ferry Returns",
            status="scheduled",
            published_at=timezone.now() + timezone.timedelta(seconds=4),
        )  # purges the section page; its next copy expires when the story is due
        section_path = section.get_absolute_url()
        _, headers, body = edge_get(port, section_path)
        assert "Evening Ferry Returns" not in body
        assert edge_get(port, section_path)[1]["x-edge-cache"] == "hit"
        time.sleep(5)
        _, headers, body = edge_get(port, section_path)
        assert "Evening Ferry Returns" in body
