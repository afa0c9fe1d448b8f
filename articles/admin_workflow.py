"""The editors' desk in the article admin: the "Desk" list filter, internal notes, and the pending-change views.

Every decision (who may submit, publish, delete, prepare or publish a pending change)
is taken by ``articles.workflow``; this module only turns requests into those calls.
"""

from datetime import timedelta

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone

from articles import workflow
from articles.models import Article, ArticleNote, ArticlePendingChange, ArticleUpdate
from articles.selectors import article_desk_counts
from articles.templatetags.news import jst

# "Recently published" reaches this far back.
RECENT_DAYS = 7


class DeskFilter(admin.SimpleListFilter):
    """The desk's working views: awaiting review, my drafts, scheduled, recently published (with counts)."""

    title = "desk"
    parameter_name = "desk"

    def lookups(self, request, model_admin):
        counts = article_desk_counts(user=request.user, since=timezone.now() - timedelta(days=RECENT_DAYS))
        return [
            ("awaiting", f"Awaiting review ({counts['awaiting']})"),
            ("mine", f"My drafts ({counts['mine']})"),
            ("scheduled", f"Scheduled ({counts['scheduled']})"),
            ("recent", f"Recently published ({counts['recent']})"),
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value == "awaiting":
            return queryset.awaiting_review()
        if value == "mine":
            return queryset.drafts().filter(owner=request.user)
        if value == "scheduled":
            return queryset.filter(status=Article.Status.SCHEDULED, published_at__gt=timezone.now())
        if value == "recent":
            since = timezone.now() - timedelta(days=RECENT_DAYS)
            return queryset.filter(status=Article.Status.PUBLISHED, published_at__gte=since)
        return queryset


class ArticleNoteInline(admin.TabularInline):
    """Internal notes: the desk's conversation about a story. Add-only; never shown to readers."""

    model = ArticleNote
    extra = 0
    fields = ("text", "noted_by", "noted_at")
    readonly_fields = ("noted_by", "noted_at")
    verbose_name = "internal note"
    verbose_name_plural = "Internal notes (the desk only, never shown to readers)"
    can_delete = False
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2, "cols": 60})}}

    def has_change_permission(self, request, obj=None):
        # A note is a record of what was said: nobody rewrites someone else's (or their own) afterwards.
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="By")
    def noted_by(self, obj):
        if obj is None or obj.author is None:
            return "—"
        return obj.author.get_full_name() or obj.author.get_username()

    @admin.display(description="When")
    def noted_at(self, obj):
        return jst(obj.created_at) if obj and obj.pk else "on save"


def notes_formset_save(*, request, formset) -> None:
    """Save the new notes of the inline through ``workflow.article_note_add`` (author = the request's user)."""
    for note in formset.save(commit=False):
        if note.pk is None:
            workflow.article_note_add(article=formset.instance, user=request.user, text=note.text)


def pending_initial(pending: ArticlePendingChange | None) -> dict:
    """The article form's initial values from a pending change (the form then shows it for more editing)."""
    if pending is None:
        return {}
    content = pending.content
    initial = {name: content.get(name, "") for name in workflow.PENDING_FIELDS}
    initial.update({name: content.get(name) for name in workflow.PENDING_FOREIGN_KEYS})
    initial["authors"] = content.get("authors") or []
    initial["tags"] = content.get("tags") or []
    return initial


def pending_token(pending: ArticlePendingChange) -> str:
    """Names one saved state of a pending change; the change form posts it back (``desk_pending_seen``)."""
    return f"{pending.pk}:{pending.updated_at.timestamp():.6f}"


