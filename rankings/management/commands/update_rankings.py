"""Build the ranking snapshots (cron: every minute)."""

import time

from django.core.management.base import BaseCommand

from rankings.services import ranking_snapshots_update


class Command(BaseCommand):
    help = (
        "Build ranking snapshots for every configured window, site-wide and per section, in one transaction. "
        "Idempotent; run it from cron every minute."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        result = ranking_snapshots_update()
        self.stdout.write(
            f"update_rankings: {result.snapshots} snapshots, {result.entries} entries "
            f"({result.snapshots_deleted} old snapshots deleted) in {time.perf_counter() - started:.2f} s"
        )
