"""Trust pages, the footer that links them, their organization data, and the public corrections page."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.core.cache import cache
from django.utils import timezone

from articles.models import Article, ArticleUpdate
from articles.signals import demo_seeded
from articles.tests.factories import ArticleFactory, ArticleUpdateFactory, SectionFactory
from pages.models import TrustPage
from pages.tests.factories import TrustPageFactory

pytestmark = pytest.mark.django_db

EVIL = "<script>alert(1)</script>\"&'<img src=x onerror=alert(2)>"


def soup_of(response):
    assert response.status_code == 200, response.status_code
    return BeautifulSoup(response.content, "html.parser")


def json_ld(page) -> list[dict]:
    return [json.loads(s.string) for s in page.select('script[type="application/ld+json"]')]


@pytest.fixture
def trust_pages():
    return {kind: TrustPageFactory(kind=kind) for kind in TrustPage.Kind.values}


def test_each_kind_has_its_page_at_a_fixed_address(client, trust_pages):
    for kind, path in [("about", "/about/"), ("contact", "/contact/"), ("corrections-policy", "/corrections-policy/"),
                       ("privacy", "/privacy/"), ("terms", "/terms/")]:  # fmt: skip
        page = soup_of(client.get(path))
        assert page.h1.get_text() == trust_pages[kind].title
        assert trust_pages[kind].get_absolute_url() == path


def test_an_unpublished_or_missing_page_is_a_404(client):
    TrustPageFactory(kind="privacy", is_published=False)
    assert client.get("/privacy/").status_code == 404
    assert client.get("/terms/").status_code == 404


def test_the_body_is_sanitized_and_every_field_escaped(client):
    TrustPageFactory(
        kind="about",
        title=f"About {EVIL}",
        summary=f"Sum {EVIL}",
        body=(
            f'<p>Kept <a href="javascript:alert(3)">x</a></p><script>alert(4)</script><p onclick="alert(5)">{EVIL}</p>'
        ),
    )
    response = client.get("/about/")
    html = response.content.decode()
    for script in ("alert(1)</script>", "alert(3)", "alert(4)", "alert(5)", "<img src=x"):
        assert script not in html.replace("&lt;script&gt;alert(1)&lt;/script&gt;", ""), script
    page = soup_of(response)
    assert page.h1.get_text() == f"About {EVIL}"
    assert page.select_one(".story-body p").get_text() == "Kept x"
    assert not page.select(".story-body script, [onerror], [onclick], a[href^=javascript]")


def test_a_body_written_past_save_is_sanitized_when_shown(client):
    page = TrustPageFactory(kind="terms")
    TrustPage.objects.filter(pk=page.pk).update(body="<p>Fine</p><script>alert(6)</script>")
    assert "alert(6)" not in client.get("/terms/").content.decode()


def test_the_footer_links_trust_pages_sections_and_feeds_for_humans(client, trust_pages):
    SectionFactory(name="Politics", slug="politics", position=1)
    TrustPage.objects.filter(kind="privacy").update(is_published=False)
    cache.clear()
    footer = soup_of(client.get("/")).select_one("footer.site-footer")
    links = {a.get_text(strip=True): a["href"] for a in footer.select("a")}
    assert links["About us"] == "/about/"
    assert links["Corrections policy"] == "/corrections-policy/"
    assert links["Corrections"] == "/corrections/"
    assert links["Terms of use"] == "/terms/"
    assert "Privacy" not in links
    assert links["Politics"] == "/section/politics/"
    assert links["Latest stories (RSS feed)"] == "/feed/"
    assert links["Latest stories (Atom feed)"] == "/atom/"
    assert not any(href.endswith(".xml") for href in links.values())
    # Footer order: about, contact, corrections policy, (privacy), terms, then the corrections list.
    first = [a.get_text(strip=True) for a in footer.select("nav")[0].select("a")]
    assert first == ["About us", "Contact", "Corrections policy", "Terms of use", "Corrections"]


def test_a_renamed_page_shows_in_every_footer_at_once(client, trust_pages):
    ArticleFactory()
    assert client.get("/")["X-Cache"] == "miss"
    assert client.get("/")["X-Cache"] == "hit"
    about = trust_pages["about"]
    about.title = "Who We Are"
    about.save()
    assert "Who We Are" in client.get("/").content.decode()


def test_organization_data_names_the_pages_by_their_schema_org_properties(client, trust_pages):
    page = soup_of(client.get("/contact/"))
    (org,) = [d for d in json_ld(page) if d.get("@type") == "NewsMediaOrganization"]
    base = "http://testserver"
    assert org["name"] == "The Newsroom"
    assert org["url"] == f"{base}/"
    assert org["publishingPrinciples"] == f"{base}/about/"
    assert org["ownershipFundingInfo"] == f"{base}/about/"
    assert org["correctionsPolicy"] == f"{base}/corrections-policy/"
    assert org["actionableFeedbackPolicy"] == f"{base}/contact/"
    assert org["contactPoint"]["url"] == f"{base}/contact/"
    TrustPage.objects.filter(kind="corrections-policy").delete()
    cache.clear()
    (org,) = [d for d in json_ld(soup_of(client.get("/about/"))) if d.get("@type") == "NewsMediaOrganization"]
    assert "correctionsPolicy" not in org


def test_trust_pages_are_cached_compressed_and_constant_in_queries(client, trust_pages, django_assert_num_queries):
    TrustPage.objects.filter(kind="about").update(body="<p>" + "Long text. " * 400 + "</p>")
    cache.clear()
    first = client.get("/about/", HTTP_ACCEPT_ENCODING="gzip, br")
    assert first["Content-Encoding"] == "br"
    assert "s-maxage=" in first["Cache-Control"]
    assert "public" in first["Cache-Control"]
    assert "site" in first["xkey"].split()
    with django_assert_num_queries(0):
        assert client.get("/about/")["X-Cache"] == "hit"


@pytest.fixture
def corrections():
    """Corrections on published stories (oldest first), plus ones readers must never see listed."""
    section = SectionFactory(name="Politics", slug="politics")
    base = datetime(2026, 1, 16, 22, 5, tzinfo=UTC)
    stories = [ArticleFactory(section=section, headline=f"Story {n}") for n in range(3)]
    notes = [
        ArticleUpdateFactory(article=stories[n % 3], kind=ArticleUpdate.Kind.CORRECTION, note=f"Fixes fact {n}.",
                             created_at=base + timedelta(minutes=n))
        for n in range(3)
    ]  # fmt: skip
    ArticleUpdateFactory(article=stories[0], kind=ArticleUpdate.Kind.UPDATE, note="Adds a quote.")
    draft = ArticleFactory(section=section, status=Article.Status.DRAFT, published_at=None, headline="Secret Draft")
    ArticleUpdateFactory(article=draft, kind=ArticleUpdate.Kind.CORRECTION, note="Draft fix.")
    embargoed = ArticleFactory(section=section, status=Article.Status.SCHEDULED, headline="Embargoed",
                               published_at=timezone.now() + timedelta(days=1))  # fmt: skip
    ArticleUpdateFactory(article=embargoed, kind=ArticleUpdate.Kind.CORRECTION, note="Embargoed fix.")
    return {"stories": stories, "notes": notes}


def test_the_corrections_page_lists_public_corrections_newest_first_with_links_and_tokyo_times(client, corrections):
    page = soup_of(client.get("/corrections/"))
    items = page.select(".corrections-item")
    assert [i.select_one(".corrections-note").get_text() for i in items] == ["Fixes fact 2.", "Fixes fact 1.",
                                                                           "Fixes fact 0."]  # fmt: skip
    assert items[0].h2.a["href"] == corrections["stories"][2].get_absolute_url()
    assert items[0].select_one(".corrections-time time").get_text() == "7:07 JST, January 17, 2026"
    assert items[0].select_one(".corrections-time time")["datetime"] == "2026-01-17T07:07:00+09:00"
    text = page.get_text()
    for hidden in ("Adds a quote.", "Draft fix.", "Embargoed fix.", "Secret Draft"):
        assert hidden not in text


def test_the_corrections_page_links_the_policy_when_there_is_one(client, corrections):
    assert soup_of(client.get("/corrections/")).select_one('a[href="/corrections-policy/"]') is None
    TrustPageFactory(kind="corrections-policy")
    assert soup_of(client.get("/corrections/")).select_one('.corrections-intro a[href="/corrections-policy/"]')


def test_the_corrections_page_paginates_and_404s_past_its_end(client, corrections):
    story = corrections["stories"][0]
    for n in range(20):
        ArticleUpdateFactory(article=story, kind=ArticleUpdate.Kind.CORRECTION, note=f"Bulk {n}.")
    first, second = soup_of(client.get("/corrections/")), soup_of(client.get("/corrections/?page=2"))
    assert len(first.select(".corrections-item")) == 20
    assert len(second.select(".corrections-item")) == 3
    assert first.select_one('a[rel="next"]')["href"] == "?page=2"
    for bad in ("3", "0", "x", "99999999999999999999999"):
        assert client.get(f"/corrections/?page={bad}").status_code == 404


def test_the_corrections_page_runs_the_same_queries_for_one_or_twenty(client, corrections, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    cache.clear()
    with CaptureQueriesContext(connection) as few:
        client.get("/corrections/")
    for _n in range(20):
        ArticleUpdateFactory(article=ArticleFactory(section=SectionFactory()), kind=ArticleUpdate.Kind.CORRECTION)
    cache.clear()
    with django_assert_num_queries(len(few.captured_queries)):
        client.get("/corrections/")


def test_the_corrections_page_is_keyed_and_a_saved_correction_shows_at_once(client, corrections):
    response = client.get("/corrections/")
    keys = set(response["xkey"].split())
    assert {"corrections", "site", *(f"a{s.pk}" for s in corrections["stories"])} <= keys
    assert "s-maxage=" in response["Cache-Control"]
    assert client.get("/corrections/")["X-Cache"] == "hit"
    ArticleUpdateFactory(article=ArticleFactory(), kind=ArticleUpdate.Kind.CORRECTION, note="Brand new fix.")
    assert "Brand new fix." in client.get("/corrections/").content.decode()


def test_hostile_correction_text_is_escaped(client):
    story = ArticleFactory(headline=f"Head {EVIL}", section=SectionFactory(name=f"Sec {EVIL}"))
    ArticleUpdateFactory(article=story, kind=ArticleUpdate.Kind.CORRECTION, note=f"Note {EVIL}")
    html = client.get("/corrections/").content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    page = BeautifulSoup(html, "html.parser")
    assert page.select_one(".corrections-note").get_text() == f"Note {EVIL}"


def test_seed_demo_signal_creates_the_trust_pages_once_and_keeps_edits():
    demo_seeded.send(sender=Article, articles=[])
    assert set(TrustPage.objects.values_list("kind", flat=True)) == set(TrustPage.Kind.values)
    TrustPage.objects.filter(kind="about").update(title="Edited")
    TrustPage.objects.filter(kind="terms").delete()
    demo_seeded.send(sender=Article, articles=[])
    assert TrustPage.objects.get(kind="about").title == "Edited"
    assert TrustPage.objects.filter(kind="terms").count() == 1
    for page in TrustPage.objects.all():
        assert "<p>" in page.body
        assert "<script" not in page.body
