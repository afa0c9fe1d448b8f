"""JSON Lines import of articles: parsing and validation of one record, then applying it.

One line of the file is one JSON object, for example::

    {"external_id": "wire-2026-0117-001", "headline": "Port Reopens After Storm",
     "section": "society", "deck": "...", "body": "<p>...</p>", "dateline": "KOBE",
     "authors": ["Mika Sato"], "tags": ["Weather", "Kobe"],
     "published_at": "2026-01-17T07:05:00+09:00", "status": "published",
     "photo": "images/port.jpg", "caption": "...", "credit": "...", "alt": "..."}

Rules (what a newsroom expects from a feed it does not control):

- ``external_id``, ``headline``, ``section`` and ``body`` are required. Unknown keys fail the
  line, so a misspelt ``"capton"`` is reported instead of silently dropped.
- ``section`` matches an existing section by slug or (case-insensitive) name. Sections are
  editorial structure, so an unknown one fails the line unless the operator passes
  ``--create-sections``.
- ``authors`` (names) are matched case-insensitively by name or slug and created when missing.
  ``tags`` reuse an existing tag whatever its case.
- ``published_at`` is ISO 8601; a time without an offset is newsroom time (Asia/Tokyo).
  Stored in UTC. It must lie in the newsroom's date range (1900 to 2199, ``newsroom.dates``).
- ``status`` is optional. A new article without one is published when ``published_at`` is in
  the past, scheduled when it is in the future, and a draft without ``published_at``. An
  existing article keeps its status unless the record names one (so a re-sent story never
  resurrects an article an editor withdrew).
- ``photo`` is a path relative to the JSONL file's folder (absolute paths and paths leading
  out of it are refused); it needs ``alt``. The photo is validated like an upload. ``caption``,
  ``credit`` and ``alt`` describe that photo. ``"photo": null`` removes the lead photo.
- Idempotent by ``external_id``: a new id creates, a known one updates; a record equal to
  what is stored writes nothing and counts as unchanged. On update, a key absent from the
  record leaves that value alone.
- A plain-text body (no HTML tags) becomes paragraphs split on blank lines; every body is
  sanitized (``articles.sanitize``) when the line is parsed, as ``Article.save`` would.

Whole files (``jsonl_import``) are written in batches by ``articles.bulk_import``: one
transaction per batch, bulk SQL, and a savepoint per line when a line must be written alone,
so a failing line still fails alone, with its number, and leaves nothing written.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from taggit.models import Tag

from articles.models import Article, Author, Photo, Section
from articles.photos import FORMAT_EXTENSIONS, files_delete, renditions_file_names, validate_image_upload
from articles.revisions import revision_block
from articles.sanitize import sanitize_body
from newsroom.dates import RANGE_MESSAGE, datetime_in_range

logger = logging.getLogger(__name__)

REQUIRED_FIELDS = ("external_id", "headline", "section", "body")
OPTIONAL_FIELDS = (
    "slug",
    "deck",
    "dateline",
    "authors",
    "tags",
    "published_at",
    "status",
    "photo",
    "caption",
    "credit",
    "alt",
)
KNOWN_FIELDS = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)
PHOTO_META_FIELDS = ("caption", "credit", "alt")

CREATED, UPDATED, UNCHANGED = "created", "updated", "unchanged"

# Limits on one line, so one hostile line fails alone and cheaply. A record is an object
# holding strings and lists of strings: depth 2 is all it needs.
MAX_LINE_BYTES = 4 * 1024 * 1024
MAX_JSON_DEPTH = 10
MAX_JSON_INT_DIGITS = 20
_JSON_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_JSON_BRACKETS = re.compile(r"[\[\]{}]")


class ImportRecordError(ValueError):
    """A record cannot be imported; the message is written for the operator."""


@dataclass
class PhotoSource:
    path: Path
    digest: str  # sha256 of the file, to tell a re-sent photo from a new one
    caption: str
    credit: str
    alt_text: str

    @property
    def upload_name(self) -> str:
        # The digest in the stored name lets a re-import recognise the same picture cheaply.
        return f"import-{self.digest[:16]}{self.path.suffix.lower()}"


@dataclass
class ParsedRecord:
    """A validated record: every value checked, nothing written yet."""

    external_id: str
    values: dict = field(default_factory=dict)  # Article field -> value, only for keys the record carries
    section: Section | None = None
    new_section_name: str = ""
    authors: list[str] | None = None  # None: record has no "authors" key
    tags: list[str] | None = None
    photo: PhotoSource | None = None
    remove_photo: bool = False
    status_given: bool = False


# --- Parsing ------------------------------------------------------------------------------


def _text_checked(key: str, value: str) -> str:
    """``value`` if every database can store it: no NUL character, no unpaired surrogate (from ``\\ud800``)."""
    if "\x00" in value:
        raise ImportRecordError(f"'{key}' contains a NUL character")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ImportRecordError(f"'{key}' is not valid Unicode text (an unpaired surrogate)") from None
    return value


def _string(record: dict, key: str, *, max_length: int | None = None, required: bool = False) -> str:
    value = record.get(key)
    if value is None:
        if required:
            raise ImportRecordError(f"'{key}' is required")
        return ""
    if not isinstance(value, str):
        raise ImportRecordError(f"'{key}' must be a string, not {type(value).__name__}")
    value = _text_checked(key, value).strip()
    if required and not value:
        raise ImportRecordError(f"'{key}' must not be empty")
    if max_length is not None and len(value) > max_length:
        raise ImportRecordError(f"'{key}' is longer than {max_length} characters")
    return value


def _string_list(record: dict, key: str, *, max_length: int) -> list[str]:
    value = record.get(key)
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ImportRecordError(f"'{key}' must be a list of strings")
    seen, result = set(), []
    for item in (_text_checked(key, item).strip() for item in value):
        if not item:
            continue
        if len(item) > max_length:
            raise ImportRecordError(f"an entry of '{key}' is longer than {max_length} characters: {item[:40]!r}…")
        if item.casefold() not in seen:
            seen.add(item.casefold())
            result.append(item)
    return result


def parse_published_at(value) -> datetime | None:
    """ISO 8601 to an aware datetime; a naive time is newsroom time (Asia/Tokyo)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ImportRecordError("'published_at' must be an ISO 8601 string")
    try:
        parsed = datetime.fromisoformat(value.strip())
    except ValueError:
        raise ImportRecordError(f"'published_at' is not an ISO 8601 date and time: {value[:40]!r}") from None
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed, timezone.get_default_timezone())
    if not datetime_in_range(parsed):
        raise ImportRecordError(f"'published_at' is out of range: {value.strip()[:40]!r}. {RANGE_MESSAGE}")
    return parsed


