"""Signed, expiring beacon tokens.

An article page is cached for every reader (by Django or a CDN), so the token
cannot name a reader: it proves only that *our* server rendered the page of
*this* article, recently. It binds the article id and carries the signing
time; ``TOKEN_MAX_AGE`` bounds how long a cached page keeps counting (keep it
well above the longest page cache / CDN lifetime).

Replays of a valid token are handled elsewhere: by de-duplication per reader
and the per-reader rate limit.
"""

import time
from functools import lru_cache

from django.conf import settings
from django.core import signing

# A salt of its own, so no other signed value of the project can pass as a token.
TOKEN_SALT = "newsroom.rankings.beacon"  # noqa: S105  (a salt, not a password)
# Tokens are short ASCII strings; anything longer is junk and is not even verified.
TOKEN_MAX_LENGTH = 200

_signer = signing.TimestampSigner(salt=TOKEN_SALT)


def _signer_for_settings() -> signing.TimestampSigner:
    # The module-level signer is built with the SECRET_KEY of import time;
    # tests (and key rotation) may change it, so rebuild when it differs.
    global _signer
    if _signer.key != settings.SECRET_KEY:
        _signer = signing.TimestampSigner(salt=TOKEN_SALT)
    return _signer


def page_view_token_make(*, article_id: int) -> str:
    """A token for the beacon of ``article_id``, valid for ``RANKINGS["TOKEN_MAX_AGE"]`` seconds."""
    return _signer_for_settings().sign(str(int(article_id)))


def page_view_token_check(*, token: str, article_id: int, max_age: int | None = None) -> bool:
    """True when ``token`` was signed by us for ``article_id`` and has not expired.

    Forged, tampered, expired, malformed and other-article tokens are all
    simply ``False``: the caller counts them as one rejection reason.
    """
    if not token or len(token) > TOKEN_MAX_LENGTH:
        return False
    if max_age is None:
        max_age = settings.RANKINGS["TOKEN_MAX_AGE"]
    signed = _verified(token, settings.SECRET_KEY)
    if signed is None:
        return False
    value, signed_at = signed
    return value == str(int(article_id)) and 0 <= time.time() - signed_at <= max_age


@lru_cache(maxsize=4096)
def _verified(token: str, secret_key: str) -> tuple[str, int] | None:
    """(value, signing time) of a token with a valid signature, else None.

    Every reader of a cached page sends the same token, so the HMAC check is
    cached per process; the age is still checked on every call. The secret key
    is part of the cache key so rotating it invalidates everything.
    """
    signer = _signer_for_settings()
    try:
        value = signing.Signer.unsign(signer, token)  # the signature only
        value, timestamp = value.rsplit(signer.sep, 1)
        return value, signing.b62_decode(timestamp)
    except (signing.BadSignature, ValueError, TypeError):
        # A mangled timestamp raises ValueError.
        return None
