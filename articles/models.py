"""The newsroom's content: sections, authors, photos, articles and their updates."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from taggit.managers import TaggableManager
from taggit.models import TaggedItemBase

from articles.sanitize import sanitize_body
from newsroom.caching.urls import reverse_cached
from newsroom.dates import BoundedDateTimeField
from newsroom.edge import edge_keys_add


class Section(models.Model):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=100, unique=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in navigation (lowest first).")
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["position", "name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse_cached("articles:section", slug=self.slug)


class Author(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=120, unique=True)
    role = models.CharField(max_length=120, default="Staff Writer")
    bio = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse_cached("articles:author", slug=self.slug)


def _unit_interval():
    return [MinValueValidator(0.0), MaxValueValidator(1.0)]


class Photo(models.Model):
    """An uploaded picture with its editorial metadata and stored renditions."""

    image = models.ImageField(upload_to="photos/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    caption = models.TextField(blank=True)
    credit = models.CharField(max_length=200, blank=True)
    alt_text = models.CharField(max_length=300, help_text="Describes the picture for readers who cannot see it.")
    # Focal point as fractions of width and height; crops keep it in frame.
    focal_x = models.FloatField(default=0.5, validators=_unit_interval())
    focal_y = models.FloatField(default=0.5, validators=_unit_interval())
    # Made once by articles.photos when the image changes; see that module for the shape.
    renditions = models.JSONField(default=dict, blank=True, editable=False)
    created_at = BoundedDateTimeField(auto_now_add=True)
    updated_at = BoundedDateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.caption[:80] or self.alt_text[:80] or f"Photo {self.pk}"


class TaggedArticle(TaggedItemBase):
    """Tag through model with a real foreign key to Article (not a generic relation).

    ``listed_at`` is the article's ``published_at`` while its status is a
    visible one, else NULL: kept by database triggers (``articles.listing_sync``),
    never written by the code, so a tag page reads one range of
    ``taggedarticle_listing_idx`` in order.
    """

    content_object = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="tagged_items")
    listed_at = BoundedDateTimeField(null=True, blank=True, editable=False)

    class Meta:
        unique_together = [("content_object", "tag")]
        indexes = [
            # Which articles carry a tag (the unique pair leads with the article).
            models.Index(fields=["tag", "content_object"], name="taggedarticle_tag_article_idx"),
            # A tag's page and its count: its listed rows, newest first, from the index alone.
            models.Index(
                fields=["tag", "-listed_at", "-content_object"],
                name="taggedarticle_listing_idx",
                condition=Q(listed_at__isnull=False),
            ),
        ]


class AuthorListing(models.Model):
    """A byline (a row of ``Article.authors``) with its article's ``listed_at``, for the author pages.

    A copy of the byline table kept by database triggers (``articles.listing_sync``)
    in the same transaction as every write of bylines or articles; never written
    by the code. ``listed_at`` as on ``TaggedArticle``. A table of its own rather
    than a column on an explicit ``through=`` model: the admin edits only
    many-to-many fields with an auto-created through table (admin.E013).
    """

    article = models.ForeignKey("Article", on_delete=models.CASCADE, related_name="author_listings")
    author = models.ForeignKey(Author, on_delete=models.CASCADE, related_name="listings")
    listed_at = BoundedDateTimeField(null=True, blank=True, editable=False)

    class Meta:
        default_permissions = ()  # kept by the database, never edited by hand
        constraints = [models.UniqueConstraint(fields=["article", "author"], name="author_listing_once")]
        indexes = [
            models.Index(
                fields=["author", "-listed_at", "-article"],
                name="author_listing_idx",
                condition=Q(listed_at__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.author_id} on {self.article_id}"


# The statuses a reader may see (from ``published_at`` on). The listing indexes are partial on
# exactly this list, and ``published()`` filters on exactly this list, so both databases know
# the index covers the query.
VISIBLE_STATUSES = ("published", "scheduled")
SCHEDULED_STATUSES = ("scheduled",)


class LiteralIn(models.Lookup):
    """``field IN ('a', 'b')`` with the values written into the SQL, for a fixed list of constants.

    A partial index is usable only if the planner sees that the query's WHERE
    implies the index's: SQLite compares the terms as written, and a bound
    parameter inside ``IN (?, ?)`` never matches the index's literal list.
    Only plain word constants of the code are accepted, never user input.
    """

    lookup_name = "literal_in"
    prepare_rhs = False  # a list of constants, not one value of the field

    def as_sql(self, compiler, connection):
        lhs, params = self.process_lhs(compiler, connection)
        values = tuple(self.rhs)
        if not values or not all(isinstance(v, str) and v.isidentifier() for v in values):
            raise ValueError("literal_in takes a non-empty list of word constants")
        literals = ", ".join(f"'{value}'" for value in values)
        return f"{lhs} IN ({literals})", params


class ArticleQuerySet(models.QuerySet):
    def published(self, *, now=None):
        """Articles visible to anonymous readers right now.

        The single definition used by pages, feeds, sitemaps, search and
        rankings. A scheduled article is visible from its ``published_at``
        on, whether or not ``publish_scheduled`` has flipped it yet. The
        status test is the predicate of the listing indexes, word for word.
        """
        now = now or timezone.now()
        return self.filter(status__literal_in=VISIBLE_STATUSES, published_at__lte=now)

    def due_scheduled(self, *, now=None):
        """Scheduled articles whose publication time has come."""
        now = now or timezone.now()
        return self.filter(status__literal_in=SCHEDULED_STATUSES, published_at__lte=now)

    def drafts(self):
        """Articles not yet submitted for publication."""
        return self.filter(status=Article.Status.DRAFT)

    def awaiting_review(self):
        """Articles submitted by their reporter and not yet published or sent back."""
        return self.filter(status=Article.Status.IN_REVIEW)

    def in_section(self, section):
        """Articles of one section (a Section or its id)."""
        return self.filter(section=section)

    def newest_first(self):
        """Newest publication first, id as a stable tie-breaker."""
        return self.order_by("-published_at", "-id")

    def for_listing(self):
        """Only the columns a list of headlines shows, with section and lead photo joined."""
        return self.select_related("section", "lead_photo").only(
            "id",
            "headline",
            "slug",
            "deck",
            "published_at",
            "update_count",
            "section__id",
            "section__name",
            "section__slug",
            "lead_photo__id",
            "lead_photo__image",
            "lead_photo__width",
            "lead_photo__height",
            "lead_photo__alt_text",
            "lead_photo__renditions",
        )


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        # Submitted by its reporter; an editor publishes it or sends it back to draft.
        IN_REVIEW = "in_review", "In review"
        SCHEDULED = "scheduled", "Scheduled"
        PUBLISHED = "published", "Published"
        WITHDRAWN = "withdrawn", "Withdrawn"

    headline = models.CharField(max_length=255)
    slug = models.SlugField(max_length=255)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="articles")
    deck = models.TextField(blank=True, help_text="One- or two-sentence summary shown in lists and previews.")
    body = models.TextField(blank=True)
    dateline = models.CharField(
        max_length=100, blank=True, help_text="Place the story was filed from, e.g. WASHINGTON."
    )
    authors = models.ManyToManyField(Author, related_name="articles", blank=True)
    lead_photo = models.ForeignKey(Photo, on_delete=models.SET_NULL, null=True, blank=True, related_name="articles")
    lead_photo_caption = models.TextField(blank=True, help_text="Overrides the photo's own caption for this article.")
    tags = TaggableManager(through=TaggedArticle, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # Who the story belongs to on the desk (the creator by default; editors reassign).
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_articles"
    )
    published_at = BoundedDateTimeField(null=True, blank=True)
    exclude_from_rankings = models.BooleanField(default=False, help_text="Keep this article out of ranking lists.")
    external_id = models.CharField(max_length=200, unique=True, null=True, blank=True, editable=False)
    # Denormalised from ArticleUpdate so lists can show "(UPDATE n)" without a join.
    update_count = models.PositiveSmallIntegerField(default=0, editable=False)
    last_updated_at = BoundedDateTimeField(null=True, blank=True, editable=False)
    created_at = BoundedDateTimeField(auto_now_add=True)
    modified_at = BoundedDateTimeField(auto_now=True)

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        indexes = [
            # Scheduled articles coming due (due_scheduled). Partial, so that no index led by status
            # competes with the listing indexes below: without statistics SQLite would prefer one.
            models.Index(
                fields=["published_at"], name="article_scheduled_idx", condition=Q(status__in=SCHEDULED_STATUSES)
            ),
            # Reader listings: read in order, newest first, only the rows shown. Partial on the
            # visible statuses so drafts and withdrawn stories never sit in the way; modified_at
            # rides along so the sitemap index's per-month lastmod is read from the index alone.
            models.Index(
                fields=["-published_at", "-id", "modified_at"],
                name="article_listing_idx",
                condition=Q(status__in=VISIBLE_STATUSES),
            ),
            models.Index(
                fields=["section", "-published_at", "-id"],
                name="article_section_listing_idx",
                condition=Q(status__in=VISIBLE_STATUSES),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_review", "withdrawn"]) | Q(published_at__isnull=False),
                name="article_published_has_time",
            ),
        ]
        permissions = [
            ("publish_article", "Can publish, schedule and withdraw articles"),
            ("preview_article", "Can preview unpublished articles"),
        ]

    def __str__(self):
        return self.headline

    def save(self, *args, **kwargs):
        # Sanitize on every save, whatever the editor widget or importer sent.
        self.body = sanitize_body(self.body)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        # Every page that shows an article links to it: its surrogate key goes with the link.
        edge_keys_add(f"a{self.pk}")
        return reverse_cached("articles:detail", pk=self.pk, slug=self.slug)

    @property
    def display_headline(self) -> str:
        """Headline with the "(UPDATE n)" label when the story has been updated."""
        if self.update_count:
            return f"{self.headline} (UPDATE {self.update_count})"
        return self.headline

    @property
    def caption(self) -> str:
        """The caption shown under the lead photo: the override, else the photo's own."""
        if self.lead_photo_caption:
            return self.lead_photo_caption
        return self.lead_photo.caption if self.lead_photo_id else ""

    def is_visible(self, *, now=None) -> bool:
        """Same rule as ``ArticleQuerySet.published`` for one loaded article."""
        now = now or timezone.now()
        return (
            self.status in (self.Status.PUBLISHED, self.Status.SCHEDULED)
            and self.published_at is not None
            and self.published_at <= now
        )


