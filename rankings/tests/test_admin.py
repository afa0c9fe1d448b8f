"""The rankings admin: read-only snapshots, the per-article chart and counted-vs-rejected chart."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from articles.tests.factories import ArticleFactory, SectionFactory
from rankings.models import PageViewHourly, RankingEntry, RankingSnapshot, RejectedViewHourly
from rankings.services import ranking_snapshots_update

pytestmark = pytest.mark.django_db


def hour_ago(hours):
    return (timezone.now() - timedelta(hours=hours)).replace(minute=0, second=0, microsecond=0)


@pytest.fixture
def staff(client):
    """A staff user with no model permissions at all (a reporter, say)."""
    # No password: hashing one costs seconds on a busy machine and force_login needs none.
    user = get_user_model().objects.create_user("desk", is_staff=True)
    client.force_login(user)
    return user


@pytest.fixture
def admin_client(client):
    client.force_login(get_user_model().objects.create_superuser("chief", email="chief@example.com"))
    return client


@pytest.fixture
def ranked():
    section = SectionFactory(name="Politics", slug="politics")
    article = ArticleFactory(section=section, headline="Diet Passes Budget")
    for h in range(1, 30):
        PageViewHourly.objects.create(article=article, hour=hour_ago(h), views=h)
    ranking_snapshots_update()
    return article


def test_snapshots_are_listed_and_viewable(client, staff, ranked):
    changelist = client.get(reverse("admin:rankings_rankingsnapshot_changelist"))
    snapshot = RankingSnapshot.objects.get(is_current=True, window="24h", section=None)
    detail = client.get(reverse("admin:rankings_rankingsnapshot_change", args=[snapshot.pk]))

    assert changelist.status_code == 200
    assert "Site-wide" in changelist.content.decode()
    assert detail.status_code == 200
    html = detail.content.decode()
    assert "Diet Passes Budget" in html
    assert reverse("admin:rankings_articleviewstats_change", args=[ranked.pk]) in html
    # Read-only: no form inputs for the snapshot or its entries, no save buttons.
    assert 'name="window"' not in html
    assert 'name="entries-0-position"' not in html
    assert 'name="_save"' not in html


def test_snapshots_cannot_be_added_changed_or_deleted(admin_client, ranked):
    snapshot = RankingSnapshot.objects.filter(is_current=True).first()
    entry_count = RankingEntry.objects.count()

    assert admin_client.get(reverse("admin:rankings_rankingsnapshot_add")).status_code == 403
    change = reverse("admin:rankings_rankingsnapshot_change", args=[snapshot.pk])
    response = admin_client.post(change, {"window": "7d", "computed_at_0": "2020-01-01", "computed_at_1": "00:00"})
    assert response.status_code == 403
    assert admin_client.post(reverse("admin:rankings_rankingsnapshot_delete", args=[snapshot.pk])).status_code == 403
    bulk_delete = admin_client.post(
        reverse("admin:rankings_rankingsnapshot_changelist"),
        {"action": "delete_selected", "_selected_action": [snapshot.pk], "post": "yes"},
    )
    assert bulk_delete.status_code in (200, 302)
    snapshot.refresh_from_db()
    assert snapshot.window in ("24h", "7d")
    assert snapshot.is_current
    assert RankingEntry.objects.count() == entry_count


def test_anonymous_and_non_staff_are_sent_to_login(client, ranked):
    urls = [
        reverse("admin:rankings_rankingsnapshot_changelist"),
        reverse("admin:rankings_articleviewstats_change", args=[ranked.pk]),
        reverse("admin:rankings_traffic"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]

    reader = get_user_model().objects.create_user("reader")
    client.force_login(reader)
    for url in urls:
        assert client.get(url).status_code == 302


def test_article_views_list(client, staff, ranked):
    response = client.get(reverse("admin:rankings_articleviewstats_changelist"))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Diet Passes Budget" in html
    assert f"{sum(range(1, 30)):,}" in html  # 435 views in the last 7 days
    assert reverse("admin:rankings_traffic") in html


def test_article_chart_is_an_accessible_svg_with_a_table(client, staff, ranked, django_assert_max_num_queries):
    url = reverse("admin:rankings_articleviewstats_change", args=[ranked.pk])
    with django_assert_max_num_queries(8):
        response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert '<svg class="rankings-chart"' in html
    assert 'role="img"' in html
    assert '<title id="article-views-chart-title">Views per hour of “Diet Passes Budget”, last 7 days</title>' in html
    assert "<desc id=" in html
    assert "435 views in all" in html
    assert html.count('<rect class="chart-counted"') == 29  # one bar per hour with views
    assert "<caption>Views per day (Tokyo time)</caption>" in html
    assert "style=" not in html[html.index('<div id="content-main"') :]
    assert "<script" not in html[html.index('<div id="content-main"') :]


def test_article_chart_unknown_or_malformed_id_is_404(client, staff):
    for bad in ("999999", "abc", "1%20OR%201=1", "-1"):
        response = client.get(f"/admin/rankings/articleviewstats/{bad}/change/")
        assert response.status_code in (302, 404), bad
        if response.status_code == 302:  # Django's own "doesn't exist" redirect for the admin's URL shapes
            assert "/admin/" in response["Location"]


def test_traffic_chart_shows_counted_and_rejected_by_reason(client, staff, ranked, django_assert_max_num_queries):
    RejectedViewHourly.objects.create(hour=hour_ago(2), reason=RejectedViewHourly.Reason.BOT, count=17)
    RejectedViewHourly.objects.create(hour=hour_ago(2), reason=RejectedViewHourly.Reason.REPEAT, count=4)
    RejectedViewHourly.objects.create(hour=hour_ago(100), reason=RejectedViewHourly.Reason.BOT, count=999)

    with django_assert_max_num_queries(6):
        response = client.get(reverse("admin:rankings_traffic"))

    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="traffic-chart"' in html
    assert "<desc id=" in html
    assert '<strong data-reason="bot">17</strong>' in html  # the 999 is older than 48 hours
    assert '<strong data-reason="repeat">4</strong>' in html
    assert html.count('class="chart-rejected-bot"') == 2  # the bar and the legend swatch
    table = html[html.index('id="traffic-table"') :]
    assert "Rejected: Bot or crawler" in table
    assert "<td>2</td><td>17</td><td>4</td><td>21</td>" in table  # hour 2: 2 counted, 17 bots, 4 repeats


def test_admin_index_shows_rankings_to_staff(client, staff):
    html = client.get(reverse("admin:index")).content.decode()

    assert "Rankings" in html
    assert reverse("admin:rankings_articleviewstats_changelist") in html
