"""The new pages pass the W3C Nu HTML Checker (vnu.jar, as in articles/tests/test_html_validity.py).

The article page with all its furniture, every trust page (the demo's text), the
corrections page (first and a later page, and empty) and site.css (which holds their styles), in one JVM run.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.core.cache import cache

from articles.models import Article, ArticleUpdate
from articles.signals import demo_seeded
from articles.tests.factories import ArticleFactory, ArticleUpdateFactory, AuthorFactory, SectionFactory
from articles.tests.test_html_validity import BROKEN_CONTROL, java, vnu_jar

pytestmark = pytest.mark.django_db


def test_new_pages_and_their_stylesheet_pass_the_nu_html_checker(client, tmp_path, settings):
    politics = SectionFactory(name="Politics & Law", slug="politics")
    story = ArticleFactory(
        section=politics, headline="Budget <Plan> & Taxes", tags=["Budget", "東京"], authors=[AuthorFactory()]
    )
    for n in range(6):
        ArticleFactory(section=politics if n % 2 else SectionFactory(), headline=f"Story {n}", tags=["Budget"])
    for n in range(23):
        ArticleUpdateFactory(article=story, kind=ArticleUpdate.Kind.CORRECTION, note=f"Fixes <fact> & {n}.")
    demo_seeded.send(sender=Article, articles=[])
    urls = {
        "article": story.get_absolute_url(),
        "about": "/about/",
        "contact": "/contact/",
        "corrections-policy": "/corrections-policy/",
        "privacy": "/privacy/",
        "terms": "/terms/",
        "corrections": "/corrections/",
        "corrections-page-2": "/corrections/?page=2",
        "home": "/",
    }
    for name, url in urls.items():
        cache.clear()
        response = client.get(url)
        assert response.status_code == 200, (name, response.status_code)
        (tmp_path / f"{name}.html").write_bytes(response.content)
    ArticleUpdate.objects.all().delete()
    cache.clear()
    (tmp_path / "corrections-empty.html").write_bytes(client.get("/corrections/").content)
    shutil.copy(Path(settings.BASE_DIR) / "static" / "css" / "site.css", tmp_path / "site.css")
    (tmp_path / BROKEN_CONTROL).write_text('<!DOCTYPE html><html lang="en"><head></head><body><p><div>x</p></body>')

    files = sorted(str(p) for p in tmp_path.glob("*.*"))
    command = [java(), "-jar", str(vnu_jar()), "--format", "json", "--stdout", "--also-check-css", *files]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)  # noqa: S603 - our own files
    by_file: dict[str, list[str]] = {}
    for message in json.loads(result.stdout)["messages"]:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            name = Path(message.get("url", "?")).name
            by_file.setdefault(name, []).append(f"line {message.get('lastLine')}: {message['message']}")
    assert BROKEN_CONTROL in by_file, "the validator did not flag the broken control page"
    by_file.pop(BROKEN_CONTROL)
    assert by_file == {}, json.dumps(by_file, indent=2, ensure_ascii=False)
