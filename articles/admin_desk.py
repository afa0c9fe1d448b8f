"""The editors' desk in the article admin: revisions (history, compare, restore), edit conflicts, presence.

``ArticleAdmin`` (``articles.admin``) calls in here from small hooks; the rules live here and in
``articles.revisions`` / ``articles.presence``:

* Every POST of the change form runs in one revision block (``changeform``), so each save is
  a revision with its user; the services and the importer open their own.
* The form carries the id of the revision it was loaded at (``revision_base``). ``clean``
  locks the article's row (``SELECT ... FOR UPDATE``; SQLite's IMMEDIATE transactions
  serialise writers) and refuses the save if the article moved on since: the form comes back
  with this person's text, the other person's changes merged into the fields this person did
  not touch, and a diff of what the other person changed.
* A reporter whose draft was published while they typed gets a message, and their text is
  kept as an unapplied revision instead of a bare 403.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from reversion.models import Version

from articles import presence, revisions
from articles.models import Article, Author, EditingSession, Photo
from articles.sanitize import sanitize_body
from articles.templatetags.news import TOKYO, jst

REVISION_BASE = "revision_base"
RESTORED_FROM = "restored_from"
# Fields a conflicting save merges: the other person's value is taken where this person left the field as it was.
MERGE_FIELDS = (
    "headline", "slug", "section", "dateline", "deck", "body", "authors", "lead_photo",
    "lead_photo_caption", "tags", "status", "published_at", "exclude_from_rankings",
)  # fmt: skip
# What a restore loads into the form: the content, not the publication state (never silently published).
RESTORE_FIELDS = (
    "headline", "slug", "section", "dateline", "deck", "body", "authors", "lead_photo", "lead_photo_caption", "tags",
)  # fmt: skip
KEPT_TEXT_FIELDS = ("headline", "slug", "dateline", "deck", "body", "lead_photo_caption")


def _hhmm(value) -> str:
    return f"{value.astimezone(TOKYO):%H:%M}" if value else ""


def _who(user) -> str:
    if user is None:
        return "an import or script"
    return user.get_full_name() or user.get_username()


# --- The edit conflict -------------------------------------------------------------------------


def _norm(name: str, value):
    """A field's value in a form comparable across cleaned data, revisions and the database."""
    if name == "body":
        return revisions.body_text(value or "")
    if name in ("section", "lead_photo"):
        return getattr(value, "pk", value) or None
    if name == "authors":
        return frozenset(int(getattr(v, "pk", v)) for v in (value or []))
    if name == "tags":
        return frozenset(getattr(v, "name", v) for v in (value or []))
    if name == "published_at":
        return value.replace(microsecond=0, second=0) if value else None
    if name == "exclude_from_rankings":
        return bool(value)
    return (value or "").strip()


def _revision_values(content: revisions.ArticleContent) -> dict:
    data = content.values
    return {
        **{name: data.get(name) for name in MERGE_FIELDS},
        "section": data.get("section_id"),
        "lead_photo": data.get("lead_photo_id"),
        "authors": data.get("authors") or [],
        "tags": data.get("tags") or [],
    }


def _row_values(article: Article) -> dict:
    values = {name: getattr(article, name) for name in MERGE_FIELDS if name not in ("authors", "tags")}
    values["section"], values["lead_photo"] = article.section_id, article.lead_photo_id
    values["authors"] = list(article.authors.values_list("pk", flat=True))
    values["tags"] = list(article.tags.names())
    return values


def _data_set(form: forms.BaseForm, name: str, value) -> None:
    """Put ``value`` into the bound form's data as its widget would have posted it."""
    widget = form.fields[name].widget
    key = form.add_prefix(name)
    if isinstance(widget, forms.MultiWidget):
        parts = widget.decompress(value)
        for suffix, sub, part in zip(widget.widgets_names, widget.widgets, parts, strict=True):
            form.data[key + suffix] = sub.format_value(part) or ""
    elif isinstance(widget, forms.CheckboxInput):
        if value:
            form.data[key] = "on"
        else:
            form.data.pop(key, None)
    elif isinstance(widget, forms.SelectMultiple):
        form.data.setlist(key, [str(v) for v in value])
    else:
        form.data[key] = "" if value is None else str(value)


@dataclass
class Conflict:
    """A refused save: who changed the article since the form was loaded, and what the form now holds."""

    base_version: Version | None
    current_version: Version
    taken: list[str] = field(default_factory=list)  # labels of fields now holding the other person's value
    both: list[str] = field(default_factory=list)  # labels of fields both changed (this person's value kept)


