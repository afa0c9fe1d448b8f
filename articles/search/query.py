"""A reader's search words, parsed once into terms both databases' queries are built from.

The syntax a reader may use: plain words (all must match), ``"quoted phrases"`` and
``-word`` or ``-"a phrase"`` to leave stories out. Everything else (FTS5 or tsquery
operators, column filters, ``*``, brackets, NUL) is only a separator: the words are
sent to the database as quoted strings or bound parameters, never as syntax.
"""

import re
from dataclasses import dataclass

# A search longer than this is refused with a message, not run.
SEARCH_MAX_LENGTH = 200
# At most this many terms (words or phrases) are looked for; the rest are ignored.
SEARCH_MAX_TERMS = 12

# PostgreSQL's own english.stop list (Snowball): SQLite's FTS5 drops no word by itself,
# so the query drops these on both databases and they behave alike.
STOP_WORDS = frozenset(
    """
    i me my myself we our ours ourselves you your yours yourself yourselves he him his himself she her
    hers herself it its itself they them their theirs themselves what which who whom this that these
    those am is are was were be been being have has had having do does did doing a an the and but if or
    because as until while of at by for with about against between into through during before after
    above below to from up down in out on off over under again further then once here there when where
    why how all any both each few more most other some such no nor not only own same so than too very s
    t can will just don should now
    """.split()  # noqa: SIM905 - a word list reads better as text
)

# Runs of letters or digits, keeping inner apostrophes, hyphens and dots ("minister's", "Japan-U.S").
_WORD = r"[^\W_]+(?:['’\-.][^\W_]+)*"
# A term: an optional leading "-", then a quoted phrase (the closing quote may be missing) or a word.
_TERM = re.compile(rf'(?P<negated>-)?(?:"(?P<phrase>[^"]*)"?|(?P<word>{_WORD}))')
# The tokens FTS5's unicode61 tokenizer would make of a term: letters and digits only.
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class SearchTerm:
    """One word or quoted phrase of a query: ``text`` as typed, ``tokens`` its letters-and-digits runs."""

    text: str
    tokens: tuple[str, ...]
    negated: bool = False

    def fts5(self) -> str:
        """The term as an FTS5 string: one quoted phrase of its tokens, which hold no quote or operator."""
        return '"' + " ".join(self.tokens) + '"'


@dataclass(frozen=True)
class SearchTerms:
    """What a query asks for: terms to match (all of them) and terms to leave out."""

    wanted: tuple[SearchTerm, ...]
    unwanted: tuple[SearchTerm, ...]

    def fts5(self) -> str:
        """The FTS5 MATCH expression: every wanted term, then ``NOT`` each unwanted one."""
        expression = "(" + " ".join(term.fts5() for term in self.wanted) + ")"
        return expression + "".join(" NOT " + term.fts5() for term in self.unwanted)


def search_terms_parse(query: str) -> SearchTerms:
    """The terms of ``query``: stop words and terms made only of stop words dropped, at most ``SEARCH_MAX_TERMS``.

    ``wanted`` is empty when nothing is left to look for (only stop words, only
    ``-excluded`` terms or no word at all): such a query matches nothing.
    """
    wanted, unwanted = [], []
    for match in _TERM.finditer(query):
        text = match["phrase"] if match["phrase"] is not None else match["word"]
        tokens = tuple(_TOKEN.findall(text))
        if all(token.lower() in STOP_WORDS for token in tokens):
            continue
        (unwanted if match["negated"] else wanted).append(SearchTerm(text=text, tokens=tokens))
        if len(wanted) + len(unwanted) == SEARCH_MAX_TERMS:
            break
    return SearchTerms(
        wanted=tuple(wanted),
        unwanted=tuple(SearchTerm(text=t.text, tokens=t.tokens, negated=True) for t in unwanted),
    )