def _body_html(body: str) -> str:
    """HTML as given; plain text (no tags at all) becomes escaped paragraphs."""
    if "<" in body and ">" in body:
        return body
    paragraphs = [p.strip() for p in body.replace("\r\n", "\n").split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p)}</p>" for p in paragraphs)


def _section_lookup(value: str) -> Section | None:
    return Section.objects.filter(slug=value).first() or Section.objects.filter(name__iexact=value).first()


def _photo_validate(file: File) -> None:
    """Validate an image exactly as an editor's upload is validated (before anything is written)."""
    try:
        validate_image_upload(file)
    except ValidationError as exc:
        raise ImportRecordError(f"'photo' is not a usable image: {' '.join(exc.messages)}") from None
    finally:
        file.seek(0)


def _photo_source(record: dict, *, base_dir: Path) -> PhotoSource:
    raw = _string(record, "photo", required=True)
    relative = Path(raw)
    if relative.is_absolute():
        raise ImportRecordError(f"'photo' must be a path relative to the JSONL file's folder: {raw!r}")
    base = base_dir.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise ImportRecordError(f"'photo' leads outside the JSONL file's folder: {raw!r}")
    if not path.is_file():
        raise ImportRecordError(f"photo file not found: {raw}")
    size = path.stat().st_size
    if size > settings.PHOTO_MAX_UPLOAD_BYTES:
        raise ImportRecordError(
            f"photo file is too large: {size} bytes (limit {settings.PHOTO_MAX_UPLOAD_BYTES}): {raw}"
        )
    alt_text = _string(record, "alt", max_length=Photo._meta.get_field("alt_text").max_length)
    if not alt_text:
        raise ImportRecordError("'alt' (text describing the photo) is required with 'photo'")
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 16), b""):
            digest.update(chunk)
        _photo_validate(File(handle, name=path.name))
    return PhotoSource(
        path=path,
        digest=digest.hexdigest(),
        caption=_string(record, "caption"),
        credit=_string(record, "credit", max_length=Photo._meta.get_field("credit").max_length),
        alt_text=alt_text,
    )


