"""The full-page cache middleware, driven through Django's whole middleware stack.

The views here are small on purpose (this module is also the URLconf of its
tests): each records its calls, so "served from the cache" means "the view did
not run". The real reader pages are covered in ``articles/tests/test_cache.py``.
"""

import pytest
from django.contrib.auth import get_user_model
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.middleware.csrf import get_token
from django.template import engines
from django.urls import include, path
from django.utils.cache import patch_cache_control
from django.views.decorators.cache import never_cache

from newsroom.caching import generation as page_cache_state
from newsroom.caching.generation import page_cache_invalidate
from newsroom.caching.middleware import PageCacheMiddleware, etag_matches, query_normalise
from newsroom.circuit import redis_circuit

CALLS: list[str] = []


def _counted(name):
    def view(request):
        CALLS.append(name)
        return HttpResponse(f"{name} #{len(CALLS)} {request.GET.urlencode()}", content_type="text/html; charset=utf-8")

    return view


@never_cache
def never_view(request):
    CALLS.append("never")
    return HttpResponse("preview")


def private_view(request):
    CALLS.append("private")
    response = HttpResponse("mine")
    patch_cache_control(response, private=True, max_age=60)
    return response


def cookie_view(request):
    CALLS.append("cookie")
    response = HttpResponse("with cookie")
    response.set_cookie("theme", "dark")
    return response


def session_view(request):
    CALLS.append("session")
    # Reading the session makes SessionMiddleware add "Vary: Cookie".
    return HttpResponse(f"visits {request.session.get('visits', 0)}")


def csrf_view(request):
    CALLS.append("csrf")
    return HttpResponse(f"<form><input name=csrfmiddlewaretoken value={get_token(request)}></form>")


def redirect_view(request):
    CALLS.append("redirect")
    return HttpResponsePermanentRedirect("/page/")


def missing_view(request):
    CALLS.append("missing")
    return HttpResponse("gone", status=404)


def post_view(request):
    CALLS.append(f"post-{request.method}")
    return HttpResponse("posted")


def nonce_view(request):
    CALLS.append("nonce")
    template = engines["django"].from_string('<script nonce="{{ request.csp_nonce }}" src="/static/x.js"></script>')
    return HttpResponse(template.render({}, request))


def racing_view(request):
    # An editor's save lands while this page is being rendered.
    CALLS.append("racing")
    page_cache_invalidate()
    return HttpResponse("old content")


urlpatterns = [
    path("page/", _counted("page"), name="page"),
    path("other/", _counted("other")),
    path("admin/thing/", _counted("admin")),
    path("never/", never_view),
    path("private/", private_view),
    path("cookie/", cookie_view),
    path("session/", session_view),
    path("csrf/", csrf_view),
    path("redirect/", redirect_view),
    path("missing/", missing_view),
    path("post/", post_view),
    path("nonce/", nonce_view),
    path("racing/", racing_view),
    # Everything else as in production (other middleware reverses its own URLs).
    path("", include("newsroom.urls")),
]

pytestmark = [pytest.mark.urls("tests.caching.test_middleware"), pytest.mark.django_db]


@pytest.fixture(autouse=True)
def _reset(settings):
    CALLS.clear()
    # The parameters /page/ reads, as PAGE_CACHE_QUERY_PARAMS declares them for the real reader views.
    settings.PAGE_CACHE_QUERY_PARAMS = {"page": ["page", "a", "b", "x"]}
    redis_circuit.reset()
    yield
    redis_circuit.reset()


def test_second_request_is_a_hit_without_running_the_view_or_any_query(client, django_assert_num_queries):
    first = client.get("/page/")
    assert first.status_code == 200
    assert first["X-Cache"] == "miss"
    with django_assert_num_queries(0):
        second = client.get("/page/")
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Content-Type"] == "text/html; charset=utf-8"
    assert CALLS == ["page"]


def test_hits_carry_the_security_headers_of_the_original_page(client):
    first = client.get("/page/")
    second = client.get("/page/")
    assert second["X-Cache"] == "hit"
    for header in ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy"):
        assert second[header] == first[header]


def test_a_nonce_replayed_from_the_cache_matches_its_body(client):
    first = client.get("/nonce/")
    second = client.get("/nonce/")
    assert second["X-Cache"] == "hit"
    nonce = second.content.decode().split('nonce="')[1].split('"')[0]
    assert f"'nonce-{nonce}'" in second["Content-Security-Policy"]
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_cache_control_for_anonymous_pages(client, settings):
    settings.PAGE_CACHE_SECONDS = 240
    settings.PAGE_CACHE_BROWSER_SECONDS = 30
    miss = client.get("/page/")
    assert miss["Cache-Control"] == "public, max-age=30, s-maxage=240"
    hit = client.get("/page/")
    directives = dict(part.strip().partition("=")[::2] for part in hit["Cache-Control"].split(","))
    assert "public" in directives
    assert directives["max-age"] == "30"
    # The remaining lifetime, never more than what the server itself keeps.
    assert 238 <= int(directives["s-maxage"]) <= 240


