"""rankings_health: the monitoring probe cron alerts on."""

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from articles.tests.factories import ArticleFactory
from rankings.models import PageViewHourly, RankingSnapshot
from rankings.selectors import rankings_health
from rankings.services import ranking_snapshots_update

pytestmark = pytest.mark.django_db


class FakeUnflushed:
    """A counter backend reporting its oldest unflushed count (the Redis backend's contract)."""

    def __init__(self, since):
        self.since = since

    def unflushed_since(self):
        return self.since


@pytest.fixture
def snapshot():
    article = ArticleFactory()
    PageViewHourly.objects.create(article=article, hour=timezone.now().replace(minute=0, second=0), views=3)
    ranking_snapshots_update()


def test_no_snapshot_fails_with_a_message():
    with pytest.raises(CommandError, match="no ranking snapshot exists"):
        call_command("rankings_health")


def test_fresh_snapshot_is_ok(snapshot, capsys):
    call_command("rankings_health")

    assert capsys.readouterr().out.startswith("rankings_health: OK")


def test_stale_snapshot_fails(settings, snapshot):
    settings.RANKINGS = {**settings.RANKINGS, "HEALTH_MAX_SNAPSHOT_AGE_MINUTES": 30}
    RankingSnapshot.objects.update(computed_at=timezone.now() - timedelta(minutes=45))

    with pytest.raises(CommandError, match=r"newest ranking snapshot is 45 min old \(limit 30 min\)"):
        call_command("rankings_health")


def test_only_current_snapshots_count(snapshot):
    # An old retired snapshot must not mask a stale current one, nor a fresh retired one hide it.
    RankingSnapshot.objects.update(computed_at=timezone.now() - timedelta(hours=2))
    RankingSnapshot.objects.create(window="24h", computed_at=timezone.now(), is_current=False)

    assert not rankings_health().ok


def test_unflushed_counters_fail(settings, snapshot):
    settings.RANKINGS = {**settings.RANKINGS, "HEALTH_MAX_UNFLUSHED_MINUTES": 10}
    now = timezone.now()

    stuck = rankings_health(now=now, backend=FakeUnflushed(now - timedelta(minutes=25)))
    recent = rankings_health(now=now, backend=FakeUnflushed(now - timedelta(minutes=2)))
    empty = rankings_health(now=now, backend=FakeUnflushed(None))

    assert not stuck.ok
    assert any("unflushed for 25 min (limit 10 min)" in m for m in stuck.messages)
    assert recent.ok
    assert empty.ok


def test_unreadable_backend_fails(snapshot):
    class Broken:
        def unflushed_since(self):
            raise ConnectionError("Redis is down")

    health = rankings_health(backend=Broken())

    assert not health.ok
    assert any("Redis is down" in m for m in health.messages)


def test_real_backend_answers(snapshot):
    """The configured backend (database on SQLite, Redis on the production leg) has the probe's hook."""
    from rankings.backends import get_backend

    assert hasattr(get_backend(), "unflushed_since")
    assert rankings_health().ok
