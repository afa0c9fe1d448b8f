"""Search benchmark (run through ``bench/search``): p50/p95 of a search for a common, a middling and a rare word.

For each database asked for, in a child process of its own (the database is chosen
by ``DATABASE_URL`` before Django starts):

1. a scratch database: a SQLite file under ``--dir`` or the PostgreSQL database
   ``--pg-url`` (created if missing, migrated, emptied of articles);
2. ``--articles`` published articles whose headline, deck and body (HTML paragraphs)
   are drawn from a vocabulary of ``--vocabulary`` made-up words with Zipf-distributed
   frequencies (exponent ``--zipf``), the way a few words are in every story; each
   story also names one or two of ``--names`` proper names (people, places) drawn
   uniformly, so that, as in real news, some words are in a handful of stories
   only (a Zipf vocabulary of thousands alone has none below a few hundred at 100,000
   stories); inserted with ``bulk_create`` so the search index is written by
   the database itself (FTS5 triggers / the generated column), then ``ANALYZE`` (and
   ``VACUUM`` on PostgreSQL, as autovacuum would after a load);
3. the words to search: the most frequent word (in nearly every story), the word
   whose story count is nearest 1% of the archive, and one in about ten stories;
4. for each word, ``--repeat`` timed runs (after a warm-up) of ``article_search``
   (ranked ids, first page with highlights) and of the whole search page rendered
   through Django's test client (page cache off, so every request renders).

Figures are wall time in the same process, milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from _common import pg_database_ensure, say  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
TARGET_P95_MS = 100.0

SYLLABLES = [c + v for c in "bdfgklmnprtvz" for v in "aeiou"]


def vocabulary(size: int, rng: random.Random) -> list[str]:
    """``size`` distinct made-up words (2-4 syllables, ending in a vowel: stemming leaves them whole)."""
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))))
    return sorted(words)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


# --- Child process: one database ---------------------------------------------------------------------


def child(args) -> None:
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.utils import timezone

    from articles.models import Article, Section
    from articles.search import article_search

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # the page links hashed static files
    rng = random.Random(args.seed)
    words = vocabulary(args.vocabulary, rng)
    weights = [1 / (rank**args.zipf) for rank in range(1, len(words) + 1)]
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)

    names = [
        name.capitalize() for name in vocabulary(args.names or max(1, args.articles // 8), rng) if name not in words
    ]

    def text(n: int) -> list[str]:
        return rng.choices(words, cum_weights=cumulative, k=n)

    def with_name(run: list[str]) -> list[str]:
        run.insert(rng.randrange(len(run) + 1), rng.choice(names))
        return run

    started = time.perf_counter()
    Article.objects.all().delete()
    section, _ = Section.objects.get_or_create(slug="bench-search", defaults={"name": "Bench Search"})
    documents: dict[str, int] = {}
    now = timezone.now()
    batch: list[Article] = []
    for n in range(args.articles):
        headline = text(rng.randint(5, 9))
        deck = text(rng.randint(12, 20))
        paragraphs = [text(rng.randint(30, 60)) for _ in range(rng.randint(3, 5))]
        with_name(rng.choice([headline, deck, *paragraphs]))
        if rng.random() < 0.5:
            with_name(rng.choice(paragraphs))
        for word in {w.lower() for w in (*headline, *deck, *(w for p in paragraphs for w in p))}:
            documents[word] = documents.get(word, 0) + 1
        batch.append(
            Article(
                headline=" ".join(headline).capitalize()[:255],
                slug=f"bench-{n}",
                section=section,
                deck=" ".join(deck).capitalize() + ".",
                body="".join(f"<p>{' '.join(p).capitalize()}.</p>" for p in paragraphs),
                status=Article.Status.PUBLISHED,
                # Oldest first, as an archive import would add them: ids follow publication.
                published_at=now - (args.articles - n) * timedelta(minutes=30),
            )
        )
        if len(batch) == 2000:
            Article.objects.bulk_create(batch)
            batch = []
    Article.objects.bulk_create(batch)
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("VACUUM ANALYZE articles_article")
        else:
            cursor.execute("ANALYZE")
    indexed = time.perf_counter() - started

    by_count = sorted(documents.items(), key=lambda item: item[1])
    probes = {
        "common": max(documents, key=documents.get),
        "middling": min(by_count, key=lambda item: abs(item[1] - args.articles / 100))[0],
        "rare": min(by_count, key=lambda item: abs(item[1] - 10))[0],
    }
    client = Client()
    rows = []
    for label, word in probes.items():
        results = article_search(query=word)
        for _ in range(3):  # warm-up: caches, prepared plans
            article_search(query=word)
        wall, cpu, page = [], [], []
        for n in range(args.repeat):
            t0, c0 = time.perf_counter(), time.process_time()
            article_search(query=word)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
            t0 = time.perf_counter()
            # A new query string each time: nothing can come from a cache of this page.
            response = client.get("/search/", {"q": word, "r": n})
            page.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, response.status_code
        rows.append(
            {
                "label": label,
                "word": word,
                "stories": documents[word],
                "shown": f"{'>' if results.more else ''}{results.count}",
                **{
                    f"{name}_p50": statistics.median(values)
                    for name, values in (("wall", wall), ("cpu", cpu), ("page", page))
                },
                **{
                    f"{name}_p95": _percentile(values, 0.95)
                    for name, values in (("wall", wall), ("cpu", cpu), ("page", page))
                },
            }
        )
    print(json.dumps({"vendor": connection.vendor, "loaded_s": loaded, "indexed_s": indexed, "rows": rows}))


# --- Orchestration -----------------------------------------------------------------------------------


def child_env(args, database: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NEWSROOM_"))}
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="testserver",
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_LOG_LEVEL="WARNING",
        NEWSROOM_PAGE_CACHE="0",
        DJANGO_STATIC_ROOT=str(args.dir / "static"),
        DJANGO_MEDIA_ROOT=str(args.dir / "media"),
        PYTHONPATH=str(ROOT),
    )
    args.dir.mkdir(parents=True, exist_ok=True)
    if database == "postgres":
        env["DATABASE_URL"] = args.pg_url
    else:
        path = args.dir / "search.sqlite3"
        if path.resolve() == (ROOT / "db.sqlite3").resolve():
            raise SystemExit("refusing to use the project's own db.sqlite3")
        env["DATABASE_URL"] = f"sqlite:///{path}"
    return env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=20_000, help="articles in the archive (20000)")
    parser.add_argument("--vocabulary", type=int, default=5_000, help="distinct words (5000)")
    parser.add_argument("--names", type=int, default=0, help="proper names, 1-2 per story (articles / 8)")
    parser.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent of word frequencies (1.0)")
    parser.add_argument("--repeat", type=int, default=30, help="timed runs per word (30)")
    parser.add_argument("--seed", type=int, default=11, help="random seed (11)")
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite, postgres")
    parser.add_argument("--dir", type=Path, default=Path("/tmp/newsroom-bench-search"), help="SQLite scratch folder")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/newsroom_bench_search"),
        help="scratch PostgreSQL database (created if missing; its articles are replaced)",
    )
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    say(f"bench/search: {args.articles:,} articles, {args.vocabulary:,} words (Zipf {args.zipf}), {args.repeat} runs")
    for database in args.databases.split(","):
        database = database.strip()
        if database == "postgres":
            pg_database_ensure(args.pg_url)
        env = child_env(args, database)
        cmd = [sys.executable, __file__, "--child", *sys.argv[1:]]
        out = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
        if out.returncode:
            raise SystemExit(f"bench/search: the {database} run failed:\n{out.stderr[-3000:]}")
        report = json.loads(out.stdout.strip().splitlines()[-1])
        loaded, indexed = report["loaded_s"], report["indexed_s"]
        say(f"\n{report['vendor']}: loaded in {loaded:.0f}s (with ANALYZE or VACUUM ANALYZE: {indexed:.0f}s)")
        say(f"  {'word':<22} {'stories':>8} {'ranked':>7}   search ms: wall p50/p95, CPU p50/p95   page wall p50/p95")
        for row in report["rows"]:
            say(
                f"  {row['label'] + ' ' + row['word']:<22} {row['stories']:>8,} {row['shown']:>7}   "
                f"{row['wall_p50']:>8.1f} / {row['wall_p95']:>6.1f}  {row['cpu_p50']:>6.1f} / {row['cpu_p95']:>6.1f}   "
                f"{row['page_p50']:>8.1f} / {row['page_p95']:>6.1f}"
            )
    say(f"\nTarget: search p95 under {TARGET_P95_MS:.0f} ms. Wall times include waiting for a busy CPU; CPU is this")
    say("process only (on SQLite that is all of the search; PostgreSQL's own work is in the wall time).")


if __name__ == "__main__":
    main()