def record_parse(
    record, *, base_dir: Path, create_sections: bool = False, now: datetime | None = None, section_find=None
) -> ParsedRecord:
    """Check one decoded JSON line and resolve what it refers to; writes nothing.

    ``section_find`` (a section's slug or name -> Section or None) lets a batch resolve
    sections from memory; by default each call asks the database.
    """
    if not isinstance(record, dict):
        raise ImportRecordError(f"a line must hold a JSON object, not {type(record).__name__}")
    unknown = sorted(set(record) - KNOWN_FIELDS)
    if unknown:
        raise ImportRecordError(f"unknown field(s): {', '.join(unknown)}")
    missing = [key for key in REQUIRED_FIELDS if record.get(key) in (None, "")]
    if missing:
        raise ImportRecordError(f"missing required field(s): {', '.join(missing)}")
    now = now or timezone.now()

    external_id = _string(record, "external_id", required=True, max_length=200)
    parsed = ParsedRecord(external_id=external_id)
    values = parsed.values
    values["headline"] = _string(record, "headline", required=True, max_length=255)
    body = _string(record, "body", required=True)
    values["body"] = sanitize_body(_body_html(body))
    if not values["body"]:
        raise ImportRecordError("'body' is empty once unsafe HTML is removed")
    if "deck" in record:
        values["deck"] = _string(record, "deck")
    if "dateline" in record:
        values["dateline"] = _string(record, "dateline", max_length=100)
    if "slug" in record:
        slug = _string(record, "slug", max_length=255)
        if slug and slugify(slug) != slug:
            raise ImportRecordError(f"'slug' may hold only lowercase letters, digits and hyphens: {slug!r}")
        values["slug"] = slug

    section_value = _string(record, "section", required=True, max_length=100)
    parsed.section = (section_find or _section_lookup)(section_value)
    if parsed.section is None:
        if not create_sections:
            known = ", ".join(Section.objects.values_list("slug", flat=True)) or "none"
            raise ImportRecordError(f"unknown section {section_value!r} (known: {known})")
        if not slugify(section_value):
            raise ImportRecordError(f"cannot make a section from {section_value!r}")
        parsed.new_section_name = section_value

    if "authors" in record:
        parsed.authors = _string_list(record, "authors", max_length=Author._meta.get_field("name").max_length)
    if "tags" in record:
        parsed.tags = _string_list(record, "tags", max_length=Tag._meta.get_field("name").max_length)

    if "published_at" in record:
        values["published_at"] = parse_published_at(record["published_at"])
    if record.get("status") not in (None, ""):
        status = _string(record, "status").lower()
        if status not in Article.Status.values:
            raise ImportRecordError(f"'status' must be one of {', '.join(Article.Status.values)}, not {status!r}")
        published_at = values.get("published_at")
        if status in (Article.Status.PUBLISHED, Article.Status.SCHEDULED) and published_at is None:
            raise ImportRecordError(f"'published_at' is required for status {status!r}")
        if status == Article.Status.PUBLISHED and published_at > now:
            # "Published" in the future is what scheduling means; say so truthfully.
            status = Article.Status.SCHEDULED
        values["status"] = status
        parsed.status_given = True

    if "photo" in record:
        if record["photo"] in (None, ""):
            parsed.remove_photo = True
        else:
            parsed.photo = _photo_source(record, base_dir=base_dir)
    return parsed


