"""The demo newsroom: sections, bylines, stories with photos, updates and tags (``seed_demo``).

The text lives in ``articles.demo_content`` and the pictures are drawn by
``articles.demo_images``. Everything is keyed on stable identifiers, so seeding is
idempotent: sections and authors by slug, articles by ``external_id = "demo:<key>"``.
A second run creates nothing and changes nothing; ``reset`` deletes the demo content
first: only what the demo made and nobody changed since (demo articles still exactly as
seeded, their unedited photos, then demo sections, authors and tags that nothing else uses).

Speed: rendering each photo's renditions (several widths in WebP and JPEG, three crops)
costs far more than everything else, so photos are drawn and rendered in worker
processes while the main process stores the finished ones, one transaction per article.
"""

from __future__ import annotations

import hashlib
import logging
import multiprocessing
import os
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from taggit.models import Tag

from articles import demo_briefs, demo_content, photos
from articles.demo_images import PhotoJob, PhotoResult, photo_job_render
from articles.models import Article, ArticleUpdate, Author, Photo, Section
from articles.sanitize import sanitize_body
from articles.signals import demo_seeded
from newsroom.caching.generation import page_cache_invalidate

logger = logging.getLogger(__name__)

EXTERNAL_ID_PREFIX = "demo:"
# While photos are rendered (the slow part), a progress line every this many stories.
PROGRESS_EVERY = 10
PHOTO_SIZE = (1600, 900)


@dataclass
class DemoSeedReport:
    """What one ``demo_newsroom_seed`` run did."""

    sections_created: int = 0
    authors_created: int = 0
    articles_created: int = 0
    articles_existing: int = 0
    photos_created: int = 0
    updates_created: int = 0
    tags_used: int = 0
    deleted: dict[str, int] = field(default_factory=dict)
    kept: list[str] = field(default_factory=list)
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.sections_created or self.authors_created or self.articles_created or self.deleted)


# --- Photos: drawn and rendered off the main process ---------------------------------------------


def _photos_rendered(jobs: list[PhotoJob], *, workers: int) -> Iterator[PhotoResult]:
    """Draw and render every job's photo, yielding results in order as they are ready.

    With several workers the main process stores one article while the workers render
    the next photos. Without process support (or with ``workers=1``) it renders in-process.
    """
    if workers <= 1 or len(jobs) < 4:
        yield from map(photo_job_render, jobs)
        return
    done: set[str] = set()
    # "spawn": a clean interpreter per worker; forking a process that may hold threads
    # (a live test server, a Redis connection pool) can deadlock.
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"))
    try:
        for result in pool.map(photo_job_render, jobs):
            done.add(result.key)
            yield result
    except (OSError, BrokenProcessPool) as exc:
        logger.warning("demo photos: worker processes failed (%s); rendering the rest in-process", exc)
        yield from map(photo_job_render, [job for job in jobs if job.key not in done])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _photo_store(result: PhotoResult, *, caption: str, credit: str, written: list[str]) -> Photo:
    """Store a pre-rendered photo: original, row, renditions, as ``photo_create`` would.

    The set was rendered in a worker process; ``photos.renditions_save`` stores it exactly
    as ``photo_create`` would. The row is inserted with ``bulk_create`` so the post_save
    receiver does not render it all again.
    """
    image_field = Photo._meta.get_field("image")
    name = default_storage.save(image_field.generate_filename(None, f"demo-{result.key}.jpg"), ContentFile(result.jpeg))
    written.append(name)
    photo = Photo(
        image=name,
        caption=caption,
        credit=credit,
        alt_text=result.alt_text,
        focal_x=result.focal_x,
        focal_y=result.focal_y,
        width=result.rendered.width,
        height=result.rendered.height,
    )
    (photo,) = Photo.objects.bulk_create([photo])
    photo.renditions = photos.renditions_save(
        rendered=result.rendered, photo_id=photo.pk, name=name, focal_x=result.focal_x, focal_y=result.focal_y
    )
    written.extend(photos.renditions_file_names(photo.renditions))
    Photo.objects.filter(pk=photo.pk).update(renditions=photo.renditions)
    return photo


# --- Seeding ---------------------------------------------------------------------------------------


def _stable_int(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:4], "big")


def _published_at(spec: dict, now: datetime) -> datetime | None:
    if spec["ago"] is None:
        return None
    # A stable few minutes off the hour, so times look like a newsroom's and not a grid.
    minutes = _stable_int(spec["key"]) % 50
    return (now - timedelta(hours=spec["ago"], minutes=minutes)).replace(second=0, microsecond=0)


