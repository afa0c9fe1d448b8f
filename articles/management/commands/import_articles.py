"""Import articles from a JSON Lines file (field rules: ``articles.importer``)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.importer import jsonl_import


class Command(BaseCommand):
    help = (
        "Import articles from a JSON Lines file, one JSON object per line, idempotently by external_id. "
        "Fields: external_id, headline, section, body (required); slug, deck, dateline, authors, tags, "
        "published_at (ISO 8601; no offset means Asia/Tokyo), status, photo (path relative to the file's "
        "folder), caption, credit, alt. Each line is imported in its own transaction; a bad line is "
        "reported with its number and the rest go on. Exits with status 1 after the summary if any line failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="The .jsonl file.")
        parser.add_argument(
            "--dry-run", action="store_true", help="Check and report every line, then roll everything back."
        )
        parser.add_argument(
            "--create-sections",
            action="store_true",
            help="Create a section named in a record when none matches (by default such a line fails).",
        )

    def handle(self, *args, file: Path, dry_run: bool, create_sections: bool, verbosity: int, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")

        def report_line(outcome):
            if verbosity >= 2:
                detail = f"{outcome.external_id} {outcome.reason}".strip()
                self.stdout.write(f"line {outcome.line}: {outcome.result} {detail}".rstrip())

        report = jsonl_import(file, dry_run=dry_run, create_sections=create_sections, on_outcome=report_line)
        summary = (
            f"{'Dry run of ' if dry_run else ''}{file.name}: {report.count('created')} created, "
            f"{report.count('updated')} updated, {report.count('unchanged')} unchanged, "
            f"{report.count('failed')} failed."
        )
        failures = report.failures
        if failures:
            self.stdout.write(self.style.WARNING(summary))
            for outcome in failures:
                where = f"line {outcome.line}" + (f" ({outcome.external_id})" if outcome.external_id else "")
                self.stdout.write(f"  {where}: {outcome.reason}")
            lines = ", ".join(str(outcome.line) for outcome in failures)
            raise CommandError(f"{len(failures)} line(s) failed and were not imported: {lines}")
        self.stdout.write(self.style.SUCCESS(summary))
