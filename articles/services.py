"""Writes and side effects on articles."""

import os
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone

from articles.models import Article, ArticleUpdate, Photo
from articles.photos import (
    FORMAT_EXTENSIONS,
    PhotoRenditionError,
    RenderedSet,
    files_delete,
    original_clean,
    renditions_file_names,
    renditions_save,
    renditions_stale,
    renditions_store,
    validate_image_upload,
)
from articles.revisions import article_revision_add, articles_revision_create, revision_block
from newsroom.dates import datetime_range_validate


def article_update_summary_refresh(*, article_id: int) -> None:
    """Recompute the denormalised ``update_count`` and ``last_updated_at`` of one article.

    Called whenever an ArticleUpdate is saved or deleted (admin inline,
    importer, shell), so "(UPDATE n)" can never drift from the log.
    """
    summary = ArticleUpdate.objects.filter(article_id=article_id).aggregate(
        updates=Count("id", filter=Q(kind=ArticleUpdate.Kind.UPDATE)),
        last=Max("created_at"),
    )
    Article.objects.filter(pk=article_id).update(update_count=summary["updates"], last_updated_at=summary["last"])


def article_publish_due_scheduled(*, now=None) -> int:
    """Flip scheduled articles whose time has come to published; return how many were flipped.

    Safe to run every minute from cron and concurrently: rows are claimed with
    ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite serialises writers)
    and the UPDATE re-checks ``status='scheduled'``, so no article is processed twice.
    Readers see a due article either way (``published()`` includes due scheduled
    ones); the flip makes the status truthful for editors and feeds of changes.
    """
    now = now or timezone.now()
    with transaction.atomic():
        due = Article.objects.due_scheduled(now=now).order_by().select_for_update(skip_locked=True)
        ids = list(due.values_list("id", flat=True))
        if not ids:
            return 0
        flipped = Article.objects.filter(pk__in=ids, status=Article.Status.SCHEDULED).update(
            status=Article.Status.PUBLISHED, modified_at=now
        )
        for article_id in ids:
            # One revision each, as if an editor had published it at its time.
            with revision_block(comment="Published on schedule"):
                article_revision_add(article_id=article_id)
        if flipped:
            from newsroom.invalidation import articles_invalidate  # a bulk UPDATE sends no save signals

            articles_invalidate(article_ids=ids)
        return flipped


def article_import_record(
    *, record: dict, base_dir, dry_run: bool = False, create_sections: bool = False
) -> tuple[Article, str]:
    """Create or update one article from a decoded JSON Lines record, keyed on ``external_id``.

    Returns the article and ``"created"``, ``"updated"`` or ``"unchanged"``. Raises
    ``articles.importer.ImportRecordError`` (with an operator-readable message) for bad data.
    One transaction per record; on failure or ``dry_run`` nothing stays written, files
    included. The field rules are documented in ``articles.importer``.
    """
    from pathlib import Path

    from articles import importer  # imports services itself (photo_create)

    parsed = importer.record_parse(record, base_dir=Path(base_dir), create_sections=create_sections)
    return importer.record_apply(parsed, dry_run=dry_run)


def articles_imported(*, ids: list[int]) -> None:
    """After a batch of the importer wrote ``ids`` with bulk SQL (no ``Article.save()``, so no save signals).

    Called once per batch, inside its transaction: invalidates the page cache once and sends
    ``articles.signals.articles_imported``. Whatever an article save must also do for rows
    written around it (revisions; a search index not kept by the database) belongs here.
    """
    from articles.signals import articles_imported as imported_signal
    from newsroom.caching.generation import page_cache_invalidate

    if not ids:
        return
    # Bulk SQL bypasses reversion's save signals: one revision holds the batch's articles.
    articles_revision_create(article_ids=list(ids), comment="Imported")
    page_cache_invalidate()
    imported_signal.send(sender=Article, ids=list(ids))