def _body_html(paragraphs: list[str]) -> str:
    from django.utils.html import escape

    html, items = [], []
    for text in paragraphs:
        if text.startswith("- "):
            items.append(f"<li>{escape(text[2:])}</li>")
            continue
        if items:
            html.append(f"<ul>{''.join(items)}</ul>")
            items = []
        if text.startswith("## "):
            html.append(f"<h2>{escape(text[3:])}</h2>")
        elif text.startswith("> "):
            html.append(f"<blockquote><p>{escape(text[2:])}</p></blockquote>")
        else:
            html.append(f"<p>{escape(text)}</p>")
    if items:
        html.append(f"<ul>{''.join(items)}</ul>")
    return "".join(html)


def _section_find(slug: str, name: str) -> Section | None:
    """The section a demo section spec stands for: by slug, else one editors made with its name."""
    return Section.objects.filter(slug=slug).first() or Section.objects.filter(name__iexact=name).first()


def _sections_ensure(report: DemoSeedReport) -> dict[str, Section]:
    sections = {}
    for position, (slug, name, description) in enumerate(demo_content.SECTIONS, start=1):
        section = _section_find(slug, name)
        if section is None:
            section = Section.objects.create(slug=slug, name=name, position=position * 10, description=description)
            report.sections_created += 1
        sections[slug] = section
    return sections


def _authors_ensure(report: DemoSeedReport) -> dict[str, Author]:
    authors = {}
    for slug, name, role, bio in demo_content.AUTHORS:
        author, created = Author.objects.get_or_create(slug=slug, defaults={"name": name, "role": role, "bio": bio})
        report.authors_created += created
        authors[slug] = author
    return authors


# --- Reset: only what the demo made and nobody changed since ----------------------------------------

# Article.objects.create sets created_at and modified_at a few microseconds apart, and seeding
# never saves an article or photo again: a later save (an editor, any service) moves them apart.
UNCHANGED_SAVE_SLACK = timedelta(seconds=2)


@dataclass
class DemoResetPlan:
    """What ``demo_newsroom_delete`` would delete, and the demo articles it keeps."""

    article_ids: list[int] = field(default_factory=list)
    kept: list[Article] = field(default_factory=list)


def _saved_once(created_at: datetime, modified_at: datetime) -> bool:
    return modified_at - created_at <= UNCHANGED_SAVE_SLACK


def _article_as_seeded(article: Article, spec: dict, section_ids: dict[str, int | None]) -> bool:
    """Whether ``article`` is still exactly what seeding made of ``spec`` (no editor touched it)."""
    updates = [(u.kind, u.note, u.created_by_id) for u in article.updates.all()]
    return (
        _saved_once(article.created_at, article.modified_at)
        and article.slug == spec["key"]
        and article.headline == spec["headline"]
        and article.deck == spec["deck"]
        and article.dateline == spec["dateline"]
        and article.body == sanitize_body(_body_html(spec["body"]))
        and article.section_id == section_ids[spec["section"]]
        and (
            article.lead_photo is None
            if spec["scene"] is None
            else article.lead_photo is not None and f"demo-{spec['key']}" in article.lead_photo.image.name
        )
        and article.status == spec.get("status", Article.Status.PUBLISHED)
        and article.lead_photo_caption == ""
        and not article.exclude_from_rankings
        and sorted(a.slug for a in article.authors.all()) == sorted(spec["authors"])
        and sorted(t.name for t in article.tags.all()) == sorted(spec["tags"])
        and updates == [(kind, note, None) for kind, _hours, note in spec.get("updates", [])]
    )


def _photo_as_seeded(photo: Photo, spec: dict) -> bool:
    return (
        _saved_once(photo.created_at, photo.updated_at)
        and f"demo-{spec['key']}" in photo.image.name
        and photo.caption == spec["caption"]
    )


def demo_newsroom_reset_plan() -> DemoResetPlan:
    """Split the demo articles into those still as seeded (to delete) and those editors changed (kept)."""
    specs = {EXTERNAL_ID_PREFIX + spec["key"]: spec for spec in demo_specs()}
    section_ids = {slug: getattr(_section_find(slug, name), "pk", None) for slug, name, _ in demo_content.SECTIONS}
    plan = DemoResetPlan()
    articles = (
        Article.objects.filter(external_id__in=specs)
        .select_related("lead_photo")
        .prefetch_related("authors", "tags", "updates")
        .order_by("pk")
    )
    for article in articles:
        if _article_as_seeded(article, specs[article.external_id], section_ids):
            plan.article_ids.append(article.pk)
        else:
            plan.kept.append(article)
    return plan


def _deleted_add(deleted: dict[str, int], per_model: dict[str, int]) -> None:
    # QuerySet.delete()'s total also counts the rows its cascade took (ranking snapshots of a
    # section, an article's tags and view counts): count per model, never the total.
    for label, count in per_model.items():
        if count:
            deleted[label] = deleted.get(label, 0) + count


