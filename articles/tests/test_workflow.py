"""articles.workflow: who may edit, submit, review and delete; internal notes; pending changes to live stories."""

import importlib
from datetime import UTC, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from articles import workflow
from articles.models import Article, ArticleNote, ArticlePendingChange, ArticleUpdate
from articles.services import article_publish
from articles.tests.factories import ArticleFactory, AuthorFactory, PhotoFactory, SectionFactory, staff_user_create

pytestmark = pytest.mark.django_db

workflow_migration = importlib.import_module("articles.migrations.0006_workflow")


def draft(**kwargs) -> Article:
    return ArticleFactory(status=Article.Status.DRAFT, published_at=None, **kwargs)


# --- The model: "in review" sits with drafts --------------------------------------------------------


def test_in_review_is_never_visible_to_readers_and_needs_no_time():
    article = ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None)
    past = ArticleFactory(status=Article.Status.IN_REVIEW, published_at=timezone.now() - timedelta(days=1))
    assert not Article.objects.published().filter(pk__in=[article.pk, past.pk]).exists()
    assert not past.is_visible()
    assert list(Article.objects.awaiting_review().order_by("pk")) == [article, past]


def test_the_check_constraint_still_refuses_a_published_article_without_a_time():
    with pytest.raises(IntegrityError), transaction.atomic():
        ArticleFactory(status=Article.Status.PUBLISHED, published_at=None)


def test_the_importer_accepts_in_review_and_keeps_it_from_readers(tmp_path):
    from articles.services import article_import_record

    SectionFactory(name="Society", slug="society")
    record = {
        "external_id": "wire-review-1",
        "headline": "Harbour Bridge Reopens",
        "section": "society",
        "body": "<p>The bridge reopened on Monday.</p>",
        "published_at": "2026-01-17T07:05:00+09:00",
        "status": "in_review",
    }
    article, outcome = article_import_record(record=record, base_dir=tmp_path)
    assert (outcome, article.status) == ("created", Article.Status.IN_REVIEW)
    assert not Article.objects.published().filter(pk=article.pk).exists()


def test_migration_gives_reporters_article_deletes_and_notes_and_editors_the_new_models():
    reporter_group, editor_group = Group.objects.get(name="Reporter"), Group.objects.get(name="Editor")
    reporter_group.permissions.clear()
    editor_group.permissions.clear()
    workflow_migration.roles_extend(global_apps, SimpleNamespace(connection=connection))
    reporter_perms = set(reporter_group.permissions.values_list("codename", flat=True))
    assert reporter_perms == {"delete_article", "add_articlenote", "view_articlenote"}
    editor_perms = set(editor_group.permissions.values_list("codename", flat=True))
    assert {"add_articlependingchange", "delete_articlenote", "publish_article"} <= editor_perms


# --- Rules ----------------------------------------------------------------------------------------


def test_reporter_edits_only_their_own_drafts(reporter, other_reporter, editor):
    own, others = draft(owner=reporter), draft(owner=other_reporter)
    assert workflow.article_can_edit(article=own, user=reporter)
    assert not workflow.article_can_edit(article=others, user=reporter)
    assert not workflow.article_can_edit(article=draft(), user=reporter)  # nobody's: the desk's
    for status in ("in_review", "published", "scheduled", "withdrawn"):
        own.status = status
        assert not workflow.article_can_edit(article=own, user=reporter), status
        assert workflow.article_can_edit(article=own, user=editor), status


def test_reporter_deletes_their_own_draft_and_nothing_else(reporter, other_reporter):
    own = draft(owner=reporter)
    others = draft(owner=other_reporter)
    submitted = ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None, owner=reporter)
    live = ArticleFactory(owner=reporter)

    for article in (others, submitted, live):
        with pytest.raises(PermissionDenied):
            workflow.article_delete(article=article, user=reporter)
    workflow.article_delete(article=own, user=reporter)

    assert set(Article.objects.values_list("pk", flat=True)) == {others.pk, submitted.pk, live.pk}