# --- Photos ------------------------------------------------------------------------------------
# Renditions are built at save time, never per request. Every save path (admin, photo_create,
# factories, the importer, the shell) goes through Photo.save(), so ``articles.receivers`` calls
# ``photo_renditions_sync`` from pre_save/post_save: a new image or focal point rebuilds them, any
# other save does nothing. QuerySet.update() and bulk_create() bypass signals; call
# ``photo_renditions_build`` after those.


@dataclass
class _PhotoSaveSnapshot:
    """What ``photo_renditions_sync`` needs to undo a save whose renditions failed."""

    stale: bool
    new_upload: bool  # the image file was written by this very save
    previous: dict | None  # the row before this save (updates only)


_PHOTO_SOURCE_FIELDS = {"image", "focal_x", "focal_y"}


def photo_save_snapshot(*, photo: Photo, update_fields=None) -> None:
    """Remember, before ``photo`` is written, whether its renditions go stale and how to undo the save.

    Costs one SELECT only when the image or focal point of an existing photo changes.
    """
    if update_fields is not None and not (_PHOTO_SOURCE_FIELDS & set(update_fields)):
        photo.save_snapshot = _PhotoSaveSnapshot(stale=False, new_upload=False, previous=None)
        return
    stale = renditions_stale(photo)
    previous = None
    if stale and not photo._state.adding and photo.pk is not None:
        previous = (
            Photo.objects.filter(pk=photo.pk)
            .values("image", "focal_x", "focal_y", "width", "height", "renditions")
            .first()
        )
    new_upload = photo_image_is_new(photo=photo)
    if new_upload:
        photo_original_clean(photo=photo)
    photo.save_snapshot = _PhotoSaveSnapshot(stale=stale, new_upload=new_upload, previous=previous)


def photo_image_is_new(*, photo: Photo) -> bool:
    """Whether ``photo.image`` is a file assigned to the photo and not yet written to its storage.

    An upload carries its bare client-side name until the save stores it under ``upload_to``
    (a name that then exists in the storage); a stored file's name always exists there.
    """
    return bool(photo.image) and not photo.image.storage.exists(photo.image.name)


def photo_original_clean(*, photo: Photo) -> None:
    """Swap the upload ``photo`` is about to store for its clean copy: upright, no EXIF/GPS/XMP/IPTC.

    Runs before the file is written (from ``photo_save_snapshot``), so no save path ever
    stores an original with a camera's location in it; see ``articles.photos.originals``.
    Raises ``PhotoRenditionError`` (nothing written) when the image is refused or unreadable.
    """
    name = photo.image.name
    try:
        data = original_clean(photo.image.file)
    finally:
        photo.image.file.seek(0)
    photo.image = ContentFile(data, name=name)


def photo_renditions_build(*, photo: Photo, rendered: RenderedSet | None = None) -> dict:
    """Make and store every rendition of ``photo`` now, and record them on its row.

    Writes the files of ``articles.photos.renditions_store`` (shape documented in
    ``articles.photos``), saves ``renditions`` and the displayed ``width``/``height``
    (EXIF orientation applied), and deletes the previous rendition files once the
    transaction commits. All or nothing: on failure the new files are removed, the row is
    left as it was and ``PhotoRenditionError`` (a ``ValidationError``) is raised.
    """
    if not photo.image:
        raise PhotoRenditionError("The photo has no image to make renditions from.", code="no_image")
    previous_names = set(renditions_file_names(photo.renditions))
    if rendered is None:
        renditions = renditions_store(
            photo_id=photo.pk, name=photo.image.name, focal_x=photo.focal_x, focal_y=photo.focal_y
        )
    else:  # rendered elsewhere (photo_renditions --processes) from this photo's image and focal point
        renditions = renditions_save(
            rendered=rendered, photo_id=photo.pk, name=photo.image.name, focal_x=photo.focal_x, focal_y=photo.focal_y
        )
    before = (photo.renditions, photo.width, photo.height)
    photo.renditions, photo.width, photo.height = renditions, renditions["width"], renditions["height"]
    try:
        # A real save (not QuerySet.update) so page-cache invalidation hears about the new URLs.
        photo.save(update_fields=["renditions", "width", "height", "updated_at"])
    except BaseException:
        photo.renditions, photo.width, photo.height = before
        files_delete(renditions_file_names(renditions))
        raise
    replaced = sorted(previous_names - set(renditions_file_names(renditions)))
    if replaced:
        transaction.on_commit(lambda: files_delete(replaced))
    return renditions


