"""Workflow services: who may edit, submit, review, delete; internal notes; pending changes to live stories.

The rules live here, once; the admin, the importer and commands call these functions
and never decide on their own. Roles (``articles/migrations/0002_roles.py``, ``0006_workflow.py``):

* A **reporter** (no ``articles.publish_article``) edits and deletes only the drafts they
  own. Submitting one for review (``article_submit_for_review``) hands it to the desk: an
  article in review is read-only for its reporter until an editor sends it back to draft.
* An **editor** (``articles.publish_article``) edits everything, publishes a story in review
  (``articles.services.article_publish``) or sends it back with a note
  (``article_send_back``), and reassigns owners.

Edits to a live article can be kept as an ``ArticlePendingChange``: stored, previewable,
and applied only by ``article_pending_change_publish``. Readers never see one before that.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from articles.models import Article, ArticleNote, ArticlePendingChange, ArticleUpdate, Author, Photo, Section
from articles.services import PUBLISH_PERMISSION, article_update_add

# The reader-visible columns a pending change holds (authors, tags and new update-log entries besides).
PENDING_FIELDS = ("headline", "slug", "dateline", "deck", "body", "lead_photo_caption")
PENDING_FOREIGN_KEYS = {"section": Section, "lead_photo": Photo}
# Statuses in which readers see the article or did (an edit to these may be kept as a pending change).
LIVE_STATUSES = (Article.Status.PUBLISHED, Article.Status.SCHEDULED, Article.Status.WITHDRAWN)


def user_is_editor(user) -> bool:
    """Whether ``user`` may publish (the Editor role, or a superuser)."""
    return bool(user is not None and user.is_active and user.has_perm(PUBLISH_PERMISSION))


def _is_owner(article: Article, user) -> bool:
    return user is not None and article.owner_id is not None and article.owner_id == user.pk


# --- Rules ----------------------------------------------------------------------------------------


def article_can_edit(*, article: Article, user) -> bool:
    """Whether ``user`` may change ``article``: editors always, reporters only their own drafts."""
    if user is None or not user.has_perm("articles.change_article"):
        return False
    if user_is_editor(user):
        return True
    return article.status == Article.Status.DRAFT and _is_owner(article, user)


def article_can_delete(*, article: Article, user) -> bool:
    """Whether ``user`` may delete ``article``: editors any, reporters only their own drafts, never a live one."""
    if user is None or not user.has_perm("articles.delete_article"):
        return False
    if user_is_editor(user):
        return True
    return article.status == Article.Status.DRAFT and _is_owner(article, user)


def article_can_submit(*, article: Article, user) -> bool:
    """Whether ``user`` may submit ``article`` for review: a draft, by its owner or an editor."""
    if user is None or article.status != Article.Status.DRAFT:
        return False
    return user_is_editor(user) or (_is_owner(article, user) and user.has_perm("articles.change_article"))


# --- State changes ------------------------------------------------------------------------------


def _locked(article: Article) -> Article:
    return Article.objects.select_for_update().only("id", "status", "owner_id", "published_at").get(pk=article.pk)


def article_submit_for_review(*, article: Article, user, now=None) -> Article:
    """Move a draft to "in review" so an editor publishes it. Only its owner or an editor (``PermissionDenied``).

    Anything but a draft raises ``ValidationError``.
    """
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(article)
        if current.status != Article.Status.DRAFT:
            raise ValidationError(
                "“%(headline)s” is not a draft: only drafts can be submitted for review.",
                code="not_draft",
                params={"headline": article.headline},
            )
        if not article_can_submit(article=current, user=user):
            raise PermissionDenied("Only the article's owner or an editor can submit it for review.")
        article.status = Article.Status.IN_REVIEW
        article.modified_at = now
        article.save(update_fields=["status", "modified_at"])
    return article


def article_send_back(*, article: Article, user, note: str = "", now=None) -> Article:
    """Return an article in review to draft, for its reporter to rework. Editors only (``PermissionDenied``).

    ``note`` (what to change) is kept as an internal note by ``user``. An article that is
    not in review raises ``ValidationError``.
    """
    if not user_is_editor(user):
        raise PermissionDenied("Only editors can send an article back to its reporter.")
    now = now or timezone.now()
    with transaction.atomic():
        current = _locked(article)
        if current.status != Article.Status.IN_REVIEW:
            raise ValidationError(
                "“%(headline)s” is not in review.", code="not_in_review", params={"headline": article.headline}
            )
        article.status = Article.Status.DRAFT
        article.save(update_fields=["status", "modified_at"])
        if (note or "").strip():
            article_note_add(article=article, user=user, text=note, now=now)
    return article


def article_delete(*, article: Article, user) -> None:
    """Delete ``article`` if ``article_can_delete`` allows it on its current row, else ``PermissionDenied``."""
    with transaction.atomic():
        current = _locked(article)
        if not article_can_delete(article=current, user=user):
            raise PermissionDenied("Reporters can delete only their own drafts.")
        current.delete()


def article_owner_set(*, article: Article, owner, user) -> Article:
    """Give ``article`` to ``owner`` (a user or None). Editors only (``PermissionDenied``)."""
    if not user_is_editor(user):
        raise PermissionDenied("Only editors can reassign an article.")
    article.owner = owner
    article.save(update_fields=["owner", "modified_at"])
    return article


# --- Internal notes -------------------------------------------------------------------------------


def article_note_add(*, article: Article, user, text: str, now=None) -> ArticleNote:
    """Add an internal note by ``user`` (None for scripts). Needs ``articles.add_articlenote``; refuses blank text."""
    if user is not None and not user.has_perm("articles.add_articlenote"):
        raise PermissionDenied("You may not add internal notes.")
    text = (text or "").strip()
    if not text:
        raise ValidationError("The note is empty.", code="blank_note")
    return ArticleNote.objects.create(article=article, author=user, text=text, created_at=now or timezone.now())


# --- Pending changes to live stories ------------------------------------------------------------------


def pending_content_from(*, cleaned: dict, updates: list[dict] | None = None) -> dict:
    """The JSON a pending change stores, from an article form's ``cleaned_data`` (model instances to ids)."""
    content = {name: cleaned.get(name) or "" for name in PENDING_FIELDS}
    for name in PENDING_FOREIGN_KEYS:
        value = cleaned.get(name)
        content[name] = value.pk if value is not None else None
    content["authors"] = [author.pk for author in cleaned.get("authors") or []]
    content["tags"] = [str(name) for name in cleaned.get("tags") or []]
    content["updates"] = [
        {"kind": u["kind"], "note": u["note"]} for u in updates or [] if (u.get("note") or "").strip()
    ]
    return content


