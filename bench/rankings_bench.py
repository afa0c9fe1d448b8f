"""Scale benchmark of update_rankings and of reading a ranking list (run through ``bench/rankings``).

Builds (once, then reuses) 10,000 articles in 8 sections (1% drafts, 0.5%
excluded from rankings) with 30 days of hourly view counts for every article:
7.2 million ``PageViewHourly`` rows, generated inside the database by one
``INSERT ... SELECT`` per hour (10,000 rows each, the same SQL on PostgreSQL
and SQLite), oldest hour first as a live site writes them. Then it times
``ranking_snapshots_update`` (every window, site-wide and per section) and
the one-query read of a list, and prints the figures.

Environment: ``DATABASE_URL`` (the database to fill: use a throw-away one),
``BENCH_ARTICLES`` (10000), ``BENCH_DAYS`` (30), ``BENCH_RUNS`` (5),
``BENCH_REBUILD=1`` to regenerate the data.
"""

import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
os.environ.setdefault("DJANGO_DEBUG", "1")  # development mode: no production secret key

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from articles.models import Article, Section  # noqa: E402
from rankings import selectors  # noqa: E402
from rankings.models import PageViewHourly, RankingSnapshot  # noqa: E402
from rankings.services import ranking_snapshots_update  # noqa: E402

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "10000"))
DAYS = int(os.environ.get("BENCH_DAYS", "30"))
RUNS = int(os.environ.get("BENCH_RUNS", "5"))
REBUILD = os.environ.get("BENCH_REBUILD") == "1"
SECTIONS = ["Politics", "Business", "Society", "World", "Sports", "Science", "Culture", "Editorial"]
PREFIX = "bench-"


def say(text: str) -> None:
    print(text, flush=True)


