"""Build missing or stale photo renditions (after bulk_create, a QuerySet.update, a layout change, an import)."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from articles.models import Photo
from articles.photos import renditions_stale
from articles.renditions_pool import RenderJob, RenderResult, jobs_render
from articles.services import photo_renditions_build


class Command(BaseCommand):
    help = (
        "Make the stored renditions of photos whose renditions are missing or out of date "
        "(saving a photo does this by itself; this is for rows written around Photo.save(), "
        "e.g. by 'import_articles --defer-renditions')."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="Rebuild every photo, not only stale ones.")
        parser.add_argument("--id", type=int, action="append", dest="ids", help="Only this photo id (repeatable).")
        parser.add_argument(
            "--processes",
            type=int,
            default=1,
            help="Render in this many worker processes (default 1: in this process). The files "
            "and rows are still written by this process.",
        )
        parser.add_argument(
            "--progress-every", type=int, default=500, metavar="PHOTOS", help="Progress line every N photos (500)."
        )

    def handle(self, *args, all: bool, ids: list[int] | None, processes: int, progress_every: int, **options):
        if processes < 1:
            raise CommandError("--processes must be at least 1")
        verbosity = options["verbosity"]
        photos = Photo.objects.order_by("pk")
        if ids:
            photos = photos.filter(pk__in=ids)
        counts = {"built": 0, "skipped": 0}
        failed: list[str] = []
        started = time.monotonic()

        def todo():
            for photo in photos.iterator(chunk_size=200):
                if not all and not renditions_stale(photo):
                    counts["skipped"] += 1
                    continue
                yield photo

        def progress():
            done = counts["built"] + len(failed)
            if verbosity >= 1 and progress_every > 0 and done and done % progress_every == 0:
                rate = done / max(time.monotonic() - started, 1e-6)
                self.stdout.write(f"{done} photos: {counts['built']} built, {len(failed)} failed, {rate:.1f} photos/s")

        if processes == 1:
            for photo in todo():
                try:
                    with transaction.atomic():
                        photo_renditions_build(photo=photo)
                except (ValidationError, OSError) as exc:
                    reason = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
                    failed.append(f"photo {photo.pk}: {reason}")
                else:
                    counts["built"] += 1
                progress()
        else:
            for result in jobs_render(map(_job, todo()), processes=processes):
                error = result.error or self.rendition_store(result)
                if error:
                    failed.append(f"photo {result.photo_id}: {error}")
                else:
                    counts["built"] += 1
                progress()

        self.stdout.write(f"{counts['built']} built, {counts['skipped']} already up to date, {len(failed)} failed")
        for line in failed:
            self.stderr.write(line)
        if failed:
            raise CommandError(f"{len(failed)} photo(s) failed")

    def rendition_store(self, result: RenderResult) -> str:
        """Store renditions rendered by a worker; the reason it could not, or ""."""
        try:
            with transaction.atomic():
                photo = Photo.objects.select_for_update().filter(pk=result.photo_id).first()
                if photo is None:
                    return "deleted while its renditions were made"
                if (photo.image.name, float(photo.focal_x), float(photo.focal_y)) != (
                    result.name,
                    result.focal_x,
                    result.focal_y,
                ):
                    # Changed while a worker rendered the old version: build from what is stored now.
                    photo_renditions_build(photo=photo)
                else:
                    photo_renditions_build(photo=photo, rendered=result.rendered)
        except (ValidationError, OSError) as exc:
            return " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        return ""


def _job(photo: Photo) -> RenderJob | RenderResult:
    """What a worker needs to render ``photo``: its original's bytes (or the reason they cannot be read)."""
    name, focal_x, focal_y = photo.image.name, float(photo.focal_x), float(photo.focal_y)
    if not name:
        return RenderResult(photo.pk, name, focal_x, focal_y, None, "The photo has no image to make renditions from.")
    try:
        with photo.image.storage.open(name, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        return RenderResult(photo.pk, name, focal_x, focal_y, None, str(exc))
    return RenderJob(photo.pk, name, focal_x, focal_y, data)
