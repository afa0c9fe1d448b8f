"""Site details a web team checks: canonicals, landmarks, icons and manifest, JSON-LD, the LCP image,
the front page's rail, 404 caching, the print and dark styles, and the site's own error pages in DEBUG."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.utils import timezone
from PIL import Image

from articles.tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory, make_image_file
from pages.models import TrustPage
from rankings.services import ranking_snapshots_update
from rankings.tests.test_templatetags import views

pytestmark = pytest.mark.django_db

STATIC = Path(django_settings.BASE_DIR) / "static"


def soup(response) -> BeautifulSoup:
    return BeautifulSoup(response.content, "html.parser")


def json_ld(page: BeautifulSoup) -> list[dict]:
    found = []
    for script in page.find_all("script", type="application/ld+json"):
        data = json.loads(script.string)
        found.extend(data if isinstance(data, list) else [data])
    return found


@pytest.fixture
def politics():
    return SectionFactory(name="Politics", slug="politics", position=1)


@pytest.fixture
def photo():
    return PhotoFactory(image=make_image_file(size=(640, 360)), alt_text="A hall")


def test_search_canonical_keeps_the_query_and_page_and_drops_tracking(client, politics):
    for n in range(25):
        ArticleFactory(section=politics, headline=f"Budget Vote {n}")
    page = soup(client.get("/search/?q=budget++vote&utm_source=mail"))
    assert page.find("link", rel="canonical")["href"] == "http://testserver/search/?q=budget+vote"
    assert page.find("meta", property="og:url")["content"] == "http://testserver/search/?q=budget+vote"
    page = soup(client.get("/search/?page=2&q=budget&fbclid=x"))
    assert page.find("link", rel="canonical")["href"] == "http://testserver/search/?q=budget&page=2"
    assert soup(client.get("/search/")).find("link", rel="canonical")["href"] == "http://testserver/search/"


def test_search_and_404_pages_label_each_search_landmark_distinctly(client, politics):
    ArticleFactory(section=politics, headline="Budget")
    for url in ("/search/?q=budget", "/search/", "/no-such-page/"):
        forms = soup(client.get(url)).find_all(attrs={"role": "search"})
        labels = [form.get("aria-label") for form in forms]
        assert len(forms) == 2, url
        assert all(labels), (url, labels)
        assert len(set(labels)) == 2, (url, labels)


def test_ranking_page_has_canonical_social_tags_and_one_stylesheet(client, politics):
    views(ArticleFactory(section=politics), 5)
    ranking_snapshots_update()
    page = soup(client.get("/ranking/?window=7d&utm_campaign=x"))
    assert page.find("link", rel="canonical")["href"] == "http://testserver/ranking/?window=7d"
    assert page.find("meta", property="og:title")["content"] == "Most read: 7 days"
    assert page.find("meta", property="og:url")["content"] == "http://testserver/ranking/?window=7d"
    assert page.find("meta", attrs={"name": "twitter:card"})["content"] == "summary"
    assert page.find("meta", attrs={"name": "description"})["content"].startswith("The most-read articles of the last")
    sheets = [link["href"] for link in page.find_all("link", rel="stylesheet")]
    assert len(sheets) == 1
    assert "/static/css/site." in sheets[0]
    assert not (STATIC / "css" / "rankings.css").exists()
    assert ".ranking-tabs" in (STATIC / "css" / "site.css").read_text()


def test_every_page_links_icons_manifest_and_theme_colours(client, politics):
    head = soup(client.get("/")).head
    assert "apple-touch-icon" in head.find("link", rel="apple-touch-icon")["href"]
    assert head.find("link", rel="manifest")["href"] == "/manifest.webmanifest"
    colours = {meta["media"]: meta["content"] for meta in head.find_all("meta", attrs={"name": "theme-color"})}
    assert colours == {"(prefers-color-scheme: light)": "#ffffff", "(prefers-color-scheme: dark)": "#121417"}
    assert head.find("meta", attrs={"name": "color-scheme"})["content"] == "light dark"


def test_manifest_is_served_as_a_cached_web_manifest_with_real_icons(client):
    response = client.get("/manifest.webmanifest")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/manifest+json")
    assert "public" in response["Cache-Control"]
    assert "max-age=" in response["Cache-Control"]
    manifest = json.loads(response.content)
    assert manifest["name"] == django_settings.SITE_NAME
    assert manifest["start_url"] == "/"
    sizes = set()
    for icon in manifest["icons"]:
        name = icon["src"].split("/static/", 1)[1]
        path = STATIC / re.sub(r"\.[0-9a-f]{12}\.", ".", name)  # hashed names in production
        assert path.is_file(), icon["src"]
        if icon["type"] == "image/png":
            with Image.open(path) as image:
                assert f"{image.width}x{image.height}" == icon["sizes"]
                sizes.add(icon["sizes"])
    assert {"192x192", "512x512"} <= sizes
    assert any(icon.get("purpose") == "maskable" for icon in manifest["icons"])
    with Image.open(STATIC / "img" / "apple-touch-icon.png") as touch:
        assert touch.size == (180, 180)
        assert touch.mode == "RGB"
    assert client.post("/manifest.webmanifest").status_code == 405


def test_front_page_names_the_organization_and_website_with_search(client, politics):
    ArticleFactory(section=politics)
    TrustPage.objects.create(kind=TrustPage.Kind.ABOUT, title="About Us", body="<p>Who we are.</p>")
    data = {item["@type"]: item for item in json_ld(soup(client.get("/")))}
    organization = data["NewsMediaOrganization"]
    assert "Organization" not in data  # one description of the publisher, not two
    assert organization["name"] == django_settings.SITE_NAME
    assert organization["logo"]["url"].startswith("http://testserver/static/img/logo")
    # The trust pages, named by their schema.org properties, on the front page as on the pages themselves.
    assert organization["publishingPrinciples"] == "http://testserver/about/"
    assert "correctionsPolicy" not in organization  # no such page published
    website = data["WebSite"]
    assert website["url"] == "http://testserver/"
    assert website["publisher"] == {"@id": organization["@id"]}
    assert organization["@id"] == "http://testserver/#organization"
    action = website["potentialAction"]
    assert action["@type"] == "SearchAction"
    assert action["target"]["urlTemplate"] == "http://testserver/search/?q={search_term_string}"
    assert action["query-input"] == "required name=search_term_string"


def test_author_page_is_a_profile_page_about_a_person(client, politics):
    author = AuthorFactory(name="Aiko </script> Tanaka", slug="aiko", role="Staff Writer", bio="Covers\n\nthe Diet.")
    ArticleFactory(section=politics, authors=[author])
    response = client.get("/author/aiko/")
    assert b"</script> Tanaka" not in response.content.split(b"application/ld+json", 1)[1].split(b"</script>", 1)[0]
    (profile,) = [item for item in json_ld(soup(response)) if item["@type"] == "ProfilePage"]
    assert profile["url"] == "http://testserver/author/aiko/"
    person = profile["mainEntity"]
    assert (person["@type"], person["name"], person["jobTitle"]) == ("Person", "Aiko </script> Tanaka", "Staff Writer")
    assert person["description"] == "Covers the Diet."
    assert person["worksFor"]["name"] == django_settings.SITE_NAME


def test_the_largest_image_is_fetched_first_and_only_it(client, politics, photo):
    now = timezone.now()
    lead = ArticleFactory(section=politics, lead_photo=photo, published_at=now - timedelta(minutes=5))
    for n in range(4):
        ArticleFactory(section=politics, lead_photo=photo, published_at=now - timedelta(hours=n + 1))
    for url in ("/", "/section/politics/", lead.get_absolute_url()):
        images = soup(client.get(url)).find("main").find_all("img")
        high = [img for img in images if img.get("fetchpriority") == "high"]
        assert len(high) == 1, url
        assert high[0] is images[0], url
        assert high[0]["loading"] == "eager"
        assert all(img["loading"] == "lazy" for img in images[1:]), url
    css = (STATIC / "css" / "site.css").read_text()
    assert re.search(r'img\[loading="lazy"\] \{ background-color: var\(--placeholder\); \}', css)


def test_front_page_rail_has_the_week_ranking_and_the_latest_stories(client, politics, photo):
    now = timezone.now()
    stories = [
        ArticleFactory(section=politics, published_at=now - timedelta(hours=n), lead_photo=photo if n == 2 else None)
        for n in range(1, 9)
    ]
    views(stories[5], 40, hours_ago=30)  # in the 7-day list only
    ranking_snapshots_update()
    page = soup(client.get("/"))
    rail = page.find("aside", attrs={"aria-label": "This week and latest"})
    assert "last 7 days" in rail.find("h2").get_text()
    assert [a.get_text() for a in rail.select(".ranking-list a")] == [stories[5].display_headline]
    latest = [a.get_text() for a in rail.select(".rail-latest-list a")]
    # The six newest are the lead's candidates; the lead (the one with a photo) is not repeated.
    assert latest == [s.display_headline for s in stories[:6] if s is not stories[1]]
    assert all(li.find("time") for li in rail.select(".rail-latest-list li"))
    labels = [aside["aria-label"] for aside in page.find_all("aside")]
    assert len(labels) == len(set(labels)) == 2


def test_404_is_cached_briefly_by_browsers_and_shared_caches(client, monkeypatch):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert sorted(response["Cache-Control"].split(", ")) == ["max-age=60", "public", "s-maxage=60"]
    from django.db import OperationalError

    from articles.templatetags import news

    def database_down():
        raise OperationalError("down")

    monkeypatch.setattr(news, "section_list_for_nav", database_down)
    cache.clear()
    response = client.get("/articles/999/x/")
    assert response.status_code == 404
    assert b"<nav" not in response.content
    assert "max-age=60" in response["Cache-Control"]


def test_stylesheet_has_dark_mode_print_and_a_wrapping_navigation():
    css = (STATIC / "css" / "site.css").read_text()
    dark = css[css.index("@media (prefers-color-scheme: dark)") :]
    assert "--paper: #121417" in dark
    assert "--ink: #e9e7e3" in dark
    printed = css[css.index("@media print") :]
    for hidden in (".section-nav", ".rail", ".site-footer", ".share", ".breadcrumb", ".related"):
        assert hidden in printed.split("display: none")[0], hidden
    assert ".print-only { display: block" in printed
    nav = css[css.index(".section-nav ul {") :].split("}", 1)[0]
    assert "flex-wrap: wrap" in nav
    assert "overflow-x" not in nav


def test_printed_page_says_where_it_came_from(client, politics):
    article = ArticleFactory(section=politics)
    page = soup(client.get(article.get_absolute_url() + "?utm_source=x"))
    assert page.find("p", class_="print-only").get_text().endswith(f"http://testserver{article.get_absolute_url()}")


# --- The site's own error pages with DEBUG on (make run) ---------------------------------------


@pytest.fixture
def debug_client(settings):
    settings.DEBUG = True
    settings.ERROR_PAGES_IN_DEBUG = True
    return Client(raise_request_exception=False)  # a new client: the middleware chain is built anew


def test_debug_on_shows_the_sites_own_404_for_unknown_urls_and_missing_objects(debug_client, politics):
    for url in ("/no-such-page/", "/section/nope/", "/articles/12345/gone/"):
        response = debug_client.get(url)
        assert response.status_code == 404, url
        assert b"We could not find that page" in response.content, url
        assert b"technical_404" not in response.content
        assert b"Django tried these URL patterns" not in response.content
        assert "max-age=60" in response["Cache-Control"]
    # APPEND_SLASH still redirects first.
    assert debug_client.get("/section/politics").status_code == 301


def test_debug_on_shows_the_sites_own_500_and_logs_the_traceback(debug_client, politics, monkeypatch, caplog):
    from articles import views as article_views

    def explode(**kwargs):
        raise RuntimeError("boom in the view")

    monkeypatch.setattr(article_views, "article_list_in_section", explode)
    response = debug_client.get("/section/politics/")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content
    assert b"Traceback" not in response.content
    assert any("boom in the view" in str(record.exc_info[1]) for record in caplog.records if record.exc_info)


def test_debug_on_without_the_setting_keeps_djangos_technical_pages(settings):
    settings.DEBUG = True
    settings.ERROR_PAGES_IN_DEBUG = False
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert b"Django tried these URL patterns" in response.content


def test_reader_pages_say_when_what_they_show_last_changed(client, politics):
    from datetime import UTC, datetime

    from django.utils.http import http_date

    from articles.tests.factories import ArticleUpdateFactory

    published = datetime(2026, 1, 16, 22, 5, tzinfo=UTC)
    older = ArticleFactory(section=politics, published_at=published - timedelta(hours=3), tags=["t"])
    newest = ArticleFactory(section=politics, published_at=published, tags=["t"], authors=[AuthorFactory(slug="w")])
    ArticleUpdateFactory(article=older, created_at=published + timedelta(hours=2))
    older.refresh_from_db()
    expected = {
        older.get_absolute_url(): published + timedelta(hours=2),  # its update
        newest.get_absolute_url(): published,
        "/": published,
        "/section/politics/": published,
        "/tag/t/": published,
        "/author/w/": published,
    }
    for url, when in expected.items():
        cache.clear()
        response = client.get(url)
        assert response["Last-Modified"] == http_date(when.timestamp()), url
        # Stored and replayed with the page; the ETag still answers conditional GETs.
        hit = client.get(url)
        assert hit["X-Cache"] == "hit", url
        assert hit["Last-Modified"] == response["Last-Modified"], url
        assert client.get(url, HTTP_IF_NONE_MATCH=hit["ETag"]).status_code == 304, url
