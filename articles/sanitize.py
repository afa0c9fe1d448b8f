"""Allowlist HTML sanitizer for article bodies (nh3, the Rust ammonia library)."""

import nh3

ALLOWED_TAGS = {
    "p", "br", "h2", "h3", "h4", "ul", "ol", "li", "blockquote", "a", "em", "strong",
    "i", "b", "u", "s", "sub", "sup", "figure", "figcaption", "img", "hr", "code", "pre",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_cleaner = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=ALLOWED_ATTRIBUTES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel="noopener noreferrer nofollow",
    strip_comments=True,
)


def sanitize_body(html: str) -> str:
    """Return ``html`` with everything outside the allowlist removed.

    Scripts, styles, iframes, event handlers and ``javascript:`` URLs never
    survive; text content of removed tags like ``<script>`` is dropped too.
    """
    return _cleaner.clean(html or "").strip()
