"""The editors' side of the newsroom: articles, photos, sections and authors in the Django admin.

Roles (auth groups made by ``articles/migrations/0002_roles.py``):

* **Reporter** writes and edits *drafts*. The status, publication time and rankings
  flag are read-only for them, they get no publish/withdraw/schedule actions, and a
  live (scheduled, published or withdrawn) article is read-only. All of this is
  enforced on the server: a crafted POST that tries to publish is refused with 403,
  ``save_model`` re-checks, and the services in ``articles.services`` check
  ``articles.publish_article`` themselves.
* **Editor** has every permission on articles, including ``publish_article``.

CSP: the project forbids inline scripts and styles. The Django admin itself needs
no relaxation; the only inline element here is django-prose-editor's
``<script type="importmap">``, which is rendered with the request's CSP nonce
(``_media_with_nonce``), and the editor is started by our own preset
(``static/admin_extra/prose_body.js``) with Tiptap's inline ``<style>`` injection
turned off (its rules live in ``static/admin_extra/prose_body.css``).
"""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AdminSplitDateTime
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.forms.widgets import Script
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django_prose_editor.fields import ProseEditorFormField
from django_prose_editor.widgets import AdminProseEditorWidget, prose_editor_admin_media, prose_editor_js
from js_asset import Media as AssetMedia
from taggit.models import Tag
from taggit.utils import parse_tags

from articles import admin_desk, revisions, services, workflow
from articles.admin_workflow import ArticleNoteInline, DeskAdminMixin, DeskFilter, notes_formset_save, pending_initial
from articles.forms import PhotoForm
from articles.models import Article, ArticleNote, ArticleUpdate, Author, Photo, Section
from articles.photos import photo_crop_url, photo_fallback_src
from articles.sanitize import sanitize_body
from articles.templatetags.news import jst
from newsroom.dates import datetime_range_validate

PUBLISH_PERMISSION = services.PUBLISH_PERMISSION
PREVIEW_PERMISSION = "articles.preview_article"
# Form fields only an editor may set: together they decide what readers see.
PUBLISHING_FIELDS = ("status", "published_at", "exclude_from_rankings", "owner")
TAG_SUGGESTIONS_PER_PAGE = 20
# A tag typed in the article form that does not exist yet needs this many characters: fragments
# ("to", "a") are refused; a deliberate short tag ("EU") is made by an editor under Tags.
NEW_TAG_MIN_LENGTH = 3

admin.site.site_header = f"{settings.SITE_NAME} — editors"
admin.site.site_title = f"{settings.SITE_NAME} admin"
admin.site.index_title = "Newsroom"
# The desk's overview (review, schedule, corrections, stale drafts) above the apps.
admin.site.index_template = "admin/desk_index.html"


def user_can_publish(user) -> bool:
    return bool(user and user.has_perm(PUBLISH_PERMISSION))


def _media_with_nonce(media, request):
    """``media`` rendered with the request's CSP nonce on every tag (the import map is inline)."""
    nonce = getattr(request, "csp_nonce", None)
    if nonce is None:
        return media
    return AssetMedia.from_media(media, nonce=nonce)


# --- Photos ---------------------------------------------------------------------------------------


def photo_thumbnail_url(photo: Photo | None) -> str:
    """URL of a square thumbnail of ``photo``: its 1:1 crop rendition, else the original upload."""
    if photo is None or not photo.image:
        return ""
    # Before its renditions exist (or if making them failed), the original upload.
    return photo_crop_url(photo, "1x1") or photo.image.url


def photo_preview_url(photo: Photo) -> str:
    """A full-frame (uncropped) picture of ``photo`` for the focal-point editor: a JPEG rendition
    of at most 1280 px when renditions exist, so a 40-megapixel original is never sent to the form."""
    fallback = photo_fallback_src(photo)
    return fallback["url"] if fallback else photo.image.url


def _thumbnail(photo: Photo | None, *, css_class: str = "nr-thumb") -> str:
    url = photo_thumbnail_url(photo)
    if not url:
        return "—"
    return format_html('<img src="{}" alt="{}" class="{}" loading="lazy">', url, photo.alt_text, css_class)


