"""The one invalidation service: what a change to the content invalidates, for every cache.

A change names the surrogate keys of the pages that show it (``newsroom.edge``
lists them); :func:`content_invalidate` then

* bumps the embedded page cache's generation (``newsroom.caching.generation``), which
  makes every stored page and fragment stale at once, now and on commit;
* purges those keys at every cache in front (Varnish, a CDN) once the
  transaction commits, so no copy of the old rows is fetched again after it;
  an edited article's own page is then fetched there again (``newsroom.edge``,
  "Warming") before the save returns.

What an article change invalidates (:func:`article_keys`): always ``a<id>``,
which its own page and every list showing it carry, and ``sitemap`` (every
change moves its ``lastmod``). When it enters or leaves lists or moves in
them (created, deleted, a new status, publication time or section) also its
sections', tags' and authors' pages, ``home``, ``feed`` and ``search``. A pure
text edit of an old story purges ``a<id>`` and the sitemaps only.

The receivers below connect every save path (admin, services, importer,
shell): ``newsroom.caching.generation.connect_receivers`` connects them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save

from newsroom.edge import SITE_KEY, edge_purge

logger = logging.getLogger(__name__)

# Fields whose change moves an article into, out of or within lists.
LIST_FIELDS = ("status", "published_at", "section_id")
LIST_KEYS = ("home", "feed", "search", "sitemap")
# The public corrections page (pages.views.corrections).
CORRECTIONS_KEY = "corrections"


def content_invalidate(*, keys: Iterable[str], warm_paths: Iterable[str] = ()) -> None:
    """Make every cached copy of the pages carrying ``keys`` stale: the page cache now, the edge on commit.

    ``warm_paths``: pages fetched through the edge again right after the purge (an edited article's own).
    """
    from newsroom.caching.generation import page_cache_invalidate  # articles imports this module's receivers

    keys, warm_paths = frozenset(keys), tuple(warm_paths)
    page_cache_invalidate()
    if not keys and not warm_paths:
        return

    def purge():
        try:
            edge_purge(keys, warm_paths=warm_paths)
        except Exception:  # a purge must never fail the save that committed
            logger.exception("edge purge of %s failed", " ".join(sorted(keys)))

    # Outside a transaction on_commit runs it at once.
    transaction.on_commit(purge)


def article_keys(*, article_id: int, lists_changed: bool, section_ids=(), tag_ids=(), author_ids=()) -> set[str]:
    """The surrogate keys of every page showing article ``article_id`` that a change of it makes stale."""
    keys = {f"a{article_id}", "sitemap"}
    if lists_changed:
        keys.update(LIST_KEYS)
        keys.update(f"s{pk}" for pk in section_ids if pk)
        keys.update(f"t{pk}" for pk in tag_ids)
        keys.update(f"au{pk}" for pk in author_ids)
    return keys


def articles_invalidate(*, article_ids: Iterable[int], lists_changed: bool = True) -> None:
    """Invalidate the pages showing each of ``article_ids`` (a bulk update that sends no signals)."""
    from articles.models import Article

    keys: set[str] = set()
    rows = Article.objects.filter(pk__in=list(article_ids)).prefetch_related("tags", "authors").only("id", "section_id")
    for article in rows:
        keys |= article_keys(
            article_id=article.pk,
            lists_changed=lists_changed,
            section_ids=[article.section_id],
            tag_ids=[tag.pk for tag in article.tags.all()],
            author_ids=[author.pk for author in article.authors.all()],
        )
    content_invalidate(keys=keys)


# --- Receivers ------------------------------------------------------------------------------


def _article_before_save(sender, instance, raw=False, **kwargs):
    if raw or instance.pk is None:
        instance.edge_row_before = None
        return
    instance.edge_row_before = sender.objects.filter(pk=instance.pk).values(*LIST_FIELDS).first()


def _article_keys_of(instance, *, lists_changed: bool) -> set[str]:
    before = getattr(instance, "edge_row_before", None) or {}
    return article_keys(
        article_id=instance.pk,
        lists_changed=lists_changed,
        section_ids={instance.section_id, before.get("section_id")},
        tag_ids=list(instance.tags.values_list("pk", flat=True)),
        author_ids=list(instance.authors.values_list("pk", flat=True)),
    )


def _article_saved(sender, instance, created=False, raw=False, **kwargs):
    if raw:
        return
    before = getattr(instance, "edge_row_before", None)
    lists_changed = created or before is None or any(before[name] != getattr(instance, name) for name in LIST_FIELDS)
    # Its own page, the one most read after an edit, is fetched again at the edge before the save returns.
    warm = [instance.get_absolute_url()] if instance.is_visible() else []
    content_invalidate(keys=_article_keys_of(instance, lists_changed=lists_changed), warm_paths=warm)


def _article_deleted(sender, instance, **kwargs):
    content_invalidate(keys=article_keys(article_id=instance.pk, lists_changed=True, section_ids=[instance.section_id]))


def _article_relation_changed(sender, instance, action, pk_set=None, model=None, reverse=False, **kwargs):
    if action not in ("post_add", "post_remove", "pre_clear", "post_clear"):
        return
    if action in ("post_add", "post_remove") and not pk_set:
        # Nothing added or removed (a form saving the same tags): no page changed, and a purge
        # after the article's own would drop the copy its save has just warmed at the edge.
        return
    from articles.models import Author

    prefix = "au" if model is Author or type(instance) is Author else "t"
    if reverse:
        # From the tag's or author's side: ``pk_set`` holds articles.
        keys = {f"{prefix}{instance.pk}"} | {f"a{pk}" for pk in pk_set or ()}
    else:
        keys = {f"a{instance.pk}"} | {f"{prefix}{pk}" for pk in pk_set or ()}
    if action == "pre_clear":
        # The links about to go: their pages lose the article. (post_clear has no pk_set.)
        if not reverse:
            related = instance.authors if prefix == "au" else instance.tags
            keys |= {f"{prefix}{pk}" for pk in related.values_list("pk", flat=True)}
        content_invalidate(keys=keys)
        return
    content_invalidate(keys=keys)


def _update_changed(sender, instance, raw=False, **kwargs):
    # Corrections and updates: the article page and its "(UPDATE n)" headline in lists; a
    # correction (or an entry that was one) the public corrections list (pages.views) too.
    if not raw:
        keys = {f"a{instance.article_id}", "sitemap"}
        if instance.kind == "correction" or getattr(instance, "edge_kind_before", None) == "correction":
            keys.add(CORRECTIONS_KEY)
        content_invalidate(keys=keys)


def _update_before_save(sender, instance, raw=False, **kwargs):
    # An update turned into a correction or back: the corrections list changes either way.
    if not raw and instance.pk is not None:
        instance.edge_kind_before = sender.objects.filter(pk=instance.pk).values_list("kind", flat=True).first()


def _photo_changed(sender, instance, raw=False, **kwargs):
    # Every page showing the photo carries p<id> (articles.templatetags.photos): no query here.
    if not raw and instance.pk:
        content_invalidate(keys={f"p{instance.pk}"})


def _keyed_changed(prefix: str):
    def changed(sender, instance, raw=False, **kwargs):
        if not raw:
            content_invalidate(keys={f"{prefix}{instance.pk}"})

    return changed


def _tag_link_changed(sender, instance, raw=False, **kwargs):
    # taggit's through rows saved or deleted one by one (not through m2m_changed).
    if not raw:
        content_invalidate(keys={f"a{instance.content_object_id}", f"t{instance.tag_id}"})


_author_changed = _keyed_changed("au")
_tag_changed = _keyed_changed("t")


def _site_changed(sender, instance, raw=False, **kwargs):
    # A section's name and order are in every page's navigation.
    if not raw:
        content_invalidate(keys={f"s{instance.pk}", SITE_KEY})


def connect_receivers() -> None:
    """Connect the receivers (idempotent thanks to ``dispatch_uid``)."""
    from taggit.models import Tag

    from articles.models import Article, ArticleUpdate, Author, Photo, Section, TaggedArticle

    pre_save.connect(_article_before_save, sender=Article, dispatch_uid="invalidation_article_before")
    pre_save.connect(_update_before_save, sender=ArticleUpdate, dispatch_uid="invalidation_update_before")
    post_save.connect(_article_saved, sender=Article, dispatch_uid="invalidation_article_saved")
    # Before the delete: the row is still there to read a deferred section from (workflow locks a few columns).
    pre_delete.connect(_article_deleted, sender=Article, dispatch_uid="invalidation_article_deleted")
    for signal, name in ((post_save, "save"), (post_delete, "delete")):
        for model, receiver in (
            (ArticleUpdate, _update_changed),
            (Photo, _photo_changed),
            (Section, _site_changed),
            (Author, _author_changed),
            (Tag, _tag_changed),
            (TaggedArticle, _tag_link_changed),
        ):
            signal.connect(receiver, sender=model, dispatch_uid=f"invalidation_{name}_{model._meta.label_lower}")
    for through in {Article.authors.through, Article.tags.through}:
        m2m_changed.connect(
            _article_relation_changed, sender=through, dispatch_uid=f"invalidation_m2m_{through._meta.label_lower}"
        )
