"""Batched writes of parsed import lines: one transaction per batch, bulk SQL, a savepoint per line when needed.

``articles.importer`` parses and validates each line (``record_parse``) and owns the field
rules (``article_values_apply``); this module writes a batch of parsed lines at once:

1. **Look up** (reads only, a few queries per batch): the batch's existing articles by
   ``external_id`` (locked), their current authors and tags, and every author and tag the
   batch names that the run has not met yet. Sections, authors and tags found are kept in
   ``Lookups`` for the whole run.
2. **Plan** each line in memory with the per-line rules: created, updated (with the changed
   fields) or unchanged. A rule violation fails that line alone, before anything is written.
3. **Write** in one savepoint: missing sections, authors and tags, then ``bulk_create`` of
   the new articles, ``bulk_update`` of the changed ones, and the author and tag links of
   both through their through models in bulk. ``articles.services.articles_imported`` is
   then called once for the batch (page-cache invalidation; the place for revisions and
   search indexing of rows written around ``Article.save``).
4. If that savepoint fails at the database level (a constraint, a trigger), it is rolled
   back and the batch's lines are written again one by one through the per-line path
   (``record_apply``'s ``_apply``), each in its own savepoint, so the failing line fails
   alone with its number and the others are all stored.

Lines with a ``photo`` key always take the per-line path (they write files, which are
removed again if their line or their batch does not commit).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.db import DatabaseError, connection, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.text import slugify
from taggit.models import Tag

from articles.models import Article, Author, Section, TaggedArticle

logger = logging.getLogger(__name__)

BATCH_SIZE = 500


@dataclass
class BatchOptions:
    """How a run writes its batches."""

    base_dir: Path
    dry_run: bool = False
    create_sections: bool = False
    defer_renditions: bool = False


class Lookups:
    """Sections, authors and tags of one import run, by the keys records name them with.

    Filled from the database as batches need them; entries for rows a batch created are
    kept only once that batch has committed (``commit``), so a rolled-back row is never
    reused.
    """

    def __init__(self):
        self.sections_by_slug: dict[str, Section] = {}
        self.sections_by_name: dict[str, Section] = {}
        self.authors: dict[str, Author] = {}  # name.lower() -> Author
        self.tags: dict[str, Tag] = {}  # name.lower() -> Tag
        self.sections_load()

    def sections_load(self) -> None:
        self.sections_by_slug.clear()
        self.sections_by_name.clear()
        for section in Section.objects.order_by("pk"):
            self.sections_by_slug[section.slug] = section
            self.sections_by_name.setdefault(section.name.lower(), section)

    def section_find(self, value: str) -> Section | None:
        """The section a record names, by slug or (case-insensitive) name."""
        return self.sections_by_slug.get(value) or self.sections_by_name.get(value.lower())

    def authors_fetch(self, names: set[str]) -> None:
        """Load the authors named (by name, case-insensitively, or by slug) that are not known yet."""
        wanted = {name.lower(): name for name in names if name.lower() not in self.authors}
        if not wanted:
            return
        for author in Author.objects.annotate(key=Lower("name")).filter(key__in=list(wanted)).order_by("pk"):
            self.authors.setdefault(author.name.lower(), author)
        slugs = {slugify(name): key for key, name in wanted.items() if key not in self.authors and slugify(name)}
        if slugs:
            for author in Author.objects.filter(slug__in=list(slugs)):
                self.authors.setdefault(slugs[author.slug], author)

    def tags_fetch(self, names: set[str]) -> None:
        """Load the tags named (case-insensitively) that are not known yet."""
        wanted = {name.lower() for name in names} - set(self.tags)
        if not wanted:
            return
        for tag in Tag.objects.annotate(key=Lower("name")).filter(key__in=list(wanted)).order_by("pk"):
            self.tags.setdefault(tag.name.lower(), tag)

    def commit(self, created: Created) -> None:
        """Remember the rows a committed batch created."""
        self.authors.update(created.authors)
        self.tags.update(created.tags)
        if created.sections:
            self.sections_load()


@dataclass
class Created:
    """Sections, authors and tags one write made (remembered only if it commits)."""

    sections: dict[str, Section] = field(default_factory=dict)
    authors: dict[str, Author] = field(default_factory=dict)
    tags: dict[str, Tag] = field(default_factory=dict)


@dataclass
class ParsedLine:
    number: int
    parsed: object  # articles.importer.ParsedRecord

    @property
    def bulk(self) -> bool:
        """Can this line be written in bulk? (Photo lines write files, one by one.)"""
        return self.parsed.photo is None and not self.parsed.remove_photo


@dataclass
class LinePlan:
    line: ParsedLine
    article: Article
    created: bool
    fields: set[str]
    authors: list[str] | None  # names to link, None: links unchanged
    tags: list[str] | None

    @property
    def changed(self) -> bool:
        return self.created or bool(self.fields) or self.authors is not None or self.tags is not None


@dataclass
class BatchResult:
    """Per line number: (result, article id) or (``"failed"``, reason)."""

    results: dict[int, tuple[str, int | None, str]] = field(default_factory=dict)


def batch_write(lines: list[ParsedLine], *, lookups: Lookups, options: BatchOptions, now: datetime) -> BatchResult:
    """Write one batch of parsed lines in one transaction (see the module docstring).

    On a dry run the transaction is rolled back at the end and the files written are
    removed; the results say what would have been done.
    """
    from articles.importer import ImportRecordError, _Rollback
    from articles.photos import files_delete

    result = BatchResult()
    written: list[str] = []  # files of photo lines, removed if the batch does not commit
    created = Created()
    try:
        with transaction.atomic():
            bulk = [line for line in lines if line.bulk]
            plans = _plans_make(bulk, lookups=lookups, now=now, result=result)
            bulk_ids: list[int] = []
            try:
                with transaction.atomic():
                    bulk_ids = _plans_write(plans, lookups=lookups, created=created)
            except DatabaseError as exc:
                # One line's row broke a constraint or trigger: find it by writing each line alone.
                logger.info("import: bulk write of a batch failed (%s); writing its lines one by one", exc)
                created = Created()
                bulk_ids = []
                for plan in plans:
                    _line_write_alone(plan.line, options=options, now=now, result=result, written=written)
            else:
                for plan in plans:
                    outcome = "created" if plan.created else ("updated" if plan.changed else "unchanged")
                    result.results[plan.line.number] = (outcome, plan.article.pk, "")
            for line in lines:
                if not line.bulk:
                    _line_write_alone(line, options=options, now=now, result=result, written=written)
            if bulk_ids:
                from articles.services import articles_imported

                articles_imported(ids=bulk_ids)
            if options.dry_run:
                raise _Rollback
    except _Rollback:
        files_delete(written)
        lookups.sections_load()  # sections made by the rolled-back batch are gone
        return result
    except BaseException as exc:
        files_delete(written)
        lookups.sections_load()
        if not isinstance(exc, (DatabaseError, ImportRecordError)):
            raise
        # The batch's own transaction failed (e.g. at COMMIT): none of its lines is stored.
        for line in lines:
            result.results[line.number] = ("failed", None, f"{type(exc).__name__}: {exc}")
        return result
    lookups.commit(created)
    return result


def _line_write_alone(line: ParsedLine, *, options, now, result: BatchResult, written: list[str]) -> None:
    """Write one line through the per-line path in its own savepoint; a failure stays with it."""
    from articles.importer import ImportRecordError, _apply
    from articles.photos import files_delete

    mine: list[str] = []
    try:
        with transaction.atomic():
            article, outcome = _apply(line.parsed, now=now, written=mine, defer_renditions=options.defer_renditions)
    except ImportRecordError as exc:
        files_delete(mine)
        result.results[line.number] = ("failed", None, str(exc))
        return
    except Exception as exc:  # one record's failure must never stop the others
        files_delete(mine)
        logger.exception("import of line %s failed", line.number)
        result.results[line.number] = ("failed", None, f"{type(exc).__name__}: {exc}")
        return
    written.extend(mine)
    result.results[line.number] = (outcome, article.pk, "")


def _plans_make(lines: list[ParsedLine], *, lookups: Lookups, now, result: BatchResult) -> list[LinePlan]:
    """Plan every line in memory; a line breaking a rule is recorded as failed and left out."""
    from articles.importer import ImportRecordError, article_values_apply

    if not lines:
        return []
    existing = {
        article.external_id: article
        for article in Article.objects.select_for_update().filter(
            external_id__in=[line.parsed.external_id for line in lines]
        )
    }
    ids = [article.pk for article in existing.values()]
    current_authors: dict[int, set[int]] = {pk: set() for pk in ids}
    current_tags: dict[int, set[str]] = {pk: set() for pk in ids}
    if ids:
        links = Article.authors.through.objects.filter(article_id__in=ids).values_list("article_id", "author_id")
        for article_id, author_id in links:
            current_authors[article_id].add(author_id)
        tagged = TaggedArticle.objects.filter(content_object_id__in=ids).values_list("content_object_id", "tag__name")
        for article_id, name in tagged:
            current_tags[article_id].add(name)
    lookups.authors_fetch({name for line in lines for name in line.parsed.authors or ()})
    lookups.tags_fetch({name for line in lines for name in line.parsed.tags or ()})

    plans = []
    for line in lines:
        parsed = line.parsed
        article = existing.get(parsed.external_id)
        created = article is None
        if created:
            article = Article(external_id=parsed.external_id)
        values = dict(parsed.values)
        if parsed.section is not None:
            values["section"] = parsed.section
        # else a section still to be made (--create-sections): _plans_write sets it once it exists.
        try:
            fields = article_values_apply(article, values, parsed=parsed, created=created, now=now)
        except ImportRecordError as exc:
            result.results[line.number] = ("failed", None, str(exc))
            continue
        authors = parsed.authors
        if authors is not None and not created:
            known = [lookups.authors.get(name.lower()) for name in authors]
            if None not in known and {a.pk for a in known} == current_authors[article.pk]:
                authors = None
        tags = None if parsed.tags is None else [_tag_spelling(name, lookups) for name in parsed.tags]
        if tags is not None and not created and set(tags) == current_tags[article.pk]:
            tags = None
        plans.append(LinePlan(line=line, article=article, created=created, fields=fields, authors=authors, tags=tags))
    return plans


def _tag_spelling(name: str, lookups: Lookups) -> str:
    tag = lookups.tags.get(name.lower())
    return tag.name if tag is not None else name


def _plans_write(plans: list[LinePlan], *, lookups: Lookups, created: Created) -> list[int]:
    """Write the planned lines with bulk statements; return the ids of the articles written."""
    from articles.importer import _unique_slug

    for plan in plans:
        if plan.line.parsed.section is None:
            name = plan.line.parsed.new_section_name
            section = created.sections.get(name.lower()) or lookups.section_find(name)
            if section is None:
                section, _ = Section.objects.get_or_create(
                    slug=_unique_slug(Section, slugify(name), max_length=100),
                    defaults={"name": name, "position": 100},
                )
                created.sections[name.lower()] = section
            plan.article.section = section
            plan.fields.add("section")

    _authors_ensure({name for plan in plans for name in plan.authors or ()}, lookups=lookups, created=created)
    _tags_ensure({name for plan in plans for name in plan.tags or ()}, lookups=lookups, created=created)

    def author_for(name: str) -> Author:
        return lookups.authors.get(name.lower()) or created.authors[name.lower()]

    def tag_for(name: str) -> Tag:
        return lookups.tags.get(name.lower()) or created.tags[name.lower()]

    now = timezone.now()
    new = [plan.article for plan in plans if plan.created]
    if new:
        Article.objects.bulk_create(new)
    # Links alone changed also count as a change of the article (as a save() did), hence plan.changed.
    changed = [plan for plan in plans if not plan.created and plan.changed]
    if changed:
        for plan in changed:
            plan.article.modified_at = now  # what auto_now would do on save()
        fields = sorted(set().union(*(plan.fields for plan in changed)) | {"modified_at"})
        Article.objects.bulk_update([plan.article for plan in changed], fields)

    relinked = [plan for plan in plans if plan.authors is not None]
    if relinked:
        rows = {(plan.article.pk, author_for(name).pk) for plan in relinked for name in plan.authors}
        _links_replace(
            Article.authors.through, "article", "author", [p.article.pk for p in relinked if not p.created], rows
        )
    retagged = [plan for plan in plans if plan.tags is not None]
    if retagged:
        rows = {(plan.article.pk, tag_for(name).pk) for plan in retagged for name in plan.tags}
        _links_replace(TaggedArticle, "content_object", "tag", [p.article.pk for p in retagged if not p.created], rows)
    return [plan.article.pk for plan in plans if plan.changed]


def _links_replace(through, article_field: str, other_field: str, stale: list[int], rows: set[tuple[int, int]]):
    """Replace the link rows of articles ``stale`` and add ``rows`` (article id, other id) to ``through``.

    Plain SQL through the cursor: links are the bulk of an import's rows, and building a
    model instance for each costs more than the INSERT. No signals are sent
    for them; ``articles.services.articles_imported`` covers the batch.
    """
    table = connection.ops.quote_name(through._meta.db_table)
    article_column = connection.ops.quote_name(through._meta.get_field(article_field).column)
    other_column = connection.ops.quote_name(through._meta.get_field(other_field).column)
    with connection.cursor() as cursor:
        for chunk in _chunks(stale, 500):
            placeholders = ", ".join(["%s"] * len(chunk))
            sql = f"DELETE FROM {table} WHERE {article_column} IN ({placeholders})"  # noqa: S608 (quoted names, values bound)
            cursor.execute(sql, chunk)
        # Multi-row INSERTs: one statement per 400 links costs the server far less than one per link.
        for chunk in _chunks(sorted(rows), 400):
            values = ", ".join(["(%s, %s)"] * len(chunk))
            sql = f"INSERT INTO {table} ({article_column}, {other_column}) VALUES {values}"  # noqa: S608 (as above)
            cursor.execute(sql, [value for row in chunk for value in row])


def _iexact_any(names: list[str]) -> Q:
    """Rows whose name equals one of ``names`` case-insensitively, by the database's own rule (as the per-line path)."""
    condition = Q(pk__in=[])
    for name in names:
        condition |= Q(name__iexact=name)
    return condition


