"""The desk in the article admin (articles.admin_workflow): views, review, notes, deletes, pending changes, tags."""

from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from taggit.models import Tag

from articles import workflow
from articles.models import Article, ArticleNote, ArticlePendingChange
from articles.tests.factories import ArticleFactory, SectionFactory
from articles.tests.test_admin import article_form, reporter_form, tokyo

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    return reverse(f"admin:articles_article_{name}", args=args)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


@pytest.fixture
def section():
    return SectionFactory(name="Politics", slug="politics")


def draft(**kwargs) -> Article:
    return ArticleFactory(status=Article.Status.DRAFT, published_at=None, **kwargs)


def live_form(article, **overrides) -> dict:
    """The editor's change form of a published ``article`` as posted unchanged, with ``overrides``."""
    date, time = tokyo(article.published_at)
    data = article_form(
        article.section,
        headline=article.headline,
        slug=article.slug,
        deck=article.deck,
        body=article.body,
        dateline=article.dateline,
        status=article.status,
        published_at_0=date,
        published_at_1=time,
    )
    data["initial-published_at_0"], data["initial-published_at_1"] = date, time
    data["tags"] = [t.name for t in article.tags.all()]
    data.update(overrides)
    return data


# --- Desk views ---------------------------------------------------------------------------------------


def test_desk_filter_shows_awaiting_my_drafts_scheduled_and_recent_with_counts(editor, reporter, section):
    now = timezone.now()
    awaiting = ArticleFactory(headline="Awaiting One", status=Article.Status.IN_REVIEW, published_at=None)
    mine = draft(headline="Mine One", owner=editor)
    draft(headline="Someone Elses Draft", owner=reporter)
    scheduled = ArticleFactory(
        headline="Scheduled One", status=Article.Status.SCHEDULED, published_at=now + timedelta(hours=3)
    )
    recent = ArticleFactory(headline="Recent One", published_at=now - timedelta(days=1))
    ArticleFactory(headline="Old One", published_at=now - timedelta(days=30))
    client = client_for(editor)

    page = soup_of(client.get(url("changelist")))
    choices = [" ".join(a.get_text().split()) for a in page.select("#changelist-filter a") if "desk=" in a["href"]]
    assert choices == ["Awaiting review (1)", "My drafts (1)", "Scheduled (1)", "Recently published (1)"]
    links = [" ".join(a.get_text().split()) for a in page.select(".nr-desk-links a")]
    assert links == choices  # the same views as links above the list
    for value, expected in (("awaiting", awaiting), ("mine", mine), ("scheduled", scheduled), ("recent", recent)):
        rows = soup_of(client.get(url("changelist"), {"desk": value})).select("#result_list tbody tr")
        assert [" ".join(r.select_one("th").get_text().split()) for r in rows] == [expected.headline], value


# --- Review -------------------------------------------------------------------------------------------


def test_reporter_submits_their_draft_from_the_form_and_then_cannot_change_it(reporter, section):
    article = draft(section=section, owner=reporter, headline="Port Authority Approves New Ferry Terminal")
    client = client_for(reporter)
    page = soup_of(client.get(url("change", article.pk)))
    assert page.select_one("input[name=_submit_review]") is not None

    response = client.post(
        url("change", article.pk), reporter_form(section, deck="Now with a deck.", _submit_review="1")
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.deck) == (Article.Status.IN_REVIEW, "Now with a deck.")

    response = client.post(url("change", article.pk), reporter_form(section, deck="Changed again."))
    assert response.status_code == 403
    article.refresh_from_db()
    assert article.deck == "Now with a deck."


def test_a_new_draft_belongs_to_its_creator(reporter, section):
    response = client_for(reporter).post(url("add"), reporter_form(section))
    assert response.status_code == 302
    assert Article.objects.get().owner == reporter


def test_reporter_cannot_edit_another_reporters_draft(reporter, other_reporter, section):
    article = draft(section=section, owner=other_reporter, headline="Theirs")
    client = client_for(reporter)
    assert soup_of(client.get(url("change", article.pk))).select_one("input[name=_save]") is None
    response = client.post(url("change", article.pk), reporter_form(section, headline="Mine now", _submit_review="1"))
    assert response.status_code == 403
    article.refresh_from_db()
    assert (article.headline, article.status) == ("Theirs", Article.Status.DRAFT)