class ArticleUpdate(models.Model):
    """One entry of an article's update log: an update or a correction."""

    class Kind(models.TextChoices):
        UPDATE = "update", "Update"
        CORRECTION = "correction", "Correction"

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.UPDATE)
    note = models.TextField(help_text="Editor's note shown to readers.")
    created_at = BoundedDateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, editable=False
    )

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.created_at:%Y-%m-%d %H:%M}"


class ArticleMonth(models.Model):
    """A calendar month (UTC) with visible-status articles: their count and newest change.

    Kept by database triggers in the same transaction as every article write
    (``articles.sitemap_months``); read by the sitemap index. Never written by the code.
    """

    month = models.CharField(max_length=7, primary_key=True)  # "YYYY-MM"
    article_count = models.IntegerField()
    lastmod = models.DateTimeField()

    class Meta:
        default_permissions = ()  # a summary kept by the database, never edited by hand
        ordering = ["-month"]

    def __str__(self):
        return f"{self.month}: {self.article_count}"


class EditingSessionQuerySet(models.QuerySet):
    def active(self, *, now=None):
        """Sessions whose change form sent a heartbeat recently (see ``articles.presence``)."""
        from articles.presence import PRESENCE_EXPIRY

        return self.filter(last_seen__gte=(now or timezone.now()) - PRESENCE_EXPIRY)


