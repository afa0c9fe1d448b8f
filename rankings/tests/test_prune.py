"""prune_page_views: old hourly buckets roll into daily ones, in batches, conserving every view."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import QuerySet, Sum
from django.test.utils import CaptureQueriesContext

from articles.tests.factories import ArticleFactory
from rankings.models import PageViewDaily, PageViewHourly
from rankings.services import page_views_prune

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 10, 12, 30, tzinfo=UTC)


def total_views() -> int:
    hourly = PageViewHourly.objects.aggregate(s=Sum("views"))["s"] or 0
    daily = PageViewDaily.objects.aggregate(s=Sum("views"))["s"] or 0
    return hourly + daily


@pytest.fixture
def history():
    """Two articles with 50 days of hourly buckets (every hour, distinct counts)."""
    articles = [ArticleFactory(published_at=NOW - timedelta(days=60)) for _ in range(2)]
    start = NOW.replace(minute=0) - timedelta(days=50)
    rows = [
        PageViewHourly(article=article, hour=start + timedelta(hours=h), views=(h % 17) + 1 + n)
        for n, article in enumerate(articles)
        for h in range(50 * 24)
    ]
    PageViewHourly.objects.bulk_create(rows, batch_size=500)
    return articles


def test_old_hours_roll_into_days_and_totals_are_conserved(history):
    before = total_views()
    cutoff = NOW.replace(minute=0) - timedelta(days=35)
    old_per_article_day = {}
    for article_id, hour, count in PageViewHourly.objects.filter(hour__lt=cutoff).values_list(
        "article_id", "hour", "views"
    ):
        key = (article_id, hour.date())
        old_per_article_day[key] = old_per_article_day.get(key, 0) + count

    result = page_views_prune(now=NOW, retention_days=35, batch_size=1000)

    assert result.cutoff == cutoff
    assert not PageViewHourly.objects.filter(hour__lt=cutoff).exists()
    assert PageViewHourly.objects.filter(hour__gte=cutoff).count() == 2 * 35 * 24
    assert total_views() == before
    assert {(a, d): v for a, d, v in PageViewDaily.objects.values_list("article_id", "day", "views")} == (
        old_per_article_day
    )
    assert result.rows == 2 * 15 * 24
    assert result.batches == 1  # 720 rows fit one batch of 1,000


def test_works_in_batches_each_a_small_delete(history):
    before = total_views()
    with CaptureQueriesContext(connection) as ctx:
        result = page_views_prune(now=NOW, retention_days=35, batch_size=100)

    assert result.batches == 8  # 720 rows / 100
    assert total_views() == before
    deletes = [q["sql"] for q in ctx.captured_queries if q["sql"].upper().startswith("DELETE")]
    assert len(deletes) >= 8
    # Every DELETE names its rows: none is a sweeping "DELETE ... WHERE hour < cutoff".
    assert all(" IN (" in sql for sql in deletes)


def test_rolls_up_into_existing_daily_rows(history):
    cutoff_day = (NOW - timedelta(days=40)).date()
    PageViewDaily.objects.create(article=history[0], day=cutoff_day, views=1000)
    before = total_views()

    page_views_prune(now=NOW, retention_days=35)

    assert total_views() == before
    assert PageViewDaily.objects.get(article=history[0], day=cutoff_day).views > 1000


def test_a_crash_mid_way_loses_nothing_and_counts_nothing_twice(history, monkeypatch):
    before = total_views()
    real_delete = QuerySet.delete
    calls = {"n": 0}

    def delete_then_crash(queryset):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("killed")
        return real_delete(queryset)

    monkeypatch.setattr(QuerySet, "delete", delete_then_crash)
    with pytest.raises(RuntimeError):
        page_views_prune(now=NOW, retention_days=35, batch_size=100)
    monkeypatch.undo()

    # Two batches committed, the third rolled back whole: the totals still add up.
    assert total_views() == before
    assert PageViewDaily.objects.aggregate(s=Sum("views"))["s"] > 0

    page_views_prune(now=NOW, retention_days=35, batch_size=100)

    assert total_views() == before
    assert not PageViewHourly.objects.filter(hour__lt=NOW - timedelta(days=35, hours=1)).exists()


def test_running_again_changes_nothing(history):
    page_views_prune(now=NOW, retention_days=35)
    daily = sorted(PageViewDaily.objects.values_list("article_id", "day", "views"))

    result = page_views_prune(now=NOW, retention_days=35)

    assert result.rows == 0
    assert sorted(PageViewDaily.objects.values_list("article_id", "day", "views")) == daily


def test_command(history, capsys):
    call_command("prune_page_views", "--retention-days", "40", "--batch-size", "500")

    assert "hourly rows" in capsys.readouterr().out
    with pytest.raises(CommandError, match="retention-days"):
        call_command("prune_page_views", "--retention-days", "0")