def demo_newsroom_delete(*, plan: DemoResetPlan | None = None) -> dict[str, int]:
    """Delete what the demo made and nobody changed; return the rows deleted per model label (``articles.Article``).

    Kept: demo articles an editor edited (fields, authors, tags, status) or gave an update or
    correction; photos edited or still used by any article; sections and authors that still
    have articles or whose details were changed; tags the deleted articles did not use or that
    are still used. Everything editors created stays, even in demo sections.
    """
    plan = plan or demo_newsroom_reset_plan()
    specs = {EXTERNAL_ID_PREFIX + spec["key"]: spec for spec in demo_specs()}
    articles = Article.objects.filter(pk__in=plan.article_ids)
    photo_specs = {
        photo_id: specs[external_id] for photo_id, external_id in articles.values_list("lead_photo_id", "external_id")
    }
    tag_ids = set(
        Tag.objects.filter(articles_taggedarticle_items__content_object__in=articles).values_list("pk", flat=True)
    )
    deleted: dict[str, int] = {}
    _deleted_add(deleted, articles.delete()[1])
    # One by one, so each photo's files are released by its post_delete receiver.
    for photo in Photo.objects.filter(pk__in=[pk for pk in photo_specs if pk], articles=None).order_by("pk"):
        if _photo_as_seeded(photo, photo_specs[photo.pk]):
            _deleted_add(deleted, photo.delete()[1])
    authors = Author.objects.none()
    for slug, name, role, bio in demo_content.AUTHORS:
        authors = authors | Author.objects.filter(slug=slug, name=name, role=role, bio=bio)
    _deleted_add(deleted, authors.filter(articles=None).delete()[1])
    sections = Section.objects.none()
    for position, (slug, name, description) in enumerate(demo_content.SECTIONS, start=1):
        sections = sections | Section.objects.filter(
            slug=slug, name=name, description=description, position=position * 10
        )
    _deleted_add(deleted, sections.filter(articles=None).delete()[1])
    unused_tags = Tag.objects.filter(pk__in=tag_ids).annotate(uses=Count("articles_taggedarticle_items")).filter(uses=0)
    _deleted_add(deleted, Tag.objects.filter(pk__in=list(unused_tags.values_list("pk", flat=True))).delete()[1])
    return deleted


def demo_specs() -> list[dict]:
    """Every demo article: the hand-written stories (with photos), then the generated briefs (without)."""
    return [*demo_content.ARTICLES, *demo_briefs.briefs()]


def _progress_none(message: str) -> None:
    pass


def demo_newsroom_seed(
    *,
    reset: bool = False,
    now: datetime | None = None,
    photo_size: tuple[int, int] = PHOTO_SIZE,
    workers: int | None = None,
    progress: Callable[[str], None] = _progress_none,
) -> DemoSeedReport:
    """Create the demo newsroom (idempotent), then tell listeners which articles are new.

    ``photo_size`` and ``workers`` exist for tests and slow machines; the defaults make
    1600x900 photos using every CPU (at most 4). Afterwards ``demo_seeded`` is sent with
    the articles created by this run (none on a re-run, so listeners such as the rankings'
    synthetic view history never count twice). ``progress`` is called with a line per step
    (and every ``PROGRESS_EVERY`` stories while photos are rendered).
    """
    started = time.perf_counter()
    now = now or timezone.now()
    workers = workers if workers is not None else min(4, os.cpu_count() or 1)
    report = DemoSeedReport()
    if reset:
        progress("Deleting the demo content nobody changed…")
        with transaction.atomic():
            plan = demo_newsroom_reset_plan()
            report.deleted = demo_newsroom_delete(plan=plan)
            report.kept = [article.headline for article in plan.kept]

    specs = demo_specs()
    existing = set(
        Article.objects.filter(external_id__in=[EXTERNAL_ID_PREFIX + s["key"] for s in specs]).values_list(
            "external_id", flat=True
        )
    )
    missing = [spec for spec in specs if EXTERNAL_ID_PREFIX + spec["key"] not in existing]
    report.articles_existing = len(existing)

    with transaction.atomic():
        sections = _sections_ensure(report)
        authors = _authors_ensure(report)
        tags = _tags_ensure({name for spec in missing for name in spec["tags"]})
    progress(
        f"Sections, authors and tags ready; {len(missing)} of {len(specs)} demo articles to create "
        f"({report.articles_existing} already there)."
    )

    # One transaction per article (with its photo): a run that dies half-way leaves whole
    # articles only, and the next run adds the rest. The slow part, drawing and rendering
    # photos, runs in worker processes meanwhile, never inside a transaction.
    by_key = {spec["key"]: spec for spec in missing}
    jobs = [PhotoJob(spec["key"], spec["scene"], spec.get("focal"), photo_size) for spec in missing if spec["scene"]]
    created: list[Article] = []
    if jobs:
        progress(f"Drawing and rendering {len(jobs)} photos ({max(1, workers)} worker processes)…")
    for result in _photos_rendered(jobs, workers=workers):
        written: list[str] = []
        try:
            with transaction.atomic():
                article = _article_create(by_key[result.key], sections, authors, tags, result, now, report, written)
        except BaseException:
            photos.files_delete(written)
            raise
        created.append(article)
        report.photos_created += 1
        if report.photos_created % PROGRESS_EVERY == 0 or report.photos_created == len(jobs):
            progress(f"  {report.photos_created}/{len(jobs)} stories with photos stored")
    briefs = [spec for spec in missing if not spec["scene"]]
    if briefs:
        with transaction.atomic():
            for spec in briefs:
                created.append(_article_create(spec, sections, authors, tags, None, now, report, []))
        progress(f"{len(briefs)} briefs without photos stored")
    if created:
        # Rows were partly bulk-written (no save signals): tell the full-page cache.
        page_cache_invalidate()

    report.articles_created = len(created)
    report.tags_used = (
        Tag.objects.filter(articles_taggedarticle_items__content_object__external_id__startswith=EXTERNAL_ID_PREFIX)
        .distinct()
        .count()
    )
    report.statuses = dict(
        Article.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX)
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by("status")
    )
    if created:
        demo_seeded.send(sender=Article, articles=created)
    report.seconds = time.perf_counter() - started
    return report


