"""Keeps denormalised article fields in step with their update log, and photos with their renditions."""

from django.db.models.signals import post_delete, post_save, pre_save
from django.dispatch import receiver

from articles.models import ArticleUpdate, Photo
from articles.services import (
    article_update_summary_refresh,
    photo_files_release,
    photo_renditions_sync,
    photo_save_snapshot,
)


@receiver([post_save, post_delete], sender=ArticleUpdate, dispatch_uid="article_update_summary")
def _article_update_changed(sender, instance, **kwargs):
    article_update_summary_refresh(article_id=instance.article_id)


# Photos: every save path (admin, photo_create, factories, importer, shell) gets its renditions
# built here when the image or focal point changes; raw saves (loaddata) carry their own.
@receiver(pre_save, sender=Photo, dispatch_uid="photo_save_snapshot")
def _photo_before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if not raw:
        photo_save_snapshot(photo=instance, update_fields=update_fields)


@receiver(post_save, sender=Photo, dispatch_uid="photo_renditions_sync")
def _photo_saved(sender, instance, created, raw=False, update_fields=None, **kwargs):
    if not raw:
        photo_renditions_sync(photo=instance, created=created, update_fields=update_fields)


@receiver(post_delete, sender=Photo, dispatch_uid="photo_files_release")
def _photo_deleted(sender, instance, **kwargs):
    photo_files_release(photo=instance)
