"""Brotli and gzip for anonymous reader pages, never for a response that carries a secret (BREACH).

BREACH recovers a secret from the compressed size of responses that carry both
the secret and text an attacker can inject. So only responses with no secret
are compressed: none to a request with a session, CSRF or messages cookie or
an ``Authorization`` header, none under ``/admin/``, none that set a cookie,
are marked private, or used a CSRF token while rendering (Django puts
``CSRF_COOKIE`` in ``request.META`` then).

Behind Varnish (``Surrogate-Capability`` in the request) a page holding the
rails' edge-side includes (``Surrogate-Control: content="ESI/1.0"``) is sent
uncompressed: Varnish must read the includes, and stores and sends the
assembled page gzipped (``beresp.do_gzip`` in ``deploy/varnish/newsroom.vcl``;
Varnish has no brotli, and cannot process includes inside a brotli body).
Everything else is compressed here for the encoding Varnish asks for (it
normalises ``Accept-Encoding`` to br or gzip and keeps one copy per encoding),
so brotli reaches readers through Varnish too. Brotli comes from Google's
``brotli`` package (which also makes WhiteNoise write ``.br`` static files);
gzip from the standard library. ``Vary: Accept-Encoding`` goes on every
response that could be compressed, so no shared cache hands one encoding to a
client that asked for another.
"""

from __future__ import annotations

import gzip
import re

import brotli
from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.utils.cache import patch_vary_headers

COMPRESSIBLE_TYPES = re.compile(r"^(text/|application/(json|xml|rss\+xml|atom\+xml|javascript)|image/svg\+xml)")
# Below this many bytes the encoding header costs about what compression saves.
MIN_LENGTH = 200
# Quality 4 compresses a page smaller than gzip -6 in less time; 11 is for static files.
BROTLI_QUALITY = 4
# Compressed bodies kept per process by (ETag, length, coding). Every ETag here is a hash of the
# body (the page cache's, newsroom.rails' after a splice), and a stored page with its rail has one,
# so a page-cache hit is compressed once per rail refresh, not once per request.
MEMO_MAX_ENTRIES = 512
_memo: dict[tuple[str, int, str], bytes] = {}
GZIP_LEVEL = 6


def accepted_encodings(header: str) -> set[str]:
    """The content codings an ``Accept-Encoding`` header accepts (``q=0``, or an unreadable q, refuses one)."""
    accepted = set()
    for item in header.lower().split(","):
        name, *params = (part.strip() for part in item.split(";"))
        quality = 1.0
        for param in params:
            key, _, value = param.partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if name and quality > 0:
            accepted.add(name)
    return accepted


def compress(body: bytes, coding: str) -> bytes:
    """``body`` in ``coding`` ("br" or "gzip")."""
    if coding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY)
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class CompressionMiddleware:
    """Compresses anonymous, secret-free text responses with brotli (preferred) or gzip."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.personal_cookies = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME, CookieStorage.cookie_name)

    def __call__(self, request):
        response = self.get_response(request)
        if response.streaming or response.status_code not in (200, 404) or response.has_header("Content-Encoding"):
            return response
        if not COMPRESSIBLE_TYPES.match(response.get("Content-Type", "")):
            return response
        if self.carries_secret(request, response):
            return response
        patch_vary_headers(response, ("Accept-Encoding",))
        if "ESI/1.0" in response.get("Surrogate-Control", ""):
            return response  # the edge compresses after processing the includes
        body = response.content
        if len(body) < MIN_LENGTH:
            return response
        accepted = accepted_encodings(request.headers.get("Accept-Encoding", ""))
        coding = "br" if "br" in accepted else "gzip" if "gzip" in accepted else None
        if coding is None:
            return response
        etag = response.get("ETag")
        compressed = _memo.get((etag, len(body), coding)) if etag else None
        if compressed is None:
            compressed = compress(body, coding)
            if etag:
                if len(_memo) >= MEMO_MAX_ENTRIES:
                    _memo.clear()  # old ETags are never asked for again: starting over is the simplest bound
                _memo[(etag, len(body), coding)] = compressed
        if len(compressed) >= len(body):
            return response
        response.content = compressed
        response["Content-Encoding"] = coding
        if response.has_header("Content-Length"):
            response["Content-Length"] = str(len(compressed))
        if etag and not etag.startswith("W/"):
            # Another byte sequence: the strong ETag of the identity body no longer applies.
            response["ETag"] = f"W/{etag}"
        return response

    def carries_secret(self, request, response) -> bool:
        """Whether compressing would expose a secret (BREACH): see the module docstring."""
        if request.path_info.startswith("/admin/") or "HTTP_AUTHORIZATION" in request.META:
            return True
        if "CSRF_COOKIE" in request.META or response.cookies:
            return True
        if "private" in response.get("Cache-Control", "").lower():
            return True
        cookies = request.COOKIES if "HTTP_COOKIE" in request.META else {}
        return any(name in cookies for name in self.personal_cookies)
