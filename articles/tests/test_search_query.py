"""Parsing a reader's query into search terms (articles.search.query) and highlighting (articles.search.text)."""

import pytest

from articles.search.query import SEARCH_MAX_TERMS, search_terms_parse
from articles.search.text import MARK_END, MARK_START, highlighted, html_text


def texts(terms):
    return [t.text for t in terms]


@pytest.mark.parametrize(
    ("query", "wanted", "unwanted"),
    [
        ("harbour crane", ["harbour", "crane"], []),
        ('  "Tokyo,"  Bay!! ', ["Tokyo,", "Bay"], []),
        ("Japan-U.S. talks", ["Japan-U.S", "talks"], []),
        ("minister's speech", ["minister's", "speech"], []),
        ("東京 五輪", ["東京", "五輪"], []),
        ("% _ \\ ' \" -- ++", [], []),
        ("the a of and", [], []),
        ("the harbour OR the crane", ["harbour", "crane"], []),
        ('harbour -crane -"the old pier"', ["harbour"], ["crane", "the old pier"]),
        ('"the harbour', ["the harbour"], []),  # unclosed quote: to the end
        ('"the of"', [], []),  # a phrase of stop words only
        ("well-known -", ["well-known"], []),
        (" ".join(f"w{n}" for n in range(30)), [f"w{n}" for n in range(SEARCH_MAX_TERMS)], []),
    ],
)
def test_terms(query, wanted, unwanted):
    terms = search_terms_parse(query)
    assert texts(terms.wanted) == wanted
    assert texts(terms.unwanted) == unwanted


@pytest.mark.parametrize(
    ("query", "fts5"),
    [
        ("harbour crane", '("harbour" "crane")'),
        ('NEAR(a b) headline:x "y*" ^z', '("NEAR" "b" "headline" "x" "y" "z")'),
        ('harbour -"old pier" -crane', '("harbour") NOT "old pier" NOT "crane"'),
        ("Japan-U.S.", '("Japan U S")'),
    ],
)
def test_fts5_expression_quotes_every_token(query, fts5):
    assert search_terms_parse(query).fts5() == fts5


@pytest.mark.parametrize(
    ("body", "text"),
    [
        ("<p>One</p><p>two</p>", "One two"),
        ('<a href="https://x.example/volcano" title="a>b">map</a>', "map"),
        ("<p>Fish &amp; chips &lt;b&gt;&nbsp;x</p>", "Fish & chips <b> x"),
        ("<p>a\x02b\x03c</p>", "abc"),
        ("", ""),
        (None, ""),
    ],
)
def test_html_text(body, text):
    assert html_text(body) == text


@pytest.mark.parametrize(
    ("raw", "escaped", "html"),
    [
        (f"the {MARK_START}harbour{MARK_END} <b>", False, "the <mark>harbour</mark> &lt;b&gt;"),
        (f"the {MARK_START}harbour{MARK_END} &lt;b&gt;", True, "the <mark>harbour</mark> &lt;b&gt;"),
        (f"{MARK_START}open", False, "<mark>open</mark>"),
        (f"stray{MARK_END} {MARK_START}{MARK_START}x{MARK_END}", False, "stray <mark>x</mark>"),
        ("a   \n b", False, "a b"),
        (None, False, ""),
    ],
)
def test_highlighted_is_escaped_with_balanced_marks(raw, escaped, html):
    assert str(highlighted(raw, escaped=escaped)) == html
