"""The editorial workflow: article owners, the "in review" status, internal notes and pending changes.

Roles: Reporters may now delete articles (``articles.workflow`` allows only their own
drafts) and add and read internal notes; Editors get every permission of the new models.
Existing articles get as owner the user who added them in the admin (its log), if any.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

REPORTER_PERMISSIONS = ["delete_article", "add_articlenote", "view_articlenote"]


def roles_extend(apps, schema_editor):
    """Give the 0002 roles their workflow permissions (idempotent; creates the permissions first)."""
    from django.apps import apps as global_apps
    from django.contrib.auth.management import create_permissions

    using = schema_editor.connection.alias
    create_permissions(global_apps.get_app_config("articles"), verbosity=0, interactive=False, using=using, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    articles_perms = Permission.objects.using(using).filter(content_type__app_label="articles")
    reporter = Group.objects.using(using).filter(name="Reporter").first()
    if reporter is not None:
        reporter.permissions.add(*articles_perms.filter(codename__in=REPORTER_PERMISSIONS))
    editor = Group.objects.using(using).filter(name="Editor").first()
    if editor is not None:
        editor.permissions.add(*articles_perms)


def owners_from_admin_log(apps, schema_editor):
    """Owner of each article without one: whoever added it in the admin (one UPDATE; imports stay unowned)."""
    from django.db.models import OuterRef, Subquery, TextField
    from django.db.models.functions import Cast

    using = schema_editor.connection.alias
    ContentType = apps.get_model("contenttypes", "ContentType")
    LogEntry = apps.get_model("admin", "LogEntry")
    Article = apps.get_model("articles", "Article")
    content_type = ContentType.objects.using(using).filter(app_label="articles", model="article").first()
    if content_type is None:
        return
    adder = (
        LogEntry.objects.using(using)
        .filter(content_type=content_type, action_flag=1, object_id=Cast(OuterRef("pk"), TextField()))
        .order_by("action_time")
        .values("user_id")[:1]
    )
    Article.objects.using(using).filter(owner__isnull=True).update(owner_id=Subquery(adder))


def roles_reduce(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    reporter = Group.objects.using(schema_editor.connection.alias).filter(name="Reporter").first()
    if reporter is not None:
        reporter.permissions.remove(
            *Permission.objects.filter(content_type__app_label="articles", codename__in=REPORTER_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0005_editing_sessions"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="ArticleNote",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("text", models.TextField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "internal note",
                "ordering": ["created_at", "id"],
            },
        ),
        migrations.CreateModel(
            name="ArticlePendingChange",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("content", models.JSONField(default=dict)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "verbose_name": "pending change",
            },
        ),
        migrations.RemoveConstraint(
            model_name="article",
            name="article_published_has_time",
        ),
        migrations.AddField(
            model_name="article",
            name="owner",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="owned_articles",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="article",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("in_review", "In review"),
                    ("scheduled", "Scheduled"),
                    ("published", "Published"),
                    ("withdrawn", "Withdrawn"),
                ],
                default="draft",
                max_length=10,
            ),
        ),
        migrations.AddConstraint(
            model_name="article",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("status__in", ["draft", "in_review", "withdrawn"]),
                    ("published_at__isnull", False),
                    _connector="OR",
                ),
                name="article_published_has_time",
            ),
        ),
        migrations.AddField(
            model_name="articlenote",
            name="article",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="notes", to="articles.article"
            ),
        ),
        migrations.AddField(
            model_name="articlenote",
            name="author",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.AddField(
            model_name="articlependingchange",
            name="article",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE, related_name="pending_change", to="articles.article"
            ),
        ),
        migrations.AddField(
            model_name="articlependingchange",
            name="created_by",
            field=models.ForeignKey(
                blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, to=settings.AUTH_USER_MODEL
            ),
        ),
        migrations.RunPython(roles_extend, roles_reduce),
        migrations.RunPython(owners_from_admin_log, migrations.RunPython.noop),
    ]