def article_pending_change_save(*, article: Article, user, content: dict, now=None) -> ArticlePendingChange:
    """Store (or replace) ``article``'s pending change. Editors only, live articles only.

    Nothing readers see changes: the article row, its relations and the page cache are
    left alone. ``content`` is ``pending_content_from``'s shape.
    """
    if not user_is_editor(user):
        raise PermissionDenied("Only editors can prepare changes to a live article.")
    if article.status not in LIVE_STATUSES:
        raise ValidationError("Only a live article's changes are kept as pending: save a draft directly.")
    now = now or timezone.now()
    pending, created = ArticlePendingChange.objects.update_or_create(
        article=article, defaults={"content": content, "created_by": user, "updated_at": now}
    )
    if created:
        ArticlePendingChange.objects.filter(pk=pending.pk).update(created_at=now)
    return pending


def article_with_pending(*, article: Article, pending: ArticlePendingChange) -> tuple[Article, dict]:
    """An unsaved copy of ``article`` with ``pending`` applied, and its relations, for a preview.

    Returns ``(article, {"authors": [...], "tags": [...], "updates": [...]})``: the lists a
    reader page shows, the update log including the pending entries (unsaved, timed now).
    """
    from taggit.models import Tag

    content = pending.content
    preview = Article.objects.select_related("section", "lead_photo").get(pk=article.pk)
    _content_apply(preview, content)
    by_id = Author.objects.in_bulk(content.get("authors") or [])
    authors = [by_id[pk] for pk in content.get("authors") or [] if pk in by_id]
    existing = {tag.name: tag for tag in Tag.objects.filter(name__in=content.get("tags") or [])}
    # A tag created by this change has no page yet: shown without a link (no slug), as on save it gets one.
    tags = [existing.get(name) or Tag(name=name, slug="") for name in content.get("tags") or []]
    updates = list(article.updates.all())
    updates += [
        ArticleUpdate(article_id=article.pk, kind=u["kind"], note=u["note"], created_at=timezone.now())
        for u in content.get("updates") or []
    ]
    return preview, {"authors": authors, "tags": tags, "updates": updates}


def _content_apply(article: Article, content: dict) -> None:
    for name in PENDING_FIELDS:
        if name in content:
            setattr(article, name, content[name])
    for name, model in PENDING_FOREIGN_KEYS.items():
        if name in content:
            pk = content[name]
            setattr(article, name, model.objects.filter(pk=pk).first() if pk is not None else None)
    if article.section_id is None:
        raise ValidationError("The pending change's section no longer exists.", code="section_gone")


def article_pending_change_publish(*, article: Article, user, now=None) -> Article:
    """Apply ``article``'s pending change the way a normal save does, then delete it. Editors only.

    One transaction: the article's fields, authors, tags and new update-log entries are
    written with real saves (so page-cache invalidation and every receiver run as for an
    admin save), and the pending record goes. No pending change raises ``ValidationError``.
    """
    if not user_is_editor(user):
        raise PermissionDenied("Only editors can publish a pending change.")
    with transaction.atomic():
        current = Article.objects.select_for_update().get(pk=article.pk)
        pending = ArticlePendingChange.objects.select_for_update().filter(article=current).first()
        if pending is None:
            raise ValidationError("There is no pending change to publish.", code="no_pending_change")
        content = pending.content
        _content_apply(current, content)
        current.full_clean(exclude=["authors", "tags", "owner"])
        current.save()
        current.authors.set(Author.objects.filter(pk__in=content.get("authors") or []))
        current.tags.set(content.get("tags") or [])
        for update in content.get("updates") or []:
            article_update_add(article=current, kind=update["kind"], note=update["note"], user=user)
        pending.delete()
    article.refresh_from_db()
    return article


def article_pending_change_discard(*, article: Article, user) -> bool:
    """Delete ``article``'s pending change unapplied; True if there was one. Editors only."""
    if not user_is_editor(user):
        raise PermissionDenied("Only editors can discard a pending change.")
    deleted, _ = ArticlePendingChange.objects.filter(article=article).delete()
    return bool(deleted)
