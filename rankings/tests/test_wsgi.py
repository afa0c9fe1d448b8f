"""The beacon at the WSGI level (rankings.wsgi): the same answers, counts and headers as through Django."""

import io
from wsgiref.util import setup_testing_defaults

import pytest
from django.contrib.auth import get_user_model

from articles.tests.factories import ArticleFactory
from newsroom.wsgi import application
from rankings import services
from rankings.models import RejectedViewHourly
from rankings.tests import beacon_support
from rankings.tests.beacon_support import BEACON_URL, GOOGLEBOT_UA, READER_UA, counted_views, post_beacon, rejected
from rankings.tokens import page_view_token_make
from rankings.wsgi import BeaconRequest

Reason = RejectedViewHourly.Reason
counter_backend = beacon_support.counter_backend

pytestmark = pytest.mark.django_db


def wsgi_call(*, body: bytes = b"", method="POST", path=BEACON_URL, host="testserver", **extra):
    """Call the project's WSGI application (as gunicorn does); (status, headers) of the answer."""
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

    chunks = application(environ, start_response)
    b"".join(chunks)
    if hasattr(chunks, "close"):
        chunks.close()
    return answer["status"], answer["headers"]


def beacon_body(article_id, token=None) -> bytes:
    return f"a={article_id}&t={token or page_view_token_make(article_id=article_id)}".encode()


def test_a_beacon_counts_once_and_answers_like_django(counter_backend, client):
    article = ArticleFactory()

    status, headers = wsgi_call(body=beacon_body(article.pk))
    again, _ = wsgi_call(body=beacon_body(article.pk))

    assert status == again == "204 No Content"
    assert counted_views(article) == 1
    assert rejected(Reason.REPEAT) == 1
    through_django = post_beacon(client, article.pk, ip="203.0.113.99")
    assert through_django.status_code == 204
    # SecurityMiddleware's headers and the view's own, as the ordinary path gives them.
    assert headers == dict(through_django.items())
    assert headers["Cache-Control"] == "no-store"
    assert headers["X-Content-Type-Options"] == "nosniff"


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


def test_the_beacon_request_keeps_the_bare_content_type():
    environ = {"REQUEST_METHOD": "POST", "CONTENT_TYPE": " Application/X-Www-Form-Urlencoded ;charset=UTF-8"}
    setup_testing_defaults(environ)
    request = BeaconRequest(environ)
    assert (request.content_type, request.content_params) == ("application/x-www-form-urlencoded", {})


@pytest.mark.parametrize(
    ("body", "extra", "expected", "reason"),
    [
        (b"a=1&t=forged", {}, "204 No Content", Reason.BAD_TOKEN),
        (b"junk", {}, "400 Bad Request", Reason.BAD_TOKEN),
        (b"a=1&t=" + b"x" * 5000, {}, "413 Request Entity Too Large", None),
        (None, {"HTTP_USER_AGENT": GOOGLEBOT_UA}, "204 No Content", Reason.BOT),
    ],
)
def test_bad_beacons_get_the_same_answers_as_through_django(body, extra, expected, reason, client):
    article = ArticleFactory()
    body = beacon_body(article.pk) if body is None else body.replace(b"a=1", f"a={article.pk}".encode())

    status, _ = wsgi_call(body=body, **extra)
    headers = {"HTTP_" + k[5:] if not k.startswith("HTTP_") else k: v for k, v in extra.items()}
    through_django = client.post(
        BEACON_URL,
        data=body,
        content_type="application/x-www-form-urlencoded",
        **{"HTTP_USER_AGENT": READER_UA, **headers},
    )

    assert status == expected
    assert f"{through_django.status_code} {through_django.reason_phrase}" == expected
    assert counted_views(article) == 0
    if reason is not None:
        assert rejected(reason) == 2


def test_a_foreign_host_is_refused_with_400():
    article = ArticleFactory()
    status, _ = wsgi_call(body=beacon_body(article.pk), host="evil.example")
    assert status.startswith("400")
    assert counted_views(article) == 0


@pytest.mark.django_db(transaction=True)
def test_other_methods_and_paths_go_to_django():
    assert wsgi_call(method="GET")[0] == "405 Method Not Allowed"
    assert wsgi_call(method="GET", path="/healthz")[0] == "200 OK"


# Django's own handler closes a connection found inside a transaction at each request start:
# outside the test's transaction, as in production.
@pytest.mark.django_db(transaction=True)
def test_an_editor_with_a_session_takes_the_ordinary_path_and_is_not_counted(client):
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

    monkeypatch.setattr(services, "page_view_record", broken)
    monkeypatch.setattr("rankings.views.page_view_record", broken)

    status, _ = wsgi_call(body=beacon_body(article.pk))

    assert status == "500 Internal Server Error"


def test_the_redirect_to_https_applies_as_through_django(settings, client):
    settings.SECURE_SSL_REDIRECT = True
    article = ArticleFactory()

    status, headers = wsgi_call(body=beacon_body(article.pk))
    through_django = post_beacon(client, article.pk)

    assert status == "301 Moved Permanently"
    assert headers["Location"] == "https://testserver/rankings/beacon"
    assert through_django.status_code == 301
    assert counted_views(article) == 0