# --- Applying -------------------------------------------------------------------------------


def _derived_status(published_at, now) -> str:
    if published_at is None:
        return Article.Status.DRAFT
    return Article.Status.SCHEDULED if published_at > now else Article.Status.PUBLISHED


def _unique_slug(model, base: str, *, exclude_pk=None, max_length: int = 120) -> str:
    base = (base or "item")[:max_length].strip("-") or "item"
    candidate, n = base, 2
    while model.objects.filter(slug=candidate).exclude(pk=exclude_pk).exists():
        suffix = f"-{n}"
        candidate = f"{base[: max_length - len(suffix)]}{suffix}"
        n += 1
    return candidate


def _authors_resolve(names: list[str]) -> list[Author]:
    authors = []
    for name in names:
        author = Author.objects.filter(name__iexact=name).first() or Author.objects.filter(slug=slugify(name)).first()
        if author is None:
            author = Author.objects.create(name=name, slug=_unique_slug(Author, slugify(name) or "author"))
        authors.append(author)
    return authors


def _tags_resolve(names: list[str]) -> list[str]:
    """Use an existing tag's spelling when one matches case-insensitively."""
    resolved = []
    for name in names:
        existing = Tag.objects.filter(name__iexact=name).values_list("name", flat=True).first()
        resolved.append(existing or name)
    return resolved


