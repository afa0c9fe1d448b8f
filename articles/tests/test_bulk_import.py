"""``import_articles`` in batches: bulk writes, a line failing alone, progress output, deferred renditions."""

import io
import json
import re

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from reversion.models import Revision, Version
from taggit.models import Tag

from articles.models import Article, ArticleUpdate, Author, Photo, TaggedArticle
from articles.photos import renditions_stale
from articles.revisions import article_history, articles_revision_add, articles_revision_create, revision_block
from articles.tests.factories import ArticleUpdateFactory, AuthorFactory, SectionFactory
from articles.tests.test_import_articles import record, write_image, write_jsonl
from newsroom.caching.generation import page_cache_generation

pytestmark = pytest.mark.django_db


def run(path, *args):
    out = io.StringIO()
    try:
        call_command("import_articles", str(path), *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def line_reason(out: str, line: int) -> str:
    rows = [row.strip() for row in out.splitlines() if row.strip().startswith(f"line {line} ")]
    assert rows, f"line {line} not reported in:\n{out}"
    return rows[0]


def story(n, **overrides):
    """A record with an author and a tag of its own, and shared ones, so links are checkable per line."""
    return record(n, **{"authors": ["Mika Sato", f"Writer {n}"], "tags": ["Kobe", f"Topic {n}"], **overrides})


@pytest.fixture
def society():
    return SectionFactory(name="Society", slug="society")


@pytest.fixture
def refuse_headlines_with_refused():
    """A real database trigger refusing any article whose headline contains REFUSED (a DB-level failure)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "CREATE TRIGGER refuse_headline BEFORE INSERT ON articles_article "
                "WHEN NEW.headline LIKE '%REFUSED%' BEGIN SELECT RAISE(ABORT, 'headline refused by trigger'); END"
            )
        else:
            cursor.execute(
                "CREATE FUNCTION refuse_headline() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "IF NEW.headline LIKE '%REFUSED%' THEN RAISE EXCEPTION 'headline refused by trigger'; END IF; "
                "RETURN NEW; END $$"
            )
            cursor.execute(
                "CREATE TRIGGER refuse_headline BEFORE INSERT ON articles_article "
                "FOR EACH ROW EXECUTE FUNCTION refuse_headline()"
            )
    yield
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER refuse_headline")
        else:
            cursor.execute("DROP TRIGGER refuse_headline ON articles_article")
            cursor.execute("DROP FUNCTION refuse_headline()")


def test_a_batch_is_written_in_a_constant_number_of_queries(tmp_path, society, django_assert_max_num_queries):
    """200 new stories with new authors and tags: a few dozen queries, not a dozen per line."""
    path = write_jsonl(tmp_path / "feed.jsonl", [story(n) for n in range(1, 201)])
    # About 30 for the batch's writes and lookups, a dozen for its one revision (reversion's own writes).
    with django_assert_max_num_queries(45):
        out, error = run(path)
    assert error is None, out
    assert "200 created, 0 updated, 0 unchanged, 0 failed" in out
    assert Article.objects.count() == 200
    assert Author.objects.count() == 201
    assert TaggedArticle.objects.count() == 400
    article = Article.objects.get(external_id="wire-150")
    assert sorted(a.name for a in article.authors.all()) == ["Mika Sato", "Writer 150"]
    assert sorted(article.tags.names()) == ["Kobe", "Topic 150"]
    assert article.slug == "harbour-bridge-reopens-after-repairs-150"
    assert article.status == Article.Status.PUBLISHED

    # Re-import: every line unchanged, nothing written, again in a constant number of queries.
    modified = dict(Article.objects.values_list("external_id", "modified_at"))
    with django_assert_max_num_queries(10):
        out, error = run(path)
    assert "0 created, 0 updated, 200 unchanged, 0 failed" in out
    assert dict(Article.objects.values_list("external_id", "modified_at")) == modified


def test_a_bad_line_in_the_middle_of_a_batch_fails_alone_and_the_rest_of_the_batch_is_stored(tmp_path, society):
    lines = [story(n) for n in range(1, 11)]
    lines[3] = story(4, published_at="yesterday-ish")  # line 4: fails validation
    lines[6] = story(7, status="published", published_at=None)  # line 7: fails a rule
    path = write_jsonl(tmp_path / "feed.jsonl", lines)
    out, error = run(path, "--batch-size", "500")
    assert error is not None
    assert "2 line(s) failed and were not imported: 4, 7" in str(error)
    assert "8 created, 0 updated, 0 unchanged, 2 failed" in out
    assert "not an ISO 8601" in line_reason(out, 4)
    assert "'published_at' is required" in line_reason(out, 7)
    stored = set(Article.objects.values_list("external_id", flat=True))
    assert stored == {f"wire-{n}" for n in (1, 2, 3, 5, 6, 8, 9, 10)}
    # The failed lines' own authors and tags were never written.
    assert not Author.objects.filter(name__in=["Writer 4", "Writer 7"]).exists()
    assert not Tag.objects.filter(name__in=["Topic 4", "Topic 7"]).exists()
    for n in (5, 6, 8):
        assert sorted(Article.objects.get(external_id=f"wire-{n}").tags.names()) == ["Kobe", f"Topic {n}"]


def test_a_line_refused_by_the_database_rolls_back_only_its_savepoint(tmp_path, society, refuse_headlines_with_refused):
    lines = [story(n) for n in range(1, 9)]
    lines[4] = story(5, headline="This one is REFUSED by the database")
    path = write_jsonl(tmp_path / "feed.jsonl", lines)
    out, error = run(path)
    assert error is not None
    assert "1 line(s) failed and were not imported: 5" in str(error)
    assert "7 created, 0 updated, 0 unchanged, 1 failed" in out
    assert "headline refused by trigger" in line_reason(out, 5)
    assert set(Article.objects.values_list("external_id", flat=True)) == {f"wire-{n}" for n in (1, 2, 3, 4, 6, 7, 8)}
    # Nothing of line 5 is left: its new author and tag were rolled back with its savepoint.
    assert not Author.objects.filter(name="Writer 5").exists()
    assert not Tag.objects.filter(name="Topic 5").exists()
    assert Author.objects.filter(name="Mika Sato").count() == 1
    for n in (4, 6):
        article = Article.objects.get(external_id=f"wire-{n}")
        assert sorted(a.name for a in article.authors.all()) == ["Mika Sato", f"Writer {n}"]
        assert sorted(article.tags.names()) == ["Kobe", f"Topic {n}"]


def test_reimport_updates_in_bulk_by_external_id_and_keeps_editors_spellings(tmp_path, society):
    AuthorFactory(name="Mika Sato", slug="mika-sato-desk")
    Tag.objects.create(name="KOBE")
    path = write_jsonl(tmp_path / "feed.jsonl", [story(n) for n in range(1, 6)])
    run(path)
    assert Author.objects.filter(name__iexact="mika sato").count() == 1
    assert Tag.objects.filter(name__iexact="kobe").count() == 1
    assert sorted(Article.objects.get(external_id="wire-1").tags.names()) == ["KOBE", "Topic 1"]
    before = dict(Article.objects.values_list("external_id", "modified_at"))

    changed = [story(n) for n in range(1, 6)]
    changed[1] = story(2, headline="Bridge Reopening Delayed", authors=["mika SATO"])
    changed[3] = story(4, tags=["kobe", "Ferries"])
    write_jsonl(path, changed)
    out, error = run(path)
    assert error is None, out
    assert "0 created, 2 updated, 3 unchanged, 0 failed" in out
    second, fourth = Article.objects.get(external_id="wire-2"), Article.objects.get(external_id="wire-4")
    assert second.headline == "Bridge Reopening Delayed"
    assert second.slug == "harbour-bridge-reopens-after-repairs-2"  # the URL stays
    assert [a.slug for a in second.authors.all()] == ["mika-sato-desk"]
    assert sorted(fourth.tags.names()) == ["Ferries", "KOBE"]
    assert second.modified_at > before["wire-2"]
    assert fourth.modified_at > before["wire-4"]
    after = dict(Article.objects.values_list("external_id", "modified_at"))
    assert all(after[f"wire-{n}"] == before[f"wire-{n}"] for n in (1, 3, 5))
    assert Article.objects.count() == 5


def test_the_page_cache_is_invalidated_by_a_bulk_batch(tmp_path, society):
    generation = page_cache_generation(create=True)
    path = write_jsonl(tmp_path / "feed.jsonl", [story(n) for n in range(1, 4)])
    run(path)
    assert page_cache_generation() != generation


def test_progress_lines_with_v1_on_a_long_file_and_none_with_v0(tmp_path, society):
    lines = [story(n) for n in range(1, 251)]
    lines[119] = "{not json"
    path = write_jsonl(tmp_path / "feed.jsonl", lines)
    out, _ = run(path, "--batch-size", "50", "--progress-every", "100", "--progress-seconds", "3600")
    progress = re.findall(r"^feed\.jsonl: (\d+) lines, (\d+) ok, (\d+) failed, [\d,]+ lines/s$", out, re.M)
    assert progress == [("100", "100", "0"), ("200", "199", "1")]

    write_jsonl(path, [story(n, deck="Changed.") for n in range(1, 251)])
    out, _ = run(path, "--batch-size", "50", "--progress-every", "100", "-v0")
    assert "lines/s" not in out
    assert "1 created, 249 updated" in out  # line 120 failed the first time


def test_defer_renditions_stores_originals_and_photo_renditions_builds_them(tmp_path, society, client):
    for n in (1, 2):
        write_image(tmp_path / f"p{n}.jpg", color=(40 * n, 90, 160))
    lines = [story(n, photo=f"p{n}.jpg", alt=f"Picture {n}", caption=f"Caption {n}") for n in (1, 2)] + [story(3)]
    path = write_jsonl(tmp_path / "feed.jsonl", lines)
    out, error = run(path, "--defer-renditions")
    assert error is None, out
    assert "3 created" in out
    photos = list(Photo.objects.order_by("pk"))
    assert len(photos) == 2
    assert all(p.renditions == {} and renditions_stale(p) for p in photos)
    assert all(default_storage.exists(p.image.name) for p in photos)
    assert [(p.width, p.height) for p in photos] == [(480, 270), (480, 270)]
    article = Article.objects.get(external_id="wire-1")
    assert article.lead_photo.caption == "Caption 1"
    assert client.get(article.get_absolute_url()).status_code == 200  # readable before its renditions exist

    out = io.StringIO()
    call_command("photo_renditions", stdout=out)
    assert "2 built, 0 already up to date, 0 failed" in out.getvalue()
    for photo in Photo.objects.all():
        assert not renditions_stale(photo)
        assert photo.renditions["widths"]["jpeg"]


def test_reimporting_in_batches_with_json_of_every_kind_keeps_line_numbers(tmp_path, society):
    """Failures spread over several batches keep their own line numbers."""
    lines = []
    for n in range(1, 31):
        lines.append("[]" if n % 10 == 0 else json.dumps(story(n)))
    path = write_jsonl(tmp_path / "feed.jsonl", lines)
    out, error = run(path, "--batch-size", "7")
    assert "3 line(s) failed and were not imported: 10, 20, 30" in str(error)
    assert "27 created" in out


def test_authors_are_matched_by_slug_as_line_by_line_also_within_one_batch(tmp_path, society):
    desk = AuthorFactory(name="M. Sato", slug="mika-sato")
    lines = [
        record(1, authors=["Mika Sato"]),  # no name matches; the slug does
        record(2, authors=["Ren Okada"]),  # new
        record(3, authors=["Ren-Okada"]),  # another spelling of the same slug, same batch: same author
    ]
    path = write_jsonl(tmp_path / "feed.jsonl", lines)
    out, error = run(path)
    assert error is None, out
    assert list(Article.objects.get(external_id="wire-1").authors.all()) == [desk]
    second = Article.objects.get(external_id="wire-2").authors.get()
    assert list(Article.objects.get(external_id="wire-3").authors.all()) == [second]
    assert (second.name, second.slug) == ("Ren Okada", "ren-okada")
    assert Author.objects.count() == 2


def revision_contents(revision) -> dict:
    """(model, object id) -> (field values, repr) of every version in ``revision``."""
    return {
        (v.content_type.model, v.object_id): (v.field_dict, v.object_repr)
        for v in Version.objects.filter(revision=revision).select_related("content_type")
    }


def test_a_batch_revision_holds_what_reversion_itself_stores(tmp_path, society):
    """The importer's bulk revision: the same versions as django-reversion's per-object path."""
    path = write_jsonl(tmp_path / "feed.jsonl", [story(n) for n in range(1, 6)])
    out, error = run(path)
    assert error is None, out
    ids = sorted(Article.objects.values_list("pk", flat=True))
    ArticleUpdateFactory(article_id=ids[0], note="Corrected the bridge's length.")
    (imported,) = Revision.objects.filter(comment="Imported")
    assert len(revision_contents(imported)) == 5 + 10 + 6  # articles, tag links, tags

    with revision_block(comment="By reversion"):
        articles_revision_add(article_ids=ids)
    bulk = articles_revision_create(article_ids=ids, comment="In bulk")
    expected = revision_contents(Revision.objects.get(comment="By reversion"))
    assert ("articleupdate", str(ArticleUpdate.objects.get().pk)) in expected
    assert revision_contents(bulk) == expected
    # And it reads back as history: authors and tags of the imported story.
    (entry,) = [e for e in article_history(article_id=ids[1]) if e.revision.comment == "Imported"]
    assert sorted(entry.content.tags) == ["Kobe", "Topic 2"]
    assert sorted(entry.content.authors) == ["Mika Sato", "Writer 2"]


def test_a_batch_inside_an_open_revision_joins_it(tmp_path, society):
    path = write_jsonl(tmp_path / "feed.jsonl", [story(n) for n in range(1, 4)])
    with revision_block(comment="Outer"):
        out, error = run(path)
    assert error is None, out
    assert list(Revision.objects.values_list("comment", flat=True)) == ["Outer"]
    assert Version.objects.filter(revision__comment="Outer", content_type__model="article").count() == 3
