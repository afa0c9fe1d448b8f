"""seed_demo's signal: a synthetic, plausible view history so a fresh demo's lists are full."""

import time
from datetime import timedelta

import pytest
from django.db.models import Max, Min, Sum
from django.utils import timezone

from articles.models import Article
from articles.signals import demo_seeded
from articles.tests.factories import ArticleFactory, SectionFactory
from rankings.models import PageViewHourly, RejectedViewHourly
from rankings.selectors import ranking_access, ranking_top_in_section
from rankings.services import ranking_snapshots_update

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_articles():
    now = timezone.now()
    sections = [SectionFactory(name=name, slug=name.lower()) for name in ("Politics", "Business", "Sports")]
    articles = [
        ArticleFactory(section=sections[n % 3], published_at=now - timedelta(hours=7 * n + 1)) for n in range(60)
    ]
    draft = ArticleFactory(section=sections[0], status=Article.Status.DRAFT, published_at=None)
    scheduled = ArticleFactory(
        section=sections[0], status=Article.Status.SCHEDULED, published_at=now + timedelta(days=1)
    )
    return sections, articles, draft, scheduled


def test_seeding_writes_a_plausible_history(demo_articles):
    sections, articles, draft, scheduled = demo_articles
    started = time.perf_counter()

    demo_seeded.send(sender=Article, articles=[*articles, draft, scheduled])

    assert time.perf_counter() - started < 10  # bulk writes, not a row at a time
    rows = PageViewHourly.objects.all()
    assert rows.count() > 60 * 24
    assert not rows.filter(article__in=[draft, scheduled]).exists()
    span = rows.aggregate(first=Min("hour"), last=Max("hour"))
    assert span["last"] <= timezone.now()
    assert span["first"] >= timezone.now() - timedelta(days=8, hours=1)
    for article in articles[:10]:  # no view before publication
        assert not rows.filter(article=article, hour__lt=article.published_at - timedelta(hours=1)).exists()
    # Skewed popularity: the busiest article has many times the views of the median one.
    totals = sorted(rows.values("article").annotate(t=Sum("views")).values_list("t", flat=True))
    assert totals[-1] > 5 * totals[len(totals) // 2]
    # Rejections for the admin's traffic chart, bots the largest share.
    rejected = dict(RejectedViewHourly.objects.values_list("reason").annotate(t=Sum("count")))
    assert rejected[RejectedViewHourly.Reason.BOT] > rejected.get(RejectedViewHourly.Reason.REPEAT, 0) > 0


def test_lists_are_full_after_seeding(demo_articles):
    sections, articles, draft, scheduled = demo_articles
    demo_seeded.send(sender=Article, articles=articles)

    ranking_snapshots_update()

    assert len(ranking_access()) == 5
    assert len(ranking_access(window="7d")) == 5
    for section in sections:
        assert len(ranking_top_in_section(section)) == 5


def test_seeding_twice_counts_nothing_twice(demo_articles):
    sections, articles, draft, scheduled = demo_articles
    demo_seeded.send(sender=Article, articles=articles)
    last = PageViewHourly.objects.aggregate(h=Max("hour"))["h"]
    # (A second run in the next hour may add that hour; the hours already written must not change.)
    views = PageViewHourly.objects.filter(hour__lte=last).aggregate(s=Sum("views"))["s"]
    rejected = RejectedViewHourly.objects.filter(hour__lte=last).aggregate(s=Sum("count"))["s"]

    demo_seeded.send(sender=Article, articles=articles)

    assert PageViewHourly.objects.filter(hour__lte=last).aggregate(s=Sum("views"))["s"] == views
    assert RejectedViewHourly.objects.filter(hour__lte=last).aggregate(s=Sum("count"))["s"] == rejected
