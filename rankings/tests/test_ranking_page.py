"""/ranking/: both windows, each section's list, plain links, constant queries, no 500s."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from articles.tests.factories import ArticleFactory, SectionFactory
from rankings.models import PageViewHourly
from rankings.services import ranking_snapshots_update

pytestmark = pytest.mark.django_db
URL = "/ranking/"


def views(article, count, *, hours_ago=1):
    hour = (timezone.now() - timedelta(hours=hours_ago)).replace(minute=0, second=0, microsecond=0)
    PageViewHourly.objects.create(article=article, hour=hour, views=count)


@pytest.fixture
def newsroom():
    politics = SectionFactory(name="Politics", slug="politics", position=1)
    sports = SectionFactory(name="Sports", slug="sports", position=2)
    today = ArticleFactory(section=politics, headline="Budget Passes")
    week = ArticleFactory(
        section=sports, headline="Final Goes To Extra Time", published_at=timezone.now() - timedelta(days=4)
    )
    views(today, 40)
    views(week, 900, hours_ago=80)
    ranking_snapshots_update()
    return politics, sports, today, week


def test_url_name():
    assert reverse("rankings:ranking") == URL


def test_default_window_is_24_hours(client, newsroom):
    politics, sports, today, week = newsroom

    response = client.get(URL)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Budget Passes" in html
    assert "Final Goes To Extra Time" not in html
    assert 'href="?window=24h" aria-current="page"' in html
    assert 'href="?window=7d"' in html
    assert "Top Articles in" in html
    assert ">Politics</a>" in html
    assert ">Sports</a>" in html
    assert "No ranking yet in this section." in html  # Sports has nothing in 24 hours
    assert "JST" in html  # when the lists were computed


def test_seven_days(client, newsroom):
    response = client.get(URL, {"window": "7d"})

    html = response.content.decode()
    assert response.status_code == 200
    assert html.index("Final Goes To Extra Time") < html.index("Budget Passes")
    assert 'href="?window=7d" aria-current="page"' in html


@pytest.mark.parametrize("window", ["junk", "24H", "7d ", "1' OR '1'='1", "%00", "<script>", "x" * 5000, "７d", "30d"])
def test_unknown_window_is_404(client, newsroom, window):
    response = client.get(URL, {"window": window})

    assert response.status_code == 404


def test_repeated_or_empty_window_parameter(client, newsroom):
    assert client.get(URL + "?window=").status_code == 200
    assert client.get(URL + "?window=7d&window=junk").status_code == 404
    assert client.get(URL + "?window[]=7d").status_code == 200  # not our parameter: default window


def test_post_is_refused(client, newsroom):
    assert client.post(URL).status_code == 405


def test_works_before_any_snapshot(client):
    SectionFactory(name="World", slug="world")

    response = client.get(URL)

    assert response.status_code == 200
    assert "No ranking yet" in response.content.decode()


def test_constant_queries_whatever_the_number_of_sections(client, newsroom):
    def count_queries():
        cache.clear()
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(URL, {"window": "7d"}).status_code == 200
        return len(ctx.captured_queries)

    few = count_queries()
    for n in range(6):
        section = SectionFactory()
        for m in range(3):
            views(ArticleFactory(section=section), 5 + n + m)
    ranking_snapshots_update()
    many = count_queries()

    assert many == few
    # The rankings part is two queries (sections, entries); the rest is the shared page chrome.
    cache.clear()
    with CaptureQueriesContext(connection) as ctx:
        client.get(URL)
    ranking_sql = [q["sql"] for q in ctx.captured_queries if "rankings_" in q["sql"]]
    assert len(ranking_sql) == 1


def test_no_inline_styles_or_scripts(client, newsroom):
    html = client.get(URL).content.decode()
    main = html[html.index('<div class="ranking-page">') :]

    assert "style=" not in main
    assert "<script" not in main
