"""Out-of-range dates: refused where editors and imports give them, harmless wherever one is stored anyway."""

import re
from datetime import UTC, datetime, timedelta, timezone
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import connection  # noqa: F401 - read by the skipif condition
from django.db.models import Max
from django.urls import reverse

from articles.models import Article, ArticleUpdate, Photo
from articles.tests.factories import ArticleFactory, ArticleUpdateFactory, SectionFactory
from newsroom.dates import DATETIME_MAX, DATETIME_MIN, datetime_clamp, datetime_in_tokyo

pytestmark = pytest.mark.django_db

TOKYO = ZoneInfo("Asia/Tokyo")
MINUS_12 = timezone(timedelta(hours=-12))

on_postgresql = pytest.mark.skipif("connection.vendor != 'postgresql'", reason="only PostgreSQL stores it")

# What a database can be made to hold through the ORM (QuerySet.update() skips every validator).
# Python holds the first two in UTC; the first overflows when shown in Tokyo, the second is year 1.
# PostgreSQL also stores instants Python cannot hold: year 10000 in UTC, and 1 BC (what
# "0001-01-01" typed in the admin's Tokyo time is in UTC).
STORED_DATES = [
    pytest.param(datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC), id="9999-12-31T23:59:59Z"),
    pytest.param(datetime(1, 1, 1, tzinfo=UTC), id="0001-01-01T00:00:00Z"),
    pytest.param(
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=MINUS_12), id="9999-12-31T23:59:59-12:00", marks=on_postgresql
    ),
    pytest.param(datetime(1, 1, 1, tzinfo=TOKYO), id="0001-01-01JST", marks=on_postgresql),
]


@pytest.fixture
def superuser_client(client):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "irrelevant-pass-123"))
    return client


def store_directly(article, value, *, status=Article.Status.SCHEDULED):
    """Write ``value`` into every date column of ``article``, bypassing every validator."""
    Article.objects.filter(pk=article.pk).update(
        status=status, published_at=value, last_updated_at=value, created_at=value, modified_at=value
    )
    ArticleUpdate.objects.filter(article=article).update(created_at=value)


@pytest.mark.parametrize("value", STORED_DATES)
def test_no_page_crashes_on_any_stored_date(client, superuser_client, value):
    label = value.isoformat()
    section = SectionFactory(name="Politics", slug="politics")
    readable = ArticleFactory(headline="Lighthouse Keeper Retires", section=section)
    scheduled = ArticleFactory(headline="Lighthouse Reopens", section=section)
    published = ArticleFactory(headline="Lighthouse Museum Opens", section=section)
    ArticleUpdateFactory(article=published, kind=ArticleUpdate.Kind.CORRECTION, note="Name corrected.")
    # One bad date as the next scheduled article (page lifetimes), one as a visible story.
    store_directly(scheduled, value, status=Article.Status.SCHEDULED)
    store_directly(published, value, status=Article.Status.PUBLISHED)
    Photo.objects.update(created_at=value, updated_at=value)

    reader_urls = [
        "/",
        section.get_absolute_url(),
        "/ranking/",
        "/feed/",
        "/atom/",
        reverse("syndication:section_feed", kwargs={"slug": "politics"}),
        "/sitemap.xml",
        "/sitemap-news.xml",
        "/sitemap-sections.xml",
        "/sitemap-home.xml",
        "/search/?q=lighthouse",
        readable.get_absolute_url(),
    ]
    # Every sitemap the index lists (one per month of articles: the bad dates' months too).
    index = client.get("/sitemap.xml").content.decode()
    reader_urls += [urlsplit(loc).path for loc in re.findall(r"<loc>([^<]+)</loc>", index)]
    assert any("/sitemap-articles-" in url for url in reader_urls)
    for url in reader_urls:
        response = client.get(url)
        assert response.status_code == 200, f"{label}: {url} answered {response.status_code}"
    # The story with the bad time itself, if readers may see it (a time in the past).
    if Article.objects.get(pk=published.pk).is_visible():
        assert client.get(f"/articles/{published.pk}/{published.slug}/").status_code == 200

    admin_urls = [
        reverse("admin:articles_article_changelist"),
        reverse("admin:articles_article_changelist") + "?published_at__year=2026",
        reverse("admin:articles_article_change", args=[scheduled.pk]),
        reverse("admin:articles_article_change", args=[published.pk]),
        reverse("admin:articles_article_preview", args=[scheduled.pk]),
        reverse("admin:articles_photo_changelist"),
        reverse("admin:rankings_articleviewstats_changelist"),
        reverse("admin:rankings_articleviewstats_change", args=[published.pk]),
        reverse("admin:rankings_articleviewstats_change", args=[scheduled.pk]),
    ]
    for url in admin_urls:
        response = superuser_client.get(url)
        assert response.status_code == 200, f"{label}: {url} answered {response.status_code}"