def test_editor_sends_back_with_a_note_or_publishes_from_review(editor, reporter, section):
    first = ArticleFactory(section=section, status=Article.Status.IN_REVIEW, published_at=None, owner=reporter)
    second = ArticleFactory(section=section, status=Article.Status.IN_REVIEW, published_at=None, owner=reporter)
    client = client_for(editor)
    page = soup_of(client.get(url("change", first.pk)))
    assert page.select_one("input[name=_review_publish]") is not None
    assert page.select_one("input[name=_send_back]") is not None

    form = article_form(section, headline=first.headline, slug=first.slug, status="in_review")
    response = client.post(url("change", first.pk), {**form, "_send_back": "1", "desk_note": "Add the vote count."})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.status == Article.Status.DRAFT
    assert ArticleNote.objects.get(article=first).text == "Add the vote count."

    form = article_form(section, headline=second.headline, slug=second.slug, status="in_review")
    response = client.post(url("change", second.pk), {**form, "_review_publish": "1"})
    assert response.status_code == 302
    second.refresh_from_db()
    assert second.status == Article.Status.PUBLISHED
    assert second.is_visible()


def test_reporters_forged_publish_button_gets_403_and_changes_nothing(reporter, section):
    article = draft(section=section, owner=reporter, headline="Before")
    response = client_for(reporter).post(
        url("change", article.pk), reporter_form(section, headline="After", _review_publish="1")
    )
    assert response.status_code == 403  # refused by the service; the save is rolled back with it
    article.refresh_from_db()
    assert (article.status, article.headline) == (Article.Status.DRAFT, "Before")
    assert not Article.objects.published().exists()


# --- Deletes ------------------------------------------------------------------------------------------


def test_reporter_deletes_own_draft_but_a_forged_delete_of_anothers_gets_403(reporter, other_reporter, section):
    own = draft(section=section, owner=reporter)
    others = draft(section=section, owner=other_reporter)
    client = client_for(reporter)
    assert client.get(url("delete", others.pk)).status_code == 403
    assert client.post(url("delete", others.pk), {"post": "yes"}).status_code == 403
    assert client.post(url("delete", own.pk), {"post": "yes"}).status_code == 302
    assert list(Article.objects.all()) == [others]


def test_bulk_delete_of_anothers_draft_is_refused(reporter, other_reporter, section):
    own = draft(section=section, owner=reporter)
    others = draft(section=section, owner=other_reporter)
    client = client_for(reporter)
    client.post(
        url("changelist"), {"action": "delete_selected", "_selected_action": [own.pk, others.pk], "post": "yes"}
    )
    assert set(Article.objects.values_list("pk", flat=True)) == {own.pk, others.pk}
    client.post(url("changelist"), {"action": "delete_selected", "_selected_action": [own.pk], "post": "yes"})
    assert list(Article.objects.all()) == [others]


# --- Internal notes -------------------------------------------------------------------------------------


def test_notes_inline_adds_a_note_by_the_user_and_shows_others_read_only(editor, reporter, section):
    article = draft(section=section, owner=reporter, headline="Port Authority Approves New Ferry Terminal")
    workflow.article_note_add(article=article, user=editor, text="Check the ministry's figure.")
    client = client_for(reporter)
    form = reporter_form(section)
    form.update({"notes-TOTAL_FORMS": "2", "notes-INITIAL_FORMS": "1", "notes-1-text": "Figure confirmed."})
    form["notes-0-id"] = str(ArticleNote.objects.get().pk)
    form["notes-0-text"] = "Rewritten by the reporter"  # not editable: ignored
    response = client.post(url("change", article.pk), form)
    assert response.status_code == 302, soup_of(response).select(".errorlist")
    assert list(ArticleNote.objects.order_by("id").values_list("text", "author__username")) == [
        ("Check the ministry's figure.", "eddie"),
        ("Figure confirmed.", "rita"),
    ]
    group = soup_of(client.get(url("change", article.pk))).select_one("#notes-group")
    assert "never shown to readers" in group.get_text()
    assert group.select("textarea[name='notes-0-text']") == []


