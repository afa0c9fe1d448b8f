"""The editors' desk in chromium: two editors racing, compare and restore, autosave after a closed tab, presence."""

import re

import pytest
from playwright.sync_api import expect

from articles import presence, revisions
from articles.models import Article
from articles.tests.factories import ArticleFactory, SectionFactory, staff_user_create
from articles.tests.test_admin_browser import (  # noqa: F401  (_presence_settled, _roles: autouse fixtures)
    _presence_settled,
    _roles,
    log_in,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def new_page(browser):
    """A page in a browser context of its own (its own cookies: another editor)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    return page


def change_url(live_server, article) -> str:
    return f"{live_server.url}/admin/articles/article/{article.pk}/change/"


def body_editor(page):
    return page.locator(".field-body .ProseMirror[contenteditable=true]")


def draft(**kwargs) -> Article:
    section = SectionFactory(name="Society", slug="society")
    return ArticleFactory(status=Article.Status.DRAFT, published_at=None, section=section, **kwargs)


def test_two_editors_race_both_edits_survive_and_the_second_is_told(browser, live_server):
    eddie = staff_user_create("eddie", "Editor")
    staff_user_create("beth", "Editor")
    article = draft(headline="Harbour Plan Debated", deck="Old deck.", body="<p>First paragraph.</p>")
    alice, bob = new_page(browser), new_page(browser)
    try:
        log_in(alice, live_server, "eddie")
        log_in(bob, live_server, "beth")
        eddie.first_name, eddie.last_name = "Eddie", "Ito"  # after log_in, which looks for the username
        eddie.save()
        alice.goto(change_url(live_server, article))
        expect(body_editor(alice)).to_be_visible()
        bob.goto(change_url(live_server, article))
        # Bob sees that Eddie has the article open, since when (Tokyo time).
        expect(bob.locator("[data-presence]")).to_have_text(
            re.compile(r"Eddie Ito is editing this article \(since \d\d:\d\d\)")
        )

        # Alice adds a paragraph and saves.
        body_editor(alice).click()
        alice.keyboard.press("Control+End")
        alice.keyboard.press("Enter")
        alice.keyboard.type("Alice's new paragraph.")
        alice.click("input[name=_continue]")
        expect(alice.locator(".messagelist")).to_contain_text("was changed successfully")

        # Bob, whose form is older, changes only the deck and saves: refused, told what Alice changed.
        bob.fill("#id_deck", "Bob's sharper deck.")
        bob.click("input[name=_continue]")
        expect(bob.locator(".errornote")).to_be_visible()
        expect(bob.locator(".errorlist.nonfield")).to_contain_text("Eddie Ito saved this article")
        expect(bob.locator("[data-conflict]")).to_contain_text("Alice's")
        expect(bob.locator("#id_deck")).to_have_value("Bob's sharper deck.")
        expect(body_editor(bob)).to_contain_text("Alice's new paragraph.")
        article.refresh_from_db()
        assert article.deck == "Old deck."

        # Saving again keeps both edits.
        bob.click("input[name=_continue]")
        expect(bob.locator(".messagelist")).to_contain_text("was changed successfully")
        article.refresh_from_db()
        assert article.deck == "Bob's sharper deck."
        assert "Alice's new paragraph." in article.body
        assert alice.errors == []
        assert bob.errors == []
    finally:
        alice.context.close()
        bob.context.close()


def test_compare_two_revisions_and_restore_the_older_one(page, live_server):
    staff_user_create("eddie", "Editor")
    article = draft(headline="Harbour Plan Debated", body="<p>The council met.</p>")
    log_in(page, live_server, "eddie")
    page.goto(change_url(live_server, article))
    page.fill("#id_headline", "Harbour Plan <b>Passed</b>")
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")

    page.click("a.historylink")
    rows = page.locator("tr.nr-revision")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Headline changed")
    page.click("input[type=submit][value='Compare selected revisions']")
    diff = page.locator("table.diff")
    expect(diff).to_contain_text("Harbour Plan Debated")
    expect(diff).to_contain_text("<b>Passed</b>")  # shown as text, not markup
    expect(page.locator("table.diff b")).to_have_count(0)

    page.click("text=Restore the older revision…")
    expect(page.locator("#id_headline")).to_have_value("Harbour Plan Debated")
    expect(page.locator(".nr-restoring")).to_contain_text("Nothing is saved until you press Save")
    article.refresh_from_db()
    assert article.headline == "Harbour Plan <b>Passed</b>"  # not restored until saved
    page.click("input[name=_continue]")
    expect(page.locator(".messagelist")).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert (article.headline, article.status) == ("Harbour Plan Debated", Article.Status.DRAFT)
    newest = revisions.article_history(article_id=article.pk)[0]
    assert newest.revision.comment.startswith("Restored the revision of")
    assert page.console_log.errors == []


def test_autosave_brings_back_the_text_of_a_closed_tab(page, live_server):
    staff_user_create("eddie", "Editor")
    article = draft(headline="Harbour Plan Debated", deck="Old deck.", body="<p>The council met.</p>")
    log_in(page, live_server, "eddie")
    page.goto(change_url(live_server, article))
    page.fill("#id_deck", "A deck typed but never saved.")
    body_editor(page).click()
    page.keyboard.press("Control+End")
    page.keyboard.type(" It voted late at night.")
    page.wait_for_function(
        "() => Object.keys(localStorage).some(k => (localStorage.getItem(k) || '').includes('voted late at night'))"
    )

    # Leaving with unsaved changes asks first.
    dialogs = []

    def answer(dialog):
        dialogs.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    with page.expect_event("close"):
        page.close(run_before_unload=True)
    assert dialogs == ["beforeunload"]

    again = page.context.new_page()
    again.goto(change_url(live_server, article))
    banner = again.locator("[data-autosave-banner]")
    expect(banner).to_be_visible()
    expect(banner).to_contain_text(re.compile(r"Restore unsaved changes from \d\d:\d\d"))
    expect(again.locator("#id_deck")).to_have_value("Old deck.")
    again.click("[data-autosave-restore]")
    expect(again.locator("#id_deck")).to_have_value("A deck typed but never saved.")
    expect(body_editor(again)).to_contain_text("It voted late at night.")
    again.click("input[name=_continue]")
    expect(again.locator(".messagelist")).to_contain_text("was changed successfully")
    article.refresh_from_db()
    assert article.deck == "A deck typed but never saved."
    assert "It voted late at night." in article.body
    # Saved: the working copy is gone, and the form opens without the offer.
    assert again.evaluate("() => Object.keys(localStorage).filter(k => k.startsWith('newsroom:autosave:'))") == []
    again.goto(change_url(live_server, article))
    expect(body_editor(again)).to_be_visible()
    expect(again.locator("[data-autosave-banner]")).to_be_hidden()


def test_presence_banner_follows_the_heartbeat_and_goes_when_the_other_editor_leaves(browser, live_server, monkeypatch):
    monkeypatch.setattr(presence, "HEARTBEAT_SECONDS", 1)  # the live server runs in this process
    eddie = staff_user_create("eddie", "Editor")
    staff_user_create("beth", "Editor")
    article = draft(headline="Harbour Plan Debated")
    alice, bob = new_page(browser), new_page(browser)
    try:
        log_in(alice, live_server, "eddie")
        log_in(bob, live_server, "beth")
        eddie.first_name, eddie.last_name = "Eddie", "Ito"
        eddie.save()
        bob.goto(change_url(live_server, article))
        banner = bob.locator("[data-presence]")
        expect(banner).to_be_hidden()  # nobody else yet
        alice.goto(change_url(live_server, article))
        # Bob's open form learns of Alice from its next heartbeat, without a reload.
        expect(banner).to_have_text(re.compile(r"Eddie Ito is editing this article \(since \d\d:\d\d\)"))
        alice.goto(f"{live_server.url}/admin/articles/article/")  # Alice leaves the form
        expect(alice.locator("#result_list")).to_contain_text("beth")  # the list shows who is editing
        expect(banner).to_be_hidden()
        assert alice.errors == []
        assert bob.errors == []
    finally:
        alice.context.close()
        bob.context.close()
