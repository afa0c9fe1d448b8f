"""Reader visibility on the tag rows (``TaggedArticle.listed_at``) and a copy of the bylines
(``AuthorListing``), with the triggers that keep them (``articles.listing_sync``).

The first fill is set-based (one UPDATE of the tag rows, one INSERT ... SELECT of the bylines),
after the triggers are in place and before the listing indexes are built, in one transaction.
"""

import django.db.models.deletion
from django.db import migrations, models

import newsroom.dates


def listings_install(apps, schema_editor):
    from articles import listing_sync

    listing_sync.listing_triggers_install(schema_editor.connection)
    listing_sync.listings_rebuild(connection=schema_editor.connection)


def listings_uninstall(apps, schema_editor):
    from articles import listing_sync

    listing_sync.listing_triggers_uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0009_sitemap_months"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [
        migrations.AddField(
            model_name="taggedarticle",
            name="listed_at",
            field=newsroom.dates.BoundedDateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.CreateModel(
            name="AuthorListing",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("listed_at", newsroom.dates.BoundedDateTimeField(blank=True, editable=False, null=True)),
                (
                    "article",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="author_listings",
                        to="articles.article",
                    ),
                ),
                (
                    "author",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="listings", to="articles.author"
                    ),
                ),
            ],
            options={
                "default_permissions": (),
                "constraints": [models.UniqueConstraint(fields=("article", "author"), name="author_listing_once")],
            },
        ),
        migrations.RunPython(listings_install, listings_uninstall, elidable=False),
        migrations.AddIndex(
            model_name="taggedarticle",
            index=models.Index(
                condition=models.Q(("listed_at__isnull", False)),
                fields=["tag", "-listed_at", "-content_object"],
                name="taggedarticle_listing_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="authorlisting",
            index=models.Index(
                condition=models.Q(("listed_at__isnull", False)),
                fields=["author", "-listed_at", "-article"],
                name="author_listing_idx",
            ),
        ),
    ]