# --- Pending changes --------------------------------------------------------------------------------------


def test_editor_saves_a_pending_change_previews_and_publishes_it(editor, client, section):
    article = ArticleFactory(section=section, headline="Ferry Terminal Opens", slug="ferry-terminal-opens")
    editor_client = client_for(editor)
    page = soup_of(editor_client.get(url("change", article.pk)))
    assert page.select_one("input[name=_save]")["value"] == "Publish changes now"
    assert page.select_one("input[name=_save_pending]")["formaction"] == url("pending_save", article.pk)

    response = editor_client.post(url("pending_save", article.pk), live_form(article, deck="Opens in March."))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.deck != "Opens in March."
    assert ArticlePendingChange.objects.get(article=article).content["deck"] == "Opens in March."
    assert "Opens in March." not in client.get(article.get_absolute_url()).content.decode()

    # The change form shows it, loaded for further editing.
    page = soup_of(editor_client.get(url("change", article.pk)))
    assert page.select_one("textarea[name=deck]").get_text().strip() == "Opens in March."
    assert "pending change" in page.select_one(".messagelist").get_text()

    preview = editor_client.get(url("pending_preview", article.pk))
    assert preview.status_code == 200
    assert "no-store" in preview["Cache-Control"]
    assert "private" in preview["Cache-Control"]
    banner = soup_of(preview).select_one(".preview-banner")
    assert "Preview of a pending change — not published" in banner.get_text()
    assert "Opens in March." in preview.content.decode()
    assert "Opens in March." not in client.get(article.get_absolute_url()).content.decode()

    response = editor_client.post(url("pending_publish", article.pk), live_form(article, deck="Opens in March."))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.deck == "Opens in March."
    assert not ArticlePendingChange.objects.exists()
    assert "Opens in March." in client.get(article.get_absolute_url()).content.decode()


def test_an_invalid_pending_save_shows_the_errors_and_keeps_the_input(editor, section):
    article = ArticleFactory(section=section, headline="Ferry Terminal Opens")
    response = client_for(editor).post(
        url("pending_save", article.pk), live_form(article, headline="", deck="Typed text kept.")
    )
    assert response.status_code == 200
    page = soup_of(response)
    assert page.select_one(".errorlist") is not None
    assert page.select_one("textarea[name=deck]").get_text().strip() == "Typed text kept."
    assert not ArticlePendingChange.objects.exists()


def test_a_plain_save_publishes_and_clears_the_pending_change(editor, section):
    article = ArticleFactory(section=section, headline="Ferry Terminal Opens")
    workflow.article_pending_change_save(
        article=article, user=editor, content={"headline": "Pending", "section": section.pk, "tags": [], "authors": []}
    )
    client = client_for(editor)
    seen = soup_of(client.get(url("change", article.pk))).select_one("input[name=desk_pending_seen]")["value"]
    response = client.post(url("change", article.pk), live_form(article, headline="Now Live", desk_pending_seen=seen))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.headline == "Now Live"
    assert not ArticlePendingChange.objects.exists()


def test_a_plain_save_from_a_form_opened_before_the_pending_change_keeps_it(editor, section):
    article = ArticleFactory(section=section, headline="Ferry Terminal Opens")
    client = client_for(editor)
    assert soup_of(client.get(url("change", article.pk))).select_one("input[name=desk_pending_seen]") is None
    workflow.article_pending_change_save(
        article=article, user=editor, content={"headline": "Pending", "section": section.pk, "tags": [], "authors": []}
    )
    response = client.post(url("change", article.pk), live_form(article, headline="Now Live"), follow=True)
    assert "pending change saved meanwhile was kept" in response.content.decode()
    assert ArticlePendingChange.objects.get().content["headline"] == "Pending"


def test_discard_drops_the_pending_change(editor, section):
    article = ArticleFactory(section=section, headline="Ferry Terminal Opens")
    workflow.article_pending_change_save(
        article=article, user=editor, content={"headline": "Pending", "section": section.pk, "tags": [], "authors": []}
    )
    response = client_for(editor).post(url("pending_discard", article.pk), live_form(article))
    assert response.status_code == 302
    assert not ArticlePendingChange.objects.exists()
    article.refresh_from_db()
    assert article.headline == "Ferry Terminal Opens"


