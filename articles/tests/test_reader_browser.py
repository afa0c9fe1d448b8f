"""A reader in chromium: front page -> article -> tag page, on a phone and a desktop, with and without JavaScript.

Screenshots land in ``NEWSROOM_SCREENSHOT_DIR`` when set (to look at the design), else in the test's tmp dir.
"""

import mimetypes
import os
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from articles.tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory, make_image_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def screenshot_dir(tmp_path) -> Path:
    folder = Path(os.environ.get("NEWSROOM_SCREENSHOT_DIR") or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def serve_media(page, media_root) -> None:
    """Play the production web server for /media/ (the live server, DEBUG off, does not serve uploads)."""
    root = Path(media_root).resolve()

    def handle(route):
        name = route.request.url.split("/media/", 1)[1].split("?", 1)[0]
        path = (root / name).resolve()
        if root not in path.parents or not path.is_file():
            route.fulfill(status=404, body="not found")
            return
        route.fulfill(path=str(path), content_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream")

    page.route(re.compile(r".*/media/.*"), handle)


@pytest.fixture
def newsroom():
    politics = SectionFactory(name="Politics", slug="politics", position=1)
    world = SectionFactory(name="World", slug="world", position=2)
    SectionFactory(name="Science & Nature", slug="science-nature", position=3)
    photo = PhotoFactory(
        image=make_image_file(size=(1200, 675), color=(40, 70, 110)),
        caption="Delegates leave the chamber after the late-night vote.",
        credit="Rina Abe",
        alt_text="People in suits walk down a wide corridor",
    )
    now = timezone.now()
    lead = ArticleFactory(
        headline="Upper House Passes Harbor Bridge Funding",
        slug="upper-house-passes-harbor-bridge-funding",
        section=politics,
        dateline="TOKYO",
        deck="Construction could start next spring after a decade of debate.",
        body="<p>Lawmakers approved the money late on Tuesday.</p><p>The bridge would link two wards.</p>",
        lead_photo=photo,
        published_at=now - timedelta(minutes=30),
        tags=["Harbor Bridge", "Infrastructure"],
        authors=[AuthorFactory(name="Aiko Tanaka", slug="aiko-tanaka")],
    )
    for n in range(5):
        ArticleFactory(section=politics, headline=f"Committee Hearing Round {n + 1} Ends Early",
                       published_at=now - timedelta(hours=n + 1), lead_photo=photo if n == 0 else None)  # fmt: skip
        ArticleFactory(section=world, headline=f"Summit Talks Continue Into Day {n + 2}",
                       published_at=now - timedelta(hours=n + 2), lead_photo=photo if n == 1 else None)  # fmt: skip
    ArticleFactory(section=world, headline="Older Harbor Bridge Survey", tags=["Harbor Bridge"],
                   published_at=now - timedelta(days=2))  # fmt: skip
    return lead


def test_reader_goes_home_to_article_to_tag_page(live_server, page, settings, newsroom, screenshot_dir):
    serve_media(page, settings.MEDIA_ROOT)
    page.goto(live_server.url + "/")
    page.screenshot(path=str(screenshot_dir / "home-1280.png"), full_page=True)

    page.get_by_role("link", name=newsroom.headline).first.click()
    expect(page).to_have_url(re.compile(re.escape(newsroom.get_absolute_url()) + "$"))
    expect(page.locator("h1")).to_have_text(newsroom.headline)
    expect(page.locator("main figure figcaption")).to_contain_text(
        "Delegates leave the chamber after the late-night vote."
    )
    expect(page.locator("main figure figcaption")).to_contain_text("Rina Abe")
    expect(page.locator(".story-meta time").first).to_have_text(
        re.compile(r"^\d{1,2}:\d{2} JST, [A-Z][a-z]+ \d{1,2}, \d{4}$")
    )
    expect(page.locator(".story-body p").first).to_have_text("TOKYO — Lawmakers approved the money late on Tuesday.")
    expect(page.get_by_role("heading", name="Related Tags")).to_be_visible()
    photo = page.locator("main figure img")
    expect(photo).to_be_visible()
    assert photo.evaluate("img => img.complete && img.naturalWidth > 0"), "the lead photo did not load"
    page.screenshot(path=str(screenshot_dir / "article-1280.png"), full_page=True)

    page.locator(".related-tags").get_by_role("link", name="Harbor Bridge").click()
    expect(page).to_have_url(re.compile(r"/tag/harbor-bridge/$"))
    expect(page.locator("h1")).to_have_text("Harbor Bridge")
    cards = page.locator("main .story-card-headline")
    expect(cards).to_have_count(2)
    expect(cards.first).to_have_text(newsroom.headline)
    page.screenshot(path=str(screenshot_dir / "tag-1280.png"), full_page=True)
    assert page.console_log.errors == []


def test_pages_fit_a_phone_screen_and_keep_the_rail_beside_on_desktop(browser, live_server, newsroom, settings,
                                                                         screenshot_dir):  # fmt: skip
    urls = {
        "home": "/",
        "article": newsroom.get_absolute_url(),
        "section": "/section/politics/",
        "search": "/search/?q=summit",
    }
    for label, viewport in (("375", PHONE), ("1280", DESKTOP)):
        context = browser.new_context(viewport=viewport)
        page = context.new_page()
        errors = []
        page.on("console", lambda msg, errors=errors: msg.type == "error" and errors.append(msg.text))
        serve_media(page, settings.MEDIA_ROOT)
        for name, url in urls.items():
            page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{name} at {label}px scrolls sideways by {overflow}px"
            page.screenshot(path=str(screenshot_dir / f"{name}-{label}.png"), full_page=True)
            if name == "article":
                main_box = page.locator("main").bounding_box()
                rail_box = page.locator("aside.rail").bounding_box()
                if viewport is DESKTOP:
                    assert rail_box["x"] > main_box["x"] + main_box["width"] - 1, "rail should sit beside the story"
                else:
                    assert rail_box["y"] >= main_box["y"] + main_box["height"] - 1, "rail should follow the story"
        assert errors == []
        context.close()


def test_article_reads_without_javascript_and_the_skip_link_works(browser, live_server, newsroom):
    context = browser.new_context(java_script_enabled=False, viewport=PHONE)
    page = context.new_page()
    page.goto(live_server.url + newsroom.get_absolute_url())
    expect(page.locator("h1")).to_have_text(newsroom.headline)
    expect(page.locator(".story-body")).to_contain_text("The bridge would link two wards.")
    # Search is a plain GET form: it works without scripts too.
    page.fill("#masthead-q", "summit")
    page.press("#masthead-q", "Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q=summit$"))
    expect(page.locator("main .story-card")).to_have_count(5)
    context.close()

    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(live_server.url + newsroom.get_absolute_url())
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box["x"] >= 0, "the focused skip link must be on screen"
    assert box["y"] >= 0, "the focused skip link must be on screen"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    context.close()
