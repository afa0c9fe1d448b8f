"""``import_articles``: JSON Lines in, articles out, one transaction per line."""

import io
import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from PIL import Image

from articles.importer import ImportRecordError, photo_files
from articles.models import Article, Author, Photo, Section
from articles.services import article_import_record
from articles.tests.factories import ArticleFactory, AuthorFactory, SectionFactory

pytestmark = pytest.mark.django_db


def write_image(path, *, size=(480, 270), color=(200, 120, 40), fmt="JPEG"):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, color).save(path, format=fmt)
    return path


def write_jsonl(path, lines):
    path.write_text("\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n")
    return path


def record(n=1, **overrides):
    data = {
        "external_id": f"wire-{n}",
        "headline": f"Harbour Bridge Reopens After Repairs {n}",
        "section": "society",
        "deck": "Traffic returns to the span after eight months.",
        "body": "<p>The bridge reopened on Monday.</p><p>Commuters cheered.</p>",
        "dateline": "KOBE",
        "authors": ["Mika Sato", "Ren Okada"],
        "tags": ["Infrastructure", "Kobe"],
        "published_at": "2026-01-17T07:05:00+09:00",
    }
    data.update(overrides)
    return data


def run_import(path, *args):
    out = io.StringIO()
    try:
        call_command("import_articles", str(path), *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def stored_files():
    root = default_storage.location
    return sorted(os.path.relpath(os.path.join(d, f), root) for d, _, files in os.walk(root) for f in files)


@pytest.fixture
def society():
    return SectionFactory(name="Society", slug="society")


def test_creates_articles_with_authors_tags_photo_and_utc_time(tmp_path, society):
    write_image(tmp_path / "img" / "bridge.jpg")
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        [record(1, photo="img/bridge.jpg", caption="The bridge at dawn.", credit="Aki Mori", alt="A steel bridge")],
    )
    out, error = run_import(path)
    assert error is None
    assert "1 created, 0 updated, 0 unchanged, 0 failed" in out

    article = Article.objects.get(external_id="wire-1")
    assert article.headline == "Harbour Bridge Reopens After Repairs 1"
    assert article.slug == "harbour-bridge-reopens-after-repairs-1"
    assert article.section == society
    assert article.dateline == "KOBE"
    assert article.status == Article.Status.PUBLISHED
    assert article.published_at == datetime(2026, 1, 16, 22, 5, tzinfo=UTC)
    assert sorted(a.name for a in article.authors.all()) == ["Mika Sato", "Ren Okada"]
    assert sorted(article.tags.names()) == ["Infrastructure", "Kobe"]
    photo = article.lead_photo
    assert (photo.caption, photo.credit, photo.alt_text) == ("The bridge at dawn.", "Aki Mori", "A steel bridge")
    assert (photo.width, photo.height) == (480, 270)
    assert default_storage.exists(photo.image.name)


def test_naive_time_is_tokyo_time_and_future_time_schedules(tmp_path, society):
    future = (timezone.now() + timedelta(days=2)).astimezone(UTC).replace(microsecond=0)
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        [record(1, published_at="2026-03-01T09:30:00"), record(2, published_at=future.isoformat())],
    )
    _, error = run_import(path)
    assert error is None
    first, second = Article.objects.get(external_id="wire-1"), Article.objects.get(external_id="wire-2")
    assert first.published_at == datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    assert second.status == Article.Status.SCHEDULED
    assert second.published_at == future
    assert not Article.objects.published().filter(pk=second.pk).exists()


def test_section_matches_by_name_case_insensitively_and_existing_author_is_reused(tmp_path, society):
    author = AuthorFactory(name="Mika Sato", slug="mika-sato-desk")
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1, section="SOCIETY", authors=["mika sato"])])
    _, error = run_import(path)
    assert error is None
    article = Article.objects.get(external_id="wire-1")
    assert article.section == society
    assert list(article.authors.all()) == [author]
    assert Author.objects.count() == 1