class RevisionCheckedForm(forms.ModelForm):
    """A model form that refuses to save over a revision it was not loaded at (see module docstring)."""

    revision_base = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=0)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.revision_conflict: Conflict | None = None
        if self.instance.pk:
            self.fields[REVISION_BASE].initial = revisions.article_current_version_id(article_id=self.instance.pk)

    def clean(self):
        cleaned = super().clean()
        # A POST without the field (a script, an old client) is not checked; the admin's form always has it.
        if not self.instance.pk or self.add_prefix(REVISION_BASE) not in self.data:
            return cleaned
        base = cleaned.get(REVISION_BASE) or 0
        # The lock holds until the admin's transaction ends, so two saves cannot both pass this check.
        current_row = Article.objects.select_for_update().get(pk=self.instance.pk)
        current = revisions.article_current_version_id(article_id=current_row.pk)
        if base != current:
            self._conflict_merge(cleaned, current_row, base, current)
        return cleaned

    def _conflict_merge(self, cleaned, current_row: Article, base_id: int, current_id: int) -> None:
        versions = revisions.article_versions(article_id=current_row.pk)
        current_version = versions.get(pk=current_id)
        base_version = versions.filter(pk=base_id).first() if base_id else None
        conflict = Conflict(base_version=base_version, current_version=current_version)
        labels = dict(revisions.CONTENT_FIELDS)
        theirs = _row_values(current_row)
        base = _revision_values(revisions.version_content(version=base_version)) if base_version else None
        self.data = self.data.copy()  # the posted QueryDict is immutable
        for name in MERGE_FIELDS:
            if name not in self.fields or self.fields[name].disabled or name not in cleaned:
                continue
            mine, other = _norm(name, cleaned[name]), _norm(name, theirs[name])
            before = _norm(name, base[name]) if base is not None else None
            if other == mine or (base is not None and other == before):
                continue  # nobody else changed it, or both made the same change
            if base is not None and mine == before:
                _data_set(self, name, theirs[name])
                conflict.taken.append(labels[name])
            else:
                conflict.both.append(labels[name])
        _data_set(self, REVISION_BASE, current_id)  # once merged, saving again is a decision made knowingly
        self.revision_conflict = conflict
        revision = current_version.revision
        parts = [f"{_who(revision.user)} saved this article at {_hhmm(revision.date_created)}, after you opened it."]
        if conflict.taken:
            parts.append(f"Their changes to {', '.join(conflict.taken)} are now in the form.")
        if conflict.both:
            parts.append(f"You both changed {', '.join(conflict.both)}: your text is kept, theirs is shown below.")
        parts.append("Nothing was saved: check the form and save again.")
        self.add_error(None, forms.ValidationError(" ".join(parts), code="edit_conflict"))


def conflict_context(form) -> dict:
    """Template context for the conflict panel: a diff of what the other person changed."""
    conflict = getattr(form, "revision_conflict", None)
    if conflict is None:
        return {}
    current = revisions.version_content(version=conflict.current_version)
    if conflict.base_version is not None:
        before, before_label = revisions.version_content(version=conflict.base_version), "When you opened it"
    else:
        before, before_label = revisions.ArticleContent(), "Before"
    revision = conflict.current_version.revision
    after_label = f"Saved by {_who(revision.user)} at {_hhmm(revision.date_created)}"
    return {
        "revision_conflict": conflict,
        "conflict_diffs": revisions.content_diff(before, current, before_label=before_label, after_label=after_label),
    }


# --- The admin's save path -----------------------------------------------------------------------


