"""Revisions of articles and photos (django-reversion): making them, reading them back, comparing them.

Every write path opens a revision block (``revision_block``): the admin's change form
(``ArticleAdmin.changeform_view``), the services in ``articles.services`` (publish, withdraw,
schedule, updates, scheduled publication) and the importer. Inside a block, django-reversion
records every registered object that is saved, so one revision holds the article as readers
would see it: its own fields (headline, deck, body, dateline, section, authors, lead photo and
caption override, status, times), its tags (the ``TaggedArticle`` rows and the ``Tag`` names)
and its update log.

Revisions are never reverted in the database here (``Revision.revert`` would also rewrite
tags and delete later updates): a restore loads the old content into the change form, and
the editor's own save makes it a new revision (``ArticleAdmin`` and ``articles.admin_desk``).

A revision whose comment starts with ``UNAPPLIED_PREFIX`` holds text that was *not* saved to
the article (a reporter's edit that arrived after an editor published the draft): it is listed
in the history but is never the article's current revision.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from contextlib import contextmanager
from dataclasses import dataclass, field

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core import serializers
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connections, router
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.safestring import SafeString, mark_safe
from reversion.models import Revision, Version
from taggit.models import Tag

from articles.models import Article, ArticleUpdate, Author, Photo, Section, TaggedArticle

UNAPPLIED_PREFIX = "Not applied: "
BASELINE_COMMENT = "The article as it was when revisions began"
PHOTO_EDITORIAL_FIELDS = ("image", "caption", "credit", "alt_text", "focal_x", "focal_y")
VERSION_ROWS_PER_INSERT = 100  # 700 bound values: far below SQLite's limit of 32,766


# What django-reversion stores of each versioned model (``reversion.register`` options).
# ``tags`` is taggit's manager, not a column: the TaggedArticle rows carry the tags.
VERSIONED = (
    (Tag, {}),
    (TaggedArticle, {"follow": ("tag",)}),
    (ArticleUpdate, {}),
    (Article, {"exclude": ("tags",), "follow": ("tagged_items", "updates")}),
    (Photo, {"fields": PHOTO_EDITORIAL_FIELDS}),
)


def models_register() -> None:
    """Register the versioned models with django-reversion (called once from ``ArticlesConfig.ready``)."""
    if reversion.is_registered(Article):
        return
    for model, options in VERSIONED:
        reversion.register(model, **options)


def version_fields(model) -> tuple[str, ...]:
    """The fields a version of ``model`` holds: what ``reversion.register`` picks from its options."""
    options = dict(VERSIONED)[model]
    opts = model._meta.concrete_model._meta
    names = options.get("fields") or [f.name for f in opts.local_fields + opts.local_many_to_many]
    return tuple(name for name in names if name not in options.get("exclude", ()))


# --- Writing ---------------------------------------------------------------------------------------


@contextmanager
def revision_block(*, user=None, comment: str = ""):
    """One revision (in one transaction) for everything registered that is saved inside the block.

    Nested blocks join the outer revision. ``user`` is who made the change (None for imports
    and scripts). Nothing is stored if nothing registered was saved.
    """
    with reversion.create_revision():
        if user is not None and user.is_authenticated:
            reversion.set_user(user)
        if comment:
            reversion.set_comment(comment)
        yield


def revision_comment_set(comment: str) -> None:
    """Set the comment of the revision being made (inside ``revision_block``)."""
    reversion.set_comment(comment)


def article_revision_add(*, article_id: int) -> None:
    """Put the article's current row, tags and updates into the revision being made.

    Read afresh: the instance a caller saved with ``update_fields`` may hold stale other fields.
    """
    reversion.add_to_revision(Article.objects.get(pk=article_id))


def articles_revision_add(*, article_ids: list[int]) -> None:
    """Put many articles (rows, tags and updates) into the revision being made, in four queries.

    For rows written with bulk SQL (the importer's batches), which send no save signals.
    """
    articles = Article.objects.filter(pk__in=article_ids).prefetch_related(
        Prefetch("tagged_items", queryset=TaggedArticle.objects.select_related("tag")), "updates", "authors"
    )
    for article in articles:
        reversion.add_to_revision(article)


def articles_revision_create(*, article_ids: list[int], comment: str) -> Revision | None:
    """One new revision holding many articles (rows, tags, tag links and updates), written in bulk.

    The same versions a ``revision_block`` around ``articles_revision_add`` stores (the
    fields of ``VERSIONED``, JSON as reversion writes it), but serialized once per model
    for the whole list and inserted with one ``bulk_create``: the importer's batches of
    hundreds of articles spent most of their time in reversion's per-object path. Inside
    an open ``revision_block`` the articles join that revision instead (returns None).
    """
    if reversion.is_active():
        articles_revision_add(article_ids=article_ids)
        return None
    articles = list(
        Article.objects.filter(pk__in=article_ids)
        .prefetch_related(
            Prefetch("tagged_items", queryset=TaggedArticle.objects.select_related("tag")), "updates", "authors"
        )
        .order_by("pk")
    )
    if not articles:
        return None
    links = [link for article in articles for link in article.tagged_items.all()]
    groups = {
        Article: articles,
        TaggedArticle: links,
        Tag: list({link.tag_id: link.tag for link in links}.values()),
        ArticleUpdate: [update for article in articles for update in article.updates.all()],
    }
    revision = Revision.objects.create(comment=comment, date_created=timezone.now())
    rows = []
    for model, objects in groups.items():
        if not objects:
            continue
        content_type = ContentType.objects.db_manager(revision._state.db).get_for_model(model)
        db = router.db_for_write(model)
        fields = version_fields(model)
        # The serializer would build a query per object for a many-to-many field, prefetched or
        # not: the article's authors are taken from the prefetch (pks, in the same order).
        m2m = [name for name in fields if model._meta.get_field(name).many_to_many]
        data = serializers.serialize("python", objects, fields=[name for name in fields if name not in m2m])
        for obj, item in zip(objects, data, strict=True):
            for name in m2m:
                item["fields"][name] = [related.pk for related in getattr(obj, name).all()]
            serialized = json.dumps([item], cls=DjangoJSONEncoder)
            rows.append((revision.pk, content_type.pk, str(obj.pk), db, "json", serialized, str(obj)))
    _versions_insert(rows, using=revision._state.db)
    return revision


def _versions_insert(rows: list[tuple], *, using: str) -> None:
    """Write the version rows: ``COPY`` on PostgreSQL, multi-row ``VALUES`` of 100 rows elsewhere.

    ``bulk_create`` on PostgreSQL sends each column as one array, which psycopg's client-side
    binding quotes element by element in Python (for serialized articles, slower than the
    rest of the batch together); one statement per row costs the server a parse each.
    """
    opts = Version._meta
    columns = [
        opts.get_field(name).column
        for name in ("revision", "content_type", "object_id", "db", "format", "serialized_data", "object_repr")
    ]
    connection = connections[using]
    qn = connection.ops.quote_name
    head = f"INSERT INTO {qn(opts.db_table)} ({', '.join(qn(c) for c in columns)}) VALUES "  # noqa: S608
    row_marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: no statement to parse, values sent as they are (psycopg's Cursor.copy).
            with cursor.copy(f"COPY {qn(opts.db_table)} ({', '.join(qn(c) for c in columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        for start in range(0, len(rows), VERSION_ROWS_PER_INSERT):
            chunk = rows[start : start + VERSION_ROWS_PER_INSERT]
            cursor.execute(head + ", ".join([row_marks] * len(chunk)), [value for row in chunk for value in row])


def article_baseline_ensure(*, article_id: int) -> None:
    """Give an article made before revisions existed (or by a fixture) its first revision, as it is now.

    The change form calls this when it is opened, so an edit conflict always has the revision
    the form was loaded at to compare with. Nothing is written if the article has a revision.
    """
    if article_current_version_id(article_id=article_id):
        return
    with revision_block(comment=BASELINE_COMMENT):
        article_revision_add(article_id=article_id)


def article_unapplied_keep(*, article: Article, user, reason: str) -> Revision | None:
    """Store ``article`` as it is in memory (text not saved to the row) as a revision that is not applied.

    The article's row is not written. Returns the revision.
    """
    name = (user.get_full_name() or user.get_username()) if user is not None else "someone"
    with revision_block(user=user, comment=f"{UNAPPLIED_PREFIX}unsaved text of {name} kept ({reason})"):
        reversion.add_to_revision(article)
    return Version.objects.get_for_object(article).select_related("revision").first().revision


# --- Reading ----------------------------------------------------------------------------------------


def article_versions(*, article_id: int):
    """The article's versions, newest first, with their revisions joined."""
    return (
        Version.objects.get_for_object_reference(Article, article_id)
        .select_related("revision", "revision__user")
        .order_by("-pk")
    )


def article_current_version_id(*, article_id: int) -> int:
    """Id of the version the article's row is at now (0 before its first revision)."""
    found = (
        Version.objects.get_for_object_reference(Article, article_id)
        .exclude(revision__comment__startswith=UNAPPLIED_PREFIX)
        .order_by("-pk")
        .values_list("pk", flat=True)
        .first()
    )
    return found or 0


def is_unapplied(revision: Revision) -> bool:
    return revision.comment.startswith(UNAPPLIED_PREFIX)


@dataclass
class ArticleContent:
    """What readers see of an article in one revision, in comparable form."""

    headline: str = ""
    slug: str = ""
    section: str = ""
    dateline: str = ""
    deck: str = ""
    body: str = ""
    authors: list[str] = field(default_factory=list)
    lead_photo: str = ""
    lead_photo_caption: str = ""
    tags: list[str] = field(default_factory=list)
    status: str = ""
    published_at: str = ""
    exclude_from_rankings: bool = False
    updates: list[str] = field(default_factory=list)
    # Raw values for the restore and the conflict merge.
    values: dict = field(default_factory=dict)


# (attribute, label) in the order the change form shows them.
CONTENT_FIELDS = (
    ("headline", "Headline"),
    ("slug", "Slug"),
    ("section", "Section"),
    ("dateline", "Dateline"),
    ("deck", "Deck"),
    ("body", "Body"),
    ("authors", "Authors"),
    ("lead_photo", "Lead photo"),
    ("lead_photo_caption", "Caption override"),
    ("tags", "Tags"),
    ("status", "Status"),
    ("published_at", "Publication time"),
    ("exclude_from_rankings", "Kept out of rankings"),
    ("updates", "Updates and corrections"),
)
_BLOCK_END = re.compile(r"</(p|h[1-6]|li|blockquote|pre)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)


def body_text(body_html: str) -> str:
    """The text of an article body, one paragraph (or list item, heading) a line."""
    text = html.unescape(strip_tags(_BLOCK_END.sub("\n", body_html or "")))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())


def _revision_contents(versions: list[Version], article_id: int) -> dict[int, ArticleContent]:
    """Content of each revision among ``versions`` (all versions of those revisions), keyed by revision id."""
    from articles.templatetags.news import jst

    by_revision: dict[int, list[Version]] = {}
    for version in versions:
        by_revision.setdefault(version.revision_id, []).append(version)
    raw: dict[int, tuple[dict, list[str], list[str]]] = {}
    author_ids, section_ids, photo_ids = set(), set(), set()
    for revision_id, members in by_revision.items():
        tag_names, tag_links, article_fields, updates = {}, [], None, []
        for version in members:
            model = version.content_type.model_class()
            if model is Article and version.object_id == str(article_id):
                article_fields = version.field_dict
            elif model is Tag:
                tag_names[version.object_id] = version.field_dict["name"]
            elif model is TaggedArticle:
                data = version.field_dict
                if str(data["content_object_id"]) == str(article_id):
                    tag_links.append(str(data["tag_id"]))
            elif model is ArticleUpdate:
                data = version.field_dict
                if str(data["article_id"]) == str(article_id):
                    updates.append((data["created_at"], data["kind"], data["note"]))
        if article_fields is None:
            continue
        tags = sorted({tag_names[t] for t in tag_links if t in tag_names}, key=str.lower)
        update_lines = [f"{jst(when)} {kind}: {note}" for when, kind, note in sorted(updates)]
        raw[revision_id] = (article_fields, tags, update_lines)
        author_ids.update(article_fields.get("authors") or [])
        section_ids.add(article_fields.get("section_id"))
        photo_ids.add(article_fields.get("lead_photo_id"))
    authors = dict(Author.objects.filter(pk__in=author_ids).values_list("pk", "name")) if author_ids else {}
    sections = dict(Section.objects.filter(pk__in=section_ids - {None}).values_list("pk", "name"))
    photos = {p.pk: str(p) for p in Photo.objects.filter(pk__in=photo_ids - {None}).only("id", "caption", "alt_text")}
    statuses = dict(Article.Status.choices)
    contents = {}
    for revision_id, (data, tags, update_lines) in raw.items():
        photo_id = data.get("lead_photo_id")
        contents[revision_id] = ArticleContent(
            headline=data.get("headline") or "",
            slug=data.get("slug") or "",
            section=sections.get(data.get("section_id"), f"#{data.get('section_id')}"),
            dateline=data.get("dateline") or "",
            deck=data.get("deck") or "",
            body=data.get("body") or "",
            authors=sorted(authors.get(pk, f"#{pk}") for pk in data.get("authors") or []),
            lead_photo=(photos.get(photo_id, f"Photo {photo_id}") if photo_id else ""),
            lead_photo_caption=data.get("lead_photo_caption") or "",
            tags=tags,
            status=statuses.get(data.get("status"), data.get("status") or ""),
            published_at=jst(data.get("published_at")),
            exclude_from_rankings=bool(data.get("exclude_from_rankings")),
            updates=update_lines,
            values={**data, "tags": tags},
        )
    return contents


@dataclass
class HistoryEntry:
    version: Version
    revision: Revision
    content: ArticleContent
    summary: str
    unapplied: bool


def article_history(*, article_id: int, limit: int = 200) -> list[HistoryEntry]:
    """The article's revisions, newest first, each with a summary of what it changed.

    Each is compared with the previous *applied* revision (an unapplied one is compared with
    the revision it was typed over). Three queries whatever the number of revisions, plus
    one each for author, section and photo names.
    """
    versions = list(article_versions(article_id=article_id)[: limit + 1])
    revision_ids = [v.revision_id for v in versions]
    members = list(Version.objects.filter(revision_id__in=revision_ids).select_related("content_type"))
    contents = _revision_contents(members, article_id)
    entries: list[HistoryEntry] = []
    oldest_first = list(reversed(versions))
    previous: ArticleContent | None = None
    for version in oldest_first:
        content = contents.get(version.revision_id)
        if content is None:
            continue
        unapplied = is_unapplied(version.revision)
        summary = content_summary(previous, content)
        if not unapplied:
            previous = content
        entries.append(HistoryEntry(version, version.revision, content, summary, unapplied))
    entries.reverse()
    # The extra (oldest) version fetched only served as the first one's "previous".
    return entries[:limit]


def version_content(*, version: Version) -> ArticleContent:
    """The content of the article in one of its versions."""
    members = list(Version.objects.filter(revision_id=version.revision_id).select_related("content_type"))
    return _revision_contents(members, int(version.object_id))[version.revision_id]


def _quoted(names) -> str:
    return ", ".join(f"'{name}'" for name in names)


def content_summary(before: ArticleContent | None, after: ArticleContent) -> str:
    """``Headline, body changed; tag 'economy' added``: what ``after`` changed compared with ``before``."""
    if before is None:
        return "First revision"
    changed, parts = [], []
    for attr, label in CONTENT_FIELDS:
        old, new = getattr(before, attr), getattr(after, attr)
        if attr in ("tags", "authors", "updates"):
            continue
        if attr == "status" and old != new:
            parts.append(f"status {old} → {new}")
        elif old != new:
            changed.append(label if not changed else label.lower())
    if changed:
        parts.insert(0, f"{', '.join(changed)} changed")
    for attr, singular, plural in (("tags", "tag", "tags"), ("authors", "author", "authors")):
        added = [n for n in getattr(after, attr) if n not in getattr(before, attr)]
        removed = [n for n in getattr(before, attr) if n not in getattr(after, attr)]
        if added:
            parts.append(f"{singular if len(added) == 1 else plural} {_quoted(added)} added")
        if removed:
            parts.append(f"{singular if len(removed) == 1 else plural} {_quoted(removed)} removed")
    new_updates = len([u for u in after.updates if u not in before.updates])
    if new_updates:
        parts.append(
            "update or correction added" if new_updates == 1 else f"{new_updates} updates or corrections added"
        )
    return "; ".join(parts) or "No change"


# --- Comparing ---------------------------------------------------------------------------------------


@dataclass
class FieldDiff:
    label: str
    table: SafeString  # difflib's side-by-side table; every text in it HTML-escaped


def _lines(content: ArticleContent, attr: str) -> list[str]:
    value = getattr(content, attr)
    if attr == "body":
        return body_text(value).splitlines()
    if isinstance(value, list):
        return list(value)
    if isinstance(value, bool):
        return ["yes" if value else "no"]
    return str(value).splitlines() or [""]


def content_diff(
    before: ArticleContent, after: ArticleContent, *, before_label: str, after_label: str
) -> list[FieldDiff]:
    """Side-by-side diffs of the fields that differ (bodies compared as text, one paragraph a line)."""
    differ = difflib.HtmlDiff(wrapcolumn=70)
    diffs = []
    for attr, label in CONTENT_FIELDS:
        old, new = _lines(before, attr), _lines(after, attr)
        if old == new:
            continue
        # HtmlDiff escapes &, < and > in every text it puts in the table, so a revision's text
        # can never become markup; the labels are escaped here the same way.
        table = differ.make_table(
            old, new, html.escape(before_label), html.escape(after_label), context=True, numlines=2
        )
        diffs.append(FieldDiff(label, mark_safe(table)))  # noqa: S308 (escaped by HtmlDiff, see above)
    return diffs
