"""The rails never list the article being read (newsroom.rails), in both rail modes."""

import re
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from articles.tests.factories import ArticleFactory, SectionFactory
from rankings.models import PageViewHourly
from rankings.services import ranking_snapshots_update

pytestmark = pytest.mark.django_db


def views(article, count):
    hour = (timezone.now() - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    PageViewHourly.objects.update_or_create(article=article, hour=hour, defaults={"views": count})


@pytest.fixture
def ranked():
    """Seven articles of one section, ranked[6] the most read, with current snapshots."""
    section = SectionFactory(name="Science", slug="science")
    articles = [ArticleFactory(section=section, headline=f"Story {n}") for n in range(7)]
    for n, article in enumerate(articles):
        views(article, 10 * (n + 1))
    ranking_snapshots_update()
    return articles


def rail_of(html: str) -> str:
    match = re.search(r'<aside class="rail".*?</aside>', html, re.S)
    assert match, "no rail on the page"
    return match.group(0)


def listed(rail: str, title: str) -> list[str]:
    """The hrefs of one list of the rail, in order."""
    start = rail.index(title)
    block = rail[start : rail.index("</ol>", start)]
    return re.findall(r'class="ranking-link" href="([^"]+)"', block)


def test_an_article_page_rail_leaves_out_the_article_and_shows_the_next_five(client, ranked):
    read = ranked[6]  # first in both lists
    rail = rail_of(client.get(read.get_absolute_url()).content.decode())
    expected = [a.get_absolute_url() for a in (ranked[5], ranked[4], ranked[3], ranked[2], ranked[1])]
    assert listed(rail, "Top Articles in Science") == expected
    assert listed(rail, "Access Ranking") == expected
    assert read.get_absolute_url() not in rail


def test_an_article_not_in_the_lists_gets_the_sections_shared_rail(client, ranked):
    rail = rail_of(client.get(ranked[0].get_absolute_url()).content.decode())
    top_five = [a.get_absolute_url() for a in (ranked[6], ranked[5], ranked[4], ranked[3], ranked[2])]
    assert listed(rail, "Top Articles in Science") == top_five
    section_rail = rail_of(client.get(ranked[0].section.get_absolute_url()).content.decode())
    assert listed(section_rail, "Top Articles in Science") == top_five


def test_a_stored_page_keeps_leaving_its_article_out(client, ranked):
    read = ranked[4]
    client.get(read.get_absolute_url())
    response = client.get(read.get_absolute_url())
    assert response["X-Cache"] == "hit"
    rail = rail_of(response.content.decode())
    assert read.get_absolute_url() not in rail
    assert len(listed(rail, "Access Ranking")) == 5


def test_behind_varnish_the_include_names_the_article_and_its_rail_leaves_it_out(client, ranked):
    read = ranked[6]
    html = client.get(read.get_absolute_url(), HTTP_SURROGATE_CAPABILITY="varnish=ESI/1.0").content.decode()
    src = f"/rails/{read.section_id}/{read.pk}/"
    assert f'<esi:include src="{src}"/>' in html
    rail = client.get(src)
    assert rail.status_code == 200
    assert rail["Cache-Control"].startswith("public, max-age=0, s-maxage=")
    assert {f"s{read.section_id}", "rank-24h"} <= set(rail["xkey"].split())
    body = rail.content.decode()
    assert read.get_absolute_url() not in body
    assert len(listed(body, "Top Articles in Science")) == 5
    # The section page's include stays the shared one.
    section_html = client.get(read.section.get_absolute_url(), HTTP_SURROGATE_CAPABILITY="varnish=ESI/1.0")
    assert f'<esi:include src="/rails/{read.section_id}/"/>' in section_html.content.decode()


def test_rail_urls_with_impossible_article_ids_are_404(client, ranked):
    assert client.get(f"/rails/{ranked[0].section_id}/0/").status_code == 404
    assert client.get(f"/rails/{ranked[0].section_id}/99999999999999999999/").status_code == 404


def test_a_rail_variant_costs_no_query_once_kept(client, ranked, django_assert_num_queries):
    read = ranked[6]
    client.get(f"/rails/{read.section_id}/{read.pk}/")
    with django_assert_num_queries(0):
        client.get(f"/rails/{read.section_id}/{read.pk}/")


def weekly_list(html: str) -> list[str]:
    """The hrefs of the home page's "This week" list (the 7-day Access Ranking), in order."""
    match = re.search(r'<aside class="rail rail-more".*?</aside>', html, re.S)
    assert match, "no weekly rail on the home page"
    return listed(match.group(0), "last 7 days")


def test_the_home_pages_weekly_list_follows_a_new_snapshot_while_the_page_stays_stored(client, ranked, settings):
    from newsroom.caching.generation import page_cache_generation

    settings.RAIL_MAX_AGE = 3  # each rail layer keeps a copy 1 s at most
    client.get("/")
    page = client.get("/")
    assert page["X-Cache"] == "hit"
    assert weekly_list(page.content.decode())[0] == ranked[6].get_absolute_url()
    generation = page_cache_generation()

    views(ranked[0], 500)  # the least read story overtakes every other in the week
    ranking_snapshots_update()
    assert page_cache_generation() == generation  # nothing made the stored home page stale
    time.sleep(2.1)  # past the rail's own copies (RAIL_MAX_AGE / 3 each), not the page's 300 s
    page = client.get("/")
    assert page["X-Cache"] == "hit"  # the same stored page...
    assert weekly_list(page.content.decode())[0] == ranked[0].get_absolute_url()  # ...with this week's list


def test_behind_varnish_the_home_page_includes_the_weekly_rail(client, ranked):
    html = client.get("/", HTTP_SURROGATE_CAPABILITY="varnish=ESI/1.0").content.decode()
    assert '<esi:include src="/rails/w/7d/0/"/>' in html
    assert '<esi:include src="/rails/0/"/>' in html  # the main rail (default window) as before
    assert "ranking-access-7d" not in html  # the list itself is not in the stored page
    rail = client.get("/rails/w/7d/0/")
    assert rail.status_code == 200
    assert rail["Cache-Control"].startswith("public, max-age=0, s-maxage=")
    assert "rank-7d" in rail["xkey"].split()
    body = rail.content.decode()
    assert 'id="ranking-access-7d-title"' in body
    assert listed(body, "last 7 days")[0] == ranked[6].get_absolute_url()


def test_without_varnish_the_home_page_splices_the_weekly_list_in_and_answers_conditional_gets(client, ranked):
    response = client.get("/")
    html = response.content.decode()
    assert "newsroom-rail" not in html
    assert weekly_list(html)[0] == ranked[6].get_absolute_url()
    assert client.get("/", HTTP_IF_NONE_MATCH=response["ETag"]).status_code == 304


def test_a_weekly_rail_variant_leaves_out_the_article_and_costs_no_query_once_kept(
    client, ranked, django_assert_num_queries
):
    read = ranked[6]
    src = f"/rails/w/7d/{read.section_id}/{read.pk}/"
    body = client.get(src).content.decode()
    assert read.get_absolute_url() not in body
    assert len(listed(body, "last 7 days")) == 5
    with django_assert_num_queries(0):
        client.get(src)


def test_rail_urls_of_unknown_windows_are_404(client, ranked):
    assert client.get("/rails/w/1y/0/").status_code == 404
    assert client.get(f"/rails/w/1y/{ranked[0].section_id}/{ranked[0].pk}/").status_code == 404
