"""A GIN index on the articles' weighted search document, on PostgreSQL only.

Search matched ``to_tsvector(...)`` of every published article on every
query; with this index PostgreSQL answers the ``@@`` from it. The indexed
expression is ``articles.selectors.article_search_vector()``'s, written out
here as the migration's own copy; a test checks that the search still uses
the index, so the two cannot drift apart unnoticed. SQLite has no full-text
index of this kind (its search is the fallback word match), so nothing is
done there.
"""

from django.db import migrations

INDEX_NAME = "article_search_idx"


def _index():
    from django.contrib.postgres.indexes import GinIndex
    from django.contrib.postgres.search import SearchVector

    return GinIndex(
        SearchVector("headline", weight="A", config="english")
        + SearchVector("deck", weight="B", config="english")
        + SearchVector("body", weight="C", config="english"),
        name=INDEX_NAME,
    )


def index_create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.add_index(apps.get_model("articles", "Article"), _index())


def index_drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.remove_index(apps.get_model("articles", "Article"), _index())


class Migration(migrations.Migration):
    dependencies = [("articles", "0002_roles")]

    operations = [migrations.RunPython(index_create, index_drop, elidable=False)]
