"""Writes of the trust pages app: the demo's pages."""

from pages.demo_content import DEMO_PAGES
from pages.models import TrustPage


def trust_pages_demo_create() -> list[TrustPage]:
    """Create the demo's trust page of every kind that has none; pages that exist (edited or not) are kept."""
    created = []
    existing = set(TrustPage.objects.values_list("kind", flat=True))
    for kind, (title, summary, body) in DEMO_PAGES.items():
        if kind not in existing:
            created.append(TrustPage.objects.create(kind=kind, title=title, summary=summary, body=body))
    return created