def _missing(names: set[str], *, lookups_map: dict, created_map: dict) -> dict[str, str]:
    """key -> name of the ``names`` neither known nor created yet (the first spelling of each)."""
    missing: dict[str, str] = {}
    for name in sorted(names):
        key = name.lower()
        if key not in lookups_map and key not in created_map:
            missing.setdefault(key, name)
    return missing


def _authors_ensure(names: set[str], *, lookups: Lookups, created: Created) -> None:
    """Find or create every author named that the bulk lookup did not find (rare once a run has warmed up)."""
    from articles.importer import _unique_slug

    missing = _missing(names, lookups_map=lookups.authors, created_map=created.authors)
    if not missing:
        return
    # The per-line rule exactly, for names the bulk LOWER() lookup may miss (SQLite folds ASCII only).
    found = {}
    for chunk in _chunks(list(missing.values()), 200):
        for author in Author.objects.filter(_iexact_any(chunk)).order_by("pk"):
            found.setdefault(author.name.lower(), author)
    # Then by slug, as the per-line rule does; names slugifying alike within the batch share one new author.
    bases = {key: slugify(name) for key, name in missing.items() if key not in found}
    by_slug = {author.slug: author for author in Author.objects.filter(slug__in=[b for b in bases.values() if b])}
    fresh: list[Author] = []
    for key, name in missing.items():
        if key in found:
            created.authors[key] = found[key]  # found now: remembered with the batch
        elif bases[key] and bases[key] in by_slug:
            created.authors[key] = by_slug[bases[key]]
        elif not bases[key] or len(bases[key]) > 120:  # the per-line rule makes these slugs
            created.authors[key] = Author.objects.create(name=name, slug=_unique_slug(Author, bases[key] or "author"))
        else:
            author = by_slug[bases[key]] = Author(name=name, slug=bases[key])
            fresh.append(author)
            created.authors[key] = author
    Author.objects.bulk_create(fresh)  # sets the pks of the objects already in created.authors


def _tags_ensure(names: set[str], *, lookups: Lookups, created: Created) -> None:
    """Find or create every tag named that the bulk lookup did not find; new tags get taggit's slugs."""
    missing = _missing(names, lookups_map=lookups.tags, created_map=created.tags)
    if not missing:
        return
    found = {}
    for chunk in _chunks(list(missing.values()), 200):
        for tag in Tag.objects.filter(_iexact_any(chunk)).order_by("pk"):
            found.setdefault(tag.name.lower(), tag)
    slugs = {key: Tag().slugify(name) for key, name in missing.items() if key not in found}
    taken = set(Tag.objects.filter(slug__in=list(slugs.values())).values_list("slug", flat=True))
    fresh: list[Tag] = []
    for key, name in missing.items():
        if key in found:
            created.tags[key] = found[key]
        elif not slugs[key] or slugs[key] in taken:
            created.tags[key] = Tag.objects.create(name=name)  # taggit's save() finds a free slug
        else:
            taken.add(slugs[key])
            fresh.append(Tag(name=name, slug=slugs[key]))
    for tag in Tag.objects.bulk_create(fresh):
        created.tags[tag.name.lower()] = tag


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