@pytest.mark.parametrize("value", STORED_DATES)
def test_stored_dates_are_read_back_inside_the_range(value):
    article = ArticleFactory()
    store_directly(article, value)
    expected = DATETIME_MAX if value.year > 2000 else DATETIME_MIN
    assert Article.objects.get(pk=article.pk).published_at == expected
    assert Article.objects.values_list("published_at", flat=True).get(pk=article.pk) == expected
    assert Article.objects.aggregate(latest=Max("published_at"))["latest"] == expected


def test_range_is_held_by_python_in_every_zone():
    # The bounds must survive conversion to any offset Python knows (-24 h .. +24 h exclusive).
    for hours in (-23, -12, 0, 9, 14, 23):
        zone = timezone(timedelta(hours=hours))
        assert DATETIME_MIN.astimezone(zone).year >= 1899
        assert DATETIME_MAX.astimezone(zone).year <= 2200


def test_clamp_and_tokyo_helpers_never_raise():
    assert datetime_clamp(datetime.max.replace(tzinfo=UTC)) == DATETIME_MAX
    assert datetime_clamp(datetime.min.replace(tzinfo=UTC)) == DATETIME_MIN
    assert datetime_clamp(None) is None
    moment = datetime(2026, 1, 16, 22, 5, tzinfo=UTC)
    assert datetime_clamp(moment) is moment
    assert datetime_in_tokyo(moment) == datetime(2026, 1, 17, 7, 5, tzinfo=TOKYO)
    # Out of Python's range in Tokyo: shown in UTC rather than raising.
    extreme = datetime.max.replace(tzinfo=UTC)
    assert datetime_in_tokyo(extreme) == extreme


def test_time_filters_never_raise():
    from articles.templatetags.news import jst, jst_iso, time_jst

    extreme = datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert jst(extreme) == "23:59 UTC, December 31, 9999"
    assert jst_iso(extreme) == "9999-12-31T23:59:59+00:00"
    assert str(time_jst(extreme)) == '<time datetime="9999-12-31T23:59:59+00:00">23:59 UTC, December 31, 9999</time>'
    assert jst(datetime(1, 1, 1, tzinfo=UTC)) == "9:18 JST, January 1, 1"
    assert jst(datetime(2026, 1, 16, 22, 5, tzinfo=UTC)) == "7:05 JST, January 17, 2026"


def test_feed_and_structured_data_times_never_raise():
    from articles.feeds import _jst_seconds
    from articles.structured_data import iso_jst

    extreme = datetime(9999, 12, 31, 23, 59, 59, 5, tzinfo=UTC)
    assert _jst_seconds(extreme) == extreme.replace(microsecond=0)
    assert iso_jst(extreme) == "9999-12-31T23:59:59+00:00"
    assert iso_jst(datetime(2026, 1, 16, 22, 5, tzinfo=UTC)) == "2026-01-17T07:05:00+09:00"


# --- Refused where editors give them -----------------------------------------------------------------


