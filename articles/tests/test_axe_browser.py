"""axe-core finds no violation on any reader page, on a phone (390 px) and a desktop (1280 px), light and dark.

axe-core itself comes from PyPI (``axe-playwright-python`` bundles ``axe.min.js``, installed by
``pip install -r requirements-dev.txt``); it is injected into each page of the live server in
Debian's chromium. Every rule axe runs by default counts (WCAG 2.0-2.2 A/AA and best
practices: contrast in both colour schemes, unique landmarks, labels...).
"""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from articles.models import ArticleUpdate
from articles.tests.factories import (
    ArticleFactory,
    ArticleUpdateFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
    make_image_file,
)
from articles.tests.test_reader_browser import serve_media
from pages.services import trust_pages_demo_create
from rankings.services import ranking_snapshots_update
from rankings.tests.test_templatetags import views

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def axe_script() -> str:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().axe_script


@pytest.fixture
def newsroom():
    """Every kind of thing a reader page shows: photos, updates, a correction, movement in the lists."""
    politics = SectionFactory(name="Politics", slug="politics", position=1, description="Parliament and parties.")
    SectionFactory(name="Science & Nature", slug="science-nature", position=2)
    for n in range(7):
        SectionFactory(name=f"Section {n}", slug=f"section-{n}", position=3 + n)
    photo = PhotoFactory(image=make_image_file(size=(1200, 675), color=(40, 70, 110)), caption="The chamber.",
                         credit="Rina Abe", alt_text="Lawmakers in a wood-panelled chamber")  # fmt: skip
    author = AuthorFactory(name="Aiko Tanaka", slug="aiko-tanaka", role="Staff Writer", bio="Covers the Diet.")
    now = timezone.now()
    article = ArticleFactory(
        headline="Coalition Agrees on Budget",
        slug="coalition-agrees-on-budget",
        section=politics,
        dateline="TOKYO",
        deck="Leaders settle a months-long dispute.",
        body='<p>Party leaders agreed.</p><h2>What changes</h2><ul><li>Taxes</li></ul><p><a href="https://example.com/">More</a></p>',
        lead_photo=photo,
        published_at=now - timedelta(minutes=20),
        authors=[author],
        tags=["Budget"],
    )
    ArticleUpdateFactory(article=article, created_at=now - timedelta(minutes=5))
    ArticleUpdateFactory(article=article, kind=ArticleUpdate.Kind.CORRECTION, note="Fixes a party's name.")
    stories = [
        ArticleFactory(section=politics, headline=f"Budget Story {n}", tags=["Budget"], authors=[author],
                       published_at=now - timedelta(hours=n + 1), lead_photo=photo if n % 3 == 0 else None)
        for n in range(24)
    ]  # fmt: skip
    for n, story in enumerate(stories[:6]):
        views(story, 10 + n)
    ranking_snapshots_update()
    views(stories[0], 200, hours_ago=1)  # up
    views(stories[10], 60)  # new
    ranking_snapshots_update()
    return article


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_reader_page_has_no_axe_violation(live_server, browser, settings, newsroom, scheme):
    trust_pages_demo_create()  # About, Contact, Corrections policy, Privacy, Terms
    urls = [
        "/",
        newsroom.get_absolute_url(),
        "/about/",
        "/contact/",
        "/corrections-policy/",
        "/privacy/",
        "/terms/",
        "/corrections/",
        "/section/politics/",
        "/section/politics/?page=2",
        "/section/science-nature/",
        "/tag/budget/",
        "/author/aiko-tanaka/",
        "/search/?q=budget",
        "/search/?q=zebra",
        "/search/",
        "/ranking/",
        "/ranking/?window=7d",
        "/no-such-page/",
    ]
    script = axe_script()
    found = {}
    for name, viewport in VIEWPORTS.items():
        context = browser.new_context(viewport=viewport, color_scheme=scheme, reduced_motion="reduce")
        page = context.new_page()
        serve_media(page, settings.MEDIA_ROOT)
        for url in urls:
            cache.clear()
            response = page.goto(live_server.url + url)
            assert response.status == (404 if url == "/no-such-page/" else 200), url
            assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
            page.evaluate(script)
            results = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
            assert results["passes"] or results["violations"] or results["incomplete"], "axe did not run"
            for violation in results["violations"]:
                targets = [" ".join(map(str, node["target"])) for node in violation["nodes"]][:5]
                found.setdefault(f"{name} {url}", []).append(f"{violation['id']}: {targets}")
        # Every section is on screen: the navigation wraps instead of scrolling sideways.
        page.goto(live_server.url + "/")
        overflow = page.evaluate(
            "[...document.querySelectorAll('.section-nav a')].filter(a => a.getBoundingClientRect().right > innerWidth"
            " || a.getBoundingClientRect().left < 0).map(a => a.textContent)"
        )
        assert overflow == [], (name, overflow)
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), name
        context.close()
    assert found == {}, found


def test_axe_flags_a_broken_page(live_server, page):
    """A negative control: the same injection reports two unlabelled navigation landmarks and a missing alt."""
    page.goto(live_server.url + "/healthz")
    page.set_content(
        '<!DOCTYPE html><html lang="en"><head><title>x</title></head><body><main><h1>x</h1>'
        '<nav><a href="/a">a</a></nav><nav><a href="/b">b</a></nav><img src="x.png"></main></body></html>'
    )
    page.evaluate(axe_script())
    ids = {v["id"] for v in page.evaluate("axe.run(document)")["violations"]}
    assert {"landmark-unique", "image-alt"} <= ids
