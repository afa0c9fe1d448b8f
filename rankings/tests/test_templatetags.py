"""The two list tags: markup, accessibility, one query at most, caching."""

from datetime import timedelta
from html import unescape

import pytest
from django.core.cache import cache
from django.template import Context, Template
from django.utils import timezone

from articles.tests.factories import ArticleFactory, SectionFactory
from rankings.models import PageViewHourly
from rankings.services import ranking_cache_bump, ranking_snapshots_update

pytestmark = pytest.mark.django_db


def render(source: str, **context) -> str:
    return Template("{% load rankings %}" + source).render(Context(context))


def views(article, count, *, hours_ago=1):
    hour = (timezone.now() - timedelta(hours=hours_ago)).replace(minute=0, second=0, microsecond=0)
    PageViewHourly.objects.update_or_create(article=article, hour=hour, defaults={"views": count})


@pytest.fixture
def section():
    return SectionFactory(name="Science & Nature", slug="science")


@pytest.fixture
def ranked(section):
    """Seven articles in ``section`` with distinct view counts, and current snapshots."""
    articles = [ArticleFactory(section=section, headline=f"Story {n}") for n in range(7)]
    for n, article in enumerate(articles):
        views(article, 10 * (n + 1))
    ranking_snapshots_update()
    return articles


def test_top_in_section_lists_five_numbered_links(section, ranked):
    html = render("{% ranking_top_in_section section %}", section=section)

    assert "Top Articles in Science &amp; Nature" in html
    assert html.count('<li class="ranking-item">') == 5
    assert "<ol" in html
    # Most viewed first, each linking to its article.
    expected = [ranked[n] for n in (6, 5, 4, 3, 2)]
    positions = [html.index(f'href="{a.get_absolute_url()}"') for a in expected]
    assert positions == sorted(positions)
    assert ranked[0].get_absolute_url() not in html


def test_access_ranking_is_site_wide(section, ranked):
    other = ArticleFactory(section=SectionFactory(), headline="Elsewhere Leads")
    views(other, 10_000)
    ranking_snapshots_update()
    cache.clear()

    access = render("{% ranking_access %}")
    top = render("{% ranking_top_in_section section %}", section=section)

    assert "Access Ranking" in access
    assert access.index("Elsewhere Leads") < access.index("Story 6")
    assert "Elsewhere Leads" not in top


def test_movement_arrows_are_glyphs_with_words(section, ranked):
    views(ArticleFactory(section=section), 1000)  # from nowhere to first: new; the others move down one
    ranking_snapshots_update()
    cache.clear()

    html = render("{% ranking_top_in_section section %}", section=section)

    assert '<span aria-hidden="true">★</span><span class="visually-hidden">new</span>' in html
    assert '<span aria-hidden="true">▼1</span><span class="visually-hidden">down 1</span>' in html
    assert "style=" not in html


def test_up_by_places_and_nothing_for_no_change(section, ranked):
    views(ranked[4], 66)  # 50 -> 66: overtakes ranked[5] (60), third to second
    ranking_snapshots_update()
    cache.clear()

    html = render("{% ranking_top_in_section section %}", section=section)

    assert '<span class="visually-hidden">up 1</span>' in html  # ranked[4], third to second
    assert '<span class="visually-hidden">down 1</span>' in html  # ranked[5], second to third
    # The three unchanged entries end with their headline: no dash, no hidden "no change".
    assert html.count('class="ranking-move') == 2
    assert "no change" not in html
    assert "–" not in html


def test_each_list_costs_at_most_one_query_then_none(section, ranked, django_assert_num_queries):
    cache.clear()
    with django_assert_num_queries(1):
        render("{% ranking_top_in_section section %}", section=section)
    with django_assert_num_queries(1):
        render("{% ranking_access %}")
    with django_assert_num_queries(0):
        render("{% ranking_top_in_section section %}{% ranking_access %}", section=section)


def test_a_new_generation_reads_the_database_again(section, ranked, django_assert_num_queries):
    render("{% ranking_access %}")
    ranking_cache_bump()
    with django_assert_num_queries(1):
        render("{% ranking_access %}")


def test_empty_state_before_any_snapshot(section, django_assert_num_queries):
    ArticleFactory(section=section)

    with django_assert_num_queries(1):
        html = render("{% ranking_top_in_section section %}", section=section)

    assert "No ranking yet" in html
    assert "<li" not in html


def test_hostile_headlines_are_escaped(section):
    article = ArticleFactory(section=section, headline='<script>alert("x")</script> Vote')
    views(article, 5)
    ranking_snapshots_update()

    html = render("{% ranking_access %}")

    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert '<script>alert("x")</script> Vote' in unescape(html)


def test_other_window(section, ranked):
    old = ArticleFactory(section=section, headline="Last Week's Hit", published_at=timezone.now() - timedelta(days=6))
    views(old, 5000, hours_ago=72)
    ranking_snapshots_update()

    day = render("{% ranking_access %}")
    week = render('{% ranking_access window="7d" %}')

    assert "Last Week's Hit" not in unescape(day)
    assert "Last Week's Hit" in unescape(week)
    assert "/ranking/?window=7d" in week


def test_missing_section_renders_nothing():
    assert render("{% ranking_top_in_section section %}", section=None).strip() == ""


def test_lists_render_when_the_cache_is_down(section, ranked, monkeypatch):
    def down(*args, **kwargs):
        raise ConnectionError("cache unreachable")

    monkeypatch.setattr(cache, "get", down)
    monkeypatch.setattr(cache, "set", down)
    monkeypatch.setattr(cache, "add", down)

    html = render("{% ranking_top_in_section section %}", section=section)

    assert html.count('<li class="ranking-item">') == 5


def test_two_lists_on_one_page_read_the_generation_once(section, ranked, rf, monkeypatch):
    from rankings import selectors

    template = Template("{% load rankings %}{% ranking_top_in_section section %}{% ranking_access %}")
    template.render(Context({"section": section, "request": rf.get("/")}))  # lists read and rendered once
    reads = []
    original = selectors._ranking_cache_generation
    monkeypatch.setattr(
        selectors, "_ranking_cache_generation", lambda request=None: reads.append(1) or original(request)
    )

    html = template.render(Context({"section": section, "request": rf.get("/")}))

    assert "Top Articles in Science &amp; Nature" in html
    assert "Access Ranking" in html
    assert len(reads) == 1