def build() -> None:
    """Sections, articles and hourly counts, unless the same amount is already there."""
    hours = DAYS * 24
    have_articles = Article.objects.filter(slug__startswith=PREFIX).count()
    have_rows = PageViewHourly.objects.count()
    if not REBUILD and have_articles == ARTICLES and have_rows == ARTICLES * hours:
        say(f"data: reusing {have_articles:,} articles and {have_rows:,} hourly rows")
        return
    started = time.perf_counter()
    PageViewHourly.objects.all().delete()
    RankingSnapshot.objects.all().delete()
    Article.objects.filter(slug__startswith=PREFIX).delete()
    sections = [
        Section.objects.update_or_create(
            slug=f"{PREFIX}{name.lower()}", defaults={"name": f"Bench {name}", "position": n}
        )[0]
        for n, name in enumerate(SECTIONS)
    ]
    now = timezone.now()
    articles = []
    for n in range(ARTICLES):
        # 1 in 100 drafts and 1 in 200 excluded, so the filters have something to do.
        status = Article.Status.DRAFT if n % 100 == 99 else Article.Status.PUBLISHED
        articles.append(
            Article(
                headline=f"Benchmark story number {n}",
                slug=f"{PREFIX}{n}",
                section=sections[n % len(sections)],
                deck="Generated for the rankings benchmark.",
                body="<p>Benchmark.</p>",
                status=status,
                published_at=None if status == Article.Status.DRAFT else now - timedelta(minutes=7 * (ARTICLES - n)),
                exclude_from_rankings=n % 200 == 7,
            )
        )
    Article.objects.bulk_create(articles, batch_size=1000)
    say(f"data: {ARTICLES:,} articles in {time.perf_counter() - started:.1f} s")

    started = time.perf_counter()
    last = now.replace(minute=0, second=0, microsecond=0)
    first = last - timedelta(hours=hours - 1)
    table = PageViewHourly._meta.db_table
    article_table = Article._meta.db_table
    # One INSERT ... SELECT per hour, oldest first, as a live site writes them: the rows of recent
    # hours then sit together on disk, as they do in production. Popularity varies by article
    # (a skewed spread: every 7th article is about 20 times busier), and every hour is noisy.
    if connection.vendor == "postgresql":
        views_sql = "1 + floor(random() * (2 + (a.id * 7919) %% 97) * (1 + ((a.id * 31) %% 7 = 0)::int * 20))::int"
    else:
        views_sql = "1 + abs(random()) %% ((2 + (a.id * 7919) %% 97) * (1 + ((a.id * 31) %% 7 = 0) * 20))"
    insert = (
        f"INSERT INTO {table} (article_id, hour, views) "  # noqa: S608 - names from model metadata
        f"SELECT a.id, %s, {views_sql} FROM {article_table} a WHERE a.slug LIKE %s"
    )
    # Bulk load without the secondary index and the unique constraint, then build them once, sorted
    # (the same definitions, through Django's schema editor): hours instead of minutes on SQLite.
    meta = PageViewHourly._meta
    with connection.schema_editor() as editor:
        for index in meta.indexes:
            editor.remove_index(PageViewHourly, index)
        for constraint in meta.constraints:
            editor.remove_constraint(PageViewHourly, constraint)
    try:
        for h in range(hours):
            with transaction.atomic(), connection.cursor() as cursor:
                hour = first + timedelta(hours=h)
                cursor.execute(insert, [connection.ops.adapt_datetimefield_value(hour), f"{PREFIX}%"])
            if h % 120 == 119:
                say(f"  {h + 1}/{hours} hours, {time.perf_counter() - started:.0f} s")
    finally:
        with connection.schema_editor() as editor:
            for constraint in meta.constraints:
                editor.add_constraint(PageViewHourly, constraint)
        # On SQLite adding a constraint rebuilds the table with the model's indexes already.
        with connection.cursor() as cursor:
            existing = connection.introspection.get_constraints(cursor, table)
        with connection.schema_editor() as editor:
            for index in meta.indexes:
                if index.name not in existing:
                    editor.add_index(PageViewHourly, index)
    rows = PageViewHourly.objects.count()
    say(f"data: {rows:,} hourly rows ({DAYS} days x {ARTICLES:,} articles) in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does on a live site; it also sets the visibility map for index-only scans.
            cursor.execute(f"VACUUM ANALYZE {table}")
            cursor.execute(f"VACUUM ANALYZE {article_table}")
        else:
            cursor.execute("ANALYZE")
    say(f"data: analyzed in {time.perf_counter() - started:.1f} s")


def timed(fn, runs):
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return times, result


def main() -> None:
    db = connection.vendor
    say(f"== bench/rankings on {db} ({connection.settings_dict['NAME']})")
    call_command("migrate", verbosity=0)
    build()
    windows = settings.RANKINGS["WINDOWS"]
    sections = Section.objects.count()
    say(f"lists per run: {len(windows)} windows x (site-wide + {sections} sections) = {len(windows) * (sections + 1)}")

    ranking_snapshots_update()  # warm-up (connection, caches)
    with CaptureQueriesContext(connection) as ctx:
        started = time.perf_counter()
        result = ranking_snapshots_update()
        elapsed = time.perf_counter() - started
    grouped = [q for q in ctx.captured_queries if "GROUP BY" in q["sql"].upper()]
    say(
        f"update_rankings: {result.snapshots} snapshots, {result.entries} entries, "
        f"{len(ctx.captured_queries)} queries, {elapsed:.2f} s"
    )
    for window, query in zip(windows, grouped, strict=False):
        say(f"  grouped aggregate for {window}: {float(query['time']):.3f} s")

    times, _ = timed(ranking_snapshots_update, RUNS)
    say(
        f"update_rankings x{RUNS}: min {min(times):.2f} s, median {statistics.median(times):.2f} s, "
        f"max {max(times):.2f} s"
    )

    section = Section.objects.filter(slug__startswith=PREFIX).first()
    with CaptureQueriesContext(connection) as ctx:
        selectors._current_entries(window="24h", section_id=section.pk, limit=5)
    reads, entries = timed(lambda: selectors._current_entries(window="24h", section_id=section.pk, limit=5), 200)
    say(
        f"read a list (uncached): {len(ctx.captured_queries)} query, median {statistics.median(reads) * 1000:.2f} ms, "
        f"max {max(reads) * 1000:.2f} ms, {len(entries)} entries"
    )
    cached, _ = timed(lambda: selectors.ranking_top_in_section(section), 200)
    say(f"read a list (cached): median {statistics.median(cached) * 1000:.3f} ms")
    say(f"SQL: {ctx.captured_queries[0]['sql']}")
    target = 3.0 if db == "postgresql" else 15.0
    verdict = "PASS" if statistics.median(times) < target else "FAIL"
    say(f"RESULT {db}: update_rankings median {statistics.median(times):.2f} s (target < {target:.0f} s): {verdict}")


if __name__ == "__main__":
    main()