def _photo_original_release(name: str) -> None:
    """Delete an original image file unless another Photo still uses it (run after commit)."""
    if name and not Photo.objects.filter(image=name).exists():
        files_delete([name])


def photo_renditions_sync(*, photo: Photo, created: bool, update_fields=None) -> dict | None:
    """After ``photo`` was saved: rebuild its renditions if its image or focal point changed.

    Returns the new renditions, or None when nothing had to be done. If the build fails,
    the save is undone even outside a transaction, so nothing stays half-saved: a new
    photo's row and uploaded file are deleted; an existing photo gets its previous image,
    focal point and renditions back, and the file uploaded by this save is deleted. The
    ``PhotoRenditionError`` is then raised to the caller.
    """
    snapshot = getattr(photo, "save_snapshot", None)
    photo.save_snapshot = None
    if snapshot is None:  # saved without the pre_save receiver (should not happen): decide now
        snapshot = _PhotoSaveSnapshot(stale=renditions_stale(photo), new_upload=False, previous=None)
    if update_fields is not None and not (_PHOTO_SOURCE_FIELDS & set(update_fields)):
        return None
    if not snapshot.stale:
        return None
    previous = snapshot.previous or {}
    old_original = previous.get("image") or ""
    try:
        if not photo.image:  # the image was cleared: nothing to show, nothing to keep
            names = renditions_file_names(photo.renditions)
            photo.renditions = {}
            photo.save(update_fields=["renditions", "updated_at"])
            transaction.on_commit(lambda: files_delete(names))
            return None
        renditions = photo_renditions_build(photo=photo)
    except BaseException:
        # The row first: loading a Photo without dimensions opens its file (ImageField's post_init).
        if created:
            Photo.objects.filter(pk=photo.pk).delete()
            photo.pk = None
            photo._state.adding = True
        elif snapshot.previous is not None:
            Photo.objects.filter(pk=photo.pk).update(**snapshot.previous)
        if snapshot.new_upload and photo.image.name and photo.image.name != old_original:
            files_delete([photo.image.name])
        raise
    if old_original and old_original != photo.image.name:
        transaction.on_commit(lambda: _photo_original_release(old_original))
    return renditions


def photo_files_release(*, photo: Photo) -> None:
    """After ``photo`` is deleted: delete its rendition files and its original (if no other Photo uses it).

    Runs once the transaction commits, so a rolled-back delete keeps every file.
    """
    names = renditions_file_names(photo.renditions)
    original = photo.image.name if photo.image else ""

    def release():
        files_delete(names)
        _photo_original_release(original)

    transaction.on_commit(release)


def _photo_upload(image) -> File:
    """``image`` as a Django File with a bare file name (a path, an open file or an upload)."""
    if isinstance(image, (str, Path)):
        path = Path(image)
        return File(path.open("rb"), name=path.name)
    if not isinstance(image, File):
        image = File(image, name=getattr(image, "name", None) or "photo")
    image.name = Path(image.name or "photo").name
    return image