def article_change_form(article, **overrides) -> dict:
    data = {
        "headline": article.headline,
        "slug": article.slug,
        "section": str(article.section_id),
        "dateline": "",
        "deck": "",
        "body": "<p>Body.</p>",
        "lead_photo_caption": "",
        "status": "scheduled",
        "published_at_0": "",
        "published_at_1": "",
        "updates-TOTAL_FORMS": "0",
        "updates-INITIAL_FORMS": "0",
        "updates-MIN_NUM_FORMS": "0",
        "updates-MAX_NUM_FORMS": "1000",
        "notes-TOTAL_FORMS": "0",
        "notes-INITIAL_FORMS": "0",
        "notes-MIN_NUM_FORMS": "0",
        "notes-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("status", "date", "time"),
    [
        ("published", "0001-01-01", "00:00:00"),
        ("published", "1899-12-31", "23:59:59"),
        ("scheduled", "9999-12-31", "23:59:59"),
        ("scheduled", "2200-01-01", "00:00:00"),
    ],
)
def test_admin_form_refuses_an_out_of_range_date_with_a_clear_error(superuser_client, status, date, time):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    url = reverse("admin:articles_article_change", args=[article.pk])
    response = superuser_client.post(
        url, article_change_form(article, status=status, published_at_0=date, published_at_1=time)
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Enter a date from 1900-01-01 to 2199-12-31 (Tokyo time)." in page
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None


def test_admin_form_accepts_the_edges_of_the_range(superuser_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    url = reverse("admin:articles_article_change", args=[article.pk])
    form = article_change_form(article, status="scheduled", published_at_0="2199-12-31", published_at_1="23:59:59")
    response = superuser_client.post(url, form)
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.published_at == datetime(2199, 12, 31, 14, 59, 59, tzinfo=UTC)


def test_an_editor_can_fix_a_stored_out_of_range_date_in_the_admin(superuser_client):
    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    store_directly(article, datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC))
    url = reverse("admin:articles_article_change", args=[article.pk])
    # The form opens, showing the stored date as the last moment of the range.
    page = superuser_client.get(url).content.decode()
    assert 'name="published_at_0" value="2199-12-31"' in page
    assert 'name="published_at_1" value="23:59:59"' in page
    form = article_change_form(article, status="scheduled", published_at_0="2030-04-01", published_at_1="09:00:00")
    assert superuser_client.post(url, form).status_code == 302
    article.refresh_from_db()
    assert article.published_at == datetime(2030, 4, 1, tzinfo=UTC)


def test_schedule_service_and_action_refuse_an_out_of_range_time(superuser_client):
    from articles.admin import ScheduleForm
    from articles.services import article_schedule

    article = ArticleFactory(status=Article.Status.DRAFT, published_at=None)
    user = User.objects.get(username="root")
    with pytest.raises(ValidationError) as refused:
        article_schedule(article=article, user=user, when=datetime(2200, 1, 1, tzinfo=TOKYO))
    assert refused.value.messages == ["Enter a date from 1900-01-01 to 2199-12-31 (Tokyo time)."]
    form = ScheduleForm({"when_0": "9999-12-31", "when_1": "23:59:59"})
    assert not form.is_valid()
    assert form.errors["when"] == ["Enter a date from 1900-01-01 to 2199-12-31 (Tokyo time)."]
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_model_validation_covers_every_editable_date():
    article = ArticleFactory.build(published_at=datetime(1, 1, 1, tzinfo=TOKYO))
    with pytest.raises(ValidationError) as refused:
        article.full_clean(exclude=["section", "slug"])
    assert refused.value.message_dict["published_at"] == ["Enter a date from 1900-01-01 to 2199-12-31 (Tokyo time)."]
    update = ArticleUpdate(note="x", created_at=datetime(9999, 12, 31, tzinfo=MINUS_12))
    with pytest.raises(ValidationError) as refused:
        update.full_clean(exclude=["article"])
    assert "created_at" in refused.value.message_dict
