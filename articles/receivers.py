"""Keeps denormalised article fields in step with their update log."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.models import ArticleUpdate
from articles.services import article_update_summary_refresh


@receiver([post_save, post_delete], sender=ArticleUpdate, dispatch_uid="article_update_summary")
def _article_update_changed(sender, instance, **kwargs):
    article_update_summary_refresh(article_id=instance.article_id)
