"""reverse_cached: remembered URLs that are never wrong."""

import pytest
from django.urls import NoReverseMatch, reverse, set_script_prefix

from newsroom.caching.urls import _reverse, reverse_cached


def test_same_answer_as_reverse_and_remembered():
    _reverse.cache_clear()

    first = reverse_cached("articles:tag", "climate")
    again = reverse_cached("articles:tag", "climate")

    assert first == again == reverse("articles:tag", args=["climate"])
    assert reverse_cached("articles:detail", pk=7, slug="a-story") == "/articles/7/a-story/"
    assert _reverse.cache_info().hits == 1


def test_the_script_prefix_is_part_of_the_key():
    try:
        set_script_prefix("/news/")
        assert reverse_cached("articles:section", slug="politics") == "/news/section/politics/"
    finally:
        set_script_prefix("/")
    assert reverse_cached("articles:section", slug="politics") == "/section/politics/"


def test_a_changed_urlconf_is_followed(settings):
    assert reverse_cached("articles:search") == "/search/"
    settings.ROOT_URLCONF = "articles.tests.urls_moved"
    assert reverse_cached("articles:search") == "/elsewhere/search/"


def test_a_missing_route_still_raises():
    with pytest.raises(NoReverseMatch):
        reverse_cached("articles:tag", "no spaces allowed")
