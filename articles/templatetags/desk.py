"""``{% desk_dashboard %}``: the editors' overview on the admin index (Django templates)."""

from django import template
from django.urls import reverse
from django.utils import timezone

from articles.selectors import article_desk_dashboard

register = template.Library()


@register.inclusion_tag("admin/articles/desk_dashboard.html", takes_context=True)
def desk_dashboard(context) -> dict:
    """What awaits review, what is scheduled next, what was corrected lately and stale drafts; for article staff."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.has_perm("articles.change_article"):
        return {"show": False}
    return {
        "show": True,
        "desk": article_desk_dashboard(now=timezone.now()),
        "changelist_url": reverse("admin:articles_article_changelist"),
    }
