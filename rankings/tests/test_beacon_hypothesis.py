"""Property-based: whatever arrives at the beacon, the answer is a 2xx/4xx, never a 500, and nothing forged counts."""

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from articles.tests.factories import ArticleFactory
from rankings.tests import beacon_support
from rankings.tests.beacon_support import BEACON_URL, GOOGLEBOT_UA, READER_UA, counted_views
from rankings.tokens import page_view_token_make

counter_backend = beacon_support.counter_backend

ALLOWED_STATUSES = {204, 400, 405, 413}

header_text = st.text(st.characters(codec="latin-1"), max_size=300)
user_agents = st.one_of(st.just(READER_UA), st.just(GOOGLEBOT_UA), header_text)
token_like = st.one_of(
    st.text(max_size=120),
    st.from_regex(r"[0-9]{1,6}:[0-9A-Za-z]{6}:[A-Za-z0-9_\-]{43}", fullmatch=True),
)


def _form_body(draw_article, draw_token) -> bytes:
    return f"a={draw_article}&t={draw_token}".encode("utf-8", "surrogatepass")


forged_forms = st.builds(_form_body, st.one_of(st.integers(-5, 10**20), st.text(max_size=30)), token_like)
raw_bodies = st.one_of(st.binary(max_size=3000), forged_forms)

client_settings = hypothesis_settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def article(db):
    return ArticleFactory()


def _content_lengths(body: bytes):
    # Django's test client cannot model a client that promises more bytes than it
    # sends (a real server just waits for them), so lies stay at or below the body
    # size, or are large enough to be refused before anything is read.
    return st.one_of(
        st.none(),
        st.integers(0, len(body)).map(str),
        st.integers(2049, 10**9).map(str),
        st.integers(-(10**6), -1).map(str),
        header_text.filter(lambda text: not text.strip().lstrip("+-").isdigit()),
    )


@pytest.mark.django_db
@client_settings
@given(
    method=st.sampled_from(["POST", "POST", "POST", "GET", "PUT", "HEAD", "OPTIONS"]),
    body=raw_bodies,
    content_type=st.one_of(
        st.just("application/x-www-form-urlencoded"), st.just("text/plain;charset=UTF-8"), header_text
    ),
    user_agent=user_agents,
    forwarded_for=st.one_of(st.none(), header_text),
    remote_addr=st.one_of(st.just("203.0.113.5"), header_text),
    data=st.data(),
)
def test_random_requests_never_500_and_never_count(
    counter_backend, client, settings, article, method, body, content_type, user_agent, forwarded_for, remote_addr, data
):
    settings.RANKINGS = {**settings.RANKINGS, "TRUSTED_PROXY_COUNT": 1}
    extra = {"HTTP_USER_AGENT": user_agent, "REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    content_length = data.draw(_content_lengths(body), label="content_length")
    if content_length is not None:
        extra["CONTENT_LENGTH"] = content_length
    client.raise_request_exception = True  # an exception in the view fails the test outright
    response = client.generic(method, BEACON_URL, body, content_type=content_type, **extra)
    assert response.status_code in ALLOWED_STATUSES
    assert counted_views() == 0  # (flushes Redis first)


@pytest.mark.django_db
@client_settings
@given(token=token_like)
def test_random_tokens_for_a_real_article_never_count(counter_backend, client, article, token):
    response = client.post(
        BEACON_URL, f"a={article.pk}&t={token}", content_type="text/plain", HTTP_USER_AGENT=READER_UA
    )
    assert response.status_code in {204, 400}
    assert counted_views() == 0


@pytest.mark.django_db
def test_a_real_beacon_between_junk_still_counts(counter_backend, client, article):
    junk = [b"\x00" * 100, b"a=1&t=" + b"x" * 3000, b"a=%ff%fe&t=%00"]
    for body in junk:
        client.post(BEACON_URL, body, content_type="text/plain", HTTP_USER_AGENT=READER_UA)
    token = page_view_token_make(article_id=article.pk)
    response = client.post(
        BEACON_URL, f"a={article.pk}&t={token}", content_type="text/plain", HTTP_USER_AGENT=READER_UA
    )
    assert response.status_code == 204
    assert counted_views(article) == 1
