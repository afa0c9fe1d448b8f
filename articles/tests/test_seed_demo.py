"""``seed_demo``: an original, complete demo newsroom, idempotent, with ``--reset``."""

import hashlib
import io
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from PIL import Image
from taggit.models import Tag

from articles import demo_briefs, demo_content
from articles.demo import EXTERNAL_ID_PREFIX, demo_newsroom_delete, demo_newsroom_seed, demo_specs
from articles.demo_images import SCENES, Scene, scene_render
from articles.importer import photo_files
from articles.models import Article, ArticleUpdate, Author, Photo, Section
from articles.services import article_update_add
from articles.signals import demo_seeded
from articles.tests.factories import ArticleFactory, PhotoFactory

pytestmark = pytest.mark.django_db

# Small photos keep the tests quick; the drawing and the rendition pipeline are the same.
SMALL = (480, 270)


@pytest.fixture
def seeded_signals():
    received = []

    def listener(sender, articles, **kwargs):
        received.append(list(articles))

    demo_seeded.connect(listener, dispatch_uid="test_seed_demo_listener")
    yield received
    demo_seeded.disconnect(dispatch_uid="test_seed_demo_listener")


def snapshot():
    """Everything a re-run could change."""
    return {
        "sections": list(Section.objects.order_by("pk").values()),
        "authors": list(Author.objects.order_by("pk").values()),
        "articles": list(Article.objects.order_by("pk").values()),
        "photos": list(Photo.objects.order_by("pk").values()),
        "updates": list(ArticleUpdate.objects.order_by("pk").values()),
        "tags": sorted(Tag.objects.values_list("name", flat=True)),
        "tagged": sorted(Article.tags.through.objects.values_list("content_object_id", "tag_id")),
    }


def test_seed_builds_a_complete_original_newsroom(seeded_signals):
    # A section editors made before the demo is used as it is, not duplicated or changed.
    Section.objects.create(name="Politics", slug="pol", position=1, description="Our own.")
    now = timezone.now()
    report = demo_newsroom_seed(photo_size=SMALL, workers=2)  # exercises the worker processes
    politics = Section.objects.get(name="Politics")
    assert (politics.slug, politics.description) == ("pol", "Our own.")
    assert report.sections_created == len(demo_content.SECTIONS) - 1

    assert report.articles_created == len(demo_specs()) >= 63 + 150
    everything = Article.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX)
    # Every section holds more than one page of stories (20 a page), so pagination shows.
    per_section = everything.published().values("section").annotate(n=Count("id")).values_list("n", flat=True)
    assert len(per_section) == len(demo_content.SECTIONS)
    assert min(per_section) > 20
    briefs = everything.filter(external_id__startswith=EXTERNAL_ID_PREFIX + "brief-")
    assert briefs.count() == len(demo_content.SECTIONS) * demo_briefs.BRIEFS_PER_SECTION
    assert briefs.filter(lead_photo__isnull=False).count() == 0
    assert briefs.values("headline", "dateline").distinct().count() == briefs.count()
    assert briefs.published().order_by("-published_at").first().published_at < now - timedelta(hours=36)
    # The hand-written stories (with photos) are the newest: what follows is about them.
    demo = everything.exclude(pk__in=briefs)
    published = demo.published()
    # At least 60 visible stories, spread over the last 30 days, at least one per day or so.
    assert published.count() >= 60
    oldest = published.order_by("published_at").first().published_at
    newest = published.order_by("-published_at").first().published_at
    assert now - timedelta(days=30) <= oldest < now - timedelta(days=25)
    assert newest > now - timedelta(hours=3)
    assert len({a.published_at.date() for a in published}) >= 20
    assert published.filter(published_at__gte=now - timedelta(hours=48)).count() >= 10  # Google News sitemap

    sections = Section.objects.annotate(n=Count("articles"))
    assert sections.count() >= 6
    assert {"Politics", "Business", "Society", "World", "Sports", "Science & Nature", "Culture", "Editorial"} <= set(
        sections.values_list("name", flat=True)
    )
    assert all(section.n >= 4 for section in sections)

    authors = Author.objects.annotate(n=Count("articles"))
    assert authors.count() >= 6
    assert all(author.role and author.bio and author.n for author in authors)
    assert demo.annotate(n=Count("authors")).filter(n__gte=2).exists()  # shared bylines

    # Tags shared across stories, so tag pages have several items.
    tag_use = Tag.objects.annotate(n=Count("articles_taggedarticle_items")).order_by("-n")
    assert tag_use.count() >= 25
    assert sum(1 for tag in tag_use if tag.n >= 3) >= 10

    # Bodies: several paragraphs, sanitized markup (subheads, quotes and lists appear somewhere).
    bodies = list(demo.values_list("body", flat=True))
    assert all(body.startswith("<") for body in bodies)
    assert sum(body.count("<p>") >= 3 for body in bodies) >= 50
    assert any("<h2>" in body for body in bodies)
    assert any("<blockquote>" in body for body in bodies)
    assert any("<ul>" in body for body in bodies)
    assert set(demo.exclude(dateline="").values_list("dateline", flat=True)) >= {
        "TOKYO",
        "OSAKA",
        "WASHINGTON",
        "SEOUL",
        "SAPPORO",
        "FUKUOKA",
    }

    # Photos: one each, distinct pictures, with caption, credit and alt text; some off-centre.
    photos = Photo.objects.filter(articles__in=demo)
    assert photos.count() == demo.count()
    digests = set()
    for photo in photos:
        with default_storage.open(photo.image.name, "rb") as handle:
            content = handle.read()
        digests.add(hashlib.sha256(content).hexdigest())
        assert photo.caption
        assert photo.credit
        assert photo.alt_text.startswith("Illustration: ")
        assert (photo.width, photo.height) == SMALL
        assert photo.renditions["crops"]["16x9"]["name"]
        assert all(default_storage.exists(name) for name in photo_files(photo))
    assert len(digests) == photos.count()
    assert photos.exclude(focal_x=0.5).count() >= 3

    # Updates: several "(UPDATE 1)", one "(UPDATE 2)", one correction; never in the future.
    assert demo.filter(update_count=1).count() >= 3
    assert demo.filter(update_count=2).count() == 1
    assert demo.get(update_count=2).display_headline.endswith("(UPDATE 2)")
    corrections = ArticleUpdate.objects.filter(kind=ArticleUpdate.Kind.CORRECTION, article__in=demo)
    assert corrections.count() == 1
    for update in ArticleUpdate.objects.filter(article__in=demo).select_related("article"):
        assert update.article.published_at <= update.created_at <= timezone.now()

    # One each of scheduled (future), draft and withdrawn, none of them visible.
    scheduled = demo.get(status=Article.Status.SCHEDULED)
    assert scheduled.published_at > timezone.now()
    assert demo.filter(status=Article.Status.DRAFT, published_at=None).count() == 1
    assert demo.filter(status=Article.Status.WITHDRAWN).count() == 1
    hidden = demo.exclude(status=Article.Status.PUBLISHED)
    assert not published.filter(pk__in=hidden).exists()

    # Listeners (rankings) hear about exactly the new articles, once.
    assert len(seeded_signals) == 1
    assert {a.pk for a in seeded_signals[0]} == set(everything.values_list("pk", flat=True))


