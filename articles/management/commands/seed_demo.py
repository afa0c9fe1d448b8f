"""Load the original demo newsroom (idempotent; ``--reset`` starts over)."""

import sys
from argparse import ArgumentTypeError

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from articles.services import demo_accounts_ensure, demo_newsroom_reset_plan, demo_newsroom_seed


def _photo_size(value: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in value.lower().split("x"))
    except ValueError:
        raise ArgumentTypeError(f"expected WIDTHxHEIGHT, e.g. 1600x900, not {value!r}") from None
    if not (160 <= width <= 4000 and 90 <= height <= 4000):
        raise ArgumentTypeError("photo size must be between 160x90 and 4000x4000")
    return width, height


# Shown first, by their plural names; rows their deletion took along follow in brackets.
DEMO_MODELS = ["articles.Article", "articles.Photo", "articles.Author", "articles.Section", "taggit.Tag"]


def _deleted_summary(deleted: dict[str, int]) -> str:
    """Counts per model label as text: '65 articles, 65 photos, ... (with them: 6 article update rows, ...)'."""

    def name(label: str, *, plural: bool) -> str:
        meta = apps.get_model(label)._meta
        return str(meta.verbose_name_plural if plural else meta.verbose_name)

    main = [f"{deleted.get(label, 0)} {name(label, plural=True)}" for label in DEMO_MODELS]
    along = [
        f"{count} {name(label, plural=False)} rows" for label, count in deleted.items() if label not in DEMO_MODELS
    ]
    return ", ".join(main) + (f" (with them: {', '.join(along)})" if along else "")


class Command(BaseCommand):
    help = (
        "Create the demo newsroom: sections, authors, 60+ stories over the last 30 days with generated photos and "
        "170+ older briefs (every section pages), tags, updates and a correction, one scheduled article, a draft and "
        "a withdrawn story. Idempotent: a second run creates and changes nothing. --reset first deletes the demo "
        "content nobody changed since it was seeded (editors' own and edited content stays), after confirmation or "
        "with --force. With DEBUG on it also (re)creates a demo editor and reporter and prints their new passwords."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete the demo content nobody changed since seeding (asks first), then seed it again.",
        )
        parser.add_argument(
            "--force", action="store_true", help="With --reset: delete without asking (scripts, no terminal)."
        )
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

    def handle(self, *args, reset: bool, force: bool, workers: int | None, photo_size, **options):
        verbosity = options["verbosity"]
        if reset and not force:
            self._reset_confirm()

        def progress(line: str) -> None:
            if verbosity >= 1:
                self.stdout.write(line)
                self.stdout.flush()

        report = demo_newsroom_seed(reset=reset, workers=workers, photo_size=photo_size, progress=progress)
        if verbosity >= 1:
            self._summary_write(report, reset=reset)
        if settings.DEBUG:
            accounts = demo_accounts_ensure()
            if verbosity >= 1:
                self.stdout.write("Demo logins for the admin, /admin/ (development only; new passwords on each run):")
                for group, username, password in accounts:
                    self.stdout.write(f"  {group.lower():<9} {username:<14} password {password}")

    def _summary_write(self, report, *, reset: bool) -> None:
        if reset:
            self.stdout.write(f"Reset: deleted {_deleted_summary(report.deleted)}.")
        if report.kept:
            self.stdout.write(
                f"Kept {len(report.kept)} demo articles changed since seeding: " + "; ".join(report.kept) + "."
            )
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

    def _reset_confirm(self) -> None:
        """Ask on the terminal before a reset deletes anything; refuse without one."""
        plan = demo_newsroom_reset_plan()
        summary = (
            f"--reset deletes {len(plan.article_ids)} demo articles still as seeded, with their photos, updates and "
            f"view counts, and the demo sections, authors and tags left unused; it keeps {len(plan.kept)} demo "
            "articles editors changed and everything editors created."
        )
        if not sys.stdin or not sys.stdin.isatty():
            raise CommandError(f"{summary} No terminal to confirm on: pass --force to reset without asking.")
        self.stdout.write(f"{summary}\nType 'yes' to reset: ", ending="")
        self.stdout.flush()
        if sys.stdin.readline().strip().lower() != "yes":
            raise CommandError("Reset cancelled; nothing was deleted.")