@admin.register(Photo)
class PhotoAdmin(admin.ModelAdmin):
    list_display = ("thumbnail", "caption_short", "credit", "alt_text", "dimensions", "created_at")
    list_display_links = ("thumbnail", "caption_short")
    # Also what the article form's lead-photo autocomplete searches.
    search_fields = ("caption", "credit", "alt_text")
    list_filter = (("created_at", admin.DateFieldListFilter),)
    date_hierarchy = "created_at"
    fieldsets = (
        (None, {"fields": ("image", "focal_preview", "caption", "credit", "alt_text")}),
        (
            "Focal point",
            {
                "fields": ("focal_x", "focal_y"),
                "description": "Click the subject in the picture above (or type the numbers): "
                "every crop keeps that point in frame.",
            },
        ),
        ("Stored", {"fields": ("width", "height", "created_at", "updated_at"), "classes": ("collapse",)}),
    )
    readonly_fields = ("focal_preview", "width", "height", "created_at", "updated_at")
    form = PhotoForm  # upload validation, alt text required

    class Media:
        css = {"all": ("admin_extra/admin.css",)}
        js = ("admin_extra/photo_admin.js",)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        # Each save of a photo's editorial fields is a revision (articles.revisions).
        if request.method != "POST":
            return super().changeform_view(request, object_id, form_url, extra_context)
        with revisions.revision_block(user=request.user):
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        custom = [
            path(
                "<path:object_id>/thumbnail/",
                self.admin_site.admin_view(self.thumbnail_view),
                name="{}_{}_thumbnail".format(*info),
            )
        ]
        return custom + super().get_urls()

    def thumbnail_view(self, request, object_id):
        """Redirect to a photo's thumbnail: the article form swaps its lead-photo preview with this."""
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        photo = self.get_object(request, unquote(object_id))
        url = photo_thumbnail_url(photo)
        if not url:
            raise Http404("No such photo")
        return HttpResponseRedirect(url)

    @admin.display(description="Photo")
    def thumbnail(self, obj):
        return _thumbnail(obj)

    @admin.display(description="Caption", ordering="caption")
    def caption_short(self, obj):
        return obj.caption[:100] or "—"

    @admin.display(description="Size")
    def dimensions(self, obj):
        return f"{obj.width} × {obj.height}" if obj.width and obj.height else "—"

    @admin.display(description="Preview")
    def focal_preview(self, obj):
        if obj is None or not obj.pk or not obj.image:
            return "Upload the picture and save to set its focal point on it."
        return format_html(
            '<div class="nr-focal" data-focal-point><img src="{}" alt="{}" width="{}" height="{}">'
            '<span class="nr-focal__marker" hidden></span></div>',
            photo_preview_url(obj),
            obj.alt_text,
            obj.width or "",
            obj.height or "",
        )


# --- Sections and authors --------------------------------------------------------------------------


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "position")
    list_editable = ("position",)
    ordering = ("position", "name")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ("name", "role", "slug")
    search_fields = ("name", "role")  # the article form's author autocomplete searches these
    prepopulated_fields = {"slug": ("name",)}


# --- Tags: a type-ahead over existing tags that can also create new ones ---------------------------