def test_delete_checks_the_current_row_not_a_stale_instance(reporter, editor):
    article = draft(owner=reporter)
    stale = Article.objects.get(pk=article.pk)
    workflow.article_submit_for_review(article=article, user=reporter)
    with pytest.raises(PermissionDenied):
        workflow.article_delete(article=stale, user=reporter)
    assert Article.objects.filter(pk=article.pk).exists()


def test_editor_deletes_anything_and_a_user_without_the_permission_nothing(editor):
    bare = staff_user_create("visitor")
    live = ArticleFactory(owner=bare)
    with pytest.raises(PermissionDenied):
        workflow.article_delete(article=draft(owner=bare), user=bare)
    workflow.article_delete(article=live, user=editor)
    assert not Article.objects.filter(pk=live.pk).exists()


# --- Review ---------------------------------------------------------------------------------------


def test_reporter_submits_and_editor_publishes(reporter, editor):
    article = draft(owner=reporter)
    workflow.article_submit_for_review(article=article, user=reporter)
    article.refresh_from_db()
    assert article.status == Article.Status.IN_REVIEW
    assert not workflow.article_can_edit(article=article, user=reporter)
    with pytest.raises(PermissionDenied):
        article_publish(article=article, user=reporter)

    now = timezone.now()
    article_publish(article=article, user=editor, now=now)
    article.refresh_from_db()
    assert (article.status, article.published_at) == (Article.Status.PUBLISHED, now)
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_only_the_owner_or_an_editor_submits_and_only_drafts(reporter, other_reporter, editor):
    article = draft(owner=reporter)
    with pytest.raises(PermissionDenied):
        workflow.article_submit_for_review(article=article, user=other_reporter)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    workflow.article_submit_for_review(article=article, user=editor)
    with pytest.raises(ValidationError, match="not a draft"):
        workflow.article_submit_for_review(article=article, user=reporter)
    with pytest.raises(ValidationError, match="not a draft"):
        workflow.article_submit_for_review(article=ArticleFactory(owner=reporter), user=reporter)


def test_editor_sends_back_with_a_note_kept_internally(reporter, editor):
    article = ArticleFactory(status=Article.Status.IN_REVIEW, published_at=None, owner=reporter)
    with pytest.raises(PermissionDenied):
        workflow.article_send_back(article=article, user=reporter)
    workflow.article_send_back(article=article, user=editor, note="  Needs a second source.  ")
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert workflow.article_can_edit(article=article, user=reporter)
    note = ArticleNote.objects.get(article=article)
    assert (note.text, note.author) == ("Needs a second source.", editor)
    with pytest.raises(ValidationError, match="not in review"):
        workflow.article_send_back(article=article, user=editor)


def test_only_editors_reassign_owners(reporter, other_reporter, editor):
    article = draft(owner=reporter)
    with pytest.raises(PermissionDenied):
        workflow.article_owner_set(article=article, owner=reporter, user=other_reporter)
    workflow.article_owner_set(article=article, owner=other_reporter, user=editor)
    article.refresh_from_db()
    assert article.owner == other_reporter


# --- Notes ------------------------------------------------------------------------------------------


def test_note_needs_text_and_the_permission(reporter):
    article = draft(owner=reporter)
    with pytest.raises(ValidationError):
        workflow.article_note_add(article=article, user=reporter, text="   ")
    with pytest.raises(PermissionDenied):
        workflow.article_note_add(article=article, user=staff_user_create("visitor"), text="Hello")
    now = timezone.now() - timedelta(minutes=5)
    note = workflow.article_note_add(article=article, user=reporter, text="Source is the port authority.", now=now)
    assert (note.author, note.created_at) == (reporter, now)


# --- Pending changes ---------------------------------------------------------------------------------


def pending_content(**overrides) -> dict:
    section = overrides.pop("section", None) or SectionFactory()
    content = {
        "headline": "Ferry Terminal Opens Early",
        "slug": "ferry-terminal-opens-early",
        "dateline": "YOKOHAMA",
        "deck": "A new deck.",
        "body": "<p>Pending paragraph zebra-quokka.</p>",
        "lead_photo_caption": "",
        "section": section.pk,
        "lead_photo": None,
        "authors": [],
        "tags": ["Harbours"],
        "updates": [],
    }
    content.update(overrides)
    return content


