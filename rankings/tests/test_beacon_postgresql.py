"""The PostgreSQL beacon statement: one write, asynchronous commit, Django's own connection handling.

PostgreSQL only. The tests that kill connections run outside a test
transaction (``transaction=True``), as requests run in production.
"""

import pytest
from django.conf import settings as django_settings
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.tests.factories import ArticleFactory
from articles.tests.pg_support import backend_terminate
from rankings.backends import COUNTED
from rankings.backends import database as database_backend_module
from rankings.models import ReaderSeen, RejectedViewHourly
from rankings.tests import beacon_support
from rankings.tests.beacon_support import counted_views, rejected
from rankings.tests.test_backends import record
from rankings.tests.test_wsgi import beacon_body, wsgi_call

Reason = RejectedViewHourly.Reason

pytestmark = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="PostgreSQL's one-statement record and connection handling",
)


@pytest.fixture
def database_backend(settings):
    beacon_support.use_backend(settings, "database", RATE_LIMIT_PER_MINUTE=0)


@pytest.mark.django_db(transaction=True)
def test_one_write_statement_counts_every_outcome_correctly(database_backend):
    first, second = ArticleFactory.create_batch(2)
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    with CaptureQueriesContext(connection) as queries:
        for n in range(3):
            assert record(first, ip=f"198.51.100.{n}") == COUNTED
        assert record(second, ip="198.51.100.1") == COUNTED
        assert record(first, ip="198.51.100.1") == Reason.REPEAT
        assert record(draft, ip="198.51.100.1") == Reason.UNPUBLISHED
    # One statement per beacon (a rejection adds its count), the same for every reader and article.
    assert len(queries) == 6 + 2
    assert sum('"rankings_readerseen"' in q["sql"] for q in queries) == 6
    assert counted_views(first) == 3
    assert counted_views(second) == 1
    assert counted_views(draft) == 0
    assert rejected() == {Reason.REPEAT: 1, Reason.UNPUBLISHED: 1}
    assert not ReaderSeen.objects.filter(article_id=draft.pk).exists()  # a draft never blocks a first view


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_statement_commits_with_it(database_backend):
    article = ArticleFactory()
    assert connection.in_atomic_block
    with CaptureQueriesContext(connection) as queries:
        assert record(article) == COUNTED
    assert all("synchronous_commit" not in q["sql"] for q in queries)  # never for a caller's transaction
    assert record(article) == Reason.REPEAT
    assert counted_views(article) == 1


@pytest.mark.django_db(transaction=True)
def test_a_beacon_after_its_connection_was_killed_is_counted_exactly_once(database_backend):
    # Through the WSGI application, as gunicorn calls it (the test client leaves the
    # request-start connection handling out).
    article = ArticleFactory()
    assert wsgi_call(body=beacon_body(article.pk), REMOTE_ADDR="198.51.100.1")[0] == "204 No Content"
    killed = connection.connection.info.backend_pid
    backend_terminate(killed)

    # Django's health check at the start of the request (CONN_HEALTH_CHECKS) finds it dead.
    assert wsgi_call(body=beacon_body(article.pk), REMOTE_ADDR="198.51.100.2")[0] == "204 No Content"

    assert connection.connection.info.backend_pid != killed
    assert counted_views(article) == 2
    assert rejected() == {}
    assert wsgi_call(body=beacon_body(article.pk), REMOTE_ADDR="198.51.100.3")[0] == "204 No Content"
    assert counted_views(article) == 3


@pytest.mark.django_db(transaction=True)
def test_a_failing_statement_is_a_backend_error_counted_once(database_backend, monkeypatch, caplog):
    article = ArticleFactory()
    assert record(article, ip="198.51.100.1") == COUNTED
    calls = []

    def fails(sql, params):
        calls.append(1)
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(database_backend_module, "record_statement_run", fails)
    assert record(article, ip="198.51.100.2") == Reason.BACKEND_ERROR
    assert calls == [1]  # not run again: it may have committed
    assert "could not record a page view" in caplog.text
    monkeypatch.undo()
    assert counted_views(article) == 1


@pytest.mark.django_db(transaction=True)
def test_the_query_log_shows_the_statement_with_its_values(database_backend):
    article = ArticleFactory()
    with CaptureQueriesContext(connection) as queries:
        assert record(article, ip="198.51.100.2") == COUNTED
    (statement,) = [q["sql"] for q in queries]
    assert f'"articles_article"."id" = {article.pk}' in statement
    assert '"rankings_readerseen"' in statement
    assert f"SELECT {article.pk}," in statement