class TagAutocompleteWidget(forms.SelectMultiple):
    """A ``<select multiple>`` of tag *names*, turned by select2 (bundled with the admin) into a type-ahead.

    Suggestions come from ``ArticleAdmin.tag_autocomplete_view`` and Enter picks the
    highlighted one; a name that does not exist yet is only offered as an explicit last
    option "Create tag “…”" (``admin_extra/tag_autocomplete.js``) and created on save.
    """

    def __init__(self, attrs=None):
        super().__init__(attrs={"class": "nr-tag-autocomplete", "data-tag-autocomplete": "", **(attrs or {})})

    @property
    def media(self):
        # Same files, and same .min choice, as Django's own autocomplete widgets, so the page loads one jQuery.
        extra = "" if settings.DEBUG else ".min"
        return forms.Media(
            js=(
                f"admin/js/vendor/jquery/jquery{extra}.js",
                f"admin/js/vendor/select2/select2.full{extra}.js",
                "admin/js/jquery.init.js",
                "admin_extra/tag_autocomplete.js",
            ),
            css={"screen": (f"admin/css/vendor/select2/select2{extra}.css", "admin/css/autocomplete.css")},
        )

    def format_value(self, value):
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return parse_tags(value)
        return [getattr(item, "name", item) for item in value]

    def get_context(self, name, value, attrs):
        # Only the chosen tags are rendered as options; the rest arrive by type-ahead.
        self.choices = [(tag_name, tag_name) for tag_name in self.format_value(value)]
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-autocomplete-url"] = reverse("admin:articles_article_tag_autocomplete")
        context["widget"]["attrs"]["data-placeholder"] = "Type to find or add tags"
        context["widget"]["attrs"]["data-new-tag-min-length"] = str(NEW_TAG_MIN_LENGTH)
        return context

    def value_from_datadict(self, data, files, name):
        getter = getattr(data, "getlist", None)
        return getter(name) if getter else data.get(name)


class TagNamesField(forms.Field):
    """Tag names for ``TaggableManager.save_form_data``: trimmed, de-duplicated, within taggit's length."""

    widget = TagAutocompleteWidget
    max_name_length = Tag._meta.get_field("name").max_length

    def to_python(self, value):
        if not value:
            return []
        if isinstance(value, str):  # a comma-separated string (scripts, older clients)
            value = parse_tags(value)
        names = []
        for raw in value:
            tag_name = " ".join(str(raw).split())
            if not tag_name or tag_name in names:
                continue
            if len(tag_name) > self.max_name_length:
                raise ValidationError(
                    "Tag “%(name)s…” is too long (at most %(max)d characters).",
                    code="tag_too_long",
                    params={"name": tag_name[:30], "max": self.max_name_length},
                )
            names.append(tag_name)
        short = [tag_name for tag_name in names if len(tag_name) < NEW_TAG_MIN_LENGTH]
        if short:
            existing = set(Tag.objects.filter(name__in=short).values_list("name", flat=True))
            new = [tag_name for tag_name in short if tag_name not in existing]
            if new:
                raise ValidationError(
                    "“%(name)s” is not an existing tag, and a new tag needs at least %(min)d characters: "
                    "pick a suggestion, or ask an editor to create the tag under Tags.",
                    code="tag_too_short",
                    params={"name": new[0], "min": NEW_TAG_MIN_LENGTH},
                )
        return names


# --- The body editor ---------------------------------------------------------------------------------

# Only what articles.sanitize allows (tests check the two agree): no images, tables, colours or classes.
BODY_EDITOR_EXTENSIONS = {
    "Bold": True,
    "Italic": True,
    "Underline": True,
    "Strike": True,
    "Subscript": True,
    "Superscript": True,
    "Heading": {"levels": [2, 3]},
    "BulletList": True,
    # No list-type dialog: the sanitizer keeps <ol start> but drops type="a"/"i".
    "OrderedList": {"enableListAttributes": False},
    "ListItem": True,
    "Blockquote": True,
    "HorizontalRule": True,
    "HardBreak": True,
    "Link": {"enableTarget": False, "protocols": ["http", "https", "mailto"]},
    "History": True,
}
BODY_EDITOR_PRESET = "newsroom"


class BodyEditorWidget(AdminProseEditorWidget):
    """django-prose-editor in the admin, started by ``admin_extra/prose_body.js`` (CSP-clean, see module doc)."""

    @property
    def media(self):
        return prose_editor_admin_media + AssetMedia(
            js=[prose_editor_js, Script("admin_extra/prose_body.js", type="module")],
            css={"all": ["admin_extra/prose_body.css"]},
        )


# --- Articles ------------------------------------------------------------------------------------


