"""Roles (the 0002_roles data migration) and the editorial services that enforce them on the server."""

import importlib
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission, User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import timezone

from articles.models import Article, ArticleUpdate
from articles.services import (
    article_publish,
    article_schedule,
    article_update_add,
    article_withdraw,
)
from articles.tests.factories import ArticleFactory, ArticleUpdateFactory, staff_user_create

pytestmark = pytest.mark.django_db

roles_migration = importlib.import_module("articles.migrations.0002_roles")
# What RunPython hands the functions; they only read the connection's alias from it.
SCHEMA_EDITOR = SimpleNamespace(connection=connection)


def draft(**kwargs) -> Article:
    return ArticleFactory(status=Article.Status.DRAFT, published_at=None, **kwargs)


# --- The groups --------------------------------------------------------------------------------


def perms_of(group_name: str) -> set[str]:
    group = Group.objects.get(name=group_name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


def test_reporter_writes_but_cannot_publish_and_deletes_only_articles():
    perms = perms_of("Reporter")
    for model in ("article", "photo", "author", "articleupdate"):
        assert {f"articles.add_{model}", f"articles.change_{model}", f"articles.view_{model}"} <= perms
    assert {"taggit.add_tag", "taggit.change_tag", "taggit.view_tag"} <= perms
    assert "articles.publish_article" not in perms
    # Deleting articles is theirs since 0006_workflow, limited by articles.workflow to their own drafts.
    assert {perm for perm in perms if ".delete_" in perm} == {"articles.delete_article"}
    assert {"articles.add_articlenote", "articles.view_articlenote"} <= perms


def test_editor_has_everything_on_articles_including_publish_preview_and_delete():
    perms = perms_of("Editor")
    assert {"articles.publish_article", "articles.preview_article", "articles.delete_article"} <= perms
    every_article_perm = {
        f"articles.{codename}"
        for codename in Permission.objects.filter(content_type__app_label="articles").values_list("codename", flat=True)
    }
    assert every_article_perm <= perms
    assert "taggit.delete_tag" in perms


def test_user_permissions_follow_the_group(editor, reporter):
    assert editor.has_perm("articles.publish_article")
    assert not reporter.has_perm("articles.publish_article")
    assert reporter.has_perm("articles.change_article")


def test_migration_creates_missing_permissions_first_as_on_a_fresh_database():
    """On a fresh database post_migrate has not created permissions yet when 0002 runs."""
    Group.objects.filter(name__in=["Reporter", "Editor"]).delete()
    Permission.objects.filter(content_type__app_label="articles").delete()

    roles_migration.roles_create(global_apps, SCHEMA_EDITOR)

    assert "articles.publish_article" in perms_of("Editor")
    assert "articles.add_article" in perms_of("Reporter")
    assert "articles.publish_article" not in perms_of("Reporter")


def test_migration_reverse_removes_the_groups_and_can_run_again():
    roles_migration.roles_delete(global_apps, SCHEMA_EDITOR)
    assert not Group.objects.filter(name__in=["Reporter", "Editor"]).exists()
    roles_migration.roles_create(global_apps, SCHEMA_EDITOR)
    roles_migration.roles_create(global_apps, SCHEMA_EDITOR)  # idempotent
    assert Group.objects.filter(name__in=["Reporter", "Editor"]).count() == 2


# --- Publishing services: the permission ---------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        lambda a, u: article_publish(article=a, user=u),
        lambda a, u: article_schedule(article=a, user=u, when=timezone.now() + timedelta(hours=2)),
    ],
    ids=["publish", "schedule"],
)
def test_reporter_cannot_publish_or_schedule_through_the_services(reporter, call):
    article = draft()
    with pytest.raises(PermissionDenied):
        call(article, reporter)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None


def test_reporter_cannot_withdraw(reporter):
    article = ArticleFactory()
    with pytest.raises(PermissionDenied):
        article_withdraw(article=article, user=reporter)
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED


def test_no_user_cannot_publish():
    with pytest.raises(PermissionDenied):
        article_publish(article=draft(), user=None)


def test_superuser_can_publish():
    boss = User.objects.create_superuser("boss", password="irrelevant-pass-123")
    article = article_publish(article=draft(), user=boss)
    assert article.status == Article.Status.PUBLISHED


# --- Publishing services: state ------------------------------------------------------------------