def test_second_run_changes_nothing_and_reset_starts_over(seeded_signals, django_capture_on_commit_callbacks):
    first = demo_newsroom_seed(photo_size=SMALL, workers=1)
    assert first.changed
    before = snapshot()
    files_before = {name for photo in Photo.objects.all() for name in photo_files(photo)}

    out = io.StringIO()
    call_command("seed_demo", "--photo-size", "480x270", "--workers", "1", stdout=out)
    assert f"already present ({len(demo_specs())} articles); nothing to do" in out.getvalue()
    assert snapshot() == before
    assert len(seeded_signals) == 1  # nothing new, nothing announced

    # Editors' own work in a demo section survives a reset.
    politics = Section.objects.get(slug="politics")
    own_photo = PhotoFactory()
    own = ArticleFactory(section=politics, headline="Editors' Own Story", lead_photo=own_photo)
    old_ids = set(Article.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).values_list("pk", flat=True))

    out = io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("seed_demo", "--reset", "--force", "--photo-size", "480x270", "--workers", "1", stdout=out)
    n, shot = len(demo_specs()), len(demo_content.ARTICLES)
    text = out.getvalue()
    assert f"Reset: deleted {n} articles, {shot} photos, {len(demo_content.AUTHORS)} authors, " in text
    assert f"{n} articles (1 draft, {n - 3} published, 1 scheduled, 1 withdrawn), {shot} photos" in text
    new_ids = set(Article.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).values_list("pk", flat=True))
    assert not old_ids & new_ids
    assert Article.objects.filter(pk=own.pk, section=politics, lead_photo=own_photo).exists()
    assert Section.objects.filter(slug="politics").count() == 1
    # The old demo photos' files are gone; the new ones are there.
    assert not any(default_storage.exists(name) for name in files_before)
    assert Photo.objects.count() == len(demo_content.ARTICLES) + 1
    assert len(seeded_signals) == 2


