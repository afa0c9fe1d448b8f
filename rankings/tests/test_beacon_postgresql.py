"""The PostgreSQL beacon statement: prepared on the server, no per-request health check, one retry.

PostgreSQL only. The tests that kill connections run outside a test
transaction (``transaction=True``): the beacon only skips Django's health
check and retries when its statement is its own transaction.
"""

import pytest
from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, close_old_connections, connection, connections
from django.test.utils import CaptureQueriesContext

from articles.models import Article
from articles.tests.factories import ArticleFactory
from articles.tests.pg_support import backend_terminate
from rankings import backends
from rankings.backends import COUNTED
from rankings.models import ReaderSeen, RejectedViewHourly
from rankings.tests import beacon_support
from rankings.tests.beacon_support import counted_views, post_beacon, rejected
from rankings.tests.test_backends import record

Reason = RejectedViewHourly.Reason

pytestmark = pytest.mark.skipif(
    django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
    reason="PostgreSQL's prepared statements and connection handling",
)


@pytest.fixture
def database_backend(settings):
    beacon_support.use_backend(settings, "database", RATE_LIMIT_PER_MINUTE=0)


def _prepared_beacon_statements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s", ["%rankings_readerseen%"]
        )
        return [row[0] for row in cursor.fetchall()]


def _request_starts() -> None:
    # What Django does when a request starts: the next statement would be health-checked.
    close_old_connections()


@pytest.mark.django_db(transaction=True)
def test_the_beacon_statement_is_prepared_once_and_counts_correctly(database_backend):
    first, second = ArticleFactory.create_batch(2)
    draft = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    for n in range(7):  # past psycopg's usual threshold, on one connection
        assert record(first, ip=f"198.51.100.{n}") == COUNTED
    assert record(second, ip="198.51.100.1") == COUNTED
    assert record(first, ip="198.51.100.1") == Reason.REPEAT
    assert record(draft, ip="198.51.100.1") == Reason.UNPUBLISHED

    statements = _prepared_beacon_statements()
    # ONE statement for every reader, article and outcome: its text and parameter types never
    # change, so it is parsed and planned once per connection, not once per beacon.
    assert len(statements) == 1, statements
    assert "$1" in statements[0]  # bound on the server, not inlined
    assert counted_views(first) == 7
    assert counted_views(second) == 1
    assert counted_views(draft) == 0
    assert rejected() == {Reason.REPEAT: 1, Reason.UNPUBLISHED: 1}
    assert not ReaderSeen.objects.filter(article_id=draft.pk).exists()


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_prepared_statement_counts_too(database_backend):
    article = ArticleFactory()
    assert connection.in_atomic_block
    assert record(article) == COUNTED
    assert record(article) == Reason.REPEAT
    assert counted_views(article) == 1


@pytest.mark.django_db(transaction=True)
def test_without_prepared_statements_nothing_is_prepared(settings, database_backend):
    settings.PREPARED_STATEMENTS = False
    connection.close()  # a fresh connection: nothing prepared by earlier tests
    article = ArticleFactory()
    assert record(article) == COUNTED
    assert _prepared_beacon_statements() == []
    assert counted_views(article) == 1


@pytest.mark.django_db(transaction=True)
def test_the_beacon_skips_the_per_request_health_check(database_backend, monkeypatch):
    article = ArticleFactory()
    assert record(article, ip="198.51.100.1") == COUNTED  # the connection is open
    checks = []
    wrapper = connections[DEFAULT_DB_ALIAS]  # the wrapper itself: attributes set on the proxy are not undone
    monkeypatch.setattr(wrapper, "health_check_enabled", True)
    monkeypatch.setattr(wrapper, "is_usable", lambda: checks.append(1) or True)
    _request_starts()
    assert not connection.health_check_done
    assert record(article, ip="198.51.100.2") == COUNTED
    assert checks == []
    assert counted_views(article) == 2


@pytest.mark.django_db(transaction=True)
def test_a_beacon_on_a_killed_connection_is_counted_exactly_once(database_backend, client, caplog):
    article = ArticleFactory()
    assert post_beacon(client, article.pk, ip="198.51.100.1").status_code == 204
    killed = connection.connection.info.backend_pid
    backend_terminate(killed)

    assert post_beacon(client, article.pk, ip="198.51.100.2").status_code == 204

    assert "connection was dead" in caplog.text  # it failed on the killed one, then retried
    assert connection.connection.info.backend_pid != killed

    assert counted_views(article) == 2
    assert rejected() == {}
    # ...and the new connection serves the next beacon (prepared afresh) as well.
    assert post_beacon(client, article.pk, ip="198.51.100.3").status_code == 204
    assert counted_views(article) == 3


@pytest.mark.django_db(transaction=True)
def test_a_retry_after_a_commit_whose_answer_was_lost_does_not_count_twice(database_backend, monkeypatch):
    article = ArticleFactory()
    assert record(article, ip="198.51.100.1") == COUNTED
    run = backends._run_record_statement
    calls = []

    def commits_then_loses_the_connection(sql, params):
        calls.append(1)
        result = run(sql, params)
        if len(calls) == 1:  # the statement committed, then the connection died before the answer
            connection.connection.close()
            raise OperationalError("server closed the connection unexpectedly")
        return result

    monkeypatch.setattr(backends, "_run_record_statement", commits_then_loses_the_connection)
    record(article, ip="198.51.100.2")
    assert len(calls) == 2
    assert counted_views(article) == 2  # once, not twice


@pytest.mark.django_db(transaction=True)
def test_an_error_on_a_live_connection_is_not_retried(database_backend, monkeypatch):
    article = ArticleFactory()
    assert record(article, ip="198.51.100.1") == COUNTED
    calls = []

    def fails(sql, params):
        calls.append(1)
        raise OperationalError("canceling statement due to lock timeout")

    monkeypatch.setattr(backends, "_run_record_statement", fails)
    assert record(article, ip="198.51.100.2") == Reason.BACKEND_ERROR
    assert calls == [1]
    monkeypatch.undo()
    assert counted_views(article) == 1


@pytest.mark.django_db(transaction=True)
def test_the_query_log_shows_the_prepared_statement_with_its_values(database_backend):
    article = ArticleFactory()
    record(article, ip="198.51.100.1")  # prepared by now
    with CaptureQueriesContext(connection) as queries:
        assert record(article, ip="198.51.100.2") == COUNTED
    (statement,) = [q["sql"] for q in queries]  # still one statement, as logged as any other
    assert '"rankings_readerseen"' in statement
    assert f'"articles_article"."id" = {article.pk}' in statement
