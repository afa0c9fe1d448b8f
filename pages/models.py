"""Trust pages (About, Contact, Corrections policy, Privacy, Terms): one editable page per kind."""

from django.db import models

from articles.sanitize import sanitize_body
from newsroom.caching.urls import reverse_cached


class TrustPage(models.Model):
    """A transparency page readers and search engines look for, edited in the admin.

    Each kind has one page at a fixed address (``/about/``...) and, where
    schema.org defines one, a property of the site's ``NewsMediaOrganization``
    (``pages.structured_data``). The body is sanitized on every save, like an
    article's.
    """

    class Kind(models.TextChoices):
        ABOUT = "about", "About us"
        CONTACT = "contact", "Contact"
        CORRECTIONS_POLICY = "corrections-policy", "Corrections policy"
        PRIVACY = "privacy", "Privacy"
        TERMS = "terms", "Terms of use"

    kind = models.CharField(max_length=20, choices=Kind.choices, unique=True)
    title = models.CharField(max_length=200)
    summary = models.CharField(
        max_length=300, blank=True, help_text="One sentence for search results and link previews."
    )
    body = models.TextField(
        help_text="HTML: paragraphs, headings, lists, links, emphasis. Anything else (scripts, styles) is removed."
    )
    is_published = models.BooleanField(default=True, help_text="Shown to readers and linked from the footer.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind"]
        verbose_name = "trust page"

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.body = sanitize_body(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse_cached(f"pages:{self.kind}")


# The order the footer lists them in.
FOOTER_ORDER = [
    TrustPage.Kind.ABOUT,
    TrustPage.Kind.CONTACT,
    TrustPage.Kind.CORRECTIONS_POLICY,
    TrustPage.Kind.PRIVACY,
    TrustPage.Kind.TERMS,
]
