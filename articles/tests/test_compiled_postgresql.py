"""The article page's compiled read on PostgreSQL: prepared on the server, no health-check round trip, one retry.

PostgreSQL only; outside a test transaction (``transaction=True``), as a real request runs.
"""

import pytest
from django.conf import settings as django_settings
from django.db import DEFAULT_DB_ALIAS, close_old_connections, connection, connections

from articles.tests.factories import ArticleFactory
from articles.tests.pg_support import backend_terminate

pytestmark = [
    pytest.mark.skipif(
        django_settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
        reason="PostgreSQL's prepared statements and connection handling",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def uncached_pages(settings):
    settings.PAGE_CACHE_ENABLED = False


def _prepared_article_reads() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s AND statement LIKE %s",
            ["%articles_article%", "%$1%"],
        )
        return [row[0] for row in cursor.fetchall()]


def test_a_warm_article_page_reads_its_row_through_one_prepared_statement(client, uncached_pages):
    first, second = ArticleFactory.create_batch(2)
    for article in (first, second, first, second):
        assert client.get(article.get_absolute_url()).status_code == 200

    statements = _prepared_article_reads()
    assert len(statements) == 1, statements  # the same text for every article: planned once per connection


def test_without_prepared_statements_the_page_still_reads_its_row(client, uncached_pages, settings):
    settings.PREPARED_STATEMENTS = False
    connection.close()
    article = ArticleFactory(headline="Harbour Ferry Returns")
    client.get(article.get_absolute_url())

    response = client.get(article.get_absolute_url())

    assert "Harbour Ferry Returns" in response.content.decode()
    assert _prepared_article_reads() == []


def test_the_page_skips_the_health_check_and_survives_a_killed_connection(client, uncached_pages, caplog, monkeypatch):
    article = ArticleFactory(headline="Night Trains Return")
    assert client.get(article.get_absolute_url()).status_code == 200  # relations cached, connection open
    checks = []
    wrapper = connections[DEFAULT_DB_ALIAS]
    monkeypatch.setattr(wrapper, "health_check_enabled", True)
    monkeypatch.setattr(wrapper, "is_usable", lambda: checks.append(1) or True)
    close_old_connections()  # a new request: Django would check the connection first
    killed = connection.connection.info.backend_pid
    backend_terminate(killed)

    response = client.get(article.get_absolute_url())

    assert response.status_code == 200
    assert "Night Trains Return" in response.content.decode()
    assert checks == []  # no SELECT 1 round trip
    assert "connection was dead" in caplog.text  # the read failed on the killed connection, then ran again
    assert connection.connection.info.backend_pid != killed
