"""Revisions (articles.revisions): every write path makes one, with the content readers see; summaries and diffs."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from reversion.models import Revision, Version

from articles import revisions, services
from articles.importer import jsonl_import
from articles.models import Article
from articles.tests.factories import ArticleFactory, AuthorFactory, SectionFactory, make_image_file

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 5, 0, tzinfo=UTC)


@pytest.fixture
def editor():
    user = User.objects.create_user("eddie", password="irrelevant-pass-123", is_staff=True, first_name="Eddie")
    user.groups.add(Group.objects.get(name="Editor"))
    return user


def history(article):
    return revisions.article_history(article_id=article.pk)


def test_publishing_makes_a_revision_with_who_and_the_full_content(editor):
    author = AuthorFactory(name="Aiko Tanaka")
    article = ArticleFactory(
        status=Article.Status.DRAFT,
        published_at=None,
        headline="Port Opens",
        tags=["ports", "economy"],
        authors=[author],
    )
    services.article_publish(article=article, user=editor, now=NOW)
    [entry] = history(article)
    assert entry.revision.user == editor
    assert entry.revision.comment == "Published"
    content = entry.content
    assert (content.headline, content.status, content.section) == ("Port Opens", "Published", article.section.name)
    assert content.tags == ["economy", "ports"]
    assert content.authors == ["Aiko Tanaka"]
    assert content.body == article.body
    assert content.published_at == "14:00 JST, March 2, 2026"


def test_withdraw_schedule_and_update_each_make_a_revision_and_the_summary_says_what_changed(editor):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    services.article_schedule(article=article, user=editor, when=NOW + timedelta(days=1), now=NOW)
    services.article_publish(article=article, user=editor, now=NOW)
    services.article_update_add(article=article, kind="correction", note="The vote was 5-4.", user=editor)
    services.article_withdraw(article=article, user=editor)
    entries = history(article)
    assert [e.revision.comment for e in entries] == [
        "Withdrawn from readers",
        "Correction added",
        "Published",
        "Scheduled",
    ]
    assert entries[0].summary == "status Published → Withdrawn"
    assert entries[1].summary.endswith("update or correction added")
    assert "The vote was 5-4." in entries[1].content.updates[0]
    assert entries[2].summary == "Publication time changed; status Scheduled → Published"


def test_a_stale_instance_saved_by_a_service_still_records_the_row_as_it_is(editor):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, headline="Old")
    stale = Article.objects.get(pk=article.pk)
    Article.objects.filter(pk=article.pk).update(headline="New headline")
    services.article_publish(article=stale, user=editor, now=NOW)
    assert history(article)[0].content.headline == "New headline"


def test_scheduled_publication_makes_one_revision_per_article():
    due = ArticleFactory(status=Article.Status.SCHEDULED, published_at=NOW - timedelta(minutes=1))
    later = ArticleFactory(status=Article.Status.SCHEDULED, published_at=NOW + timedelta(hours=1))
    assert services.article_publish_due_scheduled(now=NOW) == 1
    [entry] = history(due)
    assert (entry.revision.comment, entry.revision.user, entry.content.status) == (
        "Published on schedule",
        None,
        "Published",
    )
    assert history(later) == []


def test_the_importer_makes_a_revision_per_changed_record_and_none_for_dry_runs_or_unchanged(tmp_path):
    SectionFactory(name="Business", slug="business")
    record = {
        "external_id": "wire-1",
        "headline": "Yen Rises",
        "section": "business",
        "body": "<p>The yen rose.</p>",
        "tags": ["currency"],
        "published_at": "2026-03-01T09:00:00+09:00",
    }
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps(record) + "\n")
    jsonl_import(path, dry_run=True)
    assert Revision.objects.count() == 0
    jsonl_import(path)
    article = Article.objects.get(external_id="wire-1")
    [entry] = history(article)
    assert (entry.revision.comment, entry.content.headline, entry.content.tags) == (
        "Imported",
        "Yen Rises",
        ["currency"],
    )
    jsonl_import(path)  # unchanged: no new revision
    assert len(history(article)) == 1
    path.write_text(json.dumps({**record, "headline": "Yen Rises Again", "tags": ["currency", "forex"]}) + "\n")
    jsonl_import(path)
    newest = history(article)[0]
    assert newest.summary == "Headline changed; tag 'forex' added"


def test_summary_names_changed_fields_and_added_and_removed_tags():
    before = revisions.ArticleContent(headline="A", body="<p>x</p>", tags=["economy", "tokyo"], authors=["Ann"])
    after = revisions.ArticleContent(headline="B", body="<p>y</p>", tags=["tokyo", "trade"], authors=["Ann"])
    assert (
        revisions.content_summary(before, after) == "Headline, body changed; tag 'trade' added; tag 'economy' removed"
    )
    assert revisions.content_summary(before, before) == "No change"
    assert revisions.content_summary(None, after) == "First revision"


def test_diff_escapes_markup_and_compares_bodies_as_text():
    before = revisions.ArticleContent(headline="Calm", body="<p>One.</p><p>Two.</p>")
    after = revisions.ArticleContent(
        headline="<script>alert(1)</script>", body="<p>One.</p><p>Two &lt;script&gt;alert(2)&lt;/script&gt;</p>"
    )
    diffs = revisions.content_diff(before, after, before_label="<b>old</b>", after_label="new")
    assert [d.label for d in diffs] == ["Headline", "Body"]
    markup = "".join(d.table for d in diffs)
    assert "<script" not in markup
    assert "<b>" not in markup
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert "alert(2)" in markup
    assert "&lt;p&gt;" not in markup  # the body's own tags are not diffed as text


def test_body_text_puts_each_paragraph_on_its_line():
    assert revisions.body_text("<h2>Title</h2><p>One <b>bold</b>.</p><ul><li>a</li><li>b</li></ul>") == (
        "Title\nOne bold.\na\nb"
    )


def test_current_version_skips_text_kept_but_not_applied(editor):
    article = ArticleFactory()
    revisions.article_baseline_ensure(article_id=article.pk)
    applied = revisions.article_current_version_id(article_id=article.pk)
    kept = Article.objects.get(pk=article.pk)
    kept.deck = "Typed but never saved"
    revisions.article_unapplied_keep(article=kept, user=editor, reason="test")
    assert Version.objects.get_for_object(article).count() == 2
    assert revisions.article_current_version_id(article_id=article.pk) == applied
    assert Article.objects.get(pk=article.pk).deck != "Typed but never saved"
    entries = history(article)
    assert entries[0].unapplied
    assert entries[0].summary == "Deck changed"


def test_history_queries_do_not_grow_with_the_number_of_revisions(editor):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, tags=["a"])
    services.article_publish(article=article, user=editor, now=NOW)

    def count():
        with CaptureQueriesContext(connection) as queries:
            revisions.article_history(article_id=article.pk)
        return len(queries)

    few = count()
    for n in range(5):
        services.article_update_add(article=article, kind="update", note=f"Update {n}", user=editor)
    assert count() == few


def test_a_photo_made_by_the_service_is_a_revision_of_its_editorial_fields():
    photo = services.photo_create(
        image=make_image_file(), caption="Harbour at dawn", credit="K. Mori", alt_text="Boats"
    )
    [version] = Version.objects.get_for_object(photo)
    assert (version.field_dict["caption"], version.field_dict["credit"]) == ("Harbour at dawn", "K. Mori")
    assert "renditions" not in version.field_dict
