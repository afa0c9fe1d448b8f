"""A separate process for the concurrency tests: records beacons or flushes, with its own connections.

    python -m rankings.tests.beacon_worker record '<json plan>'
    python -m rankings.tests.beacon_worker flush '<json plan>'

The environment carries ``DATABASE_URL`` (the test database) and
``BEACON_WORKER_RANKINGS`` (JSON merged into ``settings.RANKINGS``). Every
worker waits for the plan's ``start_at`` (epoch seconds) so they all hit the
database and Redis at the same moment. Prints a JSON summary on stdout.
"""

import json
import os
import sys
import time
from collections import Counter


def _setup():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()
    from django.conf import settings

    settings.RANKINGS = {**settings.RANKINGS, **json.loads(os.environ.get("BEACON_WORKER_RANKINGS", "{}"))}


def _wait(plan):
    delay = plan.get("start_at", 0) - time.time()
    if delay > 0:
        time.sleep(delay)


def record(plan) -> dict:
    from rankings.services import page_view_record
    from rankings.tokens import page_view_token_make

    outcomes = Counter()
    tokens = {}
    beacons = plan["beacons"]  # [[article_id, ip], ...]
    _wait(plan)
    for article_id, ip in beacons:
        token = tokens.get(article_id) or tokens.setdefault(article_id, page_view_token_make(article_id=article_id))
        outcomes[str(page_view_record(article_id=article_id, token=token, user_agent=plan["ua"], client_ip=ip))] += 1
    return dict(outcomes)


def flush(plan) -> dict:
    from rankings.services import page_views_flush

    totals = Counter()
    _wait(plan)
    deadline = time.monotonic() + plan.get("seconds", 0)
    while True:
        result = page_views_flush()
        totals["batches"] += result.batches
        totals["skipped_batches"] += result.skipped_batches
        totals["views"] += result.views
        if time.monotonic() >= deadline:
            return dict(totals)
        time.sleep(plan.get("pause", 0.02))


def main(argv):
    task, plan = argv[1], json.loads(argv[2])
    _setup()
    result = {"record": record, "flush": flush}[task](plan)
    sys.stdout.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main(sys.argv)
