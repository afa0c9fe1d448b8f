"""The admin's date drill-down bar, over dates inside the accepted range only.

Django's ``{% date_hierarchy %}`` converts every date of the list to the current time
zone, in Python and (on SQLite) in SQL functions: one date stored past validation near
year 10000 overflows that conversion and fails the whole list, so editors could not even
open it to fix the article. The bar is built from the list's rows inside
``newsroom.dates``' range; the list itself still shows every row.
"""

import copy

from django import template
from django.contrib.admin.templatetags.admin_list import date_hierarchy

from newsroom.dates import DATETIME_MAX, DATETIME_MIN

register = template.Library()


@register.inclusion_tag("admin/date_hierarchy.html")
def date_hierarchy_in_range(cl):
    """Django's date hierarchy of ``cl`` (a ChangeList), computed from its rows with an in-range date."""
    bounded = copy.copy(cl)
    bounded.queryset = cl.queryset.filter(**{f"{cl.date_hierarchy}__range": (DATETIME_MIN, DATETIME_MAX)})
    return date_hierarchy(bounded) or {}
