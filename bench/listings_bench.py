"""Listings benchmark (run through ``bench/listings``): uncached cost of every listing as the archive grows.

Builds a scratch archive of ``--articles`` stories (default 100,000) in a
temporary SQLite file under ``--dir`` (never the project's ``db.sqlite3``),
or with ``--postgres URL`` in that PostgreSQL database (created if missing,
emptied first). Sections, authors and tags are drawn with Zipf popularity,
three tags and one or two authors per story, publication times spread
evenly over ``--years`` years. Then, in this process, with the page cache
off, it requests each page ``--repeat`` times through Django's test client
and prints p50/p95 wall time per request (in-process: the database runs in
this process for SQLite, on loopback for PostgreSQL) and the number of
queries: home, section page 1 and a deep page, the most and a middling
popular tag, the busiest author, ``/feed/``, a section feed, the sitemap
index, one month's sitemap and the Google News sitemap.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=100_000, help="stories in the archive (default 100,000)")
    parser.add_argument("--years", type=int, default=10, help="years the archive spans (default 10)")
    parser.add_argument("--sections", type=int, default=12)
    parser.add_argument("--tags", type=int, default=2000, help="distinct tags (Zipf popularity)")
    parser.add_argument("--authors", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=30, help="requests per page (default 30)")
    parser.add_argument("--postgres", metavar="URL", help="use this PostgreSQL database instead of SQLite")
    parser.add_argument("--dir", default=None, help="folder for the scratch SQLite file (default: a temp folder)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--reuse", action="store_true", help="measure the archive a previous run built (same --dir)")
    return parser.parse_args(argv)


def setup_django(args) -> None:
    if args.postgres:
        sys.path.insert(0, str(ROOT / "bench"))
        from _common import pg_database_ensure

        pg_database_ensure(args.postgres)
        os.environ["DATABASE_URL"] = args.postgres
    else:
        folder = Path(args.dir or tempfile.mkdtemp(prefix="newsroom-bench-listings-"))
        folder.mkdir(parents=True, exist_ok=True)
        path = (folder / "listings.sqlite3").resolve()
        if path == (ROOT / "db.sqlite3").resolve():
            raise SystemExit("refusing to write the project's own db.sqlite3")
        if not args.reuse:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    os.environ["NEWSROOM_PAGE_CACHE"] = "0"
    os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def zipf_choice(rng: random.Random, weights_cum: list[float], items: list):
    return items[_bisect(weights_cum, rng.random() * weights_cum[-1])]


def _bisect(cum: list[float], x: float) -> int:
    import bisect

    return bisect.bisect_right(cum, x)


def zipf_cumulative(n: int, s: float = 1.1) -> list[float]:
    total, out = 0.0, []
    for rank in range(1, n + 1):
        total += 1 / rank**s
        out.append(total)
    return out


def build(args) -> None:
    from django.core.management import call_command
    from django.db import connection, transaction
    from taggit.models import Tag

    from articles.models import Article, Author, Section, TaggedArticle

    call_command("flush", "--noinput", verbosity=0) if args.postgres else None
    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    started = time.perf_counter()
    with transaction.atomic():
        sections = Section.objects.bulk_create(
            Section(name=f"Section {i}", slug=f"section-{i}", position=i) for i in range(args.sections)
        )
        authors = Author.objects.bulk_create(
            Author(name=f"Author {i}", slug=f"author-{i}") for i in range(args.authors)
        )
        tags = Tag.objects.bulk_create(Tag(name=f"tag {i}", slug=f"tag-{i}") for i in range(args.tags))
    section_cum, author_cum, tag_cum = (zipf_cumulative(n) for n in (args.sections, args.authors, args.tags))
    end = datetime.now(UTC) - timedelta(minutes=5)
    span = timedelta(days=365 * args.years).total_seconds()
    through = Article.authors.through
    batch = 5000
    for start in range(0, args.articles, batch):
        with transaction.atomic():
            rows = []
            for i in range(start, min(start + batch, args.articles)):
                published = end - timedelta(seconds=span * (1 - i / args.articles))
                status = "published" if rng.random() > 0.03 else rng.choice(["draft", "withdrawn"])
                rows.append(
                    Article(
                        headline=f"Story number {i}",
                        slug=f"story-{i}",
                        section=zipf_choice(rng, section_cum, sections),
                        deck="A one-sentence summary of the story.",
                        body="<p>Body.</p>",
                        status=status,
                        published_at=published if status != "draft" else None,
                    )
                )
            created = Article.objects.bulk_create(rows)
            tagged, bylines = [], []
            for article in created:
                for tag in {zipf_choice(rng, tag_cum, tags) for _ in range(3)}:
                    tagged.append(TaggedArticle(content_object=article, tag=tag))
                for author in {zipf_choice(rng, author_cum, authors) for _ in range(rng.choice([1, 1, 2]))}:
                    bylines.append(through(article=article, author=author))
            TaggedArticle.objects.bulk_create(tagged)
            through.objects.bulk_create(bylines)
    # Stories edited some time after publication; update() leaves auto_now alone.
    from django.db.models import F

    Article.objects.filter(published_at__isnull=False).update(modified_at=F("published_at") + timedelta(hours=2))
    with connection.cursor() as cursor:
        # What autovacuum would have done by now: statistics, and on PostgreSQL the visibility map
        # that lets index-only scans skip the table.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    print(f"built {args.articles:,} articles in {time.perf_counter() - started:.1f} s", flush=True)


def measure(args) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from articles.models import Article, Author, Section

    client = Client()
    newest = Article.objects.published().newest_first().first()
    month = timezone.localtime(newest.published_at, UTC)
    busiest_section = Section.objects.get(slug="section-0")
    section_count = Article.objects.published().in_section(busiest_section).count()
    from articles.views import MAX_PAGES, PAGE_SIZE

    # The deepest page a list offers (MAX_PAGES), or the middle of a shorter list.
    deep = max(1, min(MAX_PAGES, section_count // PAGE_SIZE))
    author = Author.objects.get(slug="author-0")
    pages = [
        ("home", "/"),
        ("section p1", "/section/section-0/"),
        (f"section p{deep}", f"/section/section-0/?page={deep}"),
        ("tag (top)", "/tag/tag-0/"),
        ("tag (middling)", "/tag/tag-50/"),
        ("tag (rare)", f"/tag/tag-{args.tags - 1}/"),
        ("author", f"/author/{author.slug}/"),
        ("/feed/", "/feed/"),
        ("section feed", "/section/section-0/feed/"),
        ("sitemap index", "/sitemap.xml"),
        ("month sitemap", f"/sitemap-articles-{month:%Y-%m}.xml"),
        ("news sitemap", "/sitemap-news.xml"),
    ]
    vendor = connection.vendor
    print(f"\n{vendor}, {args.articles:,} articles, {args.repeat} requests each (uncached, in-process)")
    print(f"{'page':<18} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8} status")
    for name, url in pages:
        client.get(url, HTTP_HOST="127.0.0.1")  # warm templates and code paths
        times = []
        for _ in range(args.repeat):
            with CaptureQueriesContext(connection) as queries:
                begun = time.perf_counter()
                response = client.get(url, HTTP_HOST="127.0.0.1")
                times.append((time.perf_counter() - begun) * 1000)
        times.sort()
        p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
        print(
            f"{name:<18} {statistics.median(times):>8.1f} {p95:>8.1f} {len(queries):>8} {response.status_code}",
            flush=True,
        )


def main(argv=None) -> None:
    args = parse_args(argv)
    setup_django(args)
    if not args.reuse:
        build(args)
    measure(args)


if __name__ == "__main__":
    main()
