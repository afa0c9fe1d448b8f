"""The text of an article body for the search index: its words, not its markup.

Both databases index the same thing: every tag (with its attributes, whose values
may hold ``>``) becomes a space, so neither tag names, link addresses nor ``<p>`` run
words of two paragraphs together; the entities the sanitizer writes in text become
their characters. The highlight markers (MARK_START, MARK_END) are removed from the
text so only the database can place them.
"""

import html
import re

from markupsafe import Markup, escape

# A tag with its attributes; quoted attribute values may contain ">".
TAG_PATTERN = r"""<(?:[^>"']|"[^"]*"|'[^']*')*>"""
# The database places these around each matched word (ts_headline, highlight(), snippet()).
MARK_START = "\x02"
MARK_END = "\x03"

_TAG = re.compile(TAG_PATTERN)
_SPACES = re.compile(r"\s+")
_MARKERS = str.maketrans("", "", MARK_START + MARK_END)


def html_text(body: str | None) -> str:
    """The words of an HTML ``body``: tags as spaces, entities decoded, whitespace collapsed, no markers."""
    if not body:
        return ""
    return " ".join(html.unescape(_TAG.sub(" ", body)).translate(_MARKERS).split())


def highlighted(text: str | None, *, escaped: bool = False) -> Markup:
    """``text`` escaped for HTML, each stretch between MARK_START and MARK_END in ``<mark>``, spaces collapsed.

    The markers come from the database, the text from an article: whatever either
    holds, the result is escaped text with balanced ``<mark>`` elements only.
    ``escaped``: ``text`` is already HTML-escaped (entities are decoded, then escaped again).
    """
    parts, open_ = [], False
    for piece in re.split(f"([{MARK_START}{MARK_END}])", _SPACES.sub(" ", text or "")):
        if piece == MARK_START:
            if not open_:
                parts.append(Markup("<mark>"))
            open_ = True
        elif piece == MARK_END:
            if open_:
                parts.append(Markup("</mark>"))
            open_ = False
        else:
            parts.append(escape(html.unescape(piece) if escaped else piece))
    if open_:
        parts.append(Markup("</mark>"))
    return Markup("").join(parts)