class DeskAdminMixin:
    """Pending changes and review buttons for ``ArticleAdmin`` (URLs, views, change-form context)."""

    def desk_urls(self):
        info = self.opts.app_label, self.opts.model_name
        views = (
            ("pending/save", self.pending_save_view, "pending_save"),
            ("pending/publish", self.pending_publish_view, "pending_publish"),
            ("pending/discard", self.pending_discard_view, "pending_discard"),
            ("pending/preview", self.pending_preview_view, "pending_preview"),
        )
        return [
            path(f"<path:object_id>/{route}/", self.admin_site.admin_view(view), name="{}_{}_{}".format(*info, name))
            for route, view, name in views
        ]

    def desk_url(self, name: str, article: Article) -> str:
        return reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_{name}", args=[article.pk])

    def pending_for(self, request, article: Article | None) -> ArticlePendingChange | None:
        """``article``'s pending change for an editor (looked up once per request), else None."""
        if article is None or article.pk is None or not workflow.user_is_editor(request.user):
            return None
        cache = getattr(request, "desk_pending_changes", None)
        if cache is None:
            cache = request.desk_pending_changes = {}
        if article.pk not in cache:
            cache[article.pk] = (
                ArticlePendingChange.objects.select_related("created_by").filter(article_id=article.pk).first()
            )
        return cache[article.pk]

    def desk_context(self, request, obj) -> dict:
        """What the change form's desk buttons need (``admin/articles/article/desk_buttons.html``)."""
        if obj is None or obj.pk is None:
            return {"desk_can_submit": True}
        user = request.user
        editor = workflow.user_is_editor(user)
        can_edit = workflow.article_can_edit(article=obj, user=user)
        pending = self.pending_for(request, obj)
        context = {
            "desk_can_submit": can_edit and workflow.article_can_submit(article=obj, user=user),
            "desk_can_review": editor and obj.status == Article.Status.IN_REVIEW,
            "desk_live_edit": editor and can_edit and obj.status in workflow.LIVE_STATUSES,
            "desk_pending": pending,
            "desk_pending_save_url": self.desk_url("pending_save", obj),
        }
        if pending is not None:
            context.update(
                desk_pending_token=pending_token(pending),
                desk_pending_publish_url=self.desk_url("pending_publish", obj),
                desk_pending_discard_url=self.desk_url("pending_discard", obj),
                desk_pending_preview_url=self.desk_url("pending_preview", obj),
            )
            if request.method == "GET":
                who = pending.created_by.get_username() if pending.created_by else "someone"
                messages.info(
                    request,
                    f"A pending change saved by {who} at {jst(pending.updated_at)} is loaded in this form. "
                    "Readers still see the published version until it is published.",
                )
        return context

    def desk_after_save(self, request, obj) -> None:
        """Run the desk button the editor or reporter pressed, once the form has been saved."""
        post = request.POST
        try:
            if "_submit_review" in post:
                workflow.article_submit_for_review(article=obj, user=request.user)
                self.message_user(request, f"“{obj.headline}” was submitted for review.", messages.SUCCESS)
            elif "_review_publish" in post:
                from articles.services import article_publish

                article_publish(article=obj, user=request.user)
                self.message_user(request, f"“{obj.headline}” was published.", messages.SUCCESS)
            elif "_send_back" in post:
                workflow.article_send_back(article=obj, user=request.user, note=post.get("desk_note", ""))
                self.message_user(request, f"“{obj.headline}” was sent back to draft.", messages.SUCCESS)
            elif obj.status in workflow.LIVE_STATUSES and (pending := self.pending_for(request, obj)) is not None:
                if post.get("desk_pending_seen") == pending_token(pending):
                    # The form showed this pending change, so this save has published it.
                    workflow.article_pending_change_discard(article=obj, user=request.user)
                else:
                    # Saved by someone else after this form was opened: never thrown away unseen.
                    self.message_user(
                        request,
                        "A pending change saved meanwhile was kept: open the article to review it.",
                        messages.WARNING,
                    )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)

    # -- pending-change views (POSTs of the change form through the buttons' formaction) --------------

    def _desk_article(self, request, object_id) -> Article:
        if request.method != "POST":
            raise PermissionDenied("Use the buttons of the change form.")
        article = self.get_object(request, unquote(object_id))
        if article is None:
            raise Http404("No such article")
        if not (workflow.user_is_editor(request.user) and self.has_change_permission(request, article)):
            raise PermissionDenied
        return article

    def _pending_from_post(self, request, article: Article) -> dict | None:
        """The posted form as pending content, or None when the form or its inlines are invalid."""
        form = self.get_form(request, article, change=True)(request.POST, request.FILES, instance=article)
        formsets = []
        for inline in self.get_inline_instances(request, article):
            formset_class = inline.get_formset(request, article)
            formsets.append(
                formset_class(
                    request.POST,
                    request.FILES,
                    instance=article,
                    prefix=formset_class.get_default_prefix(),
                    queryset=inline.get_queryset(request),
                )
            )
        if not (form.is_valid() and all(formset.is_valid() for formset in formsets)):
            return None
        updates, notes = [], None
        for formset in formsets:
            if formset.model is ArticleUpdate:
                updates = [
                    f.cleaned_data for f in formset.extra_forms if f.has_changed() and not f.cleaned_data.get("DELETE")
                ]
            elif formset.model is ArticleNote:
                notes = formset
        if notes is not None:
            notes_formset_save(request=request, formset=notes)  # internal: kept at once, readers never see them
        return workflow.pending_content_from(cleaned=form.cleaned_data, updates=updates)

    def _form_errors(self, request, object_id, article):
        # Invalid: the normal change form shows the errors and keeps everything typed (an invalid form saves nothing).
        return self.changeform_view(request, object_id, form_url=self.desk_url("change", article))

    # One transaction: the form's edit-conflict check locks the article's row until the write.
    @transaction.atomic
    def pending_save_view(self, request, object_id):
        """Keep the posted edit of a live article as its pending change; readers see nothing of it."""
        article = self._desk_article(request, object_id)
        content = self._pending_from_post(request, article)
        if content is None:
            return self._form_errors(request, object_id, article)
        try:
            workflow.article_pending_change_save(article=article, user=request.user, content=content)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(
                request, "Saved as a pending change: readers still see the published version.", messages.SUCCESS
            )
        return HttpResponseRedirect(self.desk_url("change", article))

    # One transaction: the form's edit-conflict check locks the article's row until the write.
    @transaction.atomic
    def pending_publish_view(self, request, object_id):
        """Publish the pending change as the form shows it (so nothing typed since is lost)."""
        article = self._desk_article(request, object_id)
        content = self._pending_from_post(request, article)
        if content is None:
            return self._form_errors(request, object_id, article)
        try:
            workflow.article_pending_change_save(article=article, user=request.user, content=content)
            workflow.article_pending_change_publish(article=article, user=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
        else:
            self.message_user(request, "The pending change was published.", messages.SUCCESS)
        return HttpResponseRedirect(self.desk_url("change", article))

    def pending_discard_view(self, request, object_id):
        """Delete the pending change unapplied."""
        article = self._desk_article(request, object_id)
        if workflow.article_pending_change_discard(article=article, user=request.user):
            self.message_user(request, "The pending change was discarded.", messages.SUCCESS)
        return HttpResponseRedirect(self.desk_url("change", article))

    def pending_preview_view(self, request, object_id):
        """The real reader page with the pending change applied: staff only, never cached, marked as a preview."""
        if request.method != "GET":
            return HttpResponseNotAllowed(["GET"])
        if not request.user.has_perm("articles.preview_article"):
            raise PermissionDenied
        from articles.views import render_article  # views import much of the site; load it only when used

        article = self.get_object(request, unquote(object_id))
        pending = self.pending_for(request, article)
        if pending is None:
            raise Http404("No pending change")
        try:
            preview, relations = workflow.article_with_pending(article=article, pending=pending)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return HttpResponseRedirect(self.desk_url("change", article))
        return render_article(request, preview, preview=True, relations=relations)
