"""The page-view beacon tag. PLACEHOLDER until the view-recording work lands.

{% load page_views %}{% page_view_beacon article %}
"""

from django import template

register = template.Library()


@register.simple_tag
def page_view_beacon(article):
    """Render the deferred script (with a signed, expiring token) that reports one view of ``article``."""
    return ""