def test_query_strings_distinguish_pages_and_are_normalised(client):
    assert client.get("/page/?page=2").content.startswith(b"page #1 page=2")
    assert client.get("/page/?page=3").content.startswith(b"page #2 page=3")
    assert client.get("/page/")["X-Cache"] == "miss"
    # Same parameters in another order, or with tracking parameters: the same page.
    assert client.get("/page/?b=2&a=1")["X-Cache"] == "miss"
    assert client.get("/page/?a=1&b=2")["X-Cache"] == "hit"
    hit = client.get("/page/?utm_source=newsletter&page=2&fbclid=xyz")
    assert hit["X-Cache"] == "hit"
    assert hit.content.startswith(b"page #1 page=2")
    # Repeated names keep their order: Django reads the last value.
    assert client.get("/page/?x=1&x=2")["X-Cache"] == "miss"
    assert client.get("/page/?x=2&x=1")["X-Cache"] == "miss"
    assert CALLS == ["page"] * 6


def test_normalised_query_matches_djangos_parsing():
    known = frozenset({"a", "b", "q", "page"})
    assert query_normalise("b=2&a=1&utm_medium=x", known) == "a=1&b=2"
    assert query_normalise("q=caf%C3%A9+au+lait&page=", known) == "page=&q=caf%C3%A9+au+lait"
    assert query_normalise("a=1;b=2", known) == "a=1%3Bb%3D2"


def test_host_is_part_of_the_key_and_a_forged_host_is_refused(client):
    client.get("/page/", HTTP_HOST="localhost")
    assert client.get("/page/", HTTP_HOST="127.0.0.1")["X-Cache"] == "miss"
    assert client.get("/page/", HTTP_HOST="localhost")["X-Cache"] == "hit"
    assert client.get("/page/", HTTP_HOST="evil.example").status_code == 400


def test_very_long_query_strings_are_served_but_not_stored(client):
    query = "q=" + "x" * 600
    assert client.get(f"/page/?{query}").status_code == 200
    assert client.get(f"/page/?{query}").status_code == 200
    assert CALLS == ["page", "page"]


def test_post_is_never_cached_nor_answered_from_the_cache(client):
    client.get("/post/")
    assert client.get("/post/")["X-Cache"] == "hit"
    for _ in range(2):
        response = client.post("/post/", {"a": "1"})
        assert response.content == b"posted"
        assert "X-Cache" not in response
    assert CALLS == ["post-GET", "post-POST", "post-POST"]


def test_head_is_answered_from_a_stored_get_but_never_stores(client):
    head = client.head("/page/")
    assert head["X-Cache"] == "miss"
    assert client.get("/page/")["X-Cache"] == "miss"
    head = client.head("/page/")
    assert head["X-Cache"] == "hit"
    assert head.content == b""
    assert CALLS == ["page", "page"]


@pytest.mark.parametrize("url", ["/never/", "/private/", "/cookie/", "/session/", "/csrf/", "/missing/"])
def test_personal_or_uncacheable_responses_are_not_stored(client, url):
    first = client.get(url)
    second = client.get(url)
    assert second["X-Cache"] == "miss"
    assert len(CALLS) == 2
    if url in ("/never/", "/private/"):
        assert "public" not in second["Cache-Control"]
    assert first.get("ETag") is None


def test_permanent_redirects_are_cached(client):
    client.get("/redirect/")
    hit = client.get("/redirect/")
    assert hit.status_code == 301
    assert hit["Location"] == "/page/"
    assert hit["X-Cache"] == "hit"
    assert CALLS == ["redirect"]


def test_excluded_paths_are_never_cached(client):
    for _ in range(2):
        response = client.get("/admin/thing/")
        assert "X-Cache" not in response
    assert CALLS == ["admin", "admin"]
    healthz = client.get("/healthz")
    assert "X-Cache" not in healthz