def test_bad_lines_are_reported_with_numbers_and_the_rest_imported(tmp_path, society):
    write_image(tmp_path / "ok.jpg")
    (tmp_path / "truncated.jpg").write_bytes((write_image(tmp_path / "full.jpg").read_bytes())[:600])
    (tmp_path / "notes.txt").write_text("not an image at all")
    lines = [
        record(1),
        '{"external_id": "wire-2", "headline": "Broken',  # invalid JSON in the middle
        record(3, published_at="next tuesday"),
        record(4, section="astrology"),
        record(5, photo="missing.jpg", alt="Nothing"),
        record(6, photo="truncated.jpg", alt="Half a picture"),
        record(7, photo="notes.txt", alt="Text"),
        {k: v for k, v in record(8).items() if k != "headline"},
        record(9, photo="ok.jpg"),  # no alt text
        record(10, capton="typo"),
        record(11, photo="../outside.jpg", alt="Escapes the folder"),
        "[1, 2, 3]",
        record(13, photo="ok.jpg", alt="Fine", caption="Last line still imports."),
    ]
    path = write_jsonl(tmp_path / "feed.jsonl", lines)
    write_image(tmp_path.parent / "outside.jpg")

    out, error = run_import(path)

    assert error is not None
    assert "11 line(s) failed" in str(error)
    assert "2 created, 0 updated, 0 unchanged, 11 failed" in out
    expectations = {
        2: "invalid JSON",
        3: "not an ISO 8601",
        4: "unknown section 'astrology'",
        5: "photo file not found: missing.jpg",
        6: "not a usable image",
        7: "not a usable image",
        8: "missing required field(s): headline",
        9: "'alt'",
        10: "unknown field(s): capton",
        11: "outside",
        12: "JSON object",
    }
    for line, reason in expectations.items():
        reported = [row for row in out.splitlines() if row.strip().startswith(f"line {line}")]
        assert reported, f"line {line} not reported in:\n{out}"
        assert reason in reported[0], reported[0]
    assert set(Article.objects.values_list("external_id", flat=True)) == {"wire-1", "wire-13"}
    assert Photo.objects.count() == 1
    # Only the one good photo's files were written: no orphan originals or renditions.
    assert stored_files() == sorted(photo_files(Photo.objects.get()))


def test_reimport_is_idempotent_and_updates_changed_records(tmp_path, society):
    write_image(tmp_path / "a.jpg", color=(10, 20, 30))
    first = [record(1, photo="a.jpg", alt="A"), record(2), record(3)]
    path = write_jsonl(tmp_path / "feed.jsonl", first)
    out, _ = run_import(path)
    assert "3 created" in out
    modified = dict(Article.objects.values_list("external_id", "modified_at"))
    photo_ids = set(Photo.objects.values_list("id", flat=True))

    out, error = run_import(path)
    assert error is None
    assert "0 created, 0 updated, 3 unchanged, 0 failed" in out
    assert dict(Article.objects.values_list("external_id", "modified_at")) == modified
    assert set(Photo.objects.values_list("id", flat=True)) == photo_ids

    changed = [
        record(1, photo="a.jpg", alt="A", caption="New caption"),
        record(2, headline="Bridge Reopening Delayed by Inspection", tags=["Kobe"]),
        record(3),
    ]
    write_jsonl(path, changed)
    out, error = run_import(path)
    assert error is None
    assert "0 created, 2 updated, 1 unchanged, 0 failed" in out
    assert Article.objects.count() == 3
    second = Article.objects.get(external_id="wire-2")
    assert second.headline == "Bridge Reopening Delayed by Inspection"
    assert second.slug == "harbour-bridge-reopens-after-repairs-2"  # URLs stay stable
    assert list(second.tags.names()) == ["Kobe"]
    # Same picture with a new caption: the photo is edited, not duplicated.
    assert set(Photo.objects.values_list("id", flat=True)) == photo_ids
    assert Article.objects.get(external_id="wire-1").lead_photo.caption == "New caption"


def test_new_photo_replaces_the_imported_one_and_removes_its_files(
    tmp_path, society, django_capture_on_commit_callbacks
):
    write_image(tmp_path / "a.jpg", color=(10, 20, 30))
    write_image(tmp_path / "b.jpg", color=(250, 240, 10))
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1, photo="a.jpg", alt="A")])
    run_import(path)
    old = Article.objects.get().lead_photo
    old_name = old.image.name

    write_jsonl(path, [record(1, photo="b.jpg", alt="B")])
    with django_capture_on_commit_callbacks(execute=True):
        out, error = run_import(path)
    assert error is None
    assert "1 updated" in out
    article = Article.objects.get()
    assert article.lead_photo.pk != old.pk
    assert article.lead_photo.alt_text == "B"
    assert not Photo.objects.filter(pk=old.pk).exists()
    assert not default_storage.exists(old_name)


