"""``publish_scheduled``: due scheduled articles become published, once, whoever runs it."""

import io
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from articles.models import Article
from articles.services import article_publish_due_scheduled
from articles.tests.factories import ArticleFactory


def scheduled(*, minutes_from_now, **kwargs):
    return ArticleFactory(
        status=Article.Status.SCHEDULED,
        published_at=timezone.now() + timedelta(minutes=minutes_from_now),
        **kwargs,
    )


@pytest.mark.django_db
def test_flips_only_due_scheduled_articles():
    due = [scheduled(minutes_from_now=-m) for m in (1, 30, 600)]
    future = scheduled(minutes_from_now=10)
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    withdrawn = ArticleFactory(status=Article.Status.WITHDRAWN, published_at=timezone.now() - timedelta(days=1))
    published = ArticleFactory()
    published_modified = published.modified_at

    out = io.StringIO()
    call_command("publish_scheduled", stdout=out)
    assert out.getvalue().strip() == "Published 3 scheduled articles."

    for article in due:
        article.refresh_from_db()
        assert article.status == Article.Status.PUBLISHED
        assert article.modified_at > article.created_at
    statuses = dict(Article.objects.values_list("pk", "status"))
    assert statuses[future.pk] == Article.Status.SCHEDULED
    assert statuses[draft.pk] == Article.Status.DRAFT
    assert statuses[withdrawn.pk] == Article.Status.WITHDRAWN
    published.refresh_from_db()
    assert published.modified_at == published_modified

    # Idempotent: nothing left to do.
    out = io.StringIO()
    call_command("publish_scheduled", stdout=out)
    assert out.getvalue().strip() == "Published 0 scheduled articles."


@pytest.mark.django_db
def test_publication_time_is_kept_and_now_can_be_given():
    article = scheduled(minutes_from_now=60)
    planned = article.published_at
    assert article_publish_due_scheduled() == 0
    assert article_publish_due_scheduled(now=planned + timedelta(seconds=1)) == 1
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == planned  # the byline time is the planned time, not the cron tick
    assert article_publish_due_scheduled(now=planned + timedelta(hours=1)) == 0


@pytest.mark.django_db
def test_singular_wording():
    scheduled(minutes_from_now=-1)
    out = io.StringIO()
    call_command("publish_scheduled", stdout=out)
    assert out.getvalue().strip() == "Published 1 scheduled article."


# Each runner is a real process, as cron starts them: it sets Django up, waits at a file
# barrier until every runner is ready, then publishes, so the runs truly overlap.
RUNNER = """
import os, sys, time
from pathlib import Path
import django
django.setup()
from articles.services import article_publish_due_scheduled
barrier, runners = Path(sys.argv[1]), int(sys.argv[2])
(barrier / str(os.getpid())).touch()
deadline = time.monotonic() + 120
while len(list(barrier.iterdir())) < runners and time.monotonic() < deadline:
    time.sleep(0.01)
print(article_publish_due_scheduled())
"""

SETUP = """
import django
django.setup()
from datetime import timedelta
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone
from articles.models import Article, Section
call_command("migrate", "--noinput", verbosity=0)
section = Section.objects.create(name="Cron", slug="cron")
for n in range(40):
    Article.objects.create(headline=f"Story {n}", slug=f"story-{n}", section=section, status="scheduled",
                           published_at=timezone.now() - timedelta(minutes=5))
"""

COUNT = """
import django
django.setup()
from articles.models import Article
print(Article.objects.filter(status="published").count(), Article.objects.filter(status="scheduled").count())
"""


def _database_url(tmp_path) -> str:
    """The test database for PostgreSQL; a fresh file for SQLite (the in-memory test DB is per process)."""
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'cron.sqlite3'}"
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.mark.django_db(transaction=True)
def test_overlapping_cron_runs_publish_each_article_exactly_once(tmp_path):
    """Several ``publish_scheduled`` processes at once: every due article is flipped by exactly one."""
    env = {**os.environ, "DATABASE_URL": _database_url(tmp_path), "DJANGO_SETTINGS_MODULE": "newsroom.settings"}
    python, cwd = sys.executable, settings.BASE_DIR

    def run(script, *args):
        return subprocess.run(
            [python, "-c", script, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=180, check=True
        ).stdout

    run(SETUP)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    runners = 4
    processes = [
        subprocess.Popen(
            [python, "-c", RUNNER, str(barrier), str(runners)],
            env=env,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(runners)
    ]
    flipped = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        flipped.append(int(out.strip().splitlines()[-1]))

    assert sum(flipped) == 40
    assert run(COUNT).split() == ["40", "0"]
