"""``ArticleMonth``: the per-month summary of the sitemap index, its triggers, and its first count.

The triggers are SQL of each database (``articles.sitemap_months``); they do not change
Django's model state. The first count is one grouped scan of the articles.
"""

from django.db import migrations, models


def months_install(apps, schema_editor):
    from articles import sitemap_months

    sitemap_months.months_triggers_install(schema_editor.connection)
    sitemap_months.article_months_rebuild(connection=schema_editor.connection)


def months_uninstall(apps, schema_editor):
    from articles import sitemap_months

    sitemap_months.months_triggers_uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0008_listing_indexes"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleMonth",
            fields=[
                ("month", models.CharField(max_length=7, primary_key=True, serialize=False)),
                ("article_count", models.IntegerField()),
                ("lastmod", models.DateTimeField()),
            ],
            options={
                "ordering": ["-month"],
                "default_permissions": (),
            },
        ),
        migrations.RunPython(months_install, months_uninstall, elidable=False),
    ]
