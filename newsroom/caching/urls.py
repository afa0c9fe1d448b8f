"""``reverse()`` remembered: the same name and arguments always give the same URL.

An uncached article page reversed about seven URLs (its section, authors,
tags, the beacon endpoint), and each ``reverse()`` walks the resolver,
looks up the active language and quotes the arguments again: a sixth of the
render. The answer depends only on the name, the arguments, the URLconf and
the script prefix, which are all in the key, so a remembered URL is never
wrong; the cache is bounded and emptied whenever a setting changes (tests).
"""

from functools import lru_cache

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf, reverse

# Sections, authors, tags and articles a process shows: plenty, and at most a few MB.
MAX_URLS = 16_384


def reverse_cached(viewname: str, *args, **kwargs) -> str:
    """``reverse(viewname, args=args, kwargs=kwargs)``, from the cache after the first call.

    Arguments must be hashable (slugs, ids); a missing route raises ``NoReverseMatch`` as usual.
    """
    urlconf = get_urlconf() or settings.ROOT_URLCONF
    return _reverse(viewname, args, tuple(sorted(kwargs.items())), urlconf, get_script_prefix())


@lru_cache(maxsize=MAX_URLS)
def _reverse(viewname: str, args: tuple, kwargs: tuple, urlconf: str, prefix: str) -> str:
    # ``prefix`` is only part of the key: reverse() reads the same script prefix itself.
    return reverse(viewname, urlconf=urlconf, args=args or None, kwargs=dict(kwargs) or None)


@receiver(setting_changed)
def _forget_on_setting_change(**kwargs) -> None:
    _reverse.cache_clear()