def changeform(model_admin, request, object_id, proceed):
    """Run the change form's view (``proceed``) so that a POST makes one revision; see module docstring."""
    if request.method != "POST":
        return proceed()
    if object_id:
        kept = _reporter_text_keep(model_admin, request, object_id)
        if kept is not None:
            return kept
    with revisions.revision_block(user=request.user):
        if object_id and RESTORED_FROM in request.POST:
            restored = (
                revisions.article_versions(article_id=_int(unquote(object_id)))
                .filter(pk=_int(request.POST[RESTORED_FROM]))
                .first()
            )
            if restored is not None:
                revisions.revision_comment_set(f"Restored the revision of {jst(restored.revision.date_created)}")
        return proceed()


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _reporter_text_keep(model_admin, request, object_id):
    """A reporter saves a draft that an editor published meanwhile: keep their text, say so (not a 403)."""
    article = model_admin.get_object(request, unquote(object_id))
    if article is None or article.status == Article.Status.DRAFT or model_admin.has_change_permission(request, article):
        return None
    as_draft = copy.copy(article)
    as_draft.status = Article.Status.DRAFT
    # Only someone who could edit it as a draft, from a form loaded before it changed.
    if not model_admin.has_change_permission(request, as_draft):
        return None
    based_on = _int(request.POST.get(REVISION_BASE))
    if REVISION_BASE not in request.POST or based_on == revisions.article_current_version_id(article_id=article.pk):
        return None
    kept = copy.copy(article)
    for name in KEPT_TEXT_FIELDS:
        if name in request.POST:
            limit = Article._meta.get_field(name).max_length
            setattr(kept, name, request.POST[name][:limit] if limit else request.POST[name])
    kept.body = sanitize_body(kept.body)
    status = article.get_status_display().lower()
    revision = revisions.article_unapplied_keep(
        article=kept, user=request.user, reason=f"the article was {status} by an editor meanwhile"
    )
    messages.warning(
        request,
        f"While you were editing, an editor changed this article to {status}, so only editors can change it now. "
        f"Your changes were not applied, but nothing is lost: your text is kept in the article's history "
        f"(revision of {_hhmm(revision.date_created)}). Ask an editor to merge it.",
    )
    return HttpResponseRedirect(request.path)


def form_for_request(request, form_class, obj=None):
    """The change form class, preloaded with a revision's content when the restore view asked for it.

    Opening the form of an article without revisions gives it its first one, so a conflict
    can always show what changed since the form was loaded.
    """
    if obj is not None and obj.pk and request.method == "GET":
        revisions.article_baseline_ensure(article_id=obj.pk)
    initial = getattr(request, "newsroom_restore_initial", None)
    if not initial:
        return form_class

    class RestoringForm(form_class):
        def __init__(self, *args, **kwargs):
            kwargs["initial"] = {**initial, **(kwargs.get("initial") or {})}
            super().__init__(*args, **kwargs)

    return RestoringForm


# --- Views -----------------------------------------------------------------------------------------


def urls(model_admin) -> list:
    info = model_admin.opts.app_label, model_admin.opts.model_name
    view = model_admin.admin_site.admin_view
    return [
        path(
            "<path:object_id>/history/compare/",
            view(lambda request, object_id: compare_view(model_admin, request, object_id)),
            name="{}_{}_compare".format(*info),
        ),
        path(
            "<path:object_id>/history/<int:version_id>/restore/",
            view(lambda request, object_id, version_id: restore_view(model_admin, request, object_id, version_id)),
            name="{}_{}_restore".format(*info),
        ),
        path(
            "<path:object_id>/presence/",
            view(lambda request, object_id: presence_view(model_admin, request, object_id)),
            name="{}_{}_presence".format(*info),
        ),
    ]


def _article_for(model_admin, request, object_id, *, change: bool = False) -> Article:
    article = model_admin.get_object(request, unquote(object_id))
    if article is None:
        raise Http404("No such article")
    allowed = (
        model_admin.has_change_permission(request, article)
        if change
        else model_admin.has_view_or_change_permission(request, article)
    )
    if not allowed:
        raise PermissionDenied
    return article


def _base_context(model_admin, request, article, title: str) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": article,
        "object": article,
        "title": title,
        "subtitle": str(article),
        "media": model_admin.media,
        "history_url": reverse("admin:articles_article_history", args=[article.pk]),
        "change_url": reverse("admin:articles_article_change", args=[article.pk]),
    }


def history_view(model_admin, request, object_id):
    """Every revision of the article: who, when, what changed; pick two to compare, or one to restore."""
    article = _article_for(model_admin, request, object_id)
    entries = revisions.article_history(article_id=article.pk)
    context = {
        **_base_context(model_admin, request, article, f"History: {article}"),
        "entries": entries,
        "can_restore": model_admin.has_change_permission(request, article),
        "compare_url": reverse("admin:articles_article_compare", args=[article.pk]),
    }
    return TemplateResponse(request, "admin/articles/article/revision_history.html", context)


def _version_label(version: Version) -> str:
    revision = version.revision
    if revision.user is None and revision.comment:  # "Imported", "Published on schedule", the baseline
        return f"{jst(revision.date_created)} ({revision.comment})"
    return f"{jst(revision.date_created)} by {_who(revision.user)}"


