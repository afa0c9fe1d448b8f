"""What the edge is told to purge when corrections and trust pages change (newsroom.invalidation).

A real HTTP listener on a loopback port stands in for Varnish's purge endpoint and
records each ``PURGE`` it gets, as ``deploy/varnish/newsroom.vcl`` would receive it.
"""

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from articles.models import ArticleUpdate
from articles.tests.factories import ArticleFactory, ArticleUpdateFactory
from pages.tests.factories import TrustPageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def purged(settings):
    """The key sets purged at a listener that NEWSROOM_EDGE_PURGE_URLS points to."""
    received: list[set[str]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_PURGE(self):  # noqa: N802 - the HTTP method's name
            received.append(set(self.headers["xkey-purge"].split()))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.EDGE_PURGE_URLS = [f"http://127.0.0.1:{server.server_port}"]
    yield received
    server.shutdown()
    server.server_close()


def keys_of(received) -> set[str]:
    return set().union(*received) if received else set()


def test_a_saved_or_deleted_correction_purges_the_corrections_list(purged, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    purged.clear()
    with django_capture_on_commit_callbacks(execute=True):
        correction = ArticleUpdateFactory(article=article, kind=ArticleUpdate.Kind.CORRECTION)
    assert {"corrections", f"a{article.pk}"} <= keys_of(purged)
    purged.clear()
    with django_capture_on_commit_callbacks(execute=True):
        correction.delete()
    assert "corrections" in keys_of(purged)


def test_an_update_purges_the_list_only_when_it_is_or_was_a_correction(purged, django_capture_on_commit_callbacks):
    article = ArticleFactory()
    purged.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update = ArticleUpdateFactory(article=article, kind=ArticleUpdate.Kind.UPDATE)
    assert f"a{article.pk}" in keys_of(purged)
    assert "corrections" not in keys_of(purged)
    with django_capture_on_commit_callbacks(execute=True):
        update.kind = ArticleUpdate.Kind.CORRECTION
        update.save()
    purged.clear()
    with django_capture_on_commit_callbacks(execute=True):
        update.kind = ArticleUpdate.Kind.UPDATE  # no longer a correction: it leaves the list
        update.save()
    assert "corrections" in keys_of(purged)


def test_a_saved_trust_page_purges_every_page(purged, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        TrustPageFactory(kind="privacy")
    assert "site" in keys_of(purged)
