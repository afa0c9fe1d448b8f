"""CompiledQuery: compiled once, yet always what the ORM would have run."""

from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.utils import timezone

from articles.compiled import MARKER_IDS, MARKER_TIMES, CompiledQuery
from articles.models import Article, Photo
from articles.tests.factories import ArticleFactory, PhotoFactory

pytestmark = pytest.mark.django_db

MARKERS = tuple({"pk": pk, "now": now} for pk, now in zip(MARKER_IDS, MARKER_TIMES, strict=True))


def published_by_pk(*, pk, now):
    return Article.objects.published(now=now).filter(pk=pk).order_by()


def test_sql_and_parameters_are_the_orms():
    query = CompiledQuery(published_by_pk, markers=MARKERS)
    now = timezone.now()

    sql, params = query.sql_with_params(pk=42, now=now)

    expected_sql, expected_params = published_by_pk(pk=42, now=now).query.get_compiler("default").as_sql()
    assert sql == expected_sql
    assert params == list(expected_params)
    assert query._by_vendor[connection.vendor] is not None  # really compiled, not the fallback


def test_first_builds_the_same_instance_as_the_orm():
    article = ArticleFactory(dateline="OSAKA", update_count=2)
    query = CompiledQuery(published_by_pk, markers=MARKERS)

    found = query.first(pk=article.pk, now=timezone.now())

    expected = Article.objects.get(pk=article.pk)
    assert isinstance(found, Article)
    for field in Article._meta.concrete_fields:
        assert getattr(found, field.attname) == getattr(expected, field.attname), field.name
    assert timezone.is_aware(found.published_at)
    assert found._state.adding is False
    assert found._state.db == "default"


def test_first_applies_field_converters():
    photo = PhotoFactory()
    Photo.objects.filter(pk=photo.pk).update(renditions={"webp": [{"width": 640, "name": "a.webp"}]})
    query = CompiledQuery(
        lambda *, pk: Photo.objects.filter(pk=pk).order_by(),
        markers=tuple({"pk": pk} for pk in MARKER_IDS),
    )

    found = query.first(pk=photo.pk)

    assert found.renditions == {"webp": [{"width": 640, "name": "a.webp"}]}
    assert timezone.is_aware(found.created_at)


def test_first_follows_the_parameters_not_the_markers():
    visible = ArticleFactory()
    scheduled = ArticleFactory(status=Article.Status.SCHEDULED, published_at=timezone.now() + timedelta(hours=1))
    query = CompiledQuery(published_by_pk, markers=MARKERS)

    assert query.first(pk=visible.pk, now=timezone.now()) == visible
    assert query.first(pk=scheduled.pk, now=timezone.now()) is None
    assert query.first(pk=scheduled.pk, now=timezone.now() + timedelta(hours=2)) == scheduled
    assert query.first(pk=10**12, now=timezone.now()) is None


def test_a_value_derived_from_a_marker_falls_back_to_the_orm():
    # "now - 1 hour" reaches the SQL as a value that is neither marker: never frozen.
    def published_an_hour_ago(*, pk, now):
        return Article.objects.published(now=now - timedelta(hours=1)).filter(pk=pk).order_by()

    query = CompiledQuery(published_an_hour_ago, markers=MARKERS)
    fresh = ArticleFactory(published_at=timezone.now() - timedelta(minutes=10))
    now = timezone.now()

    assert query.first(pk=fresh.pk, now=now) is None
    assert query.first(pk=fresh.pk, now=now + timedelta(hours=1)) == fresh
    assert query._by_vendor[connection.vendor] is None
    sql, params = query.sql_with_params(pk=fresh.pk, now=now)
    assert params == list(published_an_hour_ago(pk=fresh.pk, now=now).query.get_compiler("default").as_sql()[1])


def test_a_marker_that_never_reaches_the_sql_falls_back():
    query = CompiledQuery(lambda *, pk, now: Article.objects.filter(pk=pk).order_by(), markers=MARKERS)
    article = ArticleFactory()

    assert query.first(pk=article.pk, now=timezone.now()) == article
    assert query._by_vendor[connection.vendor] is None


def test_a_values_query_is_compiled_but_not_built_into_instances():
    article = ArticleFactory()
    query = CompiledQuery(
        lambda *, pk, now: Article.objects.published(now=now).filter(pk=pk).order_by().values(published_id=F("pk")),
        markers=MARKERS,
    )

    with connection.cursor() as cursor:
        cursor.execute(*query.sql_with_params(pk=article.pk, now=timezone.now()))
        assert cursor.fetchall() == [(article.pk,)]
    assert query.first(pk=article.pk, now=timezone.now()) == {"published_id": article.pk}


def test_markers_must_differ():
    with pytest.raises(ValueError, match="every value different"):
        CompiledQuery(published_by_pk, markers=(MARKERS[0], {**MARKERS[1], "pk": MARKERS[0]["pk"]}))