def _photo_matches(photo: Photo | None, source: PhotoSource) -> bool:
    """Is ``photo`` the picture in ``source`` (same bytes)?"""
    if photo is None or not photo.image:
        return False
    if source.digest[:16] in Path(photo.image.name).name:
        return True
    try:
        with photo.image.storage.open(photo.image.name, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest() == source.digest
    except OSError:
        return False


def _photo_is_imported(photo: Photo) -> bool:
    return Path(photo.image.name or "").name.startswith("import-")


def photo_files(photo: Photo) -> list[str]:
    """Storage names of a photo's original and renditions (for clean-up)."""
    return ([photo.image.name] if photo.image else []) + renditions_file_names(photo.renditions)


def _photo_create(source: PhotoSource, *, defer_renditions: bool = False) -> Photo:
    from articles.services import photo_create  # services imports this module lazily

    if defer_renditions:
        return _photo_store_original(source)
    with source.path.open("rb") as handle:
        return photo_create(
            image=File(handle, name=source.upload_name),
            caption=source.caption,
            credit=source.credit,
            alt_text=source.alt_text,
        )


def _photo_store_original(source: PhotoSource) -> Photo:
    """Store the photo's original and its row, leaving the renditions to ``photo_renditions``.

    The row is inserted with ``bulk_create`` so the post_save receiver does not render it
    now; ``renditions_stale`` is true for it until the second pass builds them.
    """
    with source.path.open("rb") as handle:
        upload = File(handle, name=source.upload_name)
        kind = validate_image_upload(upload)
        upload.seek(0)
        stem, extension = source.upload_name.rsplit(".", 1)[0], source.path.suffix.lower()
        if extension not in FORMAT_EXTENSIONS[kind]:
            upload.name = f"{stem}{FORMAT_EXTENSIONS[kind][0]}"  # the stored name tells the truth, as photo_create's
        photo = Photo(image=upload, caption=source.caption, credit=source.credit, alt_text=source.alt_text)
        photo.full_clean()
        (photo,) = Photo.objects.bulk_create([photo])
    return photo


class _Rollback(Exception):
    """Raised inside a record's transaction to undo a dry run."""


def record_apply(parsed: ParsedRecord, *, dry_run: bool = False, now: datetime | None = None) -> tuple[Article, str]:
    """Create or update the article of one parsed record in one transaction.

    Returns the article and ``"created"``, ``"updated"`` or ``"unchanged"``. On any error
    (and always on a dry run) the transaction is rolled back and every file written for
    this record is deleted, so nothing is left half-written.
    """
    now = now or timezone.now()
    written: list[str] = []  # storage names written by this record, removed if it does not commit
    result: tuple[Article, str] | None = None
    try:
        # A revision (no user: "Imported") of what the record changed, in the same transaction.
        with transaction.atomic(), revision_block(comment="Imported"):
            result = _apply(parsed, now=now, written=written)
            if dry_run:
                raise _Rollback
    except _Rollback:
        files_delete(written)
    except BaseException:
        files_delete(written)
        raise
    return result


def article_values_apply(article: Article, values: dict, *, parsed: ParsedRecord, created: bool, now) -> set[str]:
    """Set ``values`` on ``article`` with the import's rules; return the names of the fields that changed.

    The rules for a new article (slug from the headline, status from ``published_at``) and
    for an existing one (an empty slug keeps the URL, a kept status must make sense with a
    new time) live here, for the per-line and the batched writes alike. Writes nothing.
    """
    values = dict(values)
    if created:
        values.setdefault("slug", "")
        if not values["slug"]:
            values["slug"] = (slugify(values["headline"])[:255].strip("-")) or f"article-{parsed.external_id}"[:255]
        if not parsed.status_given:
            values["status"] = _derived_status(values.get("published_at"), now)
    elif "slug" in values and not values["slug"]:
        del values["slug"]  # an empty slug on update keeps the current one
    if not created and not parsed.status_given and "published_at" in values:
        # A kept status must still make sense with the new time.
        published_at = values["published_at"]
        if published_at is None and article.status in (Article.Status.PUBLISHED, Article.Status.SCHEDULED):
            raise ImportRecordError(f"'published_at' cannot be cleared on a {article.status} article")
        if article.status == Article.Status.PUBLISHED and published_at is not None and published_at > now:
            values["status"] = Article.Status.SCHEDULED

    changed = set()
    for name, value in values.items():
        current = article.section_id if name == "section" else getattr(article, name)
        if current != (value.pk if name == "section" else value):
            setattr(article, name, value)
            changed.add(name)
    return changed


def _apply(parsed: ParsedRecord, *, now, written: list[str], defer_renditions: bool = False) -> tuple[Article, str]:
    values = dict(parsed.values)
    section = parsed.section
    if section is None:
        section, _ = Section.objects.get_or_create(
            slug=_unique_slug(Section, slugify(parsed.new_section_name), max_length=100),
            defaults={"name": parsed.new_section_name, "position": 100},
        )
    values["section"] = section

    article = Article.objects.select_for_update().filter(external_id=parsed.external_id).first()
    created = article is None
    if created:
        article = Article(external_id=parsed.external_id)
    changed = bool(article_values_apply(article, values, parsed=parsed, created=created, now=now)) or created

    authors = _authors_resolve(parsed.authors) if parsed.authors is not None else None
    if authors is not None and not created:
        if {a.pk for a in authors} == set(article.authors.values_list("pk", flat=True)):
            authors = None  # nothing to write
        else:
            changed = True
    tags = _tags_resolve(parsed.tags) if parsed.tags is not None else None
    if tags is not None and not created:
        if set(tags) == set(article.tags.names()):
            tags = None
        else:
            changed = True

    old_photo = article.lead_photo if article.lead_photo_id else None
    photo_replace = photo_meta_changed = False
    if parsed.photo is not None:
        source = parsed.photo
        if _photo_matches(old_photo, source):
            for attr, value in (("caption", source.caption), ("credit", source.credit), ("alt_text", source.alt_text)):
                if getattr(old_photo, attr) != value:
                    setattr(old_photo, attr, value)
                    photo_meta_changed = True
        else:
            photo_replace = True
    elif parsed.remove_photo and old_photo is not None:
        article.lead_photo = None
        changed = True

    if not (changed or photo_meta_changed or photo_replace):
        return article, UNCHANGED

    article.save()
    if authors is not None:
        article.authors.set(authors)
    if tags is not None:
        article.tags.set(tags)
    if photo_meta_changed:
        old_photo.save(update_fields=["caption", "credit", "alt_text", "updated_at"])
    if photo_replace:
        photo = _photo_create(parsed.photo, defer_renditions=defer_renditions)
        written.extend(photo_files(photo))
        article.lead_photo = photo
        article.save(update_fields=["lead_photo", "modified_at"])
    replaced = old_photo if (old_photo is not None and article.lead_photo_id != old_photo.pk) else None
    if replaced is not None and _photo_is_imported(replaced) and not replaced.articles.exists():
        # The import brought the old picture and nothing else shows it: drop it (its files
        # go once the change commits, see articles.receivers). Editors' own photos stay.
        replaced.delete()
    return article, CREATED if created else UPDATED


# --- Whole files ------------------------------------------------------------------------------


@dataclass
class LineOutcome:
    line: int
    result: str  # created / updated / unchanged / failed
    external_id: str = ""
    article_id: int | None = None
    reason: str = ""


@dataclass
class ImportReport:
    """Counts per result, and every failed line (the lines that worked are only counted)."""

    counts: dict[str, int] = field(default_factory=dict)
    failures: list[LineOutcome] = field(default_factory=list)
    lines: int = 0  # lines read so far, blank ones included

    def count(self, result: str) -> int:
        return self.counts.get(result, 0)

    def add(self, outcome: LineOutcome) -> None:
        self.counts[outcome.result] = self.counts.get(outcome.result, 0) + 1
        if outcome.result == "failed":
            self.failures.append(outcome)

    @property
    def done(self) -> int:
        """Lines imported or failed so far (blank lines not counted)."""
        return sum(self.counts.values())


def jsonl_import(
    path: Path,
    *,
    dry_run: bool = False,
    create_sections: bool = False,
    defer_renditions: bool = False,
    batch_size: int | None = None,
    on_outcome=None,
    on_batch=None,
) -> ImportReport:
    """Import every line of a JSON Lines file in batches; a bad line is reported and the rest go on.

    Lines are written ``batch_size`` (default ``articles.bulk_import.BATCH_SIZE``) at a time
    in one transaction each (``articles.bulk_import.batch_write``); a line that fails, at
    validation or in the database, fails alone and leaves nothing written. ``on_outcome``
    is called with each line's ``LineOutcome`` (in line order), ``on_batch`` with the
    report after each batch. ``defer_renditions`` stores imported photos without their
    renditions, for a later ``photo_renditions`` run.
    """
    from articles import bulk_import

    path = Path(path)
    batch_size = max(1, batch_size or bulk_import.BATCH_SIZE)
    options = bulk_import.BatchOptions(
        base_dir=path.parent, dry_run=dry_run, create_sections=create_sections, defer_renditions=defer_renditions
    )
    lookups = bulk_import.Lookups()
    report = ImportReport()
    pending: list[LineOutcome | bulk_import.ParsedLine] = []  # the batch, in line order
    external_ids: set[str] = set()

    def flush():
        if not pending:
            return
        lines = [item for item in pending if isinstance(item, bulk_import.ParsedLine)]
        written = (
            bulk_import.batch_write(lines, lookups=lookups, options=options, now=batch_now).results if lines else {}
        )
        for item in pending:
            if isinstance(item, LineOutcome):
                outcome = item
            else:
                result, article_id, reason = written[item.number]
                outcome = LineOutcome(item.number, result, item.parsed.external_id, article_id, reason)
            report.add(outcome)
            if on_outcome is not None:
                on_outcome(outcome)
        pending.clear()
        external_ids.clear()
        if on_batch is not None:
            on_batch(report)

    batch_now = timezone.now()
    with path.open("rb") as handle:
        for number, raw in enumerate(_lines_read(handle), start=1):
            report.lines = number
            item = _line_parse(number, raw, options=options, lookups=lookups, now=batch_now)
            if item is None:
                continue
            if isinstance(item, bulk_import.ParsedLine):
                if item.parsed.external_id in external_ids:
                    flush()  # the same story twice: the second sees the first stored, as line by line
                    batch_now = timezone.now()
                external_ids.add(item.parsed.external_id)
            pending.append(item)
            if len(pending) >= batch_size:
                flush()
                batch_now = timezone.now()
    flush()
    return report


def _line_parse(number, raw: bytes | None, *, options, lookups, now):
    """A line as a ``bulk_import.ParsedLine``, a failed ``LineOutcome``, or None for a blank line."""
    from articles.bulk_import import ParsedLine

    try:
        record = line_decode(raw)
    except ImportRecordError as exc:
        return LineOutcome(number, "failed", reason=str(exc))
    if record is None:
        return None
    external_id = record.get("external_id", "")
    external_id = external_id[:200] if isinstance(external_id, str) else ""
    try:
        parsed = record_parse(
            record,
            base_dir=options.base_dir,
            create_sections=options.create_sections,
            now=now,
            section_find=lookups.section_find,
        )
    except ImportRecordError as exc:
        return LineOutcome(number, "failed", external_id=external_id, reason=str(exc))
    except Exception as exc:  # one record's failure must never stop the others
        logger.exception("import of line %s failed", number)
        return LineOutcome(number, "failed", external_id=external_id, reason=f"{type(exc).__name__}: {exc}")
    return ParsedLine(number=number, parsed=parsed)


def _lines_read(handle):
    """The file's lines as bytes; a line over ``MAX_LINE_BYTES`` comes as None (its bytes skipped, never held)."""
    while True:
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # the rest of the over-long line, in bounded pieces
                raw = handle.readline(1 << 20)
            yield None
            continue
        yield raw


def _json_depth_check(text: str) -> None:
    """Refuse nesting deeper than ``MAX_JSON_DEPTH`` before parsing, so no parser recursion can run away."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return  # depth never exceeds the number of opening brackets: most lines need no scan
    depth = 0
    # Brackets inside strings do not nest: drop the strings first (escapes included).
    for match in _JSON_BRACKETS.finditer(_JSON_STRINGS.sub('""', text)):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                raise ImportRecordError(f"invalid JSON: nested deeper than {MAX_JSON_DEPTH} levels")
        else:
            depth -= 1


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_INT_DIGITS:
        raise ImportRecordError(f"invalid JSON: a number longer than {MAX_JSON_INT_DIGITS} digits")
    return int(text)


def _json_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ImportRecordError(f"invalid JSON: a number out of range: {text[:40]}")
    return value


def _json_constant(name: str):
    raise ImportRecordError(f"invalid JSON: {name} is not a JSON value")


def line_decode(raw: bytes | None) -> dict | None:
    """One line of the file as a JSON object, None for a blank line; raises ImportRecordError otherwise.

    Whatever the line holds (invalid UTF-8, deep nesting, a 10,000-digit number, NaN,
    an array), the message says what is wrong and nothing escapes but ImportRecordError.
    """
    if raw is None:
        raise ImportRecordError(f"line is longer than {MAX_LINE_BYTES} bytes")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise ImportRecordError("not valid UTF-8") from None
    text = text.lstrip("\ufeff").strip()
    if not text:
        return None  # blank lines are allowed
    _json_depth_check(text)
    try:
        record = json.loads(text, parse_int=_json_int, parse_float=_json_float, parse_constant=_json_constant)
    except json.JSONDecodeError as exc:
        raise ImportRecordError(f"invalid JSON: {exc.msg} at column {exc.colno}") from None
    except (RecursionError, ValueError) as exc:  # a limit of the parser itself, should the checks above miss one
        raise ImportRecordError(f"invalid JSON: {exc}") from None
    if not isinstance(record, dict):
        raise ImportRecordError(f"a line must hold a JSON object, not {_json_type(record)}")
    return record


def _json_type(value) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "true/false", type(None): "null"}.get(
        type(value), "a number"
    )
