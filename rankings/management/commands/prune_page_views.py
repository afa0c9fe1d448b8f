"""Roll old hourly page-view buckets into daily ones (cron: daily)."""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from rankings.services import PRUNE_BATCH_DEFAULT, page_views_prune


class Command(BaseCommand):
    help = (
        "Roll hourly page-view buckets older than RANKINGS['HOURLY_RETENTION_DAYS'] into daily buckets, "
        "in batches (each batch one transaction: add to the daily rows, delete the hourly ones)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--retention-days",
            type=int,
            default=None,
            help=f"Keep this many days of hourly buckets (default {settings.RANKINGS['HOURLY_RETENTION_DAYS']}).",
        )
        parser.add_argument("--batch-size", type=int, default=PRUNE_BATCH_DEFAULT, help="Hourly rows per transaction.")

    def handle(self, *args, retention_days, batch_size, **options):
        if retention_days is not None and retention_days < 1:
            raise CommandError("--retention-days must be at least 1.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        result = page_views_prune(retention_days=retention_days, batch_size=batch_size)
        self.stdout.write(
            f"prune_page_views: {result.rows} hourly rows ({result.views} views) before "
            f"{result.cutoff:%Y-%m-%d %H:00} UTC rolled into daily rows in {result.batches} batches"
        )
