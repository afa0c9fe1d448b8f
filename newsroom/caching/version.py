"""The code version cached objects are keyed by, so a deploy never reads an old pickled shape.

The shared cache holds pickled model instances and rendered HTML. After a deploy that adds
a field or changes a template, an old copy would unpickle into the wrong shape or show the
old markup. Every cache key therefore carries the code version (Django's cache ``VERSION``):
new code reads and writes only its own keys, and the old ones expire on their own.

The version is ``NEWSROOM_CODE_VERSION`` when set (a release tag or commit id from the deploy),
else a digest of the project's Python files and templates plus the Python and Django versions,
computed once at start-up (a few milliseconds).

During a rolling deploy, old and new app servers keep separate copies (and page-cache
generations) until the old ones stop; behind Varnish the purges reach every copy the edge holds.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import django

# What the pickled objects and the rendered fragments are made from.
SOURCE_PACKAGES = ("newsroom", "articles", "rankings", "templates")
SOURCE_SUFFIXES = frozenset({".py", ".html", ".txt", ".xml", ".jinja"})


def code_digest(root: Path) -> str:
    """A digest of every source file under ``root``'s packages (path and content), Python and Django."""
    digest = hashlib.blake2b(digest_size=8)
    digest.update(f"{sys.version_info[:2]}|{django.__version__}".encode())
    for package in SOURCE_PACKAGES:
        for path in sorted((root / package).rglob("*")):
            if path.suffix in SOURCE_SUFFIXES and "tests" not in path.parts and path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(b"\0")
                digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_version(code_version: str) -> int:
    """The cache ``VERSION`` (a positive integer, as Django's cache API expects) of ``code_version``."""
    return int.from_bytes(hashlib.blake2b(code_version.encode(), digest_size=6).digest(), "big") or 1