def test_hostile_html_in_body_is_sanitized(tmp_path, society):
    hostile = (
        '<p onclick="steal()">Hello <a href="javascript:alert(1)">link</a></p>'
        "<script>alert('x')</script><iframe src='https://evil.example'></iframe>"
        '<p style="color:red">styled</p><img src=x onerror=alert(1)>'
    )
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1, body=hostile, headline="<b>Bold</b> claim")])
    _, error = run_import(path)
    assert error is None
    article = Article.objects.get()
    body = article.body.lower()
    for needle in ("script", "onclick", "javascript:", "iframe", "style=", "onerror", "alert"):
        assert needle not in body, needle
    assert "hello" in body
    assert article.headline == "<b>Bold</b> claim"  # stored as text; templates escape it
    # Sanitizing is stable, so the same hostile record re-imported is "unchanged", not rewritten.
    out, _ = run_import(path)
    assert "1 unchanged" in out


def test_plain_text_body_becomes_escaped_paragraphs(tmp_path, society):
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1, body="First & foremost.\n\nSecond paragraph.")])
    run_import(path)
    assert Article.objects.get().body == "<p>First &amp; foremost.</p><p>Second paragraph.</p>"


def test_reimport_keeps_a_status_an_editor_changed(tmp_path, society):
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1)])
    run_import(path)
    Article.objects.filter(external_id="wire-1").update(status=Article.Status.WITHDRAWN)
    write_jsonl(path, [record(1, deck="Corrected deck.")])
    run_import(path)
    article = Article.objects.get()
    assert article.status == Article.Status.WITHDRAWN
    assert article.deck == "Corrected deck."


def test_status_published_without_time_fails(tmp_path, society):
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1, status="published", published_at=None)])
    out, error = run_import(path)
    assert error is not None
    assert "'published_at' is required" in out
    assert not Article.objects.exists()


def test_failure_after_photo_written_rolls_back_article_and_files(tmp_path, society, monkeypatch):
    """A database error late in a record leaves no article, no photo row and no file."""
    write_image(tmp_path / "a.jpg")
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1, photo="a.jpg", alt="A"), record(2)])
    original_save = Article.save

    def failing_save(self, *args, **kwargs):
        if self.external_id == "wire-1" and kwargs.get("update_fields"):
            raise RuntimeError("disk full")
        return original_save(self, *args, **kwargs)

    monkeypatch.setattr(Article, "save", failing_save)
    out, error = run_import(path)
    assert error is not None
    assert "line 1" in out
    assert "disk full" in out
    assert list(Article.objects.values_list("external_id", flat=True)) == ["wire-2"]
    assert not Photo.objects.exists()
    assert stored_files() == []


def test_dry_run_writes_nothing(tmp_path, society):
    write_image(tmp_path / "a.jpg")
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1, photo="a.jpg", alt="A"), record(2, section="nowhere")])
    out, error = run_import(path, "--dry-run")
    assert error is not None
    assert "Dry run" in out
    assert "1 created" in out
    assert not Article.objects.exists()
    assert not Photo.objects.exists()
    assert stored_files() == []


def test_create_sections_option(tmp_path, society):
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1, section="Weather")])
    _, error = run_import(path, "--create-sections")
    assert error is None
    assert Article.objects.get().section == Section.objects.get(slug="weather")


def test_same_external_id_twice_in_a_file_updates(tmp_path, society):
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1), record(1, deck="Later version.")])
    out, error = run_import(path)
    assert error is None
    assert "1 created, 1 updated" in out
    assert Article.objects.get().deck == "Later version."


def test_service_rejects_non_object_and_missing_file(tmp_path, society):
    with pytest.raises(ImportRecordError):
        article_import_record(record=["x"], base_dir=tmp_path)
    with pytest.raises(CommandError, match="no such file"):
        call_command("import_articles", str(tmp_path / "nope.jsonl"), stdout=io.StringIO())


def test_existing_non_imported_article_is_untouched(tmp_path, society):
    other = ArticleFactory(section=society, headline="Harbour Bridge Reopens After Repairs 1")
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1)])
    run_import(path)
    other.refresh_from_db()
    assert other.external_id is None
    assert Article.objects.count() == 2


def test_blank_lines_bom_and_invalid_utf8(tmp_path, society):
    path = tmp_path / "feed.jsonl"
    path.write_bytes(
        b"\xef\xbb\xbf" + json.dumps(record(1)).encode() + b"\n\n   \n" + b'{"headline": "\xff\xfe"}\n'
        + json.dumps(record(3)).encode() + b"\n"
    )  # fmt: skip
    out, error = run_import(path)
    assert error is not None
    assert "2 created, 0 updated, 0 unchanged, 1 failed" in out
    assert "line 4: not valid UTF-8" in out


