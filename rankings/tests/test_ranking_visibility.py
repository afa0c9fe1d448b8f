"""Ranking lists show only articles readers may see now, without waiting for ``update_rankings``."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from articles.models import Article
from articles.services import article_withdraw
from articles.tests.factories import ArticleFactory, SectionFactory
from rankings import selectors
from rankings.models import PageViewHourly, RankingEntry
from rankings.services import ranking_snapshots_update

pytestmark = pytest.mark.django_db


def views(article, count):
    hour = (timezone.now() - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
    PageViewHourly.objects.create(article=article, hour=hour, views=count)


@pytest.fixture
def newsroom():
    """Twelve Science stories and three Sports ones with distinct views, and current snapshots."""
    science = SectionFactory(name="Science", slug="science", position=1)
    sports = SectionFactory(name="Sports", slug="sports", position=2)
    stories = [ArticleFactory(section=science, headline=f"Science story {n}") for n in range(12)]
    for n, article in enumerate(stories):
        views(article, 100 * (12 - n))  # stories[0] is the most read
    for n in range(3):
        views(ArticleFactory(section=sports, headline=f"Sports story {n}"), 50 - n)
    ranking_snapshots_update()
    return science, stories


def ranking_section(html: str, list_id: str) -> str:
    found = re.search(rf'<section class="ranking[^"]*" aria-labelledby="{list_id}-title">(.*?)</section>', html, re.S)
    assert found, f"no {list_id} list in the page"
    return found.group(1)


def listed_urls(html: str, list_id: str) -> list[str]:
    return re.findall(
        r'<li class="ranking-item"><a class="ranking-link" href="([^"]+)"', ranking_section(html, list_id)
    )


def lists_of_pages(client, science, stories) -> dict[str, list[str]]:
    """Every list readers see on the home, section, another story's and /ranking/ pages, by page and list."""
    home = client.get("/").content.decode()
    section = client.get(science.get_absolute_url()).content.decode()
    story = client.get(stories[6].get_absolute_url()).content.decode()
    ranking = client.get("/ranking/").content.decode()
    return {
        "home access": listed_urls(home, "ranking-access"),
        "section top": listed_urls(section, "ranking-top-science"),
        "section access": listed_urls(section, "ranking-access"),
        "story top": listed_urls(story, "ranking-top-science"),
        "story access": listed_urls(story, "ranking-access"),
        "ranking site": listed_urls(ranking, "ranking-site"),
        "ranking section": listed_urls(ranking, "ranking-science"),
    }


def editor() -> User:
    user = User.objects.create_user("eddie", password="irrelevant-pass-123", is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return User.objects.get(pk=user.pk)


def withdraw(article):
    article_withdraw(article=article, user=editor())


def exclude(article):
    article.exclude_from_rankings = True
    article.save()


def reschedule(article):
    article.status = Article.Status.SCHEDULED
    article.published_at = timezone.now() + timedelta(days=1)
    article.save()


def unpublish(article):
    article.status = Article.Status.DRAFT
    article.save()


@pytest.mark.parametrize("take_down", [withdraw, exclude, reschedule, unpublish], ids=lambda f: f.__name__)
def test_an_article_taken_down_leaves_every_list_at_once(client, newsroom, take_down):
    science, stories = newsroom
    top = stories[0].get_absolute_url()
    before = lists_of_pages(client, science, stories)  # every page, list and fragment is cached now
    assert all(urls[0] == top for urls in before.values()), before

    take_down(stories[0])  # and no update_rankings

    after = lists_of_pages(client, science, stories)
    for name, urls in after.items():
        assert top not in urls, name
        # The next stored entry moves up: the rails still show five.
        assert urls[: len(before[name]) - 1] == [url for url in before[name] if url != top], name
    expected = [story.get_absolute_url() for story in stories[1:6]]
    for name in ("home access", "section top", "section access", "story top", "story access", "ranking section"):
        assert after[name] == expected, name
    assert len(after["ranking site"]) == 9  # /ranking/ lists every stored entry: ten, less the one taken down


def test_a_list_is_still_one_query_and_renumbered(newsroom, django_assert_num_queries):
    science, stories = newsroom
    withdraw(stories[0])
    exclude(stories[2])
    with django_assert_num_queries(1):
        entries = selectors.ranking_top_in_section(science)
    assert [(e.position, e.article_id) for e in entries] == [
        (1, stories[1].pk),
        (2, stories[3].pk),
        (3, stories[4].pk),
        (4, stories[5].pk),
        (5, stories[6].pk),
    ]
    with django_assert_num_queries(2):  # sections, entries
        page = selectors.ranking_page_lists(window="24h")
    assert [e.position for e in page.site] == list(range(1, 9))
    assert stories[0].pk not in {e.article_id for e in page.site}
    # The snapshot itself is left alone: update_rankings replaces it when it next runs.
    assert RankingEntry.objects.filter(article=stories[0], snapshot__is_current=True).exists()


def test_an_article_put_back_returns_to_the_lists(client, newsroom):
    science, stories = newsroom
    withdraw(stories[0])
    assert stories[0].pk not in {e.article_id for e in selectors.ranking_access()}
    stories[0].status = Article.Status.PUBLISHED
    stories[0].save()
    assert [e.article_id for e in selectors.ranking_access()][0] == stories[0].pk
