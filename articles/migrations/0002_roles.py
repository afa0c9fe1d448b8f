"""The newsroom's two roles as auth groups: Reporter and Editor.

Reporter: writes and edits drafts (articles, photos, authors, tags, update notes) and
previews them, but has no ``publish_article``: the admin and ``articles.services`` refuse
to publish, schedule or withdraw for them. Editor: every permission of the ``articles``
and ``taggit`` apps, including ``publish_article``, ``preview_article`` and deletes.

Permissions are normally created by a post_migrate signal, after *all* migrations have
run, so on a fresh database they do not exist yet when this migration runs: it creates
them first with ``create_permissions`` for the apps it needs.
"""

from django.apps import apps as global_apps
from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLE_APPS = ("articles", "taggit")

REPORTER_PERMISSIONS = {
    "articles": [
        "add_article", "change_article", "view_article", "preview_article",
        "add_articleupdate", "change_articleupdate", "view_articleupdate",
        "add_photo", "change_photo", "view_photo",
        "add_author", "change_author", "view_author",
        "view_section",
    ],
    "taggit": ["add_tag", "change_tag", "view_tag"],
}  # fmt: skip


def _ensure_permissions(apps, using):
    for label in ROLE_APPS:
        app_config = global_apps.get_app_config(label)
        create_permissions(app_config, verbosity=0, interactive=False, using=using, apps=apps)


def roles_create(apps, schema_editor):
    using = schema_editor.connection.alias
    _ensure_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    reporter, _ = Group.objects.using(using).get_or_create(name="Reporter")
    wanted = [(app, codename) for app, codenames in REPORTER_PERMISSIONS.items() for codename in codenames]
    reporter_perms = [
        Permission.objects.using(using).get(content_type__app_label=app, codename=codename) for app, codename in wanted
    ]
    reporter.permissions.add(*reporter_perms)

    editor, _ = Group.objects.using(using).get_or_create(name="Editor")
    editor.permissions.add(*Permission.objects.using(using).filter(content_type__app_label__in=ROLE_APPS))


def roles_delete(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=["Reporter", "Editor"]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("articles", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
    ]

    operations = [migrations.RunPython(roles_create, roles_delete)]
