"""Move page-view counts waiting in Redis into the database (run every minute from cron)."""

from django.core.management.base import BaseCommand, CommandError

from rankings.backends import BackendUnavailable, get_backend
from rankings.services import page_views_flush


class Command(BaseCommand):
    help = (
        "Move page-view and rejection counts from the Redis backend into the database. Loses nothing if "
        "it dies half-way; safe to run concurrently and every minute. On the database backend it only "
        "deletes expired de-duplication rows."
    )

    def handle(self, *args, **options):
        try:
            result = page_views_flush()
        except BackendUnavailable as exc:
            raise CommandError(f"flush_page_views: {exc}; counts stay in Redis until the next run.") from exc
        backend = get_backend().name
        rejected = ", ".join(f"{reason} {n}" for reason, n in sorted(result.rejected.items())) or "none"
        self.stdout.write(
            f"{backend} backend: {result.batches} batch(es) applied, {result.skipped_batches} already applied; "
            f"{result.views} views, {result.rejected_total} rejected ({rejected}); "
            f"{result.pruned_seen} expired de-duplication rows deleted."
        )
