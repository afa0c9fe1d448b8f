"""Editors and reporters in the real admin, in chromium: upload, write, tag, publish, and the reporter's limits.

The live server runs with DEBUG off, where Django does not serve uploads (production's
web server does). ``serve_media`` plays that web server for the browser from the test's
MEDIA_ROOT, so thumbnails and reader-page photos load and a missing one would show up
as a console error.
"""

import importlib
import mimetypes
import re
import time
from pathlib import Path
from types import SimpleNamespace

import feedparser
import pytest
from django.apps import apps as global_apps
from django.db import connection
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from articles.models import Article, EditingSession, Photo
from articles.tests.factories import STAFF_PASSWORD, AuthorFactory, SectionFactory, staff_user_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = STAFF_PASSWORD


@pytest.fixture(autouse=True)
def _roles():
    """The groups of the 0002_roles data migration, made again by that migration's own code.

    The live server needs committed data, so these tests are transactional, and the
    flush after an earlier transactional test removes what migrations created.
    (``serialized_rollback`` did not bring them back reliably once Playwright was running.)
    """
    roles = importlib.import_module("articles.migrations.0002_roles")
    roles.roles_create(global_apps, SimpleNamespace(connection=connection))


@pytest.fixture(autouse=True)
def _presence_settled(transactional_db):
    """After a test's pages close, wait for their "leave" beacons before the database is flushed.

    A closed change form posts its leave beacon on ``pagehide``; served while the test database
    is being flushed, it locks SQLite's in-memory tables and the flush fails.
    """
    yield
    time.sleep(0.3)
    deadline = time.monotonic() + 5
    while EditingSession.objects.exists() and time.monotonic() < deadline:
        time.sleep(0.1)


@pytest.fixture
def serve_media(page, settings):
    def handle(route):
        name = route.request.url.split("/media/", 1)[1].split("?", 1)[0]
        path = (Path(settings.MEDIA_ROOT) / name).resolve()
        if Path(settings.MEDIA_ROOT).resolve() not in path.parents or not path.is_file():
            route.fulfill(status=404, body="not found")
            return
        route.fulfill(path=str(path), content_type=mimetypes.guess_type(path.name)[0] or "application/octet-stream")

    page.route(re.compile(r".*/media/.*"), handle)
    return page


def log_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    expect(page.locator("#user-tools")).to_contain_text(username)


def picture(tmp_path: Path) -> Path:
    path = tmp_path / "terminal.jpg"
    img = Image.new("RGB", (1600, 1000), (40, 90, 150))
    ImageDraw.Draw(img).rectangle((1000, 300, 1300, 700), fill=(240, 200, 40))
    img.save(path, "JPEG", quality=85)
    return path


def select2_pick(page, field: str, term: str, option_text: str) -> None:
    """Open a select2 box of ``field``, type ``term`` and click the suggestion ``option_text``."""
    page.click(f".field-{field} .select2-selection")
    page.keyboard.type(term)
    page.locator(".select2-results__option", has_text=option_text).first.click()