def test_pending_change_is_stored_without_touching_the_article(editor):
    article = ArticleFactory(headline="Ferry Terminal Opens", tags=["Ports"])
    modified = article.modified_at
    now = timezone.now()
    pending = workflow.article_pending_change_save(article=article, user=editor, content=pending_content(), now=now)
    article.refresh_from_db()
    assert article.headline == "Ferry Terminal Opens"
    assert article.modified_at == modified
    assert [t.name for t in article.tags.all()] == ["Ports"]
    assert (pending.created_by, pending.updated_at) == (editor, now)
    # Saving again replaces it: one pending change per article.
    workflow.article_pending_change_save(article=article, user=editor, content=pending_content(deck="Second."))
    assert ArticlePendingChange.objects.get().content["deck"] == "Second."


def test_pending_changes_are_for_editors_and_live_articles(reporter, editor):
    with pytest.raises(PermissionDenied):
        workflow.article_pending_change_save(article=ArticleFactory(), user=reporter, content=pending_content())
    with pytest.raises(ValidationError):
        workflow.article_pending_change_save(article=draft(), user=editor, content=pending_content())
    article = ArticleFactory()
    workflow.article_pending_change_save(article=article, user=editor, content=pending_content())
    for call in (workflow.article_pending_change_publish, workflow.article_pending_change_discard):
        with pytest.raises(PermissionDenied):
            call(article=article, user=reporter)
    assert ArticlePendingChange.objects.filter(article=article).exists()


def test_publishing_a_pending_change_applies_every_field_and_deletes_it(editor):
    article = ArticleFactory(headline="Ferry Terminal Opens", tags=["Ports"])
    author, photo, section = AuthorFactory(name="Aki Sato"), PhotoFactory(), SectionFactory(name="Harbour")
    content = pending_content(
        section=section,
        authors=[author.pk],
        lead_photo=photo.pk,
        lead_photo_caption="The new pier.",
        updates=[{"kind": "update", "note": "Adds the opening date."}],
    )
    workflow.article_pending_change_save(article=article, user=editor, content=content)
    workflow.article_pending_change_publish(article=article, user=editor)

    article.refresh_from_db()
    assert (article.headline, article.deck, article.section, article.lead_photo) == (
        "Ferry Terminal Opens Early",
        "A new deck.",
        section,
        photo,
    )
    assert article.caption == "The new pier."
    assert list(article.authors.all()) == [author]
    assert [t.name for t in article.tags.all()] == ["Harbours"]
    update = ArticleUpdate.objects.get(article=article)
    assert (update.note, update.created_by, article.update_count) == ("Adds the opening date.", editor, 1)
    assert not ArticlePendingChange.objects.exists()
    with pytest.raises(ValidationError, match="no pending change"):
        workflow.article_pending_change_publish(article=article, user=editor)


def test_a_pending_change_that_fails_validation_publishes_nothing(editor):
    article = ArticleFactory(headline="Ferry Terminal Opens")
    workflow.article_pending_change_save(article=article, user=editor, content=pending_content(headline=""))
    with pytest.raises(ValidationError):
        workflow.article_pending_change_publish(article=article, user=editor)
    article.refresh_from_db()
    assert article.headline == "Ferry Terminal Opens"
    assert ArticlePendingChange.objects.filter(article=article).exists()


def test_discard_deletes_the_pending_change_unapplied(editor):
    article = ArticleFactory(headline="Ferry Terminal Opens")
    workflow.article_pending_change_save(article=article, user=editor, content=pending_content())
    assert workflow.article_pending_change_discard(article=article, user=editor) is True
    assert workflow.article_pending_change_discard(article=article, user=editor) is False
    article.refresh_from_db()
    assert article.headline == "Ferry Terminal Opens"


