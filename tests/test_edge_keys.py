"""Surrogate keys on reader responses (newsroom.edge) and the rails spliced into stored pages (newsroom.rails)."""

import pytest

from articles.tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db


def keys(response) -> set[str]:
    return set(response["xkey"].split())


def test_an_article_page_names_the_article_its_section_tags_and_authors():
    article = ArticleFactory(tags=["tides"], authors=[AuthorFactory()])
    from django.test import Client

    response = Client().get(article.get_absolute_url())
    tag = article.tags.get()
    author = article.authors.get()
    assert {f"a{article.pk}", f"s{article.section_id}", f"t{tag.pk}", f"au{author.pk}", "site"} <= keys(response)


def test_list_pages_name_every_article_they_show_and_their_list(client):
    section = SectionFactory()
    shown = ArticleFactory.create_batch(3, section=section)
    other = ArticleFactory(section=SectionFactory())
    response = client.get(section.get_absolute_url())
    assert {f"a{a.pk}" for a in shown} | {f"s{section.pk}"} <= keys(response)
    assert f"a{other.pk}" not in keys(response)
    assert {"home", *(f"a{a.pk}" for a in shown)} <= keys(client.get("/"))
    assert "feed" in keys(client.get("/feed/"))
    assert "sitemap" in keys(client.get("/sitemap.xml"))


def test_a_page_names_the_photos_it_shows(client):
    from articles.tests.factories import PhotoFactory

    photo = PhotoFactory()
    article = ArticleFactory(lead_photo=photo)
    assert f"p{photo.pk}" in keys(client.get(article.get_absolute_url()))
    assert f"p{photo.pk}" in keys(client.get(article.section.get_absolute_url()))


def test_a_stored_page_replays_its_keys(client):
    article = ArticleFactory()
    first = client.get(article.get_absolute_url())
    second = client.get(article.get_absolute_url())
    assert second["X-Cache"] == "hit"
    assert keys(second) == keys(first)


def test_an_editors_private_response_carries_no_keys(client):
    article = ArticleFactory()
    client.cookies["sessionid"] = "not-a-session"
    response = client.get(article.get_absolute_url())
    assert "private" in response["Cache-Control"]
    assert not response.has_header("xkey")


def test_behind_varnish_the_rail_is_an_edge_side_include_with_its_own_lifetime(client, settings):
    settings.RAIL_MAX_AGE = 30
    article = ArticleFactory()
    response = client.get(article.get_absolute_url(), HTTP_SURROGATE_CAPABILITY="varnish=ESI/1.0")
    html = response.content.decode()
    # An article page's rail leaves the article out: the include names it (tests/test_rails.py).
    assert f'<esi:include src="/rails/{article.section_id}/{article.pk}/"/>' in html
    assert response["Surrogate-Control"] == 'content="ESI/1.0"'
    assert "newsroom-rail" not in html
    rail = client.get(f"/rails/{article.section_id}/")
    assert rail.status_code == 200
    assert rail["Cache-Control"] == "public, max-age=0, s-maxage=10"
    assert f"Top Articles in {article.section.name}" in rail.content.decode()
    assert f"s{article.section_id}" in keys(rail)
    assert client.get("/rails/99999999999999999999/").status_code == 404


def test_without_varnish_the_rail_is_spliced_in_and_conditional_gets_follow_it(client):
    article = ArticleFactory()
    response = client.get(article.get_absolute_url())
    html = response.content.decode()
    assert "esi:include" not in html
    assert "newsroom-rail" not in html
    assert "Access Ranking" in html
    etag = response["ETag"]
    assert client.get(article.get_absolute_url(), HTTP_IF_NONE_MATCH=etag).status_code == 304


def test_the_ranking_page_is_kept_as_briefly_as_a_rail_and_names_its_window(client, settings):
    settings.RAIL_MAX_AGE = 60
    response = client.get("/ranking/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=20, s-maxage=20"  # not the pages' 300 s
    assert "rank-24h" in keys(response)
    assert client.get("/ranking/")["X-Cache"] == "hit"