def test_editor_uploads_writes_tags_publishes_and_finds_it_on_section_page_and_feed(live_server, serve_media, tmp_path):
    page = serve_media
    staff_user_create("eddie", "Editor")
    SectionFactory(name="Society", slug="society")
    AuthorFactory(name="Aiko Tanaka", slug="aiko-tanaka")
    log_in(page, live_server, "eddie")

    # 1. Upload a photo with caption, credit and alt text.
    page.goto(f"{live_server.url}/admin/articles/photo/add/")
    page.set_input_files("#id_image", str(picture(tmp_path)))
    page.fill("#id_caption", "The new ferry terminal at dawn, seen from the pier.")
    page.fill("#id_credit", "Kenji Mori")
    page.fill("#id_alt_text", "A glass terminal building beside calm water")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    photo = Photo.objects.get()
    assert (photo.caption, photo.credit) == ("The new ferry terminal at dawn, seen from the pier.", "Kenji Mori")
    # Its focal point is set by clicking the subject in the picture.
    image = page.locator("[data-focal-point] img")
    expect(image).to_be_visible()
    # The script shows the marker once it listens for clicks: a click before that would be lost.
    expect(page.locator("[data-focal-point] .nr-focal__marker")).to_be_visible()
    box = image.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.72, box["y"] + box["height"] * 0.5)
    assert abs(float(page.input_value("#id_focal_x")) - 0.72) < 0.02
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    photo.refresh_from_db()
    assert abs(photo.focal_x - 0.72) < 0.02

    # 2. Write the article in the rich-text editor, with byline, lead photo and tags.
    page.goto(f"{live_server.url}/admin/articles/article/add/")
    page.locator("#id_headline").press_sequentially("Ferry Terminal Opens to Record Crowds")
    expect(page.locator("#id_slug")).to_have_value("ferry-terminal-opens-to-record-crowds")
    page.select_option("#id_section", label="Society")
    page.fill("#id_dateline", "YOKOHAMA")
    page.fill("#id_deck", "Thousands queued before dawn for the first crossing.")
    editor = page.locator(".field-body .ProseMirror[contenteditable=true]")
    editor.click()
    page.keyboard.type("The first ferry left at 6 a.m. with ")
    page.keyboard.press("Control+b")
    page.keyboard.type("every seat taken")
    page.keyboard.press("Control+b")
    page.keyboard.type(".")
    page.keyboard.press("Enter")
    page.keyboard.type("Officials called it a new chapter for the bay.")
    expect(editor.locator("strong")).to_have_text("every seat taken")

    select2_pick(page, "authors", "Aiko", "Aiko Tanaka")
    select2_pick(page, "lead_photo", "dawn", "The new ferry terminal at dawn")
    preview = page.locator("[data-lead-photo-preview] img")
    expect(preview).to_be_visible()
    # Loaded, not broken (wait_for_function would need 'unsafe-eval', which the CSP rightly refuses).
    expect(preview).to_have_js_property("complete", True)
    assert preview.evaluate("img => img.naturalWidth") > 0

    page.click(".field-tags .select2-selection")
    page.keyboard.type("Ferries")
    # A new tag is an explicit choice, not what a comma or Enter does to any typed text.
    page.locator(".select2-results__option", has_text="Create tag “Ferries”").click()
    page.click(".field-tags .select2-selection")
    page.keyboard.type("Yokohama Port")
    page.locator(".select2-results__option", has_text="Create tag “Yokohama Port”").click()
    expect(page.locator(".field-tags .select2-selection__choice")).to_have_count(2)

    # 3. Publish it.
    page.select_option("#id_status", "published")
    page.click("input[name=_save]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    row = page.locator("#result_list tbody tr", has_text="Ferry Terminal Opens to Record Crowds")
    expect(row).to_contain_text("Published")
    expect(row).to_contain_text("JST")

    article = Article.objects.get(slug="ferry-terminal-opens-to-record-crowds")
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at is not None
    assert sorted(t.name for t in article.tags.all()) == ["Ferries", "Yokohama Port"]
    assert [a.name for a in article.authors.all()] == ["Aiko Tanaka"]
    assert article.lead_photo == photo
    assert "<strong>every seat taken</strong>" in article.body
    assert Article.objects.published().filter(pk=article.pk).exists()
    admin_errors = list(page.console_log.errors)

    # 4. Readers find it on the section page...
    page.goto(f"{live_server.url}/section/society/")
    link = page.locator("main a", has_text="Ferry Terminal Opens to Record Crowds").first
    expect(link).to_be_visible()
    link.click()
    expect(page.locator("h1")).to_contain_text("Ferry Terminal Opens to Record Crowds")
    expect(page.locator("figcaption")).to_contain_text("Kenji Mori")

    # ...and in the section's RSS feed.
    feed_response = page.request.get(f"{live_server.url}/section/society/feed/")
    assert feed_response.status == 200
    feed = feedparser.parse(feed_response.body())
    assert not feed.bozo, feed.bozo_exception
    assert [entry.title for entry in feed.entries] == ["Ferry Terminal Opens to Record Crowds"]
    assert feed.entries[0].link.endswith(article.get_absolute_url())

    assert admin_errors == []
    assert page.console_log.errors == []


def test_reporter_saves_a_draft_but_cannot_publish(live_server, serve_media):
    page = serve_media
    staff_user_create("rita", "Reporter")
    SectionFactory(name="Business", slug="business")
    log_in(page, live_server, "rita")

    page.goto(f"{live_server.url}/admin/articles/article/add/")
    # No way to choose a status or a publication time: the status is shown, read-only.
    expect(page.locator("#id_status")).to_have_count(0)
    expect(page.locator("[name^=published_at]")).to_have_count(0)
    expect(page.locator(".field-status")).to_contain_text("Draft")

    page.locator("#id_headline").press_sequentially("Chipmaker Plans Second Plant")
    page.select_option("#id_section", label="Business")
    page.locator(".field-body .ProseMirror[contenteditable=true]").click()
    page.keyboard.type("The company will announce the site next month.")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    article = Article.objects.get(slug="chipmaker-plans-second-plant")
    assert article.status == Article.Status.DRAFT

    # A staff-only preview instead of "View on site".
    expect(page.locator("a.previewlink")).to_have_count(1)
    expect(page.locator("a.viewsitelink:not(.previewlink)")).to_have_count(0)

    # No publishing actions in the list.
    page.goto(f"{live_server.url}/admin/articles/article/")
    options = page.locator("select[name=action] option").all_inner_texts()
    assert not [o for o in options if re.search(r"publish|withdraw|schedule", o, re.I)]
    admin_errors = list(page.console_log.errors)

    # A crafted POST from the reporter's own session, with the form's CSRF token, is refused.
    change = f"{live_server.url}/admin/articles/article/{article.pk}/change/"
    page.goto(change)
    token = page.input_value("input[name=csrfmiddlewaretoken]")
    response = page.request.post(
        change,
        form={
            "csrfmiddlewaretoken": token,
            "headline": "Chipmaker Plans Second Plant",
            "slug": "chipmaker-plans-second-plant",
            "section": str(article.section_id),
            "body": "<p>Published by a reporter.</p>",
            "status": "published",
            "published_at_0": "2026-01-01",
            "published_at_1": "09:00:00",
            "updates-TOTAL_FORMS": "0",
            "updates-INITIAL_FORMS": "0",
            "updates-MIN_NUM_FORMS": "0",
            "updates-MAX_NUM_FORMS": "1000",
            "_save": "Save",
        },
        headers={"Referer": change, "Origin": live_server.url},
    )
    assert response.status == 403
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None
    assert not Article.objects.published().exists()
    assert admin_errors == []
