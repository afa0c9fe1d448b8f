"""Receivers of ``articles`` signals (articles never imports rankings)."""

from django.dispatch import receiver

from articles.signals import demo_seeded
from rankings.services import page_views_demo_history


@receiver(demo_seeded, dispatch_uid="rankings.demo_view_history")
def demo_view_history(sender, articles=(), **kwargs):
    """``seed_demo`` made articles: give them a synthetic view history, so lists are full on a fresh demo."""
    page_views_demo_history(articles=list(articles))
