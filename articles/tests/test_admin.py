"""The editors' admin through Django's test client: lists, forms, roles enforced on the server, actions, preview."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from bs4 import BeautifulSoup
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_prose_editor.config import allowlist_from_extensions

from articles.admin import BODY_EDITOR_EXTENSIONS, ArticleAdmin, photo_preview_url, photo_thumbnail_url
from articles.models import Article, ArticleUpdate, Photo
from articles.sanitize import ALLOWED_ATTRIBUTES, ALLOWED_TAGS
from articles.tests.factories import (
    ArticleFactory,
    ArticleUpdateFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
    make_image_file,
    staff_user_create,
)

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:articles_article_changelist"
ADD = "admin:articles_article_add"


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def reporter_client(client, reporter):
    client.force_login(reporter)
    return client


@pytest.fixture
def politics():
    return SectionFactory(name="Politics", slug="politics")


def soup_of(response) -> BeautifulSoup:
    return BeautifulSoup(response.content.decode(), "html.parser")


def change_url(article) -> str:
    return reverse("admin:articles_article_change", args=[article.pk])


def draft(**kwargs) -> Article:
    return ArticleFactory(status=Article.Status.DRAFT, published_at=None, **kwargs)


def article_form(section, **overrides) -> dict:
    """A complete article change form as the browser posts it (editor's fields included)."""
    data = {
        "headline": "Port Authority Approves New Ferry Terminal",
        "slug": "port-authority-approves-new-ferry-terminal",
        "section": str(section.pk),
        "dateline": "YOKOHAMA",
        "deck": "The terminal opens in spring.",
        "body": "<p>The board voted on Tuesday.</p>",
        "lead_photo_caption": "",
        "status": "draft",
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
    return {key: value for key, value in data.items() if value is not None}


def reporter_form(section, **overrides) -> dict:
    """What a reporter's browser posts: the publishing fields are not in their form."""
    data = article_form(section, **overrides)
    for key in ("status", "published_at_0", "published_at_1"):
        if key not in overrides:
            data.pop(key, None)
    return data


def tokyo(value: datetime) -> tuple[str, str]:
    local = timezone.localtime(value)
    return local.strftime("%Y-%m-%d"), local.strftime("%H:%M:%S")


# --- The article list ---------------------------------------------------------------------------------


def test_list_shows_headline_section_status_jst_time_and_update_count(editor_client, politics):
    article = ArticleFactory(
        headline="Diet Passes Budget", section=politics, published_at=datetime(2026, 1, 16, 22, 5, tzinfo=UTC)
    )
    ArticleUpdateFactory(article=article)
    ArticleUpdateFactory(article=article)
    response = editor_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    row = soup_of(response).select_one("#result_list tbody tr")
    cells = [" ".join(td.get_text().split()) for td in row.select("th, td")]
    assert "Diet Passes Budget" in cells
    assert "Politics" in cells
    assert "Published" in cells
    assert "7:05 JST, January 17, 2026" in cells
    assert "2" in cells
    headers = " ".join(soup_of(response).select_one("#result_list thead").get_text().split()).lower()
    assert "publish time (jst)" in headers
    assert "update count" in headers


def test_list_runs_a_constant_number_of_queries(editor_client, politics):
    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            assert editor_client.get(reverse(CHANGELIST)).status_code == 200
        return len(queries)

    ArticleFactory.create_batch(2, section=politics, tags=["Budget"])
    few = count_queries()
    for n in range(15):
        ArticleFactory(section=SectionFactory(), tags=[f"Tag {n}", "Budget"], lead_photo=PhotoFactory())
    assert count_queries() == few


def test_list_does_not_load_bodies(editor_client, politics):
    ArticleFactory(section=politics)
    with CaptureQueriesContext(connection) as queries:
        editor_client.get(reverse(CHANGELIST))
    article_selects = [q["sql"] for q in queries if '"articles_article"."headline"' in q["sql"]]
    assert article_selects
    assert all('"articles_article"."body"' not in sql for sql in article_selects)


def listed_headlines(response) -> set[str]:
    return {" ".join(a.get_text().split()) for a in soup_of(response).select("#result_list tbody th a")}


def test_list_filters_by_status_section_tag_and_date(editor_client, politics):
    business = SectionFactory(name="Business", slug="business")
    ArticleFactory(
        headline="Old Story", section=politics, tags=["Energy"], published_at=timezone.now() - timedelta(days=40)
    )
    draft(headline="Draft Story", section=business)
    ArticleFactory(headline="Fresh Story", section=business, tags=["Energy", "Trade"])
    url = reverse(CHANGELIST)

    assert listed_headlines(editor_client.get(url, {"status__exact": "draft"})) == {"Draft Story"}
    assert listed_headlines(editor_client.get(url, {"section__id__exact": business.pk})) == {
        "Draft Story",
        "Fresh Story",
    }
    trade = Article.objects.get(headline="Fresh Story").tags.get(name="Trade")
    assert listed_headlines(editor_client.get(url, {"tags__id__exact": trade.pk})) == {"Fresh Story"}
    since = (timezone.localtime() - timedelta(days=7)).replace(hour=0, minute=0, second=0, microsecond=0)
    recent = editor_client.get(url, {"published_at__gte": since.isoformat()})
    assert listed_headlines(recent) == {"Fresh Story"}


def test_list_search_covers_headline_deck_and_body(editor_client, politics):
    ArticleFactory(headline="Ferry Strike Ends", section=politics)
    ArticleFactory(headline="Quiet Day", deck="Nothing about ferries.", section=politics)
    ArticleFactory(headline="Council Meets", body="<p>The ferry schedule was discussed.</p>", section=politics)
    ArticleFactory(headline="Unrelated", section=politics)
    found = listed_headlines(editor_client.get(reverse(CHANGELIST), {"q": "ferr"}))
    assert found == {"Ferry Strike Ends", "Quiet Day", "Council Meets"}


def test_list_has_date_hierarchy_and_reader_links(editor_client, politics):
    live = ArticleFactory(headline="Live", section=politics)
    hidden = draft(headline="Hidden", section=politics)
    page = soup_of(editor_client.get(reverse(CHANGELIST)))
    assert page.select_one("nav.toplinks") is not None  # the date hierarchy bar
    links = {a.get_text(): a["href"] for a in page.select("td.field-reader_link a")}
    assert links["View"] == live.get_absolute_url()
    assert links["Preview"] == reverse("admin:articles_article_preview", args=[hidden.pk])


# --- The article form ------------------------------------------------------------------------------


def test_add_form_has_the_rich_text_editor_autocompletes_and_prepopulated_slug(editor_client):
    response = editor_client.get(reverse(ADD))
    page = soup_of(response)
    body = page.select_one("textarea#id_body")
    assert body.has_attr("data-django-prose-editor-newsroom")
    assert page.select_one("script[type=importmap]") is not None
    assert page.select_one("select#id_authors.admin-autocomplete") is not None
    assert page.select_one("select#id_lead_photo.admin-autocomplete") is not None
    tags = page.select_one("select#id_tags[data-tag-autocomplete]")
    assert tags["data-autocomplete-url"] == reverse("admin:articles_article_tag_autocomplete")
    prepopulated = page.select_one("#django-admin-prepopulated-fields-constants")["data-prepopulated-fields"]
    assert '"#id_slug"' in prepopulated
    assert '"#id_headline"' in prepopulated


def test_the_only_inline_script_carries_the_csp_nonce_and_nothing_uses_style_attributes(editor_client, politics):
    article = ArticleFactory(section=politics, lead_photo=PhotoFactory())
    for url in (reverse(ADD), change_url(article), reverse(CHANGELIST), reverse("admin:articles_photo_add")):
        response = editor_client.get(url)
        nonce = re.search(r"script-src [^;]*'nonce-([^']+)'", response["Content-Security-Policy"])
        page = soup_of(response)
        assert "unsafe-inline" not in response["Content-Security-Policy"]
        assert page.select("[style]") == [], url
        for script in page.select("script:not([src])"):
            if script.get("type") == "application/json":
                continue
            assert nonce, url
            assert script.get("nonce") == nonce.group(1), (url, str(script)[:80])
        assert page.select("style") == [], url


def test_editor_extensions_stay_inside_the_sanitizer_allowlist():
    generated = allowlist_from_extensions(BODY_EDITOR_EXTENSIONS)
    assert set(generated["tags"]) <= ALLOWED_TAGS
    assert {"p", "h2", "h3", "ul", "ol", "li", "blockquote", "a", "strong", "em"} <= set(generated["tags"])
    # Attributes the editor is configured never to produce (no target option, no list-type dialog);
    # the sanitizer would drop them anyway, and rewrites rel itself.
    never_produced = {"a": {"rel", "target"}, "ol": {"type", "data-type"}}
    for tag, attributes in generated["attributes"].items():
        assert set(attributes) - never_produced.get(tag, set()) <= ALLOWED_ATTRIBUTES.get(tag, set()), tag
    assert BODY_EDITOR_EXTENSIONS["Link"]["enableTarget"] is False
    assert BODY_EDITOR_EXTENSIONS["OrderedList"]["enableListAttributes"] is False


def test_editor_creates_an_article_with_tags_authors_photo_and_a_sanitized_body(editor_client, politics):
    author = AuthorFactory(name="Aiko Tanaka")
    photo = PhotoFactory()
    from taggit.models import Tag

    Tag.objects.create(name="Transport", slug="transport")
    data = article_form(
        politics,
        body='<p>Fine.</p><script>alert(1)</script><p onclick="x()">Click</p><a href="javascript:alert(1)">bad</a>',
        authors=[str(author.pk)],
        lead_photo=str(photo.pk),
    )
    data["tags"] = ["Transport", "  Ferries  ", "Transport", "Yokohama Port"]
    response = editor_client.post(reverse(ADD), data)
    assert response.status_code == 302, soup_of(response).select(".errorlist")
    article = Article.objects.get(slug="port-authority-approves-new-ferry-terminal")
    assert sorted(t.name for t in article.tags.all()) == ["Ferries", "Transport", "Yokohama Port"]
    assert Tag.objects.filter(name="Transport").count() == 1
    assert list(article.authors.all()) == [author]
    assert article.lead_photo == photo
    assert "<script" not in article.body
    assert "onclick" not in article.body
    assert "javascript:" not in article.body
    assert article.body.startswith("<p>Fine.</p>")
    assert article.status == Article.Status.DRAFT


def test_change_form_shows_current_tags_as_selected_options(editor_client, politics):
    article = ArticleFactory(section=politics, tags=["Energy", "Trade <b>talks</b>"])
    page = soup_of(editor_client.get(change_url(article)))
    options = {o["value"]: o.has_attr("selected") for o in page.select("select#id_tags option")}
    assert options == {"Energy": True, "Trade <b>talks</b>": True}
    assert "<b>talks</b>" not in str(page.select_one("select#id_tags"))  # escaped


def test_overlong_tag_is_a_form_error(editor_client, politics):
    data = article_form(politics)
    data["tags"] = ["x" * 101]
    response = editor_client.post(reverse(ADD), data)
    assert response.status_code == 200
    assert "too long" in response.content.decode()
    assert not Article.objects.exists()


def test_editor_publishes_from_the_form_with_time_now(editor_client, politics):
    article = draft(section=politics)
    before = timezone.now()
    response = editor_client.post(change_url(article), article_form(politics, status="published"))
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED
    assert before <= article.published_at <= timezone.now()


def test_editor_schedules_from_the_form_in_tokyo_time(editor_client, politics):
    article = draft(section=politics)
    when = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    date, time = tokyo(when)
    response = editor_client.post(
        change_url(article), article_form(politics, status="scheduled", published_at_0=date, published_at_1=time)
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert (article.status, article.published_at) == (Article.Status.SCHEDULED, when)


@pytest.mark.parametrize(
    ("status", "delta", "message"),
    [
        ("scheduled", timedelta(hours=-1), "in the future"),
        ("published", timedelta(hours=3), "choose Scheduled"),
    ],
)
def test_form_refuses_contradictory_status_and_time(editor_client, politics, status, delta, message):
    article = draft(section=politics)
    date, time = tokyo(timezone.now() + delta)
    response = editor_client.post(
        change_url(article), article_form(politics, status=status, published_at_0=date, published_at_1=time)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_a_draft_cannot_be_withdrawn_from_the_form(editor_client, politics):
    article = draft(section=politics)
    response = editor_client.post(change_url(article), article_form(politics, status="withdrawn"))
    assert response.status_code == 200
    assert "nothing to withdraw" in response.content.decode()
    live = ArticleFactory(section=politics)
    date, time = tokyo(live.published_at)
    form = article_form(politics, status="withdrawn", published_at_0=date, published_at_1=time)
    assert editor_client.post(change_url(live), form).status_code == 302
    live.refresh_from_db()
    assert live.status == Article.Status.WITHDRAWN


def test_scheduled_without_time_is_a_form_error(editor_client, politics):
    article = draft(section=politics)
    response = editor_client.post(change_url(article), article_form(politics, status="scheduled"))
    assert response.status_code == 200
    assert "needs its publication time" in response.content.decode()


def test_editing_a_due_scheduled_article_keeps_it(editor_client, politics):
    """A scheduled story whose time has passed (cron not run yet) can still be edited."""
    due = timezone.now() - timedelta(minutes=5)
    article = ArticleFactory(section=politics, status=Article.Status.SCHEDULED, published_at=due)
    date, time = tokyo(due)
    form = article_form(politics, headline="Edited", status="scheduled", published_at_0=date, published_at_1=time)
    form["initial-published_at_0"], form["initial-published_at_1"] = date, time
    response = editor_client.post(change_url(article), form)
    assert response.status_code == 302, soup_of(response).select(".errorlist")
    article.refresh_from_db()
    assert article.headline == "Edited"


def test_inline_adds_an_update_with_its_author_and_counts_it(editor_client, editor, politics):
    article = ArticleFactory(section=politics)
    data = article_form(politics, status="published")
    date, time = tokyo(article.published_at)
    data.update(
        {
            "published_at_0": date,
            "published_at_1": time,
            "updates-TOTAL_FORMS": "2",
            "updates-0-kind": "update",
            "updates-0-note": "Adds the mayor's statement.",
            "updates-1-kind": "correction",
            "updates-1-note": "Corrects the terminal's name.",
        }
    )
    response = editor_client.post(change_url(article), data)
    assert response.status_code == 302, soup_of(response).select(".errorlist")
    updates = list(ArticleUpdate.objects.filter(article=article))
    assert {(u.kind, u.note) for u in updates} == {
        ("update", "Adds the mayor's statement."),
        ("correction", "Corrects the terminal's name."),
    }
    assert all(u.created_by == editor for u in updates)
    article.refresh_from_db()
    assert article.update_count == 1
    assert article.display_headline.endswith("(UPDATE 1)")
    page = soup_of(editor_client.get(change_url(article)))
    assert "Eddie Ito" in page.select_one("#updates-group").get_text()


# --- View on site and preview ------------------------------------------------------------------------


def test_view_on_site_only_for_published_and_preview_for_drafts(editor_client, politics):
    live = ArticleFactory(section=politics)
    hidden = draft(section=politics)
    live_page = soup_of(editor_client.get(change_url(live)))
    assert live_page.select_one("a.viewsitelink:not(.previewlink)")["href"] == live.get_absolute_url()
    assert live_page.select_one("a.previewlink") is None
    draft_page = soup_of(editor_client.get(change_url(hidden)))
    assert [a["href"] for a in draft_page.select("a.viewsitelink")] == [
        reverse("admin:articles_article_preview", args=[hidden.pk])
    ]


def test_preview_renders_the_draft_never_cached_never_indexed(editor_client, politics):
    hidden = draft(headline="Embargoed Trade Figures", section=politics)
    response = editor_client.get(reverse("admin:articles_article_preview", args=[hidden.pk]))
    assert response.status_code == 200
    assert "Embargoed Trade Figures" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]
    assert "noindex" in response["X-Robots-Tag"]
    # ...while readers still get a 404 for it.
    editor_client.logout()
    assert editor_client.get(hidden.get_absolute_url()).status_code == 404


def test_preview_is_staff_only(client, politics):
    hidden = draft(section=politics)
    url = reverse("admin:articles_article_preview", args=[hidden.pk])
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
    client.force_login(staff_user_create("nobody"))  # staff, but no permission
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("object_id", ["999999", "not-a-number", "1%2F..%2F2"])
def test_preview_of_unknown_article_is_404(editor_client, object_id):
    assert editor_client.get(f"/admin/articles/article/{object_id}/preview/").status_code == 404


# --- Reporters ----------------------------------------------------------------------------------------


def test_reporter_form_has_no_publishing_choices(reporter_client):
    page = soup_of(reporter_client.get(reverse(ADD)))
    assert page.select_one("#id_status") is None
    assert page.select_one("[name^=published_at]") is None
    assert page.select_one("[name=exclude_from_rankings]") is None
    assert "Draft" in page.select_one(".field-status").get_text()


def test_reporter_saves_a_draft(reporter_client, politics):
    response = reporter_client.post(reverse(ADD), reporter_form(politics, tags=["Ferries"]))
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.status == Article.Status.DRAFT
    assert article.published_at is None
    assert [t.name for t in article.tags.all()] == ["Ferries"]


def test_reporter_crafted_post_that_publishes_is_refused(reporter_client, politics):
    article = draft(section=politics, headline="Still A Draft")
    date, time = tokyo(timezone.now() - timedelta(minutes=1))
    crafted = article_form(
        politics, headline="Published By Reporter", status="published", published_at_0=date, published_at_1=time
    )
    response = reporter_client.post(change_url(article), crafted)
    assert response.status_code == 403
    article.refresh_from_db()
    assert (article.status, article.published_at, article.headline) == (Article.Status.DRAFT, None, "Still A Draft")
    assert not Article.objects.published().exists()


@pytest.mark.parametrize(
    "forged",
    [
        {"status": "scheduled"},
        {"status": "withdrawn"},
        {"published_at_0": "2026-01-01", "published_at_1": "09:00:00"},
        {"exclude_from_rankings": "on"},
    ],
)
def test_reporter_cannot_set_any_publishing_field_even_when_adding(reporter_client, politics, forged):
    response = reporter_client.post(reverse(ADD), reporter_form(politics, **forged))
    assert response.status_code == 403
    assert not Article.objects.exists()


def test_save_model_refuses_a_non_draft_from_a_reporter_even_without_the_view_guard(rf, reporter, politics):
    from django.contrib import admin
    from django.core.exceptions import PermissionDenied

    model_admin = ArticleAdmin(Article, admin.site)
    request = rf.post("/")
    request.user = reporter
    article = draft(section=politics)
    article.status = Article.Status.PUBLISHED
    article.published_at = timezone.now()
    with pytest.raises(PermissionDenied):
        model_admin.save_model(request, article, form=None, change=True)
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


def test_reporter_sees_live_articles_read_only_and_cannot_post_to_them(reporter_client, politics):
    live = ArticleFactory(section=politics, headline="Live Story")
    page = soup_of(reporter_client.get(change_url(live)))
    assert page.select_one("input[name=_save]") is None
    assert page.select_one("textarea#id_body") is None
    response = reporter_client.post(change_url(live), reporter_form(politics, headline="Rewritten"))
    assert response.status_code == 403
    live.refresh_from_db()
    assert live.headline == "Live Story"


def test_reporter_gets_no_publishing_actions_and_a_forged_action_does_nothing(reporter_client, politics):
    article = draft(section=politics)
    page = soup_of(reporter_client.get(reverse(CHANGELIST)))
    actions = {o["value"] for o in page.select("select[name=action] option") if o["value"]}
    assert not actions & {"publish_now", "withdraw", "schedule"}
    reporter_client.post(reverse(CHANGELIST), {"action": "publish_now", "_selected_action": [article.pk], "index": "0"})
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


# --- Editor actions ------------------------------------------------------------------------------------


def run_action(client, action, articles, **extra):
    data = {"action": action, "_selected_action": [a.pk for a in articles], "index": "0", **extra}
    return client.post(reverse(CHANGELIST), data, follow=True)


def test_publish_now_action(editor_client, politics):
    drafts = [draft(section=politics), draft(section=politics)]
    already = ArticleFactory(section=politics, headline="Already Out")
    response = run_action(editor_client, "publish_now", [*drafts, already])
    text = response.content.decode()
    assert "Published 2 articles." in text
    assert "already published" in text
    assert Article.objects.published().count() == 3


def test_withdraw_action(editor_client, politics):
    live = ArticleFactory(section=politics)
    response = run_action(editor_client, "withdraw", [live])
    assert "Withdrew 1 article." in response.content.decode()
    live.refresh_from_db()
    assert live.status == Article.Status.WITHDRAWN
    assert not Article.objects.published().exists()


def test_schedule_action_asks_for_the_time_then_schedules(editor_client, politics):
    articles = [draft(section=politics, headline="First"), draft(section=politics, headline="Second")]
    ask = run_action(editor_client, "schedule", articles)
    page = soup_of(ask)
    assert page.select_one("input[name=when_0]") is not None
    assert {i["value"] for i in page.select("input[name=_selected_action]")} == {str(a.pk) for a in articles}

    when = (timezone.now() + timedelta(days=1)).replace(microsecond=0)
    date, time = tokyo(when)
    done = editor_client.post(
        reverse(CHANGELIST),
        {
            "action": "schedule",
            "_selected_action": [a.pk for a in articles],
            "apply": "1",
            "when_0": date,
            "when_1": time,
        },
        follow=True,
    )
    assert "Scheduled 2 articles." in done.content.decode()
    for article in articles:
        article.refresh_from_db()
        assert (article.status, article.published_at) == (Article.Status.SCHEDULED, when)


def test_schedule_action_refuses_a_past_time(editor_client, politics):
    article = draft(section=politics)
    date, time = tokyo(timezone.now() - timedelta(hours=1))
    response = editor_client.post(
        reverse(CHANGELIST),
        {"action": "schedule", "_selected_action": [article.pk], "apply": "1", "when_0": date, "when_1": time},
    )
    assert response.status_code == 200
    assert "Pick a time in the future." in response.content.decode()
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT


# --- Tag autocomplete ------------------------------------------------------------------------------


def test_tag_autocomplete_suggests_names_in_pages(reporter_client):
    from taggit.models import Tag

    for n in range(25):
        Tag.objects.create(name=f"Energy {n:02d}", slug=f"energy-{n:02d}")
    Tag.objects.create(name="Trade", slug="trade")
    url = reverse("admin:articles_article_tag_autocomplete")
    first = reporter_client.get(url, {"term": "energy"}).json()
    assert len(first["results"]) == 20
    assert first["pagination"]["more"] is True
    assert first["results"][0] == {"id": "Energy 00", "text": "Energy 00"}
    second = reporter_client.get(url, {"term": "energy", "page": "2"}).json()
    assert len(second["results"]) == 5
    assert second["pagination"]["more"] is False
    assert reporter_client.get(url, {"term": "trad"}).json()["results"] == [{"id": "Trade", "text": "Trade"}]
    assert reporter_client.get(url, {"term": "x", "page": "junk"}).status_code == 200


def test_tag_autocomplete_needs_article_permissions(client):
    url = reverse("admin:articles_article_tag_autocomplete")
    assert client.get(url).status_code == 302
    client.force_login(staff_user_create("nobody"))
    assert client.get(url).status_code == 403


# --- Photos, sections, authors --------------------------------------------------------------------------


def test_photo_upload_with_caption_credit_alt_and_focal_point(editor_client):
    response = editor_client.post(
        reverse("admin:articles_photo_add"),
        {
            "image": make_image_file(name="ferry.jpg", size=(1200, 800)),
            "caption": "The new ferry terminal at dawn.",
            "credit": "Kenji Mori",
            "alt_text": "A glass terminal building beside the water",
            "focal_x": "0.25",
            "focal_y": "0.4",
        },
    )
    assert response.status_code == 302, soup_of(response).select(".errorlist")
    photo = Photo.objects.get()
    assert (photo.caption, photo.credit, photo.focal_x, photo.focal_y) == (
        "The new ferry terminal at dawn.",
        "Kenji Mori",
        0.25,
        0.4,
    )
    assert (photo.width, photo.height) == (1200, 800)
    page = soup_of(editor_client.get(reverse("admin:articles_photo_change", args=[photo.pk])))
    focal_src = page.select_one("[data-focal-point] img")["src"]
    assert focal_src == photo_preview_url(photo)
    assert focal_src != photo.image.url  # a full-frame rendition, not the (possibly huge) original
    assert "/renditions/" in focal_src
    listing = soup_of(editor_client.get(reverse("admin:articles_photo_changelist")))
    thumb = listing.select_one("td.field-thumbnail img, th.field-thumbnail img")
    assert thumb["alt"] == "A glass terminal building beside the water"


def test_photo_upload_refuses_a_non_image_with_a_form_error(editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = editor_client.post(
        reverse("admin:articles_photo_add"),
        {
            "image": SimpleUploadedFile("x.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'/>", "image/jpeg"),
            "caption": "c",
            "credit": "c",
            "alt_text": "a",
            "focal_x": "0.5",
            "focal_y": "0.5",
        },
    )
    assert response.status_code == 200
    assert soup_of(response).select_one(".field-image .errorlist") is not None
    assert not Photo.objects.exists()


def test_photo_search_covers_caption_credit_and_alt_text(editor_client):
    PhotoFactory(caption="Cranes at dusk", credit="Staff", alt_text="Cranes")
    PhotoFactory(caption="A market", credit="Mika Sato", alt_text="Stalls")
    PhotoFactory(caption="A field", credit="Staff", alt_text="Rice paddies under snow")
    url = reverse("admin:articles_photo_changelist")
    for term, expected in (("cranes", 1), ("sato", 1), ("paddies", 1), ("staff", 2)):
        rows = soup_of(editor_client.get(url, {"q": term})).select("#result_list tbody tr")
        assert len(rows) == expected, term


def test_lead_photo_autocomplete_searches_photos(editor_client):
    photo = PhotoFactory(caption="Ferry terminal at dawn", credit="Kenji Mori")
    PhotoFactory(caption="Something else", credit="Staff")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "lead_photo", "term": "mori"},
    )
    assert response.status_code == 200
    assert [r["id"] for r in response.json()["results"]] == [str(photo.pk)]


def test_photo_thumbnail_redirect_and_lead_photo_preview(editor_client, politics):
    photo = PhotoFactory()
    article = ArticleFactory(section=politics, lead_photo=photo)
    response = editor_client.get(reverse("admin:articles_photo_thumbnail", args=[photo.pk]))
    assert response.status_code == 302
    assert response["Location"] == photo_thumbnail_url(photo)
    preview = soup_of(editor_client.get(change_url(article))).select_one("[data-lead-photo-preview] img")
    assert preview["src"] == photo_thumbnail_url(photo)
    assert not preview.has_attr("hidden")
    assert editor_client.get(reverse("admin:articles_photo_thumbnail", args=[999999])).status_code == 404


def test_photo_thumbnail_is_the_square_crop_rendition():
    from articles.photos import photo_crop_url

    photo = PhotoFactory()
    url = photo_thumbnail_url(photo)
    assert url == photo_crop_url(photo, "1x1")
    assert url != photo.image.url


def test_author_autocomplete_and_section_and_author_slugs(editor_client):
    aiko = AuthorFactory(name="Aiko Tanaka")
    AuthorFactory(name="Ben Ortiz")
    response = editor_client.get(
        reverse("admin:autocomplete"),
        {"app_label": "articles", "model_name": "article", "field_name": "authors", "term": "aiko"},
    )
    assert [r["id"] for r in response.json()["results"]] == [str(aiko.pk)]
    for url, source in (("admin:articles_section_add", "#id_name"), ("admin:articles_author_add", "#id_name")):
        page = soup_of(editor_client.get(reverse(url)))
        fields = page.select_one("#django-admin-prepopulated-fields-constants")["data-prepopulated-fields"]
        assert '"#id_slug"' in fields
        assert f'"{source}"' in fields