def compare_view(model_admin, request, object_id):
    """Two revisions of the article side by side (``?from=<version id>&to=<version id>``)."""
    article = _article_for(model_admin, request, object_id)
    versions = revisions.article_versions(article_id=article.pk)
    older = versions.filter(pk=_int(request.GET.get("from"))).first()
    newer = versions.filter(pk=_int(request.GET.get("to"))).first()
    if older is None or newer is None:
        raise Http404("Pick two revisions of this article to compare.")
    if older.pk > newer.pk:
        older, newer = newer, older
    diffs = revisions.content_diff(
        revisions.version_content(version=older),
        revisions.version_content(version=newer),
        before_label=_version_label(older),
        after_label=_version_label(newer),
    )
    context = {
        **_base_context(model_admin, request, article, f"Compare revisions: {article}"),
        "older": older,
        "newer": newer,
        "older_label": _version_label(older),
        "newer_label": _version_label(newer),
        "diffs": diffs,
        "can_restore": model_admin.has_change_permission(request, article),
    }
    return TemplateResponse(request, "admin/articles/article/revision_compare.html", context)


def restore_view(model_admin, request, object_id, version_id):
    """The change form holding an old revision's content: nothing is saved until the editor presses Save.

    The form posts to the ordinary change URL, so the save is an ordinary one: a new revision,
    checked for conflicts, with the article's publication state as it is now.
    """
    if request.method != "GET":
        return HttpResponseNotAllowed(["GET"])
    article = _article_for(model_admin, request, object_id, change=True)
    version = revisions.article_versions(article_id=article.pk).filter(pk=version_id).first()
    if version is None:
        raise Http404("No such revision of this article")
    values = _revision_values(revisions.version_content(version=version))
    author_ids = set(Author.objects.filter(pk__in=values["authors"]).values_list("pk", flat=True))
    values["authors"] = [pk for pk in values["authors"] if int(pk) in author_ids]
    if values["lead_photo"] and not Photo.objects.filter(pk=values["lead_photo"]).exists():
        values["lead_photo"] = None
    request.newsroom_restore_initial = {name: values[name] for name in RESTORE_FIELDS}
    change_url = reverse("admin:articles_article_change", args=[article.pk])
    return model_admin.changeform_view(
        request,
        str(article.pk),
        form_url=change_url,
        extra_context={"restoring_version": version, "restoring_label": _version_label(version)},
    )


def presence_view(model_admin, request, object_id):
    """The change form's heartbeat (POST): record this user as editing, answer who else is."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    article = _article_for(model_admin, request, object_id)
    if request.POST.get("leave"):
        presence.editing_session_end(article_id=article.pk, user=request.user)
        return JsonResponse({"editors": []})
    presence.editing_session_touch(article_id=article.pk, user=request.user)
    editors = presence.article_editors(article_id=article.pk, exclude_user=request.user)
    return JsonResponse({"editors": [{"name": e.name, "since": e.since, "message": e.message} for e in editors]})


# --- Change form and list --------------------------------------------------------------------------


def change_form_context(request, context: dict, obj) -> dict:
    """What the desk include of the change form needs (presence, autosave key, conflict, restore)."""
    extra = {"desk_heartbeat_seconds": presence.HEARTBEAT_SECONDS, "desk_user_id": request.user.pk}
    adminform = context.get("adminform")
    form = adminform.form if adminform is not None else None
    if form is not None and REVISION_BASE in form.fields:
        extra["desk_revision_field"] = form[REVISION_BASE]
    if obj is not None and obj.pk:
        presence.editing_session_touch(article_id=obj.pk, user=request.user)
        extra["desk_editors"] = presence.article_editors(article_id=obj.pk, exclude_user=request.user)
        extra["desk_presence_url"] = reverse("admin:articles_article_presence", args=[obj.pk])
        extra["desk_article_key"] = str(obj.pk)
    else:
        extra["desk_article_key"] = "add"
    if form is not None:
        extra.update(conflict_context(form))
    return extra


def changelist_prefetch(queryset):
    """The list's articles with who is editing each, in one extra query for the whole page."""
    sessions = EditingSession.objects.active().select_related("user").order_by("started_at", "id")
    return queryset.prefetch_related(Prefetch("editing_sessions", queryset=sessions, to_attr="active_editing_sessions"))


def editing_marker(article) -> str:
    editors = [presence.editor_of(s) for s in getattr(article, "active_editing_sessions", [])]
    if not editors:
        return ""
    return format_html(
        '<span class="nr-editing">{}</span>',
        format_html_join(", ", "{} (since {})", ((e.name, e.since) for e in editors)),
    )
