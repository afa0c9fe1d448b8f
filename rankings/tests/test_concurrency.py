"""Several processes posting beacons at once (and flushing, on Redis) produce exactly the expected counts.

Each worker is a separate Python process with its own database connection
(and Redis connection), started through ``rankings.tests.beacon_worker`` and
released at the same instant. PostgreSQL only: pytest-django's SQLite test
database lives in memory and cannot be shared between processes (``bench/beacon``
checks the SQLite database backend under gunicorn workers instead).
"""

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection
from django.db.models import Sum

from articles.models import Article
from articles.tests.factories import ArticleFactory
from rankings.backends import get_backend
from rankings.models import PageViewHourly, RejectedViewHourly
from rankings.tests import beacon_support
from rankings.tests.beacon_support import READER_UA

Reason = RejectedViewHourly.Reason
BASE_DIR = Path(__file__).resolve().parents[2]
WORKERS = 4
OWN_READERS = 120  # per worker, each reading two articles: all counted
SHARED_READERS = 40  # the same readers in every worker: each counted once, repeats elsewhere
DRAFT_BEACONS = 10  # per worker, for a draft: never counted

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
        reason="the SQLite test database is in memory and cannot be shared between processes",
    ),
]


def _database_url() -> str:
    conf = connection.settings_dict
    user = conf.get("USER") or "postgres"
    password = f":{conf['PASSWORD']}" if conf.get("PASSWORD") else ""
    host = conf.get("HOST") or "127.0.0.1"
    port = conf.get("PORT") or 5432
    return f"postgres://{user}{password}@{host}:{port}/{conf['NAME']}"


def _spawn(task: str, plan: dict, rankings: dict) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": _database_url(), "BEACON_WORKER_RANKINGS": json.dumps(rankings)}
    return subprocess.Popen(
        [sys.executable, "-m", "rankings.tests.beacon_worker", task, json.dumps(plan)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=180)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def _plans(first, second, draft, start_at):
    plans = []
    for worker in range(WORKERS):
        beacons = []
        for reader in range(OWN_READERS):
            ip = f"10.{worker}.{reader // 256}.{reader % 256}"
            beacons += [[first.pk, ip], [second.pk, ip]]
        beacons += [[first.pk, f"192.0.2.{reader}"] for reader in range(SHARED_READERS)]
        beacons += [[draft.pk, f"10.{worker}.200.{n}"] for n in range(DRAFT_BEACONS)]
        plans.append({"beacons": beacons, "ua": READER_UA, "start_at": start_at})
    return plans


@pytest.mark.parametrize("backend_name", ["database", "redis"])
def test_processes_posting_at_once_count_exactly(settings, backend_name):
    url = beacon_support.redis_url_for_tests()
    prefix = beacon_support.use_backend(settings, backend_name, RATE_LIMIT_PER_MINUTE=0)
    try:
        first, second = ArticleFactory.create_batch(2)
        draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
        rankings = {key: settings.RANKINGS[key] for key in ("BACKEND", "RATE_LIMIT_PER_MINUTE", "DEDUP_SECONDS")}
        if backend_name == "redis":
            rankings |= {"REDIS_URL": settings.RANKINGS["REDIS_URL"], "REDIS_KEY_PREFIX": prefix}
        start_at = time.time() + 4  # every worker has imported Django by then
        writers = [_spawn("record", plan, rankings) for plan in _plans(first, second, draft, start_at)]
        flushers = []
        if backend_name == "redis":
            # Flushes racing each other and the writers, every 20 ms, for as long as the writers run.
            flushers = [_spawn("flush", {"start_at": start_at, "seconds": 6}, rankings) for _ in range(2)]
        outcomes = Counter()
        for process in writers:
            outcomes.update(_result(process))
        for process in flushers:
            _result(process)
        get_backend().flush()

        expected_first = WORKERS * OWN_READERS + SHARED_READERS
        expected_second = WORKERS * OWN_READERS
        totals = dict(
            PageViewHourly.objects.values("article_id").annotate(total=Sum("views")).values_list("article_id", "total")
        )
        assert totals == {first.pk: expected_first, second.pk: expected_second}
        rejections = dict(RejectedViewHourly.objects.values_list("reason").annotate(total=Sum("count")))
        assert rejections == {
            Reason.REPEAT: (WORKERS - 1) * SHARED_READERS,
            Reason.UNPUBLISHED: WORKERS * DRAFT_BEACONS,
        }
        # What the workers were told matches what was stored (Redis learns "unpublished" only at flush).
        assert outcomes["repeat"] == (WORKERS - 1) * SHARED_READERS
        if backend_name == "database":
            assert outcomes["counted"] == expected_first + expected_second
        else:
            assert outcomes["counted"] == expected_first + expected_second + WORKERS * DRAFT_BEACONS
    finally:
        beacon_support.drop_redis_prefix(prefix, url)