# --- Demo logins (development only) ----------------------------------------------------------------

DEMO_ACCOUNTS = [("Editor", "demo-editor", "Demo", "Editor"), ("Reporter", "demo-reporter", "Demo", "Reporter")]


def demo_accounts_ensure() -> list[tuple[str, str, str]]:
    """Create (or keep) the demo editor and reporter and give each a new random password.

    Returns (group, username, password) per account. Refused with DEBUG off: these
    passwords are printed on the terminal (``seed_demo``, ``make run``).
    """
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.core.exceptions import ImproperlyConfigured

    if not settings.DEBUG:
        raise ImproperlyConfigured("Demo accounts are for development only (DJANGO_DEBUG=1).")
    user_model = get_user_model()
    accounts = []
    with transaction.atomic():
        for group_name, username, first, last in DEMO_ACCOUNTS:
            group = Group.objects.filter(name=group_name).first()
            if group is None:
                raise ImproperlyConfigured(f"The {group_name} group is missing: run migrate first.")
            user, _created = user_model.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last, "is_staff": True}
            )
            password = secrets.token_urlsafe(12)
            user.set_password(password)
            user.is_staff = user.is_active = True
            user.save()
            user.groups.add(group)
            accounts.append((group_name, username, password))
    return accounts


def _tags_ensure(names: set[str]) -> dict[str, Tag]:
    tags = {tag.name: tag for tag in Tag.objects.filter(name__in=names)}
    for name in sorted(names - set(tags)):
        tags[name] = Tag.objects.create(name=name)  # save() makes a unique slug
    return tags


def _article_create(spec, sections, authors, tags, result, now, report, written) -> Article:
    photo = None
    if result is not None:
        photographer = demo_content.PHOTOGRAPHERS[_stable_int(spec["key"]) % len(demo_content.PHOTOGRAPHERS)]
        credit = f"{photographer}/{settings.SITE_NAME}"
        photo = _photo_store(result, caption=spec["caption"], credit=credit, written=written)
    published_at = _published_at(spec, now)
    status = spec.get("status", Article.Status.PUBLISHED)
    article = Article.objects.create(
        external_id=EXTERNAL_ID_PREFIX + spec["key"],
        slug=spec["key"],
        headline=spec["headline"],
        deck=spec["deck"],
        dateline=spec["dateline"],
        body=_body_html(spec["body"]),
        section=sections[spec["section"]],
        lead_photo=photo,
        status=status,
        published_at=published_at,
    )
    article.authors.set([authors[slug] for slug in spec["authors"]])
    article.tags.add(*[tags[name] for name in spec["tags"]])
    updates = spec.get("updates", [])
    for position, (kind, hours_after, note) in enumerate(updates):
        # Never in the future, and in order, even for a story published minutes ago.
        latest = now - timedelta(minutes=5 * (len(updates) - position))
        ArticleUpdate.objects.create(
            article=article,
            kind=kind,
            note=note,
            created_at=min(published_at + timedelta(hours=hours_after), latest),
        )
        report.updates_created += 1
    if updates:
        article.refresh_from_db(fields=["update_count", "last_updated_at"])
    return article