def test_preview_copy_has_the_pending_content_and_leaves_the_row_alone(editor):
    author = AuthorFactory(name="Aki Sato")
    article = ArticleFactory(headline="Ferry Terminal Opens")
    pending = workflow.article_pending_change_save(
        article=article,
        user=editor,
        content=pending_content(authors=[author.pk], updates=[{"kind": "update", "note": "New timetable."}]),
    )
    preview, relations = workflow.article_with_pending(article=article, pending=pending)
    assert preview.headline == "Ferry Terminal Opens Early"
    assert relations["authors"] == [author]
    assert [t.name for t in relations["tags"]] == ["Harbours"]
    assert [u.note for u in relations["updates"]] == ["New timetable."]
    assert Article.objects.get(pk=article.pk).headline == "Ferry Terminal Opens"


# --- Readers never see notes or pending changes -------------------------------------------------------

SECRET_NOTE = "internal-note-okapi-7731"
SECRET_PENDING = "pending-text-narwhal-4410"


def reader_pages(article) -> list[str]:
    return [
        article.get_absolute_url(),
        "/",
        article.section.get_absolute_url(),
        "/feed/",
        "/atom/",
        f"/section/{article.section.slug}/feed/",
        "/sitemap.xml",
        "/sitemap-news.xml",
        f"/sitemap-articles-{article.published_at.astimezone(UTC):%Y-%m}.xml",
        "/sitemap-tags.xml",
        "/search/?q=Ferry",
    ]


def test_notes_and_pending_changes_reach_no_reader_page_feed_sitemap_or_search(client, editor):
    section = SectionFactory(name="Harbour", slug="harbour")
    article = ArticleFactory(headline="Ferry Terminal Opens", section=section, tags=["Ports"])
    workflow.article_note_add(article=article, user=editor, text=f"Check the date. {SECRET_NOTE}")
    content = pending_content(
        section=section,
        headline=f"Ferry {SECRET_PENDING}",
        body=f"<p>{SECRET_PENDING}</p>",
        tags=[SECRET_PENDING],
        updates=[{"kind": "update", "note": SECRET_PENDING}],
    )
    workflow.article_pending_change_save(article=article, user=editor, content=content)

    for url in reader_pages(article):
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert SECRET_NOTE not in html, url
        assert SECRET_PENDING not in html, url
    assert "Ferry Terminal Opens" in client.get(article.get_absolute_url()).content.decode()
    # Searching for their words finds nothing (the page echoes the query itself, so look for the article).
    assert article.get_absolute_url() in client.get("/search/", {"q": "Ferry"}).content.decode()
    for secret in (SECRET_NOTE, SECRET_PENDING):
        assert article.get_absolute_url() not in client.get("/search/", {"q": secret}).content.decode()


def test_a_pending_change_leaves_the_cached_page_and_publishing_it_refreshes_the_page(client, editor):
    article = ArticleFactory(headline="Ferry Terminal Opens")
    url = article.get_absolute_url()
    first = client.get(url).content.decode()
    assert "Ferry Terminal Opens" in first

    workflow.article_pending_change_save(
        article=article, user=editor, content=pending_content(headline=f"Ferry {SECRET_PENDING}")
    )
    assert SECRET_PENDING not in client.get(url).content.decode()

    workflow.article_pending_change_publish(article=article, user=editor)
    # The slug changed with the headline: the old address redirects to the new one, which shows it.
    response = client.get(url, follow=True)
    assert f"Ferry {SECRET_PENDING}" in response.content.decode()


def test_migration_gives_existing_articles_the_owner_who_added_them_in_the_admin(editor, reporter):
    from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
    from django.contrib.contenttypes.models import ContentType

    added, imported = draft(), draft()
    content_type = ContentType.objects.get_for_model(Article)
    for user, flag in ((reporter, ADDITION), (editor, CHANGE)):
        LogEntry.objects.create(
            user=user, content_type=content_type, object_id=str(added.pk), object_repr="x", action_flag=flag
        )
    workflow_migration.owners_from_admin_log(global_apps, SimpleNamespace(connection=connection))
    added.refresh_from_db()
    imported.refresh_from_db()
    assert (added.owner, imported.owner) == (reporter, None)
