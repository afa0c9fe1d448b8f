"""Import articles from a JSON Lines file (field rules: ``articles.importer``)."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from articles.bulk_import import BATCH_SIZE
from articles.importer import jsonl_import


class Command(BaseCommand):
    help = (
        "Import articles from a JSON Lines file, one JSON object per line, idempotently by external_id. "
        "Fields: external_id, headline, section, body (required); slug, deck, dateline, authors, tags, "
        "published_at (ISO 8601; no offset means Asia/Tokyo), status, photo (path relative to the file's "
        "folder), caption, credit, alt. Lines are written in batches, one transaction each; a bad line is "
        "reported with its number, leaves nothing written, and the rest go on. Exits with status 1 after "
        "the summary if any line failed."
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
        parser.add_argument(
            "--defer-renditions",
            action="store_true",
            help="Store imported photos without their renditions; build them afterwards with "
            "'photo_renditions --processes N'. Pages show such a photo once its renditions exist.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help=f"Lines per transaction (default {BATCH_SIZE})."
        )
        parser.add_argument(
            "--progress-every",
            type=int,
            default=10_000,
            metavar="LINES",
            help="Print a progress line after this many lines (default 10000), or after "
            "--progress-seconds, whichever comes first; -v0 prints none.",
        )
        parser.add_argument("--progress-seconds", type=float, default=5.0, help="See --progress-every (default 5).")

    def handle(
        self,
        *args,
        file: Path,
        dry_run: bool,
        create_sections: bool,
        defer_renditions: bool,
        batch_size: int,
        progress_every: int,
        progress_seconds: float,
        verbosity: int,
        **options,
    ):
        if not file.is_file():
            raise CommandError(f"{file}: no such file")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        started = time.monotonic()
        last = {"lines": 0, "at": started}

        def report_line(outcome):
            if verbosity >= 2:
                detail = f"{outcome.external_id} {outcome.reason}".strip()
                self.stdout.write(f"line {outcome.line}: {outcome.result} {detail}".rstrip())

        def report_progress(report):
            if verbosity < 1:
                return
            now = time.monotonic()
            if report.lines - last["lines"] < progress_every and now - last["at"] < progress_seconds:
                return
            last.update(lines=report.lines, at=now)
            failed = report.count("failed")
            rate = report.lines / max(now - started, 1e-6)
            self.stdout.write(
                f"{file.name}: {report.lines} lines, {report.done - failed} ok, {failed} failed, {rate:,.0f} lines/s"
            )

        report = jsonl_import(
            file,
            dry_run=dry_run,
            create_sections=create_sections,
            defer_renditions=defer_renditions,
            batch_size=batch_size,
            on_outcome=report_line,
            on_batch=report_progress,
        )
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