def photo_create(
    *, image, caption: str, credit: str, alt_text: str, focal_x: float = 0.5, focal_y: float = 0.5
) -> Photo:
    """Validate and store a new photo with all its renditions; the importer and scripts use this.

    ``image`` is an upload, a Django ``File``, an open binary file or a path. Raises
    ``ValidationError`` (refused image, missing alt text, focal point outside 0..1) before
    anything is written. If saving fails after that (``PhotoRenditionError``, a storage
    ``OSError``, a database error), no row and no file of this photo is left behind.
    Returns the photo freshly loaded (its image detached from the file it was read from).
    """
    upload = _photo_upload(image)
    opened_here = isinstance(image, (str, Path))
    try:
        kind = validate_image_upload(upload)
        stem, extension = os.path.splitext(upload.name)
        if extension.lower() not in FORMAT_EXTENSIONS[kind]:
            # The stored name tells browsers and servers the truth about the content.
            upload.name = f"{stem or 'photo'}{FORMAT_EXTENSIONS[kind][0]}"
        photo = Photo(image=upload, caption=caption, credit=credit, alt_text=alt_text, focal_x=focal_x, focal_y=focal_y)
        photo.full_clean()
        try:
            # A revision of its editorial fields (joins the importer's when called from there).
            with revision_block():
                photo.save()  # the post_save receiver builds the renditions (photo_renditions_sync)
        except BaseException:
            # The receiver undoes a failed build; this also covers a failed INSERT or COMMIT.
            # Stored (the file was written) once the save gave it a name other than the upload's.
            if photo.image.name and photo.image.name != upload.name:
                files_delete([photo.image.name, *renditions_file_names(photo.renditions)])
            raise
    finally:
        if opened_here:
            upload.close()
    return Photo.objects.get(pk=photo.pk)


# --- Editorial workflow (admin actions, change form) -------------------------------------------
# Publishing is a permission, not a form field: every path that makes an article public, or takes
# it down, goes through these functions, which check ``articles.publish_article`` on the server.

PUBLISH_PERMISSION = "articles.publish_article"


def _publish_permission_require(user) -> None:
    if user is None or not user.has_perm(PUBLISH_PERMISSION):
        raise PermissionDenied("Only editors can publish, schedule or withdraw articles.")


def _article_lock(article: Article) -> Article:
    """The article's current row, locked until the transaction ends, so two editors cannot race on its state."""
    return Article.objects.select_for_update().only("id", "status", "published_at").get(pk=article.pk)


def _article_state_save(article: Article, *, status: str, published_at) -> Article:
    article.status = status
    article.published_at = published_at
    # A real save (not QuerySet.update) so page-cache invalidation and other receivers hear about it.
    article.save(update_fields=["status", "published_at", "modified_at"])
    article_revision_add(article_id=article.pk)
    return article


def article_publish(*, article: Article, user, now=None) -> Article:
    """Publish ``article`` now. Needs ``articles.publish_article`` (else ``PermissionDenied``).

    Drafts, scheduled and withdrawn articles can be published; an already published one
    raises ``ValidationError``. The publication time becomes ``now``, except that a time
    already in the past is kept (a withdrawn story put back, a scheduled story that is
    already due), so republishing never bumps a story to the top of the lists.
    """
    _publish_permission_require(user)
    now = now or timezone.now()
    with revision_block(user=user, comment="Published"):
        current = _article_lock(article)
        if current.status == Article.Status.PUBLISHED:
            raise ValidationError(
                "“%(headline)s” is already published.", code="already_published", params={"headline": article.headline}
            )
        published_at = current.published_at if current.published_at and current.published_at <= now else now
        return _article_state_save(article, status=Article.Status.PUBLISHED, published_at=published_at)


def article_withdraw(*, article: Article, user) -> Article:
    """Take a published or scheduled article away from readers. Needs ``articles.publish_article``.

    Its ``published_at`` is kept for the record. Drafts and withdrawn articles raise ``ValidationError``.
    """
    _publish_permission_require(user)
    with revision_block(user=user, comment="Withdrawn from readers"):
        current = _article_lock(article)
        if current.status not in (Article.Status.PUBLISHED, Article.Status.SCHEDULED):
            raise ValidationError(
                "“%(headline)s” is not published or scheduled.", code="not_live", params={"headline": article.headline}
            )
        return _article_state_save(article, status=Article.Status.WITHDRAWN, published_at=current.published_at)


