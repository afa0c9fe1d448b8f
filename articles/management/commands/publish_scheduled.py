"""Publish scheduled articles whose time has come (run every minute from cron)."""

from django.core.management.base import BaseCommand

from articles.services import article_publish_due_scheduled


class Command(BaseCommand):
    help = (
        "Flip scheduled articles whose publication time has passed to published. "
        "Idempotent and safe to run concurrently, e.g. every minute from cron."
    )

    def handle(self, *args, **options):
        count = article_publish_due_scheduled()
        self.stdout.write(f"Published {count} scheduled article{'' if count == 1 else 's'}.")