class ArticleAdminForm(admin_desk.RevisionCheckedForm):
    body = ProseEditorFormField(
        config={"extensions": BODY_EDITOR_EXTENSIONS},
        preset=BODY_EDITOR_PRESET,
        widget=BodyEditorWidget,
        # The same allowlist Article.save() applies, so the form shows exactly what will be stored.
        sanitize=sanitize_body,
        required=False,
    )
    tags = TagNamesField(
        required=False,
        help_text="Type to search and press Enter to pick the highlighted tag; "
        "a new tag is made only with “Create tag …” at the end of the list.",
    )
    # Set by ArticleAdmin.get_form when a pending change exists: the form then starts from it.
    pending_initial: dict = {}

    class Meta:
        model = Article
        fields = [
            "headline", "slug", "section", "dateline", "deck", "body", "authors", "lead_photo",
            "lead_photo_caption", "tags", "status", "published_at", "exclude_from_rankings", "owner",
        ]  # fmt: skip
        widgets = {"deck": forms.Textarea(attrs={"rows": 3}), "lead_photo_caption": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        if self.pending_initial:
            kwargs["initial"] = {**self.pending_initial, **(kwargs.get("initial") or {})}
        super().__init__(*args, **kwargs)
        if "owner" in self.fields:
            self.fields["owner"].queryset = self.fields["owner"].queryset.filter(is_staff=True, is_active=True)
            self.fields["owner"].help_text = "Who the story belongs to on the desk (the creator when left empty)."
        if "published_at" in self.fields:
            self.fields[
                "published_at"
            ].help_text = "Tokyo time (JST). Published: leave empty for now. Scheduled: a time in the future."

    def clean(self):
        cleaned = super().clean()
        if "status" not in self.fields:  # reporters: the status is not theirs to set
            return cleaned
        status, when = cleaned.get("status"), cleaned.get("published_at")
        touched = bool({"status", "published_at"} & set(self.changed_data)) or not self.instance.pk
        now = timezone.now()
        if status == Article.Status.SCHEDULED:
            if when is None:
                self.add_error("published_at", "A scheduled article needs its publication time.")
            elif touched and when <= now:
                self.add_error("published_at", "Pick a time in the future, or choose Published to publish now.")
        elif status == Article.Status.PUBLISHED:
            if when is None:
                cleaned["published_at"] = now
            elif touched and when > now:
                self.add_error("published_at", "That time is in the future: choose Scheduled to publish it then.")
        elif status == Article.Status.WITHDRAWN and self.initial.get("status", Article.Status.DRAFT) in (
            Article.Status.DRAFT,
            Article.Status.IN_REVIEW,
        ):
            self.add_error("status", "A draft has never been published: there is nothing to withdraw.")
        return cleaned


class ScheduleForm(forms.Form):
    when = forms.SplitDateTimeField(
        label="Publish at (JST)", widget=AdminSplitDateTime, validators=[datetime_range_validate]
    )

    def clean_when(self):
        when = self.cleaned_data["when"]
        if when <= timezone.now():
            raise ValidationError("Pick a time in the future.", code="past_time")
        return when


class ArticleUpdateInline(admin.TabularInline):
    """The article's update log: each row an update (counted in "(UPDATE n)") or a correction."""

    model = ArticleUpdate
    extra = 0
    fields = ("kind", "note", "logged_at", "logged_by")
    readonly_fields = ("logged_at", "logged_by")
    verbose_name = "update or correction"
    verbose_name_plural = "Updates and corrections (shown to readers)"
    # Notes are short sentences for readers; a compact box keeps the inline usable.
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}

    @admin.display(description="Logged")
    def logged_at(self, obj):
        return jst(obj.created_at) if obj and obj.pk else "on save"

    @admin.display(description="By")
    def logged_by(self, obj):
        if obj is None or obj.created_by is None:
            return "—"
        return obj.created_by.get_full_name() or obj.created_by.get_username()