def test_publish_a_draft_sets_now_and_makes_it_visible(editor):
    article = draft()
    now = timezone.now()
    article_publish(article=article, user=editor, now=now)
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == now
    assert Article.objects.published().filter(pk=article.pk).exists()


def test_publish_twice_is_refused(editor):
    article = ArticleFactory()
    with pytest.raises(ValidationError, match="already published"):
        article_publish(article=article, user=editor)


def test_republishing_a_withdrawn_story_keeps_its_original_time(editor):
    first = timezone.now() - timedelta(days=3)
    article = ArticleFactory(status=Article.Status.WITHDRAWN, published_at=first)
    article_publish(article=article, user=editor)
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == first


def test_publishing_a_future_scheduled_story_now_moves_its_time_to_now(editor):
    article = ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(days=1))
    now = timezone.now()
    article_publish(article=article, user=editor, now=now)
    article.refresh_from_db()
    assert (article.status, article.published_at) == (Article.Status.PUBLISHED, now)


def test_state_is_checked_against_the_database_not_a_stale_instance(editor):
    article = draft()
    stale = Article.objects.get(pk=article.pk)
    article_publish(article=article, user=editor)
    with pytest.raises(ValidationError):
        article_publish(article=stale, user=editor)  # someone else published it meanwhile


def test_withdraw_keeps_the_time_and_hides_the_story(editor):
    article = ArticleFactory()
    published_at = article.published_at
    article_withdraw(article=article, user=editor)
    article.refresh_from_db()
    assert article.status == Article.Status.WITHDRAWN
    assert article.published_at == published_at
    assert not Article.objects.published().filter(pk=article.pk).exists()


@pytest.mark.parametrize("status", [Article.Status.DRAFT, Article.Status.WITHDRAWN])
def test_withdraw_needs_a_live_article(editor, status):
    article = ArticleFactory(status=status, published_at=None)
    with pytest.raises(ValidationError):
        article_withdraw(article=article, user=editor)


def test_schedule_a_draft(editor):
    article = draft()
    when = timezone.now() + timedelta(hours=5)
    article_schedule(article=article, user=editor, when=when)
    article.refresh_from_db()
    assert (article.status, article.published_at) == (Article.Status.SCHEDULED, when)
    assert not Article.objects.published().filter(pk=article.pk).exists()
    assert Article.objects.published(now=when).filter(pk=article.pk).exists()


def test_schedule_refuses_past_naive_and_published(editor):
    article = draft()
    with pytest.raises(ValidationError, match="future"):
        article_schedule(article=article, user=editor, when=timezone.now() - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="time zone"):
        article_schedule(article=article, user=editor, when=(timezone.now() + timedelta(hours=1)).replace(tzinfo=None))
    with pytest.raises(ValidationError, match="withdraw"):
        article_schedule(article=ArticleFactory(), user=editor, when=timezone.now() + timedelta(hours=1))
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


# --- Updates and corrections ------------------------------------------------------------------------


def test_update_add_records_the_author_and_counts(reporter):
    article = ArticleFactory()
    update = article_update_add(article=article, kind="update", note="  Adds the minister's reply.  ", user=reporter)
    article_update_add(article=article, kind="correction", note="Corrects the date of the vote.", user=reporter)
    assert update.created_by == reporter
    assert update.note == "Adds the minister's reply."
    # Corrections are listed, but only updates count in "(UPDATE n)".
    assert article.update_count == 1
    assert article.display_headline.endswith("(UPDATE 1)")
    assert article.last_updated_at is not None


@pytest.mark.parametrize(("kind", "note"), [("rumour", "Something"), ("update", "   "), ("correction", "")])
def test_update_add_refuses_bad_input(editor, kind, note):
    article = ArticleFactory()
    with pytest.raises(ValidationError):
        article_update_add(article=article, kind=kind, note=note, user=editor)
    assert not ArticleUpdate.objects.filter(article=article).exists()


def test_update_add_needs_the_permission():
    nobody = staff_user_create("visitor")
    with pytest.raises(PermissionDenied):
        article_update_add(article=ArticleFactory(), kind="update", note="Sneaky.", user=nobody)


def test_update_add_without_user_is_for_scripts():
    article = ArticleFactory()
    ArticleUpdateFactory(article=article)
    update = article_update_add(article=article, kind="update", note="Imported note.", user=None)
    assert update.created_by is None
    assert article.update_count == 2
