"""The editors' desk through the test client: admin revisions, conflicts, history, compare, restore, presence."""

import threading
import time
from datetime import timedelta

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from reversion.models import Version

from articles import presence, revisions, services
from articles.admin import ArticleAdminForm
from articles.models import Article, EditingSession
from articles.tests.factories import ArticleFactory, ArticleUpdateFactory, PhotoFactory, SectionFactory
from articles.tests.forms import form_fields

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def politics():
    return SectionFactory(name="Politics", slug="politics")


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def form_data(response) -> dict:
    """Every field of the change form as the browser would post it unchanged (the submit buttons aside)."""
    return form_fields(response.content.decode(), "#article_form")


def draft(section, **kwargs) -> Article:
    defaults = {"headline": "Council Debates the Harbour Plan", "deck": "A first reading.", "tags": ["harbour"]}
    return ArticleFactory(status=Article.Status.DRAFT, published_at=None, section=section, **{**defaults, **kwargs})


# --- Revisions of admin saves -----------------------------------------------------------------------


def test_an_admin_save_is_a_revision_by_its_editor_with_a_summary_of_the_change(editor, politics):
    article = draft(politics, body="<p>One.</p>")
    client = client_for(editor)
    data = form_data(client.get(change_url(article)))
    data.update(headline="Council Passes the Harbour Plan", body="<p>One.</p><p>Two.</p>", tags=["harbour", "economy"])
    assert client.post(change_url(article), data).status_code == 302
    newest = revisions.article_history(article_id=article.pk)[0]
    assert newest.revision.user == editor
    assert newest.summary == "Headline, body changed; tag 'economy' added"
    assert newest.content.tags == ["economy", "harbour"]


