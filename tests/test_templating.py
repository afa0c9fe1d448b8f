"""Two template engines: Jinja2 for reader pages, Django's for the admin; helpers shared by both."""

import uuid

import pytest
from django.template import engines
from django.template.backends.django import DjangoTemplates
from django.template.backends.jinja2 import Jinja2
from django.template.loader import get_template
from django.utils.safestring import mark_safe


@pytest.mark.parametrize(
    "name",
    ["base.html", "articles/article_detail.html", "includes/rail.html", "rankings/ranking_page.html", "404.html"],
)
def test_reader_templates_are_jinja2(name):
    assert isinstance(get_template(name).backend, Jinja2)


@pytest.mark.parametrize(
    "name", ["admin/articles/article/change_form.html", "rankings/admin/traffic.html", "articles/feeds/sitemap.xml"]
)
def test_admin_and_sitemap_templates_stay_with_django(name):
    assert isinstance(get_template(name).backend, DjangoTemplates)


@pytest.mark.parametrize("debug", [False, True])
def test_missing_variables_render_as_nothing_even_in_debug(settings, debug):
    settings.DEBUG = debug
    template = engines["jinja2"].from_string("[{{ missing }}][{{ missing.attr }}]")
    assert template.render({}) == "[][]"


def test_output_is_escaped_unless_safe():
    template = engines["jinja2"].from_string("{{ raw }}|{{ safe }}")
    assert template.render({"raw": "<b>&", "safe": mark_safe("<i>ok</i>")}) == "&lt;b&gt;&amp;|<i>ok</i>"


def test_url_static_and_filters_are_available():
    template = engines["jinja2"].from_string(
        "{{ url('articles:tag', 'energy') }} {{ static('css/site.css') }} {{ 'x'|linebreaks }}\n"
    )
    html = template.render({})
    assert html.startswith("/tag/energy/ /static/css/site.")
    assert html.endswith("<p>x</p>\n")  # the last newline is kept, as Django templates keep it


def test_static_urls_are_remembered_and_follow_debug(settings):
    from django.contrib.staticfiles.storage import staticfiles_storage

    hashed = staticfiles_storage.url("css/site.css")
    assert hashed != "/static/css/site.css"
    assert hashed.endswith(".css")
    assert staticfiles_storage.url("css/site.css") == hashed
    settings.DEBUG = True
    assert staticfiles_storage.url("css/site.css") == "/static/css/site.css"
    settings.DEBUG = False
    assert staticfiles_storage.url("css/site.css") == hashed
    with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
        staticfiles_storage.url("css/no-such-file.css")


def test_redis_cache_keeps_one_client_per_server():
    from newsroom.caching.backends import RedisCache

    # A prefix of this run's own: the SQLite and PostgreSQL legs of CI run side by side.
    redis_cache = RedisCache("redis://127.0.0.1:6379/13", {"KEY_PREFIX": f"newsroom-test-client-{uuid.uuid4().hex}"})
    client = redis_cache.client.get_client()
    assert redis_cache.client.get_client(write=True) is client
    assert redis_cache.client.get_client(write=False) is client
    redis_cache.set("probe", {"a": 1}, 30)
    assert redis_cache.get("probe") == {"a": 1}
    assert redis_cache.get_many(["probe", "missing"]) == {"probe": {"a": 1}}
    redis_cache.delete("probe")
    assert redis_cache.get("probe") is None
