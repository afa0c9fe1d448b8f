"""Beacon tokens: signed for one article, expiring, and rendered by the tag without inline JavaScript."""

import time
from datetime import timedelta

import pytest
from django.core import signing
from django.template import Context, Template
from django.utils import timezone

from articles.models import Article
from articles.tests.factories import ArticleFactory
from rankings.tokens import TOKEN_SALT, page_view_token_check, page_view_token_make


def _signed_at(article_id: int, seconds_ago: int, *, salt: str = TOKEN_SALT) -> str:
    """A token exactly as ours, but signed ``seconds_ago`` in the past."""
    signer = signing.TimestampSigner(salt=salt)
    stamped = f"{article_id}{signer.sep}{signing.b62_encode(int(time.time()) - seconds_ago)}"
    return signing.Signer.sign(signer, stamped)


def test_a_fresh_token_is_valid_for_its_article_only():
    token = page_view_token_make(article_id=42)
    assert page_view_token_check(token=token, article_id=42)
    assert not page_view_token_check(token=token, article_id=43)


def test_token_expires_after_max_age(settings):
    settings.RANKINGS = {**settings.RANKINGS, "TOKEN_MAX_AGE": 3600}
    assert page_view_token_check(token=_signed_at(7, 3500), article_id=7)
    assert not page_view_token_check(token=_signed_at(7, 3700), article_id=7)


def test_forged_and_tampered_tokens_fail():
    token = page_view_token_make(article_id=5)
    value, timestamp, signature = token.split(":")
    assert not page_view_token_check(token=f"6:{timestamp}:{signature}", article_id=6)
    assert not page_view_token_check(token=f"{value}:{timestamp}:{signature[:-2]}xx", article_id=5)
    # Signed with another salt (another signed value of the site) or another secret key.
    assert not page_view_token_check(token=_signed_at(5, 0, salt="something.else"), article_id=5)
    other_key = signing.TimestampSigner(key="another-secret-key-" * 3, salt=TOKEN_SALT).sign("5")
    assert not page_view_token_check(token=other_key, article_id=5)


@pytest.mark.parametrize(
    "junk",
    ["", ":", "::", "5", "5:", "5::", "5:zz:", "5:!!!:abc", "x" * 5000, "5:1tXyz:é", "\x00\n", "None"],
)
def test_malformed_tokens_fail_without_raising(junk):
    assert page_view_token_check(token=junk, article_id=5) is False


def test_changing_the_secret_key_invalidates_tokens(settings):
    token = page_view_token_make(article_id=9)
    settings.SECRET_KEY = "a-completely-different-secret-key-for-this-test-only-0123456789"
    assert not page_view_token_check(token=token, article_id=9)
    assert page_view_token_check(token=page_view_token_make(article_id=9), article_id=9)


def _render_tag(article) -> str:
    return Template("{% load page_views %}{% page_view_beacon article %}").render(Context({"article": article}))


@pytest.mark.django_db
def test_tag_renders_one_deferred_external_script_with_a_valid_token():
    article = ArticleFactory()
    html = _render_tag(article)
    assert html.startswith('<script src="/static/js/beacon.')  # hashed, compressed static file
    assert html.endswith("></script>")  # no inline code for the CSP to refuse
    assert " defer " in html
    assert 'data-endpoint="/rankings/beacon"' in html
    assert f'data-article="{article.pk}"' in html
    token = html.split('data-token="', 1)[1].split('"', 1)[0]
    assert page_view_token_check(token=token, article_id=article.pk)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "published_delta"),
    [
        (Article.Status.DRAFT, None),
        (Article.Status.WITHDRAWN, timedelta(hours=-2)),
        (Article.Status.SCHEDULED, timedelta(hours=2)),
    ],
)
def test_tag_renders_nothing_for_articles_readers_cannot_see(status, published_delta):
    published_at = timezone.now() + published_delta if published_delta is not None else None
    article = ArticleFactory(status=status, published_at=published_at)
    assert _render_tag(article) == ""


@pytest.mark.django_db
def test_tag_signs_once_per_second_and_follows_the_clock_and_the_key(monkeypatch, settings):
    article = ArticleFactory()
    clock = [1_900_000_000.2]
    monkeypatch.setattr(time, "time", lambda: clock[0])  # the tag's and the signer's clock

    def token() -> str:
        return _render_tag(article).split('data-token="', 1)[1].split('"', 1)[0]

    first = token()
    clock[0] += 0.5  # the same second: the same token, as signing would give
    assert token() == first
    clock[0] += 1  # a new second: a token with the new signing time
    later = token()
    assert later != first
    settings.SECRET_KEY = "another-secret-key-for-this-test-only-0123456789-abcdefghijklmnop"
    rotated = token()
    assert rotated != later
    assert page_view_token_check(token=rotated, article_id=article.pk)
    assert not page_view_token_check(token=later, article_id=article.pk)