def test_logged_in_editor_is_never_served_nor_populates_the_cache(client):
    editor = get_user_model().objects.create_user("editor", is_staff=True)
    client.get("/page/")  # an anonymous reader fills the cache
    client.force_login(editor)
    for url in ("/page/", "/other/", "/other/"):
        response = client.get(url)
        assert response["X-Cache"] == "bypass"
        assert response["Cache-Control"] == "private, no-cache"
    assert CALLS == ["page", "page", "other", "other"]

    client.logout()
    # The editor's visits stored nothing: the first anonymous reader gets a fresh render.
    assert client.get("/other/")["X-Cache"] == "miss"
    assert client.get("/other/")["X-Cache"] == "hit"


def test_http_authentication_bypasses_the_cache(client):
    client.get("/page/")
    response = client.get("/page/", HTTP_AUTHORIZATION="Basic ZWRpdG9yOnNlY3JldA==")
    assert response["X-Cache"] == "bypass"
    assert CALLS == ["page", "page"]


def test_an_unrelated_cookie_does_not_bypass_the_cache(client):
    client.get("/page/")
    client.cookies["csrftoken"] = "abc"
    client.cookies["_ga"] = "GA1.1"
    assert client.get("/page/")["X-Cache"] == "hit"


def test_if_none_match_gets_304_on_hits_and_on_misses(client):
    first = client.get("/redirect/")  # stable body, so a re-render produces the same ETag
    etag = first["ETag"]
    hit = client.get("/redirect/", HTTP_IF_NONE_MATCH=etag)
    assert hit.status_code == 304
    assert hit["X-Cache"] == "hit"
    assert hit["ETag"] == etag
    assert hit.content == b""
    assert hit["Cache-Control"].startswith("public")

    page_cache_invalidate()
    miss = client.get("/redirect/", HTTP_IF_NONE_MATCH=f'"other", W/{etag}')
    assert miss.status_code == 304
    assert miss["X-Cache"] == "miss"
    assert miss["ETag"] == etag
    assert CALLS == ["redirect", "redirect"]

    stale = client.get("/redirect/", HTTP_IF_NONE_MATCH='"not-this-one"')
    assert stale.status_code == 301


def test_etag_comparison():
    assert etag_matches('"abc"', '"abc"')
    assert etag_matches('W/"abc"', '"abc"')
    assert etag_matches('"x", "abc"', '"abc"')
    assert etag_matches("*", '"abc"')
    assert not etag_matches('"abcd"', '"abc"')
    assert not etag_matches("garbage", '"abc"')


def test_invalidation_makes_every_stored_page_stale(client):
    client.get("/page/")
    client.get("/other/")
    page_cache_invalidate()
    assert client.get("/page/")["X-Cache"] == "miss"
    assert client.get("/other/")["X-Cache"] == "miss"
    assert client.get("/other/")["X-Cache"] == "hit"


def test_a_change_during_rendering_leaves_that_page_stale(client):
    client.get("/racing/")
    # The page was stored under the generation read before rendering, which the
    # change made stale: the next reader must not get the old content.
    assert client.get("/racing/")["X-Cache"] == "miss"
    assert CALLS == ["racing", "racing"]


def test_a_lost_generation_is_recreated_and_old_pages_are_not_revived(client):
    from django.core.cache import cache

    client.get("/page/")
    path = page_cache_state.page_cache_generation_file()
    if path is None:
        cache.delete(page_cache_state.GENERATION_KEY)
    else:
        path.unlink()
    assert client.get("/page/")["X-Cache"] == "miss"
    assert client.get("/page/")["X-Cache"] == "hit"


def test_disabled_cache_passes_everything_through(client, settings):
    settings.PAGE_CACHE_ENABLED = False
    for _ in range(2):
        assert "X-Cache" not in client.get("/page/")
    assert CALLS == ["page", "page"]


def test_a_cache_outage_never_breaks_pages_nor_saves(client, settings):
    settings.CACHES = {
        **settings.CACHES,
        "unreachable": {
            "BACKEND": "newsroom.caching.backends.RedisCache",
            # Nothing listens on port 1: connections are refused at once.
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2},
        },
    }
    settings.PAGE_CACHE_ALIAS = "unreachable"
    for _ in range(2):
        response = client.get("/page/")
        assert response.status_code == 200
    assert CALLS == ["page", "page"]
    redis_circuit.reset()
    page_cache_invalidate()  # logs, does not raise
    assert not page_cache_state.page_cache_available()


def test_middleware_can_be_built_alone(rf):
    """Direct use with a RequestFactory, as the articles tests do for previews."""
    calls = []

    def view(request):
        calls.append(1)
        return HttpResponse("x")

    mw = PageCacheMiddleware(view)
    assert mw(rf.get("/page/"))["X-Cache"] == "miss"
    assert mw(rf.get("/page/"))["X-Cache"] == "hit"
    assert len(calls) == 1
