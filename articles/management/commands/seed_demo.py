"""Load the original demo newsroom (idempotent; ``--reset`` starts over)."""

from argparse import ArgumentTypeError

from django.core.management.base import BaseCommand

from articles.services import demo_newsroom_seed


def _photo_size(value: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in value.lower().split("x"))
    except ValueError:
        raise ArgumentTypeError(f"expected WIDTHxHEIGHT, e.g. 1600x900, not {value!r}") from None
    if not (160 <= width <= 4000 and 90 <= height <= 4000):
        raise ArgumentTypeError("photo size must be between 160x90 and 4000x4000")
    return width, height


class Command(BaseCommand):
    help = (
        "Create the demo newsroom: sections, authors, 60+ articles over the last 30 days with generated photos, "
        "tags, updates and a correction, one scheduled article, a draft and a withdrawn story. Idempotent: a "
        "second run creates and changes nothing. --reset deletes the demo content (and nothing else) first."
    )

    def add_arguments(self, parser):
        parser.add_argument("--reset", action="store_true", help="Delete the demo content, then seed it again.")
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="Processes that draw and render photos (default: one per CPU, at most 4; 1 renders in-process).",
        )

        parser.add_argument(
            "--photo-size",
            type=_photo_size,
            default=None,
            metavar="WIDTHxHEIGHT",
            help="Size of the generated photos (default 1600x900; smaller seeds faster on a slow machine).",
        )

    def handle(self, *args, reset: bool, workers: int | None, photo_size, **options):
        report = demo_newsroom_seed(reset=reset, workers=workers, photo_size=photo_size)
        if report.deleted:
            removed = ", ".join(f"{count} {what}" for what, count in report.deleted.items())
            self.stdout.write(f"Reset: deleted {removed}.")
        if report.articles_created:
            statuses = ", ".join(f"{count} {status}" for status, count in report.statuses.items())
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo newsroom seeded in {report.seconds:.1f}s: {report.sections_created} sections, "
                    f"{report.authors_created} authors, {report.articles_created} articles ({statuses}), "
                    f"{report.photos_created} photos, {report.updates_created} updates and corrections, "
                    f"{report.tags_used} tags."
                )
            )
        else:
            self.stdout.write(
                f"Demo newsroom already present ({report.articles_existing} articles); nothing to do. "
                "Use --reset to start over."
            )
