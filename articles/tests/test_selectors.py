"""Composed reads behind the reader pages: what they return, what they load, and how many queries."""

from datetime import timedelta

import pytest
from django.utils import timezone
from taggit.models import Tag

from articles import selectors
from articles.models import Article, ArticleUpdate
from articles.selectors import (
    article_for_page,
    article_front_page,
    article_list_by_author,
    article_list_for_tag,
    article_list_in_section,
    section_list_for_nav,
)
from articles.tests.factories import (
    ArticleFactory,
    ArticleUpdateFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
    make_image_file,
)

pytestmark = pytest.mark.django_db


def ago(hours):
    return timezone.now() - timedelta(hours=hours)


@pytest.fixture
def photo():
    return PhotoFactory(image=make_image_file(size=(320, 180)))


def test_article_for_page_loads_everything_in_four_queries(django_assert_num_queries, photo):
    article = ArticleFactory(lead_photo=photo, tags=["a", "b", "c"], authors=[AuthorFactory(), AuthorFactory()])
    ArticleUpdateFactory(article=article)
    ArticleUpdateFactory(article=article, kind=ArticleUpdate.Kind.CORRECTION)
    with django_assert_num_queries(4):
        loaded = article_for_page(pk=article.pk)
    with django_assert_num_queries(0):
        assert loaded.section.name
        assert loaded.lead_photo.caption
        assert len(loaded.authors.all()) == 2
        assert sorted(t.name for t in loaded.tags.all()) == ["a", "b", "c"]
        assert [u.kind for u in loaded.updates.all()] == ["update", "correction"]
        assert loaded.body


def test_article_for_page_is_none_for_hidden_or_unknown():
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    future = ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(hours=1))
    withdrawn = ArticleFactory(status=Article.Status.WITHDRAWN)
    for article in (draft, future, withdrawn):
        assert article_for_page(pk=article.pk) is None
    assert article_for_page(pk=987654) is None


def test_front_page_lead_is_the_newest_story_with_a_photo_among_the_candidates(photo):
    ArticleFactory(published_at=ago(1), headline="No photo, newest")
    with_photo = ArticleFactory(published_at=ago(2), lead_photo=photo)
    assert article_front_page()["lead"] == with_photo
    # When none of the newest few has a photo, the newest story leads rather than an old photo story.
    ArticleFactory.create_batch(3, published_at=ago(0.5))
    front = article_front_page(lead_candidates=3)
    assert front["lead"].headline != with_photo.headline
    assert front["lead"].published_at > with_photo.published_at


def test_front_page_sections_hold_their_latest_few_in_order_without_the_lead(django_assert_num_queries, photo):
    politics = SectionFactory(name="Politics", slug="politics", position=1)
    world = SectionFactory(name="World", slug="world", position=2)
    SectionFactory(name="Empty", slug="empty", position=0)
    lead = ArticleFactory(section=world, published_at=ago(0.1), lead_photo=photo)
    politics_articles = [ArticleFactory(section=politics, published_at=ago(n + 1)) for n in range(6)]
    world_articles = [ArticleFactory(section=world, published_at=ago(n + 1)) for n in range(2)]
    ArticleFactory(section=politics, status=Article.Status.DRAFT, published_at=ago(0.2))

    with django_assert_num_queries(2):
        front = article_front_page(per_section=4)
        sections = [(block["section"].slug, [a.pk for a in block["articles"]]) for block in front["sections"]]
    assert front["lead"] == lead
    assert sections == [
        ("politics", [a.pk for a in politics_articles[:4]]),
        ("world", [a.pk for a in world_articles]),
    ]


def test_front_page_without_articles():
    assert article_front_page() == {"lead": None, "sections": [], "latest": []}


def test_lists_are_newest_first_visible_only_and_without_bodies(django_assert_num_queries):
    section = SectionFactory()
    author = AuthorFactory()
    older = ArticleFactory(section=section, published_at=ago(3), tags=["x"], authors=[author])
    newer = ArticleFactory(section=section, published_at=ago(1), tags=["x"], authors=[author])
    same_time = ArticleFactory(section=section, published_at=older.published_at, tags=["x"], authors=[author])
    ArticleFactory(section=section, status=Article.Status.WITHDRAWN, tags=["x"], authors=[author])
    ArticleFactory(tags=["y"], authors=[AuthorFactory()])  # elsewhere
    tag = newer.tags.get(name="x")
    expected = [newer.pk, same_time.pk, older.pk]  # ties broken by the newer id
    for queryset in (
        article_list_in_section(section=section),
        article_list_for_tag(tag=tag),
        article_list_by_author(author=author),
    ):
        with django_assert_num_queries(1):
            articles = list(queryset)
        assert [a.pk for a in articles] == expected
        assert "body" in articles[0].get_deferred_fields()
        with django_assert_num_queries(0):
            assert articles[0].section.name
            assert articles[0].get_absolute_url()


def test_nav_lists_every_section_in_position_order():
    SectionFactory(name="Zeta", slug="zeta", position=1)
    SectionFactory(name="Alpha", slug="alpha", position=2)
    SectionFactory(name="Beta", slug="beta", position=1)
    assert [s.slug for s in section_list_for_nav()] == ["beta", "zeta", "alpha"]


def test_tag_and_author_lists_and_counts_leave_out_drafts_and_stories_not_yet_due():
    """Read from the through tables' listing indexes (``listed_at``): the same stories as ``published()``."""
    author = AuthorFactory()
    now = timezone.now()
    shown = [
        ArticleFactory(published_at=now - timedelta(hours=hours), tags=["ferry"], authors=[author])
        for hours in (5, 1, 3)
    ]
    ArticleFactory(status=Article.Status.DRAFT, published_at=None, tags=["ferry"], authors=[author])
    ArticleFactory(
        status=Article.Status.SCHEDULED, published_at=now + timedelta(hours=1), tags=["ferry"], authors=[author]
    )
    ArticleFactory(published_at=now - timedelta(hours=2), tags=["other"], authors=[AuthorFactory()])
    tag = Tag.objects.get(slug="ferry")
    expected = [shown[1].pk, shown[2].pk, shown[0].pk]

    count = selectors.article_count_for_tag(tag=tag)
    assert count == 3
    assert [a.pk for a in selectors.article_list_for_tag(tag=tag)] == expected
    count = selectors.article_count_by_author(author=author)
    assert count == 3
    assert [a.pk for a in selectors.article_list_by_author(author=author)] == expected
