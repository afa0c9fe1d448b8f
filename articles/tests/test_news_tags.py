"""The reader-page template helpers: Tokyo times, the dateline-led body, pagination links."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from articles.templatetags.news import jst, jst_iso, time_jst, with_dateline


def utc(*args):
    return datetime(*args, tzinfo=UTC)


@pytest.mark.parametrize(
    ("moment", "text", "iso"),
    [
        # The reference example: 22:05 UTC is 7:05 the next morning in Tokyo, no leading zero on the hour.
        (utc(2026, 1, 16, 22, 5), "7:05 JST, January 17, 2026", "2026-01-17T07:05:00+09:00"),
        (utc(2026, 1, 17, 0, 12), "9:12 JST, January 17, 2026", "2026-01-17T09:12:00+09:00"),
        # Midnight and noon in Tokyo.
        (utc(2026, 3, 31, 15, 0), "0:00 JST, April 1, 2026", "2026-04-01T00:00:00+09:00"),
        (utc(2026, 4, 1, 3, 0), "12:00 JST, April 1, 2026", "2026-04-01T12:00:00+09:00"),
        # A UTC evening that is already the next day (and year) in Tokyo.
        (utc(2025, 12, 31, 20, 30), "5:30 JST, January 1, 2026", "2026-01-01T05:30:00+09:00"),
        (utc(2026, 7, 4, 14, 59, 59, 999999), "23:59 JST, July 4, 2026", "2026-07-04T23:59:59+09:00"),
    ],
)
def test_times_are_shown_in_tokyo(moment, text, iso):
    assert jst(moment) == text
    assert jst_iso(moment) == iso
    assert time_jst(moment) == f'<time datetime="{iso}">{text}</time>'


def test_other_zones_and_naive_values_convert_correctly():
    new_york = timezone(timedelta(hours=-5))
    assert jst(datetime(2026, 1, 16, 17, 5, tzinfo=new_york)) == "7:05 JST, January 17, 2026"
    # Naive values are taken as UTC, as stored.
    assert jst(datetime(2026, 1, 16, 22, 5)) == "7:05 JST, January 17, 2026"


@pytest.mark.parametrize("value", [None, "", "2026-01-17", 0])
def test_non_datetimes_render_nothing(value):
    assert jst(value) == ""
    assert jst_iso(value) == ""
    assert time_jst(value) == ""


def test_the_filters_work_in_templates_whatever_the_active_time_zone(settings):
    settings.TIME_ZONE = "UTC"
    out = Template("{% load news %}{{ t|time_jst }}").render(Context({"t": utc(2026, 1, 16, 22, 5)}))
    assert out == '<time datetime="2026-01-17T07:05:00+09:00">7:05 JST, January 17, 2026</time>'


def test_dateline_leads_the_first_paragraph():
    html = with_dateline("<p>In a speech, the minister said.</p><p>More.</p>", "WASHINGTON")
    assert html == '<p><span class="dateline">WASHINGTON — </span>In a speech, the minister said.</p><p>More.</p>'


def test_dateline_before_a_body_that_does_not_open_with_a_paragraph():
    html = with_dateline("<h2>Background</h2><p>Text.</p>", "OSAKA")
    assert html == '<p><span class="dateline">OSAKA — </span></p><h2>Background</h2><p>Text.</p>'


def test_no_dateline_leaves_the_body_alone():
    assert with_dateline("<p>Text.</p>", "") == "<p>Text.</p>"
    assert with_dateline("<p>Text.</p>", "   ") == "<p>Text.</p>"


def test_dateline_is_escaped_and_the_body_sanitized_again():
    html = with_dateline('<p onclick="x()">Hi<script>alert(1)</script></p>', "<img src=x onerror=alert(1)>")
    assert "<script" not in html
    assert "onclick" not in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; — " in html


def test_page_url_keeps_other_parameters_and_drops_page_one():
    template = Template("{% load news %}{% page_url 2 %}|{% page_url 1 %}")
    request = RequestFactory().get("/search/", {"q": "tokyo bay", "page": "3"})
    assert (
        template.render(Context({"request": request})) == "?q=tokyo+bay&amp;page=2|?q=tokyo+bay"
    )  # escaped for the href attribute
    request = RequestFactory().get("/section/politics/", {"page": "3"})
    assert template.render(Context({"request": request})) == "?page=2|/section/politics/"


def test_equal_instants_in_any_zone_give_the_same_time_element():
    moment = utc(2026, 1, 16, 22, 5)
    tokyo = moment.astimezone(timezone(timedelta(hours=9)))
    new_york = moment.astimezone(timezone(timedelta(hours=-5)))

    expected = '<time datetime="2026-01-17T07:05:00+09:00">7:05 JST, January 17, 2026</time>'
    assert time_jst(moment) == time_jst(tokyo) == time_jst(new_york) == expected
    assert time_jst(moment + timedelta(minutes=1)) != expected