@admin.register(Article)
class ArticleAdmin(DeskAdminMixin, admin.ModelAdmin):
    form = ArticleAdminForm
    list_display = (
        "headline",
        "section",
        "status",
        "owner",
        "published_jst",
        "update_count",
        "reader_link",
        "editing_now",
    )
    list_select_related = ("section", "owner")
    list_filter = (DeskFilter, "status", "section", "tags", ("published_at", admin.DateFieldListFilter))
    search_fields = ("headline", "deck", "body")
    date_hierarchy = "published_at"
    prepopulated_fields = {"slug": ("headline",)}
    autocomplete_fields = ("authors", "lead_photo")
    inlines = (ArticleUpdateInline, ArticleNoteInline)
    actions = ("submit_for_review", "publish_now", "send_back", "withdraw", "schedule")
    list_per_page = 50
    fieldsets = (
        (None, {"fields": ("headline", "slug", "section", "dateline", "deck", "body")}),
        ("Byline and photo", {"fields": ("authors", "lead_photo", "lead_photo_preview", "lead_photo_caption")}),
        ("Tags", {"fields": ("tags",)}),
        (
            "Publication",
            {
                "fields": (
                    "status",
                    "owner",
                    "published_at",
                    "exclude_from_rankings",
                    "update_count",
                    "last_updated_at",
                )
            },
        ),
    )
    base_readonly_fields = ("lead_photo_preview", "update_count", "last_updated_at")

    class Media:
        css = {"all": ("admin_extra/admin.css", "admin_extra/desk.css")}
        js = ("admin_extra/article_admin.js", "admin_extra/article_desk.js")

    # -- permissions ------------------------------------------------------------------------------

    def has_publish_permission(self, request) -> bool:
        """Used by the publish/withdraw/schedule actions (``permissions=["publish"]``)."""
        return user_can_publish(request.user)

    def has_change_permission(self, request, obj=None):
        if not super().has_change_permission(request, obj):
            return False
        # Reporters edit their own drafts only (articles.workflow): once submitted, or scheduled,
        # published or withdrawn by an editor, changing the text is an editor's call. They still see it.
        if obj is not None:
            return workflow.article_can_edit(article=obj, user=request.user)
        return True

    def has_delete_permission(self, request, obj=None):
        if not super().has_delete_permission(request, obj):
            return False
        return obj is None or workflow.article_can_delete(article=obj, user=request.user)

    def delete_model(self, request, obj):
        workflow.article_delete(article=obj, user=request.user)

    def delete_queryset(self, request, queryset):
        for article in queryset:
            workflow.article_delete(article=article, user=request.user)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        pending = self.pending_for(request, obj) if change else None
        if pending is not None:
            # The change form starts from the pending change, so the editor carries on with it.
            form = type(form.__name__, (form,), {"pending_initial": pending_initial(pending)})
        # The revision the form was opened at (edit conflicts: articles.admin_desk).
        return admin_desk.form_for_request(request, form, obj)

    def save_form(self, request, form, change):
        article = super().save_form(request, form, change)
        if not change and article.owner_id is None:
            article.owner = request.user  # the creator owns the story unless an editor chose someone
        return article

    def response_add(self, request, obj, post_url_continue=None):
        self.desk_after_save(request, obj)
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        self.desk_after_save(request, obj)
        return super().response_change(request, obj)

    def get_readonly_fields(self, request, obj=None):
        fields = list(self.base_readonly_fields)
        if not user_can_publish(request.user):
            fields += PUBLISHING_FIELDS
        return fields

    def _forged_publishing(self, request) -> list[str]:
        """Publishing fields a non-editor's POST tries to set (their form never contains them)."""
        post = request.POST
        forged = []
        if post.get("status", Article.Status.DRAFT) not in ("", Article.Status.DRAFT):
            forged.append("status")
        if any(post.get(key) for key in ("published_at", "published_at_0", "published_at_1")):
            forged.append("published_at")
        if post.get("exclude_from_rankings"):
            forged.append("exclude_from_rankings")
        return forged

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "POST" and not user_can_publish(request.user):
            forged = self._forged_publishing(request)
            if forged:
                # A read-only field would silently drop these values; refusing says clearly that it was noticed.
                raise PermissionDenied(f"Only editors can set {', '.join(forged)}.")
        # Revisions, edit conflicts and a reporter's text kept: articles.admin_desk.
        return admin_desk.changeform(
            self,
            request,
            object_id,
            lambda: super(ArticleAdmin, self).changeform_view(request, object_id, form_url, extra_context),
        )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # The revision holds the article as saved, with its final tags and updates.
        revisions.article_revision_add(article_id=form.instance.pk)

    def history_view(self, request, object_id, extra_context=None):
        return admin_desk.history_view(self, request, object_id)

    def save_model(self, request, obj, form, change):
        if not user_can_publish(request.user):
            # Second line of defence behind the read-only fields and changeform_view.
            before = Article.objects.filter(pk=obj.pk).values("published_at").first() if change else None
            moved_time = obj.published_at != (before["published_at"] if before else None)
            if obj.status != Article.Status.DRAFT or moved_time:
                raise PermissionDenied("Only editors can publish, schedule or withdraw articles.")
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is ArticleNote:
            return notes_formset_save(request=request, formset=formset)
        if formset.model is not ArticleUpdate:
            return super().save_formset(request, form, formset, change)
        for update in formset.save(commit=False):
            if update.pk is None:
                services.article_update_add(
                    article=form.instance, kind=update.kind, note=update.note, user=request.user
                )
            else:
                update.save()
        for update in formset.deleted_objects:
            update.delete()
        return None

    # -- lists --------------------------------------------------------------------------------------

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        match = request.resolver_match
        if match and match.url_name == f"{self.opts.app_label}_{self.opts.model_name}_changelist":
            # The list shows headlines; never load every body with it (search still filters on it in SQL).
            qs = admin_desk.changelist_prefetch(qs.defer("body", "deck", "lead_photo_caption"))
        return qs

    @admin.display(description="Publish time (JST)", ordering="published_at")
    def published_jst(self, obj):
        return jst(obj.published_at) or "—"

    @admin.display(description="Being edited by")
    def editing_now(self, obj):
        return admin_desk.editing_marker(obj)

    @admin.display(description="Reader page")
    def reader_link(self, obj):
        if obj.is_visible():
            return format_html('<a href="{}">View</a>', obj.get_absolute_url())
        return format_html('<a href="{}">Preview</a>', self._preview_url(obj))

    @admin.display(description="Lead photo preview")
    def lead_photo_preview(self, obj):
        photo = obj.lead_photo if obj is not None and obj.lead_photo_id else None
        url = photo_thumbnail_url(photo)
        # The image is always there so article_admin.js can swap it when another photo is picked.
        return format_html(
            '<div class="nr-lead-preview" data-lead-photo-preview data-thumbnail-url="{}">'
            '<img src="{}" alt="{}" class="nr-thumb nr-thumb--large"{}></div>',
            reverse("admin:articles_photo_thumbnail", args=[0]),
            url,
            photo.alt_text if photo else "",
            "" if url else mark_safe(" hidden"),
        )

    # -- reader page and preview --------------------------------------------------------------------

    def view_on_site(self, obj):
        """ "View on site" only when readers can see the article; drafts get "Preview" instead."""
        return obj.get_absolute_url() if obj.is_visible() else None

    def _preview_url(self, obj) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_preview", args=[obj.pk])

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        custom = [
            path(
                "tags/autocomplete/",
                self.admin_site.admin_view(self.tag_autocomplete_view),
                name="{}_{}_tag_autocomplete".format(*info),
            ),
            path(
                "<path:object_id>/preview/",
                self.admin_site.admin_view(self.preview_view),
                name="{}_{}_preview".format(*info),
            ),
        ]
        # The desk's first: "<id>/pending/preview/" would otherwise match "<path:object_id>/preview/".
        return self.desk_urls() + custom + admin_desk.urls(self) + super().get_urls()

    def preview_view(self, request, object_id):
        """The article as readers will see it, for staff with ``preview_article``; never cached, never indexed."""
        if not request.user.has_perm(PREVIEW_PERMISSION):
            raise PermissionDenied
        from articles.views import render_article  # views import much of the site; load it only when used

        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article")
        response = render_article(request, article, preview=True)
        add_never_cache_headers(response)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    def tag_autocomplete_view(self, request):
        """Tag names containing ``term``, in select2's JSON shape, for anyone who may edit articles."""
        if not (self.has_add_permission(request) or self.has_change_permission(request)):
            raise PermissionDenied
        term = " ".join(request.GET.get("term", "").split())[:100]
        try:
            page = max(1, int(request.GET.get("page", "1")))
        except ValueError:
            page = 1
        tags = Tag.objects.order_by("name")
        if term:
            tags = tags.filter(name__icontains=term)
        start = (page - 1) * TAG_SUGGESTIONS_PER_PAGE
        names = list(tags.values_list("name", flat=True)[start : start + TAG_SUGGESTIONS_PER_PAGE + 1])
        return JsonResponse(
            {
                "results": [{"id": n, "text": n} for n in names[:TAG_SUGGESTIONS_PER_PAGE]],
                "pagination": {"more": len(names) > TAG_SUGGESTIONS_PER_PAGE},
            }
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["media"] = _media_with_nonce(context["media"], request)
        context.update(admin_desk.change_form_context(request, context, obj))
        if obj is not None and obj.pk and not obj.is_visible() and request.user.has_perm(PREVIEW_PERMISSION):
            context["preview_url"] = self._preview_url(obj)
        context.update(self.desk_context(request, obj))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    # -- actions ------------------------------------------------------------------------------------

    def _apply(self, request, queryset, verb: str, change) -> None:
        done, refused = 0, []
        for article in queryset:
            try:
                change(article)
            except ValidationError as exc:
                refused.append(" ".join(exc.messages))
            else:
                done += 1
        if done:
            self.message_user(request, f"{verb} {done} article{'s' if done != 1 else ''}.", messages.SUCCESS)
        for reason in refused:
            self.message_user(request, f"Not {verb.lower()}: {reason}", messages.WARNING)

    def _desk_apply(self, request, queryset, verb: str, change) -> None:
        """``_apply`` for workflow services, which also refuse with ``PermissionDenied`` (not this user's article)."""

        def guarded(article):
            try:
                change(article)
            except PermissionDenied as exc:
                raise ValidationError(f"“{article.headline}”: {exc}") from exc

        self._apply(request, queryset, verb, guarded)

    @admin.action(description="Submit for review", permissions=["change"])
    def submit_for_review(self, request, queryset):
        self._desk_apply(
            request,
            queryset,
            "Submitted",
            lambda a: workflow.article_submit_for_review(article=a, user=request.user),
        )

    @admin.action(description="Send back to draft", permissions=["publish"])
    def send_back(self, request, queryset):
        self._desk_apply(
            request, queryset, "Sent back", lambda a: workflow.article_send_back(article=a, user=request.user)
        )

    @admin.action(description="Publish now", permissions=["publish"])
    def publish_now(self, request, queryset):
        self._apply(request, queryset, "Published", lambda a: services.article_publish(article=a, user=request.user))

    @admin.action(description="Withdraw from readers", permissions=["publish"])
    def withdraw(self, request, queryset):
        self._apply(request, queryset, "Withdrew", lambda a: services.article_withdraw(article=a, user=request.user))

    @admin.action(description="Schedule…", permissions=["publish"])
    def schedule(self, request, queryset):
        """Ask for the time on an intermediate page, then schedule every selected article for it."""
        form = ScheduleForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            when = form.cleaned_data["when"]
            self._apply(
                request,
                queryset,
                "Scheduled",
                lambda a: services.article_schedule(article=a, user=request.user, when=when),
            )
            return None  # back to the list
        context = {
            **self.admin_site.each_context(request),
            "title": "Schedule articles",
            "opts": self.opts,
            "form": form,
            "media": self.media + form.media,
            "articles": list(queryset.select_related(None).only("id", "headline", "status", "published_at")),
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/articles/article/schedule.html", context)