def test_every_scene_draws_a_full_size_distinct_jpeg_with_honest_alt_text():
    seen = set()
    for kind in SCENES:
        for seed in ("a", "b"):
            picture = scene_render(Scene(kind=kind, seed=seed))
            image = Image.open(io.BytesIO(picture.jpeg))
            assert (image.format, image.size) == ("JPEG", (1600, 900))
            assert picture.alt_text.startswith("Illustration: ")
            assert 0 <= picture.focal_x <= 1
            assert 0 <= picture.focal_y <= 1
            seen.add(hashlib.sha256(picture.jpeg).hexdigest())
    assert len(seen) == 2 * len(SCENES)
    # Same seed, same picture: the demo is reproducible.
    assert scene_render(Scene(kind="harbour", seed="x")).jpeg == scene_render(Scene(kind="harbour", seed="x")).jpeg


def test_command_refuses_a_bad_photo_size():
    with pytest.raises(CommandError, match="WIDTHxHEIGHT"):
        call_command("seed_demo", "--photo-size", "huge", stdout=io.StringIO())
    with pytest.raises(CommandError, match="between"):
        call_command("seed_demo", "--photo-size", "20x10", stdout=io.StringIO())
    assert not Article.objects.exists()


class Terminal(io.StringIO):
    """Standard input that is a terminal, with the editor's answer typed in."""

    def isatty(self):
        return True


def row_counts() -> dict[str, int]:
    """Rows per table (proxies share their model's table)."""
    models = [model for model in apps.get_models(include_auto_created=True) if not model._meta.proxy]
    return {model._meta.label: model.objects.count() for model in models}


def test_reset_asks_first_keeps_what_editors_changed_and_counts_what_it_deleted(monkeypatch):
    demo_newsroom_seed(photo_size=SMALL, workers=1)
    call_command("update_rankings", stdout=io.StringIO())  # snapshots per section, deleted along with them
    demo = {a.slug: a for a in Article.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX)}
    by_section = {}
    for spec in demo_content.ARTICLES:
        by_section.setdefault(spec["section"], []).append(spec["key"])
    culture, sports = by_section["culture"], by_section["sports"]

    # What editors did: an edited headline, a correction, a tag, a deck changed by a bulk UPDATE
    # (no save), their own story in a demo section, and a demo photo reused by their story.
    edited = demo[sports[0]]
    edited.headline = "Edited By The Desk"
    edited.save()
    corrected = demo[sports[1]]
    article_update_add(article=corrected, kind=ArticleUpdate.Kind.CORRECTION, note="We misspelt a name.", user=None)
    retagged = demo[sports[2]]
    retagged.tags.add("Editors' pick")
    Article.objects.filter(pk=demo[sports[3]].pk).update(deck="A deck from the desk.")
    reused_from = demo[culture[0]]
    own = ArticleFactory(section=reused_from.section, headline="Editors' Own Story", lead_photo=reused_from.lead_photo)
    kept_ids = {edited.pk, corrected.pk, retagged.pk, demo[sports[3]].pk}
    kept_photo = reused_from.lead_photo
    before = snapshot()

    # No terminal and no --force: refused, nothing deleted.
    monkeypatch.setattr("sys.stdin", io.StringIO("yes\n"))
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", "--reset", "--photo-size", "480x270", "--workers", "1", stdout=io.StringIO())
    assert snapshot() == before
    # A terminal, and the answer is not yes: cancelled, nothing deleted.
    monkeypatch.setattr("sys.stdin", Terminal("no\n"))
    out = io.StringIO()
    with pytest.raises(CommandError, match="cancelled"):
        call_command("seed_demo", "--reset", "--photo-size", "480x270", "--workers", "1", stdout=out)
    n, shot = len(demo_specs()), len(demo_content.ARTICLES)  # briefs have no photo
    assert f"--reset deletes {n - 4} demo articles still as seeded" in out.getvalue()
    assert "keeps 4 demo articles editors changed" in out.getvalue()
    assert snapshot() == before

    # What the deletion counts is what left the database, model by model.
    counts = row_counts()
    with transaction.atomic():
        deleted = demo_newsroom_delete()
        after = row_counts()
        transaction.set_rollback(True)  # a dry run: the command's own reset follows
    # ArticleMonth is the sitemap's per-month summary, kept by database triggers, not deleted by the ORM.
    left = {label: counts[label] - after[label] for label in counts if counts[label] != after[label]}
    left.pop("articles.ArticleMonth", None)
    assert deleted == left
    assert deleted["articles.Article"] == n - 4
    assert deleted["articles.Photo"] == shot - 5  # the reused photo stays
    assert deleted["articles.Section"] == len(demo_content.SECTIONS) - 2  # sports and culture still have articles
    assert deleted["rankings.RankingSnapshot"] > 0
    assert snapshot() == before

    monkeypatch.setattr("sys.stdin", Terminal("yes\n"))
    out = io.StringIO()
    call_command("seed_demo", "--reset", "--photo-size", "480x270", "--workers", "1", stdout=out)
    text = out.getvalue()
    sections = len(demo_content.SECTIONS) - 2
    assert f"Reset: deleted {n - 4} articles, {shot - 5} photos, " in text
    assert f" authors, {sections} sections, " in text
    assert "Kept 4 demo articles changed since seeding: " in text
    assert "Edited By The Desk" in text

    # Editors' work is all there, as they left it; the rest of the demo was seeded again.
    assert Article.objects.get(pk=edited.pk).headline == "Edited By The Desk"
    assert Article.objects.get(pk=corrected.pk).updates.filter(note="We misspelt a name.").exists()
    assert "Editors' pick" in Article.objects.get(pk=retagged.pk).tags.names()
    assert Article.objects.get(pk=demo[sports[3]].pk).deck == "A deck from the desk."
    own.refresh_from_db()
    assert own.lead_photo == kept_photo
    assert all(default_storage.exists(name) for name in photo_files(kept_photo))
    assert Section.objects.filter(pk=own.section_id).exists()
    demo_after = Article.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX)
    assert demo_after.count() == n
    assert set(demo_after.filter(pk__in=[a.pk for a in demo.values()]).values_list("pk", flat=True)) == kept_ids


