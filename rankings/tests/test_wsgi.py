"""The beacon through the project's WSGI application, as gunicorn calls it: Django's handler for everything.

There is one entry point: ``newsroom.wsgi.application`` hands the beacon to
Django's handler like any request, so the request signals run (connections
are health-checked and recycled), ``SecurityMiddleware`` adds its headers and
redirect, ``CommonMiddleware`` checks the host, and errors are answered as
Django answers them.
"""

import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started

from articles.tests.factories import ArticleFactory
from newsroom import wsgi
from rankings.models import RejectedViewHourly
from rankings.tests import beacon_support
from rankings.tests.beacon_support import BEACON_URL, GOOGLEBOT_UA, READER_UA, counted_views, post_beacon, rejected
from rankings.tokens import page_view_token_make

Reason = RejectedViewHourly.Reason
counter_backend = beacon_support.counter_backend

# Outside a test transaction, as in production: Django's handler closes a connection found
# inside a transaction when a request starts (request_started), as every request does.
pytestmark = pytest.mark.django_db(transaction=True)


def wsgi_call(*, body: bytes = b"", method="POST", path=BEACON_URL, host="testserver", app=None, **extra):
    """Call the project's WSGI application (as gunicorn does), or ``app``; (status, headers) of the answer."""
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "SERVER_NAME": "testserver",
        "HTTP_HOST": host,
        "REMOTE_ADDR": "203.0.113.10",
        "HTTP_USER_AGENT": READER_UA,
        "CONTENT_TYPE": "application/x-www-form-urlencoded",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **extra,
    }
    setup_testing_defaults(environ)  # the rest of a WSGI environ, as a server fills it in
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = status, dict(headers)

    chunks = (app or wsgi.application)(environ, start_response)
    b"".join(chunks)
    chunks.close()  # as a WSGI server does: Django sends request_finished here
    return answer["status"], answer["headers"]


def beacon_body(article_id, token=None) -> bytes:
    return f"a={article_id}&t={token or page_view_token_make(article_id=article_id)}".encode()


def test_the_project_s_wsgi_application_is_django_s_own_handler():
    assert type(wsgi.application) is WSGIHandler


def test_a_beacon_counts_once_with_django_s_security_headers(counter_backend, client):
    article = ArticleFactory()

    status, headers = wsgi_call(body=beacon_body(article.pk))
    again, _ = wsgi_call(body=beacon_body(article.pk))

    assert status == again == "204 No Content"
    assert counted_views(article) == 1
    assert rejected(Reason.REPEAT) == 1
    # SecurityMiddleware's headers, XFrameOptionsMiddleware's and the view's own.
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == settings.SECURE_REFERRER_POLICY
    assert headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in headers
    # The same answer as the test client's (which runs the same handler).
    assert set(headers) == set(dict(post_beacon(client, article.pk, ip="203.0.113.99").items()))


def test_the_request_signals_run_for_every_beacon():
    """``request_started``/``request_finished`` recycle database connections: a beacon must send them."""
    article = ArticleFactory()
    sent = []

    def started(**kwargs):
        sent.append("started")

    def finished(**kwargs):
        sent.append("finished")

    request_started.connect(started)
    request_finished.connect(finished)
    try:
        status, _ = wsgi_call(body=beacon_body(article.pk))
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert status == "204 No Content"
    assert sent == ["started", "finished"]
    assert counted_views(article) == 1


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded;charset=UTF-8", "text/plain;charset=UTF-8", "", "junk;;;=="],
)
def test_a_beacon_counts_whatever_its_content_type_says(content_type):
    """sendBeacon sends a charset parameter; the body is read raw, so no content type changes the count."""
    article = ArticleFactory()
    status, _ = wsgi_call(body=beacon_body(article.pk), CONTENT_TYPE=content_type)
    assert status == "204 No Content"
    assert counted_views(article) == 1
    assert rejected() == {}


@pytest.mark.parametrize(
    ("body", "extra", "expected", "reason"),
    [
        (b"a=1&t=forged", {}, "204 No Content", Reason.BAD_TOKEN),
        (b"junk", {}, "400 Bad Request", Reason.BAD_TOKEN),
        (b"a=1&t=" + b"x" * 5000, {}, "413 Request Entity Too Large", None),
        (None, {"HTTP_USER_AGENT": GOOGLEBOT_UA}, "204 No Content", Reason.BOT),
        (None, {"CONTENT_LENGTH": "nope"}, "400 Bad Request", None),
    ],
)
def test_bad_beacons_are_answered_without_counting(body, extra, expected, reason):
    article = ArticleFactory()
    body = beacon_body(article.pk) if body is None else body.replace(b"a=1", f"a={article.pk}".encode())
    status, _ = wsgi_call(body=body, **extra)
    assert status == expected
    assert counted_views(article) == 0
    if reason is not None:
        assert rejected() == {reason: 1}


def test_a_foreign_host_is_refused_with_400():
    article = ArticleFactory()
    status, _ = wsgi_call(body=beacon_body(article.pk), host="evil.example")
    assert status.startswith("400")
    assert counted_views(article) == 0


def test_other_methods_are_refused():
    assert wsgi_call(method="GET")[0] == "405 Method Not Allowed"
    assert wsgi_call(method="PUT")[0] == "405 Method Not Allowed"


def test_an_editor_with_a_session_is_recognised_and_not_counted(client):
    article = ArticleFactory()
    editor = get_user_model().objects.create_user("ed", password="x", is_staff=True)
    client.force_login(editor)
    cookie = f"{client.cookies['sessionid'].key}={client.cookies['sessionid'].value}"

    status, _ = wsgi_call(body=beacon_body(article.pk), HTTP_COOKIE=cookie)

    assert status == "204 No Content"
    assert counted_views(article) == 0
    assert rejected(Reason.STAFF) == 1


def test_an_unexpected_error_is_answered_as_django_answers_it(monkeypatch):
    article = ArticleFactory()

    def broken(**kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("rankings.views.page_view_record", broken)

    status, _ = wsgi_call(body=beacon_body(article.pk))

    assert status == "500 Internal Server Error"


def test_the_redirect_to_https_applies(settings):
    settings.SECURE_SSL_REDIRECT = True
    article = ArticleFactory()

    # A handler of its own: Django's middleware reads its settings when it is built.
    status, headers = wsgi_call(body=beacon_body(article.pk), app=WSGIHandler())

    assert status == "301 Moved Permanently"
    assert headers["Location"] == "https://testserver/rankings/beacon"
    assert counted_views(article) == 0
