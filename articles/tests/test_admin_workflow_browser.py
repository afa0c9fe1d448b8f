"""The editors' desk in chromium: review, reporters' deletes, a pending change previewed then published, tags."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.db import connection
from playwright.sync_api import expect
from taggit.models import Tag

from articles.models import Article, ArticleNote, ArticlePendingChange
from articles.tests.factories import ArticleFactory, SectionFactory, staff_user_create
from articles.tests.test_admin_browser import _presence_settled, log_in  # noqa: F401  (autouse fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _roles():
    """The groups of 0002_roles with the permissions 0006_workflow adds (the flush removed them)."""
    schema_editor = SimpleNamespace(connection=connection)
    importlib.import_module("articles.migrations.0002_roles").roles_create(global_apps, schema_editor)
    importlib.import_module("articles.migrations.0006_workflow").roles_extend(global_apps, schema_editor)


def admin_url(live_server, article=None, action="change") -> str:
    base = f"{live_server.url}/admin/articles/article/"
    return base if article is None else f"{base}{article.pk}/{action}/"


def test_reporter_submits_and_editor_reviews_and_publishes(live_server, browser, page):
    staff_user_create("rita", "Reporter")
    staff_user_create("eddie", "Editor")
    SectionFactory(name="Business", slug="business")

    log_in(page, live_server, "rita")
    page.goto(f"{admin_url(live_server)}add/")
    page.locator("#id_headline").press_sequentially("Chipmaker Plans Second Plant")
    page.select_option("#id_section", label="Business")
    page.locator(".field-body .ProseMirror[contenteditable=true]").click()
    page.keyboard.type("The company will announce the site next month.")
    page.click("input[name=_submit_review]")
    expect(page.locator(".messagelist")).to_contain_text("submitted for review")
    article = Article.objects.get(slug="chipmaker-plans-second-plant")
    assert (article.status, article.owner.username) == (Article.Status.IN_REVIEW, "rita")
    # Read-only for the reporter now, and invisible to readers.
    page.goto(admin_url(live_server, article))
    expect(page.locator("input[name=_save]")).to_have_count(0)
    assert page.request.get(f"{live_server.url}{article.get_absolute_url()}").status == 404
    reporter_errors = list(page.console_log.errors)

    editor_page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    log_in(editor_page, live_server, "eddie")
    editor_page.goto(f"{admin_url(live_server)}?desk=awaiting")
    editor_page.locator("#result_list a", has_text="Chipmaker Plans Second Plant").click()
    editor_page.fill("#id_desk_note", "Good. Published with a tighter deck.")
    editor_page.fill("#id_deck", "A second plant, site to be named.")
    editor_page.click("input[name=_review_publish]")
    expect(editor_page.locator(".messagelist")).to_contain_text("was published")
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.deck == "A second plant, site to be named."

    editor_page.goto(f"{live_server.url}{article.get_absolute_url()}")
    expect(editor_page.locator("h1")).to_have_text("Chipmaker Plans Second Plant")
    editor_page.context.close()
    assert reporter_errors == []


def test_editor_sends_a_story_back_with_a_note_the_reporter_reads(live_server, browser, page):
    rita = staff_user_create("rita", "Reporter")
    staff_user_create("eddie", "Editor")
    article = ArticleFactory(
        headline="Harbour Fees Rise", status=Article.Status.IN_REVIEW, published_at=None, owner=rita
    )

    log_in(page, live_server, "eddie")
    page.goto(admin_url(live_server, article))
    page.fill("#id_desk_note", "Needs the port authority's response.")
    page.click("input[name=_send_back]")
    expect(page.locator(".messagelist")).to_contain_text("sent back to draft")
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert ArticleNote.objects.get(article=article).text == "Needs the port authority's response."

    reporter_page = browser.new_context().new_page()
    log_in(reporter_page, live_server, "rita")
    reporter_page.goto(f"{admin_url(live_server)}?desk=mine")
    reporter_page.locator("#result_list a", has_text="Harbour Fees Rise").click()
    expect(reporter_page.locator("#notes-group")).to_contain_text("Needs the port authority's response.")
    expect(reporter_page.locator("input[name=_submit_review]")).to_have_count(1)
    reporter_page.context.close()


def test_reporter_deletes_their_own_draft_but_not_anothers(live_server, page):
    rita = staff_user_create("rita", "Reporter")
    ron = staff_user_create("ron", "Reporter")
    own = ArticleFactory(headline="Rita's Draft", status=Article.Status.DRAFT, published_at=None, owner=rita)
    others = ArticleFactory(headline="Ron's Draft", status=Article.Status.DRAFT, published_at=None, owner=ron)

    log_in(page, live_server, "rita")
    page.goto(admin_url(live_server, own))
    page.click("a.deletelink")
    page.click("input[type=submit]")
    expect(page.locator(".messagelist")).to_contain_text("deleted successfully")
    assert not Article.objects.filter(pk=own.pk).exists()

    page.goto(admin_url(live_server, others))
    expect(page.locator("a.deletelink")).to_have_count(0)
    assert page.request.get(admin_url(live_server, others, "delete")).status == 403
    # The bulk action refuses it too.
    page.goto(admin_url(live_server))
    page.locator("#result_list tr", has_text="Ron's Draft").locator("input.action-select").check()
    page.select_option("select[name=action]", "delete_selected")
    page.click("button[name=index]")
    expect(page.locator("#content h1")).to_have_text("Cannot delete article")
    assert Article.objects.filter(pk=others.pk).exists()


def test_a_pending_change_is_previewed_then_published(live_server, browser, page):
    staff_user_create("eddie", "Editor")
    article = ArticleFactory(
        headline="Ferry Terminal Opens", slug="ferry-terminal-opens", deck="Opens in spring.", tags=["Ports"]
    )
    reader = browser.new_context().new_page()
    reader_url = f"{live_server.url}{article.get_absolute_url()}"
    reader.goto(reader_url)
    expect(reader.locator(".story-body")).not_to_contain_text("Opening moved to March")

    log_in(page, live_server, "eddie")
    page.goto(admin_url(live_server, article))
    expect(page.locator("input[name=_save]")).to_have_value("Publish changes now")
    editor = page.locator(".field-body .ProseMirror[contenteditable=true]")
    editor.click()
    page.keyboard.press("Control+End")
    page.keyboard.press("Enter")
    page.keyboard.type("Opening moved to March.")
    page.click("input[name=_save_pending]")
    expect(page.locator(".messagelist")).to_contain_text("Saved as a pending change")
    pending = ArticlePendingChange.objects.get(article=article)
    assert "Opening moved to March." in pending.content["body"]

    # Readers see nothing of it (the page cache is not touched).
    reader.reload()
    expect(reader.locator(".story-body")).not_to_contain_text("Opening moved to March")
    assert "Opening moved to March" not in Article.objects.get(pk=article.pk).body

    # The form carries on from the pending change; the preview is the real reader page, marked.
    expect(editor).to_contain_text("Opening moved to March.")
    with page.context.expect_page() as opened:
        page.locator("a.pendingpreviewlink").click()
    preview = opened.value
    preview.wait_for_load_state()
    expect(preview.locator(".preview-banner")).to_contain_text("Preview of a pending change — not published")
    expect(preview.locator(".story-body")).to_contain_text("Opening moved to March.")
    response = page.request.get(preview.url)
    assert "no-store" in response.headers["cache-control"]
    preview.close()

    page.click("input[name=_publish_pending]")
    expect(page.locator(".messagelist")).to_contain_text("pending change was published")
    assert not ArticlePendingChange.objects.exists()
    reader.reload()
    expect(reader.locator(".story-body")).to_contain_text("Opening moved to March.")
    expect(reader.locator(".preview-banner")).to_have_count(0)
    assert page.console_log.errors == []
    reader.context.close()


def test_tag_autocomplete_picks_existing_tags_and_creates_only_on_explicit_choice(live_server, page):
    staff_user_create("eddie", "Editor")
    Tag.objects.create(name="Tokyo", slug="tokyo")
    article = ArticleFactory(headline="Ferry Terminal Opens", status=Article.Status.DRAFT, published_at=None)
    log_in(page, live_server, "eddie")
    page.goto(admin_url(live_server, article))
    box = page.locator(".field-tags .select2-selection")
    chips = page.locator(".field-tags .select2-selection__choice")

    # "to" + Enter: the highlighted suggestion is the existing tag, not a new "to".
    box.click()
    page.keyboard.type("to")
    expect(page.locator(".select2-results__option--highlighted")).to_have_text("Tokyo")
    expect(page.locator(".select2-results__option", has_text="Create tag")).to_have_count(0)  # too short to create
    page.keyboard.press("Enter")
    expect(chips).to_have_count(1)
    expect(chips.first).to_contain_text("Tokyo")

    # A fragment that matches nothing: Enter does nothing.
    box.click()
    page.keyboard.type("zq")
    expect(page.locator(".select2-results__option")).to_have_text(["No results found"])
    page.keyboard.press("Enter")
    page.keyboard.press("Escape")
    expect(chips).to_have_count(1)

    # A real new tag is offered last, labelled, and created only when chosen.
    box.click()
    page.keyboard.type("Tokyo Bay")
    create = page.locator(".select2-results__option", has_text="Create tag “Tokyo Bay”")
    expect(create).to_be_visible()
    expect(page.locator(".select2-results__option").last).to_have_text("Create tag “Tokyo Bay”")
    create.click()
    expect(chips).to_have_count(2)
    expect(chips.last).to_contain_text("Tokyo Bay")
    expect(chips.last).not_to_contain_text("Create tag")

    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    assert sorted(t.name for t in Article.objects.get(pk=article.pk).tags.all()) == ["Tokyo", "Tokyo Bay"]
    assert not Tag.objects.filter(name__in=["to", "zq"]).exists()
    assert page.console_log.errors == []