def test_command_reports_each_step_and_is_quiet_with_v0(settings):
    settings.DEBUG = False  # no demo logins: only the seeding's own lines
    out = io.StringIO()
    call_command("seed_demo", "--photo-size", "480x270", "--workers", "1", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith(f"Sections, authors and tags ready; {len(demo_specs())} of {len(demo_specs())} ")
    assert lines[1].startswith(f"Drawing and rendering {len(demo_content.ARTICLES)} photos")
    assert f"  10/{len(demo_content.ARTICLES)} stories with photos stored" in lines
    assert f"  {len(demo_content.ARTICLES)}/{len(demo_content.ARTICLES)} stories with photos stored" in lines
    assert f"{len(demo_specs()) - len(demo_content.ARTICLES)} briefs without photos stored" in lines
    assert lines[-1].startswith("Demo newsroom seeded in ")
    assert "password" not in out.getvalue()

    quiet = io.StringIO()
    call_command("seed_demo", "--reset", "--force", "--photo-size", "480x270", "--workers", "1", "-v0", stdout=quiet)
    call_command("seed_demo", "-v0", stdout=quiet)
    assert quiet.getvalue() == ""
    assert Article.objects.filter(external_id__startswith=EXTERNAL_ID_PREFIX).count() == len(demo_specs())


def test_demo_logins_exist_in_development_only_and_work(settings, client):
    from django.contrib.auth import get_user_model
    from django.core.exceptions import ImproperlyConfigured

    from articles.services import demo_accounts_ensure

    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="development only"):
        demo_accounts_ensure()
    assert not get_user_model().objects.filter(username__startswith="demo-").exists()

    settings.DEBUG = True
    out = io.StringIO()
    call_command("seed_demo", "--photo-size", "480x270", "--workers", "1", stdout=out)
    printed = {}
    for line in out.getvalue().splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] == "password":
            printed[parts[1]] = (parts[0], parts[3])
    assert set(printed) == {"demo-editor", "demo-reporter"}
    assert printed["demo-editor"][0] == "editor"
    assert printed["demo-reporter"][0] == "reporter"
    user_model = get_user_model()
    for username, (role, password) in printed.items():
        user = user_model.objects.get(username=username)
        assert user.is_staff
        assert user.check_password(password)
        assert list(user.groups.values_list("name", flat=True)) == [role.capitalize()]
    # A second run gives new passwords: the printed ones are the only working ones.
    again = io.StringIO()
    call_command("seed_demo", stdout=again)
    assert printed["demo-editor"][1] not in again.getvalue()
    assert not user_model.objects.get(username="demo-editor").check_password(printed["demo-editor"][1])
    assert client.login(username="demo-reporter", password=again.getvalue().split("demo-reporter")[1].split()[1])
