"""Monitoring probe: exit non-zero when rankings are stale or counters are not being flushed."""

from django.core.management.base import BaseCommand, CommandError

from rankings.selectors import rankings_health


class Command(BaseCommand):
    help = (
        "Exit 0 and print OK when the newest ranking snapshot and the counter flush are recent enough "
        "(RANKINGS['HEALTH_MAX_SNAPSHOT_AGE_MINUTES'], ['HEALTH_MAX_UNFLUSHED_MINUTES']); "
        "otherwise exit 1 with the reason, for cron monitoring."
    )

    def handle(self, *args, **options):
        health = rankings_health()
        summary = "; ".join(health.messages)
        if not health.ok:
            raise CommandError(f"rankings_health: FAIL: {summary}")
        self.stdout.write(f"rankings_health: OK: {summary}")