def test_oversized_photo_is_refused_before_reading(tmp_path, society, settings):
    settings.PHOTO_MAX_UPLOAD_BYTES = 1000
    write_image(tmp_path / "big.jpg")
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1, photo="big.jpg", alt="Big")])
    out, error = run_import(path)
    assert error is not None
    assert "photo file is too large" in out
    assert not Article.objects.exists()
    assert stored_files() == []


# --- Hostile lines and out-of-range dates: each fails alone, with its number -----------------------


def test_a_deeply_nested_line_fails_alone_and_the_import_goes_on(tmp_path, society):
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1), "[" * 100_000 + "]" * 100_000, record(3)])
    out, error = run_import(path)
    assert error is not None
    assert "1 line(s) failed and were not imported: 2" in str(error)
    assert "2 created, 0 updated, 0 unchanged, 1 failed" in out
    assert "line 2: invalid JSON: nested deeper than 10 levels" in out
    assert set(Article.objects.values_list("external_id", flat=True)) == {"wire-1", "wire-3"}


def test_every_kind_of_hostile_line_fails_alone_with_a_clear_reason(tmp_path, society, settings):
    from articles import importer

    huge_number = "9" * 10_000
    lines = [
        record(1),
        '{"external_id": "wire-2", "headline": ' + "[" * 5_000 + "]" * 5_000 + "}",  # nested inside an object
        '{"external_id": "wire-3", "headline": ' + huge_number + "}",
        '{"external_id": "wire-4", "headline": 1e999}',
        '{"external_id": "wire-5", "headline": NaN}',
        json.dumps(record(6, headline=["a", "list"])),
        '"just a string"',
        json.dumps(record(8, headline="Nul \u0000 inside")),
        json.dumps(record(9, tags=["ok", "bad \u0000"])),
        '{"external_id": "wire-10", "headline": "Lone \\ud800 surrogate", "section": "society", "body": "x"}',
        json.dumps(record(11, body="<p>" + "x" * (importer.MAX_LINE_BYTES + 10) + "</p>")),
        json.dumps(record(12, headline="Brackets [[[[[[[[[[[[[[[[ inside a string are fine")),
        json.dumps(record(13)),
    ]
    path = write_jsonl(tmp_path / "feed.jsonl", lines)
    out, error = run_import(path)
    expectations = {
        2: "nested deeper than 10 levels",
        3: "a number longer than 20 digits",
        4: "a number out of range",
        5: "NaN is not a JSON value",
        6: "'headline' must be a string, not list",
        7: "a line must hold a JSON object, not a string",
        8: "'headline' contains a NUL character",
        9: "'tags' contains a NUL character",
        10: "'headline' is not valid Unicode text",
        11: f"line is longer than {importer.MAX_LINE_BYTES} bytes",
    }
    assert error is not None
    assert "3 created, 0 updated, 0 unchanged, 10 failed" in out
    for line, reason in expectations.items():
        reported = [row for row in out.splitlines() if row.strip().startswith(f"line {line}")]
        assert reported, f"line {line} not reported in:\n{out[:2000]}"
        assert reason in reported[0], reported[0][:500]
    assert set(Article.objects.values_list("external_id", flat=True)) == {"wire-1", "wire-12", "wire-13"}
    assert Article.objects.get(external_id="wire-12").headline.startswith("Brackets [[[")


@pytest.mark.parametrize(
    "published_at",
    ["9999-12-31T23:59:59-12:00", "9999-12-31T23:59:59+00:00", "0001-01-01", "0001-01-01T00:00:00+00:00", "1899-12-31"],
)
def test_an_out_of_range_date_fails_its_line(tmp_path, society, published_at):
    path = write_jsonl(tmp_path / "feed.jsonl", [record(1), record(2, published_at=published_at), record(3)])
    out, error = run_import(path)
    assert error is not None
    assert "2 created, 0 updated, 0 unchanged, 1 failed" in out
    assert f"line 2 (wire-2): 'published_at' is out of range: {published_at!r}." in out
    assert "Enter a date from 1900-01-01 to 2199-12-31 (Tokyo time)." in out
    assert not Article.objects.filter(external_id="wire-2").exists()


def test_dates_at_the_edges_of_the_range_import(tmp_path, society):
    path = write_jsonl(
        tmp_path / "feed.jsonl",
        [record(1, published_at="1900-01-01T00:00:00+09:00"), record(2, published_at="2199-12-31T23:59:59")],
    )
    out, error = run_import(path)
    assert error is None, out
    assert Article.objects.get(external_id="wire-1").published_at == datetime(1899, 12, 31, 15, tzinfo=UTC)
    assert Article.objects.get(external_id="wire-2").published_at == datetime(2199, 12, 31, 14, 59, 59, tzinfo=UTC)
