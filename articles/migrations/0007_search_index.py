"""The full-text search index: FTS5 with triggers on SQLite, a stored tsvector with GIN on PostgreSQL.

Both are created with SQL of their own database (``articles.search.sqlite`` and
``articles.search.postgresql`` hold it and say how each stays in step with the
articles); neither changes Django's model state, so nothing here is seen by
``makemigrations``. Migration 0003's expression index is dropped on PostgreSQL:
the stored column replaces it.
"""

from importlib import import_module

from django.db import migrations


def _backend(schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        from articles.search import postgresql

        return postgresql
    if vendor == "sqlite":
        from articles.search import sqlite

        return sqlite
    return None


def index_install(apps, schema_editor):
    if backend := _backend(schema_editor):
        backend.index_install(schema_editor.connection)


def index_uninstall(apps, schema_editor):
    if backend := _backend(schema_editor):
        backend.index_uninstall(schema_editor.connection)
    # Back to 0003's state: its expression index again (it creates it on PostgreSQL only).
    import_module("articles.migrations.0003_article_search_index").index_create(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_workflow")]

    operations = [migrations.RunPython(index_install, index_uninstall, elidable=False)]