class EditingSession(models.Model):
    """Someone has an article's change form open: refreshed by its heartbeat, stale after a while."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="editing_sessions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="editing_sessions")
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField()

    objects = EditingSessionQuerySet.as_manager()

    class Meta:
        # Kept by the change form's heartbeat, never edited by hand: no permissions to grant.
        default_permissions = ()
        constraints = [models.UniqueConstraint(fields=["article", "user"], name="editing_session_once_per_user")]
        indexes = [models.Index(fields=["article", "last_seen"], name="editing_session_seen_idx")]

    def __str__(self):
        return f"{self.user} on {self.article_id} since {self.started_at:%H:%M}"


class ArticleNote(models.Model):
    """An internal editorial note on an article: for the desk only, never shown to readers."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = "internal note"

    def __str__(self):
        return f"Note {self.created_at:%Y-%m-%d %H:%M}"


class ArticlePendingChange(models.Model):
    """An edit to a live article saved for later: readers keep seeing the article as it is.

    ``content`` holds the reader-visible fields as ``articles.workflow`` stores them
    (``PENDING_FIELDS`` plus author ids, tag names and new update-log entries).
    """

    article = models.OneToOneField(Article, on_delete=models.CASCADE, related_name="pending_change")
    content = models.JSONField(default=dict)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "pending change"

    def __str__(self):
        return f"Pending change to article {self.article_id}"


Article._meta.get_field("status").register_lookup(LiteralIn)
