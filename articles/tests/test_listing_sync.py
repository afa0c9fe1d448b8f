"""Tag and author pages follow every write at once: the triggers of ``articles.listing_sync``.

Each test changes articles, tags or bylines through one write path (services,
``save()``, ``tags``/``authors`` managers, ``QuerySet.update()``, the importer,
bulk inserts, deletes) and checks the tag's and the author's count and list
against ``Article.objects.published()`` and against the expected stories.
"""

import io
import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from taggit.models import Tag

from articles import selectors
from articles.listing_sync import listings_rebuild
from articles.models import Article, Author, AuthorListing, TaggedArticle
from articles.services import article_publish, article_publish_due_scheduled, article_schedule, article_withdraw
from articles.tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db


def tag_named(name: str) -> Tag:
    return Tag.objects.get(name=name)


def tag_listing(tag: Tag, *, now=None) -> tuple[int, list[int]]:
    """The tag page's count and stories (ids, newest first), as the selectors give them."""
    count = selectors.article_count_for_tag(tag=tag, now=now)
    return count, [a.pk for a in selectors.article_list_for_tag(tag=tag, now=now)]


def author_listing(author: Author, *, now=None) -> tuple[int, list[int]]:
    count = selectors.article_count_by_author(author=author, now=now)
    return count, [a.pk for a in selectors.article_list_by_author(author=author, now=now)]


def published_ids(*, now=None, **filters) -> list[int]:
    """What ``published()`` says the list is: the reference the listings must equal."""
    return list(Article.objects.published(now=now).filter(**filters).newest_first().values_list("pk", flat=True))


def assert_lists(tag: Tag, author: Author, expected: list[int], *, now=None) -> None:
    assert tag_listing(tag, now=now) == (len(expected), expected)
    assert author_listing(author, now=now) == (len(expected), expected)
    # A page as the views read it: that slice of the list.
    for offset, limit in ((0, 20), (1, 2), (len(expected), 20)):
        page = selectors.article_page_for_tag(tag=tag, offset=offset, limit=limit, now=now)
        assert [a.pk for a in page] == expected[offset : offset + limit]
        page = selectors.article_page_by_author(author=author, offset=offset, limit=limit, now=now)
        assert [a.pk for a in page] == expected[offset : offset + limit]
    assert published_ids(now=now, tags=tag) == expected
    assert published_ids(now=now, authors=author) == expected


@pytest.fixture
def desk():
    """Four stories with the tag "ferry" and one author: published, draft, withdrawn and a future schedule."""
    now = timezone.now()
    author = AuthorFactory()
    section = SectionFactory()

    def story(**kwargs):
        return ArticleFactory(section=section, tags=["ferry"], authors=[author], **kwargs)

    older = story(published_at=now - timedelta(hours=5))
    newer = story(published_at=now - timedelta(hours=1))
    tie = story(published_at=older.published_at)  # same time: the newer id first
    draft = story(status=Article.Status.DRAFT, published_at=None)
    withdrawn = story(status=Article.Status.WITHDRAWN, published_at=now - timedelta(hours=2))
    future = story(status=Article.Status.SCHEDULED, published_at=now + timedelta(hours=1))
    due = story(status=Article.Status.SCHEDULED, published_at=now - timedelta(hours=3))
    ArticleFactory(section=section, tags=["other"], authors=[AuthorFactory()], published_at=now)
    return {
        "now": now,
        "author": author,
        "tag": tag_named("ferry"),
        "older": older,
        "newer": newer,
        "tie": tie,
        "draft": draft,
        "withdrawn": withdrawn,
        "future": future,
        "due": due,
    }


def ids(desk, *names) -> list[int]:
    return [desk[name].pk for name in names]


def test_lists_are_the_published_stories_newest_first_with_ties_by_id(desk):
    assert_lists(desk["tag"], desk["author"], ids(desk, "newer", "due", "tie", "older"), now=desk["now"])
    # The rows hold the article's publication time while its status is visible, NULL otherwise.
    listed = dict(TaggedArticle.objects.filter(tag=desk["tag"]).values_list("content_object_id", "listed_at"))
    assert listed[desk["draft"].pk] is None
    assert listed[desk["withdrawn"].pk] is None
    assert listed[desk["future"].pk] == desk["future"].published_at
    assert listed[desk["newer"].pk] == desk["newer"].published_at
    bylines = dict(AuthorListing.objects.filter(author=desk["author"]).values_list("article_id", "listed_at"))
    assert bylines == listed


def test_publish_withdraw_and_unpublish_through_the_services_and_save(desk, editor):
    now = desk["now"]
    article_publish(article=desk["draft"], user=editor, now=now)
    assert_lists(desk["tag"], desk["author"], ids(desk, "draft", "newer", "due", "tie", "older"), now=now)
    article_withdraw(article=desk["newer"], user=editor)
    assert_lists(desk["tag"], desk["author"], ids(desk, "draft", "due", "tie", "older"), now=now)
    # Back to draft by a plain save, its time cleared.
    older = desk["older"]
    older.status, older.published_at = Article.Status.DRAFT, None
    older.save()
    assert_lists(desk["tag"], desk["author"], ids(desk, "draft", "due", "tie"), now=now)


