"""Receivers: a trust page saved purges every page (the footer lists them); demo pages for ``seed_demo``."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from articles.signals import demo_seeded
from newsroom.edge import SITE_KEY
from newsroom.invalidation import content_invalidate
from pages.models import TrustPage
from pages.services import trust_pages_demo_create


@receiver(post_save, sender=TrustPage, dispatch_uid="pages.trust_page_saved")
@receiver(post_delete, sender=TrustPage, dispatch_uid="pages.trust_page_deleted")
def trust_page_changed(sender, instance, raw=False, **kwargs):
    # Every page's footer (and the organization data) names the trust pages: the site key.
    if not raw:
        content_invalidate(keys={SITE_KEY})


@receiver(demo_seeded, dispatch_uid="pages.demo_trust_pages")
def demo_trust_pages(sender, **kwargs):
    """``seed_demo`` ran: the demo's trust pages exist too (an edited page is kept)."""
    trust_pages_demo_create()