@pytest.mark.parametrize("name", ["pending_save", "pending_publish", "pending_discard"])
def test_pending_change_posts_by_a_reporter_or_a_get_are_refused(editor, reporter, section, name):
    article = ArticleFactory(section=section, headline="Ferry Terminal Opens")
    workflow.article_pending_change_save(
        article=article, user=editor, content={"headline": "Pending", "section": section.pk, "tags": [], "authors": []}
    )
    assert client_for(reporter).post(url(name, article.pk), live_form(article, headline="Forged")).status_code == 403
    assert client_for(editor).get(url(name, article.pk)).status_code == 403
    article.refresh_from_db()
    assert article.headline == "Ferry Terminal Opens"
    assert ArticlePendingChange.objects.get().content["headline"] == "Pending"


def test_pending_preview_is_for_staff_with_preview_permission(editor, reporter, section, client):
    article = ArticleFactory(section=section)
    workflow.article_pending_change_save(
        article=article, user=editor, content={"headline": "Pending", "section": section.pk, "tags": [], "authors": []}
    )
    assert client.get(url("pending_preview", article.pk)).status_code == 302  # to the login page
    assert client_for(reporter).get(url("pending_preview", article.pk)).status_code == 404
    workflow.article_pending_change_discard(article=article, user=editor)
    assert client_for(editor).get(url("pending_preview", article.pk)).status_code == 404


# --- Tags ---------------------------------------------------------------------------------------------------


def test_a_new_tag_needs_three_characters_but_an_existing_short_tag_can_be_picked(editor, section):
    Tag.objects.create(name="EU", slug="eu")
    client = client_for(editor)
    response = client.post(url("add"), {**article_form(section), "tags": ["to"]})
    assert response.status_code == 200
    assert "“to” is not an existing tag" in soup_of(response).select_one(".field-tags .errorlist").get_text()
    assert not Tag.objects.filter(name="to").exists()
    assert not Article.objects.exists()

    response = client.post(url("add"), {**article_form(section), "tags": ["EU", "Tolls"]})
    assert response.status_code == 302
    assert sorted(t.name for t in Article.objects.get().tags.all()) == ["EU", "Tolls"]


# --- The admin index ---------------------------------------------------------------------------------------


def test_admin_index_shows_the_desk_overview(editor, reporter, section):
    from articles.models import ArticleUpdate

    now = timezone.now()
    ArticleFactory(headline="Awaiting Story", status=Article.Status.IN_REVIEW, published_at=None, owner=reporter)
    ArticleFactory(headline="Later Story", status=Article.Status.SCHEDULED, published_at=now + timedelta(days=2))
    ArticleFactory(headline="Next Story", status=Article.Status.SCHEDULED, published_at=now + timedelta(hours=2))
    corrected = ArticleFactory(headline="Corrected Story")
    ArticleUpdate.objects.create(article=corrected, kind=ArticleUpdate.Kind.CORRECTION, note="Fixes a name.")
    ArticleUpdate.objects.create(
        article=ArticleFactory(headline="Long Ago Corrected"),
        kind=ArticleUpdate.Kind.CORRECTION,
        note="Old.",
        created_at=now - timedelta(days=30),
    )
    stale = draft(headline="Stale Draft")
    Article.objects.filter(pk=stale.pk).update(modified_at=now - timedelta(days=20))
    draft(headline="Fresh Draft")

    dashboard = soup_of(client_for(editor).get(reverse("admin:index"))).select_one("#desk-dashboard")
    tables = {
        " ".join(t.caption.get_text().split()): [" ".join(th.get_text().split()) for th in t.select("th")]
        for t in dashboard.select("table")
    }
    assert tables == {
        "Awaiting review": ["Awaiting Story"],
        "Scheduled next": ["Next Story", "Later Story"],
        "Corrected recently": ["Corrected Story"],
        "Stale drafts": ["Stale Draft"],
    }
    # Staff without article rights (no groups) get the plain index.
    outsider = User.objects.create_user("olga", password="irrelevant-pass-123", is_staff=True)
    assert soup_of(client_for(outsider).get(reverse("admin:index"))).select_one("#desk-dashboard") is None
