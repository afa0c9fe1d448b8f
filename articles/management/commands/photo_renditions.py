"""Build missing or stale photo renditions (after bulk_create, a QuerySet.update, or a layout change)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.models import Photo
from articles.photos import renditions_stale
from articles.services import photo_renditions_build


class Command(BaseCommand):
    help = (
        "Make the stored renditions of photos whose renditions are missing or out of date "
        "(saving a photo does this by itself; this is for rows written around Photo.save())."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rebuild every photo, not only stale ones.")
        parser.add_argument("--id", type=int, action="append", dest="ids", help="Only this photo id (repeatable).")

    def handle(self, *args, all: bool, ids: list[int] | None, **options):
        photos = Photo.objects.order_by("pk")
        if ids:
            photos = photos.filter(pk__in=ids)
        built = skipped = 0
        failed: list[str] = []
        for photo in photos.iterator(chunk_size=200):
            if not all and not renditions_stale(photo):
                skipped += 1
                continue
            try:
                with transaction.atomic():
                    photo_renditions_build(photo=photo)
            except (ValidationError, OSError) as exc:
                reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                failed.append(f"photo {photo.pk}: {reason}")
                continue
            built += 1
        self.stdout.write(f"{built} built, {skipped} already up to date, {len(failed)} failed")
        for line in failed:
            self.stderr.write(line)
        if failed:
            raise CommandError(f"{len(failed)} photo(s) failed")