def test_a_photo_save_in_the_admin_is_a_revision_of_its_editorial_fields(editor):
    photo = PhotoFactory(caption="Old caption")
    client = client_for(editor)
    url = reverse("admin:articles_photo_change", args=[photo.pk])
    response = client.post(
        url,
        {
            "caption": "New caption",
            "credit": "Kenji Mori",
            "alt_text": photo.alt_text,
            "focal_x": "0.5",
            "focal_y": "0.5",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    [version] = Version.objects.get_for_object(photo)
    assert version.field_dict["caption"] == "New caption"
    assert version.revision.user == editor


# --- Two editors, one article -------------------------------------------------------------------------


def test_two_editors_race_the_second_is_refused_with_the_diff_and_keeps_their_text_then_both_edits_survive(
    editor, other_editor, politics
):
    article = draft(politics, body="<p>First paragraph.</p>", deck="Old deck.")
    alice, bob = client_for(editor), client_for(other_editor)
    form_a = form_data(alice.get(change_url(article)))
    form_b = form_data(bob.get(change_url(article)))
    assert form_a["revision_base"] == form_b["revision_base"] != "0"

    form_a["body"] = "<p>First paragraph.</p><p>Alice's new paragraph.</p>"
    assert alice.post(change_url(article), form_a).status_code == 302

    form_b["deck"] = "Bob's sharper deck."
    refused = bob.post(change_url(article), form_b)
    assert refused.status_code == 200
    page = soup_of(refused)
    message = " ".join(page.select_one(".errornote + ul.errorlist, ul.errorlist.nonfield").get_text().split())
    assert "Eddie Ito saved this article" in message
    assert "Body" in message
    assert "Alice's new paragraph." in page.select_one("[data-conflict]").get_text().replace("\xa0", " ")
    retry = form_data(refused)
    assert retry["deck"] == "Bob's sharper deck."  # what Bob typed is still in the form
    assert "Alice's new paragraph." in retry["body"]  # Alice's change merged into the field Bob did not touch
    article.refresh_from_db()
    assert article.deck == "Old deck."  # nothing saved by the refused post

    assert bob.post(change_url(article), retry).status_code == 302
    article.refresh_from_db()
    assert article.deck == "Bob's sharper deck."
    assert "Alice's new paragraph." in article.body


def test_a_field_both_changed_keeps_this_persons_text_and_says_so(editor, other_editor, politics):
    article = draft(politics, deck="Old deck.")
    alice, bob = client_for(editor), client_for(other_editor)
    form_a, form_b = form_data(alice.get(change_url(article))), form_data(bob.get(change_url(article)))
    form_a["deck"] = "Alice's deck."
    alice.post(change_url(article), form_a)
    form_b["deck"] = "Bob's deck."
    refused = bob.post(change_url(article), form_b)
    assert "You both changed Deck" in refused.content.decode()
    assert form_data(refused)["deck"] == "Bob's deck."
    assert Article.objects.get(pk=article.pk).deck == "Alice's deck."


def test_a_publish_by_action_meanwhile_also_counts_as_a_newer_revision(editor, other_editor, politics):
    article = draft(politics)
    bob = client_for(other_editor)
    form_b = form_data(bob.get(change_url(article)))
    services.article_publish(article=article, user=editor)
    form_b["deck"] = "Bob's deck."
    refused = bob.post(change_url(article), form_b)
    assert refused.status_code == 200
    retry = form_data(refused)
    assert retry["status"] == "published"  # the publication is merged in, not undone by Bob's old form
    assert bob.post(change_url(article), retry).status_code == 302
    article.refresh_from_db()
    assert (article.status, article.deck) == ("published", "Bob's deck.")


def test_a_reporter_whose_draft_was_published_meanwhile_is_told_and_their_text_is_kept(reporter, editor, politics):
    article = draft(politics, body="<p>Original.</p>", owner=reporter)  # the reporter's own draft
    rita = client_for(reporter)
    form = form_data(rita.get(change_url(article)))
    services.article_publish(article=article, user=editor)
    form["body"] = "<p>Original.</p><p>Rita's late paragraph.</p>"
    response = rita.post(change_url(article), form, follow=True)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Your changes were not applied, but nothing is lost" in text
    article.refresh_from_db()
    assert "Rita's late paragraph." not in article.body
    kept = revisions.article_history(article_id=article.pk)[0]
    assert kept.unapplied
    assert kept.revision.user == reporter
    assert "Rita's late paragraph." in kept.content.body
    assert revisions.article_current_version_id(article_id=article.pk) != kept.version.pk


def test_a_reporter_posting_to_a_live_article_they_opened_live_still_gets_403(reporter, politics):
    live = ArticleFactory(section=politics)
    rita = client_for(reporter)
    form = form_data(rita.get(change_url(live)))
    form.update(headline="Rewritten", revision_base=str(revisions.article_current_version_id(article_id=live.pk)))
    assert rita.post(change_url(live), form).status_code == 403
    assert not any(e.unapplied for e in revisions.article_history(article_id=live.pk))


# --- History, compare, restore ------------------------------------------------------------------------


def two_revisions(editor, politics):
    article = draft(politics, headline="Harbour Plan Debated")
    client = client_for(editor)
    data = form_data(client.get(change_url(article)))
    data["headline"] = "<script>alert('x')</script> Harbour Plan Passed"
    data["body"] = "<p>Now with &lt;script&gt;alert(2)&lt;/script&gt; text.</p>"
    assert client.post(change_url(article), data).status_code == 302
    return article, client


def test_history_lists_revisions_with_who_when_and_what_changed(editor, politics):
    article, client = two_revisions(editor, politics)
    response = client.get(reverse("admin:articles_article_history", args=[article.pk]))
    rows = soup_of(response).select("tr.nr-revision")
    assert len(rows) == 2
    newest = " ".join(rows[0].get_text().split())
    assert "Eddie Ito" in newest
    assert "Headline, body changed" in newest
    assert "JST" in newest


def test_compare_shows_escaped_text_side_by_side(editor, politics):
    article, client = two_revisions(editor, politics)
    older, newer = revisions.article_versions(article_id=article.pk).order_by("pk")
    url = reverse("admin:articles_article_compare", args=[article.pk])
    response = client.get(url, {"from": newer.pk, "to": older.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "&lt;script&gt;alert('x')&lt;/script&gt;" in html
    assert "<script>alert" not in html
    assert "Harbour Plan Debated" in soup_of(response).select_one("table.diff").get_text().replace("\xa0", " ")


@pytest.mark.parametrize("query", [{}, {"from": "1"}, {"from": "x", "to": "y"}, {"from": "999999", "to": "999998"}])
def test_compare_with_bad_revisions_is_404(editor, politics, query):
    article, client = two_revisions(editor, politics)
    assert client.get(reverse("admin:articles_article_compare", args=[article.pk]), query).status_code == 404


def test_restore_loads_the_old_content_into_the_form_and_saving_makes_a_new_revision(editor, politics):
    article, client = two_revisions(editor, politics)
    services.article_publish(article=article, user=editor)
    oldest = revisions.article_versions(article_id=article.pk).order_by("pk").first()
    response = client.get(reverse("admin:articles_article_restore", args=[article.pk, oldest.pk]))
    assert response.status_code == 200
    data = form_data(response)
    assert data["headline"] == "Harbour Plan Debated"
    assert data["status"] == "published"  # the publication state is not rolled back
    assert Article.objects.get(pk=article.pk).headline.endswith("Harbour Plan Passed")  # nothing saved yet
    count = len(revisions.article_history(article_id=article.pk))
    assert client.post(change_url(article), data).status_code == 302
    article.refresh_from_db()
    assert (article.headline, article.status) == ("Harbour Plan Debated", "published")
    entries = revisions.article_history(article_id=article.pk)
    assert len(entries) == count + 1
    assert entries[0].revision.comment.startswith("Restored the revision of")


def test_restore_needs_change_permission(reporter, editor, politics):
    live = ArticleFactory(section=politics)
    revisions.article_baseline_ensure(article_id=live.pk)
    version = revisions.article_versions(article_id=live.pk).first()
    url = reverse("admin:articles_article_restore", args=[live.pk, version.pk])
    assert client_for(reporter).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to the login page
    assert client_for(editor).post(url, {}).status_code == 405


# --- Presence -----------------------------------------------------------------------------------------


def test_the_second_editor_sees_who_is_editing_since_when_in_tokyo_time(editor, other_editor, politics):
    article = draft(politics)
    client_for(editor).get(change_url(article))
    started = EditingSession.objects.get(article=article, user=editor).started_at
    since = timezone.localtime(started, timezone=presence.TOKYO).strftime("%H:%M")
    page = soup_of(client_for(other_editor).get(change_url(article)))
    banner = " ".join(page.select_one("[data-presence]").get_text().split())
    assert banner == f"Eddie Ito is editing this article (since {since})"


def test_heartbeat_keeps_a_session_and_a_silent_one_expires(editor, other_editor, politics):
    article = draft(politics)
    url = reverse("admin:articles_article_presence", args=[article.pk])
    beth = client_for(other_editor)
    assert client_for(editor).post(url).json() == {"editors": []}
    answer = beth.post(url).json()
    assert [e["name"] for e in answer["editors"]] == ["Eddie Ito"]
    EditingSession.objects.filter(user=editor).update(last_seen=timezone.now() - timedelta(minutes=3))
    assert beth.post(url).json() == {"editors": []}
    assert beth.get(url).status_code == 405
    client_for(editor).post(url, {"leave": "1"})
    assert not EditingSession.objects.filter(user=editor).exists()


def test_an_expired_session_starts_again_with_a_new_time():
    user = User.objects.create_user("z")
    article = ArticleFactory()
    start = timezone.now() - timedelta(hours=1)
    presence.editing_session_touch(article_id=article.pk, user=user, now=start)
    presence.editing_session_touch(article_id=article.pk, user=user, now=start + timedelta(seconds=30))
    assert EditingSession.objects.get().started_at == start
    later = start + timedelta(minutes=10)
    presence.editing_session_touch(article_id=article.pk, user=user, now=later)
    assert EditingSession.objects.get().started_at == later


def test_heartbeat_needs_csrf_and_a_staff_login(editor, politics):
    article = draft(politics)
    url = reverse("admin:articles_article_presence", args=[article.pk])
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(editor)
    assert strict.post(url).status_code == 403
    assert Client().post(url).status_code == 302
    assert not EditingSession.objects.exists()


def test_the_list_marks_articles_being_edited_in_one_query_for_the_page(editor, other_editor, politics):
    beth = client_for(other_editor)

    def count():
        with CaptureQueriesContext(connection) as queries:
            response = beth.get(reverse("admin:articles_article_changelist"))
        return len(queries), response

    articles = [draft(politics) for _ in range(2)]
    presence.editing_session_touch(article_id=articles[0].pk, user=editor)
    few, response = count()
    cell = soup_of(response).select_one(f'#result_list tr:has(a[href="{change_url(articles[0])}"]) .field-editing_now')
    assert "Eddie Ito (since" in cell.get_text()
    for _ in range(6):
        presence.editing_session_touch(article_id=draft(politics).pk, user=editor)
    assert count()[0] == few


# --- Reader pages -------------------------------------------------------------------------------------


def test_revisions_add_no_query_to_reader_pages(client, editor, politics, django_assert_num_queries):
    plain = ArticleFactory(section=politics, tags=["harbour"])
    versioned = ArticleFactory(section=politics, tags=["harbour"])
    for n in range(3):
        ArticleUpdateFactory(article=plain, note=f"Update {n}")
        services.article_update_add(article=versioned, kind="update", note=f"Update {n}", user=editor)
    presence.editing_session_touch(article_id=versioned.pk, user=editor)
    assert Version.objects.get_for_object(versioned).count() == 3
    cache.clear()
    with CaptureQueriesContext(connection) as without:
        assert client.get(plain.get_absolute_url()).status_code == 200
    cache.clear()
    with django_assert_num_queries(len(without)) as queries:
        assert client.get(versioned.get_absolute_url()).status_code == 200
    assert not any("reversion" in q["sql"] or "editing_session" in q["sql"] for q in queries.captured_queries)


@pytest.mark.skipif(
    settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="row locks need PostgreSQL (SQLite's IMMEDIATE transactions serialise whole writes instead)",
)
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_saves_cannot_both_pass_the_version_check():
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None, deck="Old deck.")
    revisions.article_baseline_ensure(article_id=article.pk)
    base = revisions.article_current_version_id(article_id=article.pk)

    def data(**changes):
        return {
            "headline": article.headline,
            "slug": article.slug,
            "section": str(article.section_id),
            "body": article.body,
            "deck": article.deck,
            "status": "draft",
            "revision_base": str(base),
            **changes,
        }

    locked, failures = threading.Event(), []

    def first_save():
        try:
            with revisions.revision_block():
                form = ArticleAdminForm(data(body="<p>A's body.</p>"), instance=Article.objects.get(pk=article.pk))
                if not form.is_valid():
                    failures.append(form.errors)
                form.save()
                locked.set()
                time.sleep(0.5)  # commit late: the second save must wait for this one
        finally:
            locked.set()
            connection.close()

    thread = threading.Thread(target=first_save)
    thread.start()
    assert locked.wait(10)
    with transaction.atomic():
        second = ArticleAdminForm(data(deck="B's deck."), instance=Article.objects.get(pk=article.pk))
        valid = second.is_valid()
    thread.join()
    assert failures == []
    assert not valid
    assert second.has_error("__all__", code="edit_conflict")
    assert second.data["body"] == "<p>A's body.</p>"  # A's change merged, B's deck kept
    assert second.data["deck"] == "B's deck."