def article_schedule(*, article: Article, user, when, now=None) -> Article:
    """Schedule ``article`` to appear at ``when`` (an aware datetime in the future). Needs ``articles.publish_article``.

    ``when`` outside ``newsroom.dates``' range raises ``ValidationError``. Drafts, withdrawn
    and already scheduled articles (rescheduling) can be scheduled; a published article
    must be withdrawn first (``ValidationError``). Readers see it from
    ``when`` on even if ``publish_scheduled`` has not run yet (``Article.objects.published``).
    """
    _publish_permission_require(user)
    now = now or timezone.now()
    if when is None or timezone.is_naive(when):
        raise ValidationError("Give the publication time with its time zone.", code="naive_time")
    if when <= now:
        raise ValidationError("The publication time must be in the future.", code="past_time")
    datetime_range_validate(when)
    with revision_block(user=user, comment="Scheduled"):
        current = _article_lock(article)
        if current.status == Article.Status.PUBLISHED:
            raise ValidationError(
                "“%(headline)s” is already published: withdraw it before scheduling it.",
                code="already_published",
                params={"headline": article.headline},
            )
        return _article_state_save(article, status=Article.Status.SCHEDULED, published_at=when)


def article_update_add(*, article: Article, kind: str, note: str, user) -> ArticleUpdate:
    """Add an update or correction to ``article``'s log, written by ``user`` (None for imports and scripts).

    ``kind`` is ``ArticleUpdate.Kind`` ("update" or "correction"); ``note`` is what readers are
    told and must not be blank. A user without ``articles.add_articleupdate`` gets
    ``PermissionDenied``. The article's ``update_count``/``last_updated_at`` follow through the
    receiver and are refreshed on ``article`` before returning.
    """
    if user is not None and not user.has_perm("articles.add_articleupdate"):
        raise PermissionDenied("You may not add updates or corrections.")
    if kind not in ArticleUpdate.Kind.values:
        raise ValidationError("Unknown kind of update: %(kind)s.", code="invalid_kind", params={"kind": kind})
    note = (note or "").strip()
    if not note:
        raise ValidationError("Tell readers what changed: the note must not be blank.", code="blank_note")
    with revision_block(user=user, comment=f"{ArticleUpdate.Kind(kind).label} added"):
        update = ArticleUpdate.objects.create(article=article, kind=kind, note=note, created_by=user)
        article_revision_add(article_id=article.pk)
    article.refresh_from_db(fields=["update_count", "last_updated_at"])
    return update


def demo_newsroom_reset_plan():
    """What ``demo_newsroom_seed(reset=True)`` would delete and keep now (an ``articles.demo.DemoResetPlan``)."""
    from articles import demo  # heavy (content, image drawing); only the command needs it

    return demo.demo_newsroom_reset_plan()


def demo_newsroom_seed(
    *, reset: bool = False, workers: int | None = None, photo_size: tuple[int, int] | None = None, progress=None
):
    """Create the demo newsroom idempotently (``reset`` deletes demo content first); see ``articles.demo``.

    Returns an ``articles.demo.DemoSeedReport``. Sends ``articles.signals.demo_seeded``
    with the articles this run created. ``photo_size`` defaults to 1600x900; ``progress``
    (a callable taking a line of text) hears of each step.
    """
    from articles import demo  # heavy (content, image drawing); only the command needs it

    extra = {"progress": progress} if progress is not None else {}
    return demo.demo_newsroom_seed(reset=reset, workers=workers, photo_size=photo_size or demo.PHOTO_SIZE, **extra)


def demo_accounts_ensure() -> list[tuple[str, str, str]]:
    """The demo's editor and reporter logins, each with a fresh random password: (role, username, password).

    Development only: refused with DEBUG off, so no production database ever gets an
    account whose password was printed on a terminal. See ``articles.demo``.
    """
    from articles import demo

    return demo.demo_accounts_ensure()