def test_a_scheduled_story_is_listed_from_its_time_on(desk, editor):
    now = desk["now"]
    when = now + timedelta(hours=2)
    article_schedule(article=desk["draft"], user=editor, when=when, now=now)
    assert_lists(desk["tag"], desk["author"], ids(desk, "newer", "due", "tie", "older"), now=now)
    later = when + timedelta(minutes=1)
    expected = ids(desk, "draft", "future", "newer", "due", "tie", "older")
    assert_lists(desk["tag"], desk["author"], expected, now=later)
    # publish_scheduled flips the due stories with QuerySet.update(): still listed, same order.
    assert article_publish_due_scheduled(now=later) == 3
    assert_lists(desk["tag"], desk["author"], expected, now=later)


def test_queryset_update_of_status_and_time_is_followed(desk):
    now = desk["now"]
    Article.objects.filter(pk=desk["newer"].pk).update(status=Article.Status.WITHDRAWN)
    Article.objects.filter(pk=desk["withdrawn"].pk).update(status=Article.Status.PUBLISHED)
    assert_lists(desk["tag"], desk["author"], ids(desk, "withdrawn", "due", "tie", "older"), now=now)
    # A new time moves the story in the list.
    Article.objects.filter(pk=desk["older"].pk).update(published_at=now - timedelta(minutes=5))
    assert_lists(desk["tag"], desk["author"], ids(desk, "older", "withdrawn", "due", "tie"), now=now)


def test_retagging_and_changing_the_byline(desk):
    now = desk["now"]
    newer = desk["newer"]
    newer.tags.set(["harbour"])
    newer.authors.remove(desk["author"])
    assert_lists(desk["tag"], desk["author"], ids(desk, "due", "tie", "older"), now=now)
    other = AuthorFactory()
    newer.authors.add(other)
    assert tag_listing(tag_named("harbour"), now=now) == (1, [newer.pk])
    assert author_listing(other, now=now) == (1, [newer.pk])
    # Back again: the tag row and byline are new rows and take the article's value.
    newer.tags.add("ferry")
    newer.authors.set([desk["author"]])
    assert_lists(desk["tag"], desk["author"], ids(desk, "newer", "due", "tie", "older"), now=now)
    assert author_listing(other, now=now) == (0, [])
    assert not AuthorListing.objects.filter(author=other).exists()


def test_deleting_a_story_or_an_author(desk):
    now = desk["now"]
    desk["tie"].delete()
    assert_lists(desk["tag"], desk["author"], ids(desk, "newer", "due", "older"), now=now)
    assert not AuthorListing.objects.filter(article_id=desk["tie"].pk).exists()
    desk["author"].delete()
    assert not AuthorListing.objects.filter(author_id=desk["author"].pk).exists()
    assert AuthorListing.objects.count() == 1  # the other story's byline


def test_bulk_writes_and_raw_sql_take_the_article_value(desk):
    now = desk["now"]
    story = ArticleFactory(published_at=now - timedelta(minutes=30))
    TaggedArticle.objects.bulk_create([TaggedArticle(content_object=story, tag=desk["tag"])])
    Article.authors.through.objects.bulk_create([Article.authors.through(article=story, author=desk["author"])])
    assert_lists(desk["tag"], desk["author"], [story.pk, *ids(desk, "newer", "due", "tie", "older")], now=now)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE articles_article SET status = 'withdrawn' WHERE id = %s", [story.pk])
    assert_lists(desk["tag"], desk["author"], ids(desk, "newer", "due", "tie", "older"), now=now)


def test_the_importer_lists_what_it_writes(tmp_path, desk):
    record = {
        "external_id": "wire-1",
        "headline": "Ferry Timetable Changes",
        "section": desk["newer"].section.name,
        "body": "<p>New times from Monday.</p>",
        "authors": [desk["author"].name],
        "tags": ["ferry"],
        "published_at": (desk["now"] - timedelta(minutes=10)).isoformat(),
    }
    path = tmp_path / "feed.jsonl"
    path.write_text(json.dumps(record) + "\n")
    call_command("import_articles", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    imported = Article.objects.get(external_id="wire-1")
    expected = [imported.pk, *ids(desk, "newer", "due", "tie", "older")]
    assert_lists(desk["tag"], desk["author"], expected, now=desk["now"])
    # Re-imported as withdrawn: gone from both lists.
    path.write_text(json.dumps({**record, "status": "withdrawn"}) + "\n")
    call_command("import_articles", str(path), stdout=io.StringIO(), stderr=io.StringIO())
    assert Article.objects.get(pk=imported.pk).status == Article.Status.WITHDRAWN
    assert_lists(desk["tag"], desk["author"], ids(desk, "newer", "due", "tie", "older"), now=desk["now"])


def test_rebuild_restores_rows_written_behind_the_triggers(desk):
    TaggedArticle.objects.update(listed_at=None)
    AuthorListing.objects.all().delete()
    assert tag_listing(desk["tag"], now=desk["now"]) == (0, [])
    listings_rebuild()
    assert_lists(desk["tag"], desk["author"], ids(desk, "newer", "due", "tie", "older"), now=desk["now"])


def test_the_pages_follow_at_once(client, settings, desk):
    settings.PAGE_CACHE_ENABLED = False  # QuerySet.update() sends no signal to purge a cached page
    tag_url, author_url = f"/tag/{desk['tag'].slug}/", f"/author/{desk['author'].slug}/"
    assert desk["newer"].headline in client.get(tag_url).content.decode()
    Article.objects.filter(pk=desk["newer"].pk).update(status=Article.Status.WITHDRAWN)
    assert desk["newer"].headline not in client.get(tag_url).content.decode()
    assert desk["newer"].headline not in client.get(author_url).content.decode()
    Article.objects.filter(tags=desk["tag"]).update(status=Article.Status.DRAFT, published_at=None)
    assert client.get(tag_url).status_code == 404  # no published story with the tag
