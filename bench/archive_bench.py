"""Archive-scale benchmark (run through ``bench/archive``): reader pages, sitemaps, search and import by size.

For each size (1,000 / 100,000 / 1,000,000 articles; SQLite up to 100,000) it
builds, once, a throw-away database (PostgreSQL ``bench_archive_<1k|100k|1m>``
on the server of ``--pg-url``; SQLite ``/tmp/newsroom-bench-archive/bench_archive_<size>.sqlite3``,
never the project's ``db.sqlite3``), migrated with ``migrate``, holding:

* 9 sections, 200 authors and 2,000 tags, each picked with Zipf popularity;
* articles with Zipf-distributed text over a vocabulary of 5,000 words (English
  stop words and news words at the top, generated words in the tail): headlines
  of 6-12 words, decks of 20-30, bodies of 300-800 in ``<p>`` paragraphs, plus
  one or two proper names per story from a pool that grows with the archive (so
  a name stays in a handful of stories at every size);
* ``published_at`` over 20 years, the newest ``min(200, n/5)`` in the last 3 days
  (a news site's daily volume does not grow with its archive: 200 at every size from 1,000 on), with 2% drafts,
  1% withdrawn, 1% scheduled in the future and 1% scheduled and due.

Rows are written in batches of 5,000 articles per transaction (PostgreSQL
``COPY`` through psycopg's ``cursor.copy()``, SQLite ``executemany``), through
rows likewise, by ``--jobs`` worker processes (on PostgreSQL each writes its own
batches, so the database's per-row work runs in parallel too), then ``ANALYZE``;
database triggers and generated columns (a search index) fire as on any insert, except
PostgreSQL's ``ArticleMonth`` trigger (parallel writers would deadlock on its month rows):
it is off during the build and the months are counted once after it.
A later run reuses a build of the same size; ``--rebuild`` starts over.

Then it measures, in process with Django's test ``Client`` on URLs (page cache
off: ``NEWSROOM_PAGE_CACHE=0``; every cache a dummy, so each request does all
its database work), ``--runs`` requests per page after one warm-up: home, an
article (a different Zipf-popular one per request), a section's page 1 and a
deep page (200, or the last), the most popular tag and author, ``/feed/``, the
sitemap index, one article sitemap and the news sitemap (found from the index at
run time), and search for a common, a middling and a rare word (chosen by
document frequency in the generated text); queries per page are counted on the first
request (the warm-up). A page slower than ``--page-budget`` gets fewer runs, and on
PostgreSQL a statement running longer than ``--statement-timeout`` is cancelled
(the page shows "timeout"). Finally it times ``import_articles`` on ``--import-lines``
generated JSON lines (no photos) into the same database and deletes them again.

Prints one Markdown table per database (p50 / p95 wall ms, queries), and keeps
the figures in ``bench/results/archive-<database>.json``.
"""

from __future__ import annotations

import argparse
import bisect
import io
import itertools
import json
import math
import os
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
SQLITE_DIR = Path(os.environ.get("BENCH_ARCHIVE_DIR", "/tmp/newsroom-bench-archive"))
RESULTS_DIR = ROOT / "bench" / "results"
SQLITE_MAX = 100_000
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/"
STALE_BUILD = 3  # exit status of the child when the database holds a different build
BATCH = 5_000
PREFIX = "archive-"
IMPORT_PREFIX = "archive-import-"


def say(text: str = "") -> None:
    print(text, flush=True)


def label(size: int) -> str:
    """1000 -> 1k, 100000 -> 100k, 1000000 -> 1m."""
    if size >= 1_000_000 and size % 1_000_000 == 0:
        return f"{size // 1_000_000}m"
    if size >= 1000 and size % 1000 == 0:
        return f"{size // 1000}k"
    return str(size)


# --- Text ------------------------------------------------------------------------------------------

STOP_WORDS = [
    "the",
    "of",
    "to",
    "and",
    "a",
    "in",
    "that",
    "is",
    "for",
    "on",
    "it",
    "with",
    "was",
    "as",
    "at",
    "by",
    "he",
    "be",
    "from",
    "has",
    "his",
    "are",
    "have",
    "an",
    "this",
    "were",
    "not",
    "but",
    "they",
    "which",
    "their",
    "its",
    "had",
    "been",
    "will",
    "who",
    "or",
    "she",
    "we",
    "her",
    "up",
    "than",
    "there",
    "all",
    "when",
]
# Real news words for the top of the Zipf ranks ("said" and "new" are not stop words for PostgreSQL).
NEWS_WORDS = [
    "government",
    "said",
    "new",
    "year",
    "people",
    "minister",
    "police",
    "city",
    "country",
    "state",
    "president",
    "told",
    "week",
    "company",
    "officials",
    "public",
    "report",
    "million",
    "percent",
    "market",
    "local",
    "party",
    "election",
    "court",
    "law",
    "health",
    "school",
    "children",
    "women",
    "economy",
    "prices",
    "workers",
    "month",
    "national",
    "plan",
    "support",
    "security",
    "trade",
    "policy",
    "world",
    "team",
    "season",
    "business",
    "business-leaders",
    "bank",
    "budget",
    "tax",
    "energy",
    "water",
    "climate",
    "hospital",
    "doctors",
    "patients",
    "students",
    "teachers",
    "university",
    "research",
    "study",
    "data",
    "system",
    "service",
    "services",
    "program",
    "community",
    "council",
    "mayor",
    "residents",
    "housing",
    "rent",
    "wages",
    "jobs",
    "industry",
    "factory",
    "farmers",
    "food",
    "rain",
    "storm",
    "flood",
    "fire",
    "earthquake",
    "tokyo",
    "osaka",
    "kyoto",
    "village",
    "region",
    "border",
    "military",
    "defense",
    "foreign",
    "talks",
    "agreement",
    "deal",
    "summit",
    "leaders",
    "vote",
    "voters",
    "campaign",
    "candidate",
    "senate",
    "parliament",
    "committee",
    "investigation",
    "charges",
    "trial",
    "judge",
    "prison",
    "crime",
    "victims",
    "safety",
    "transport",
    "railway",
    "airport",
    "flights",
    "travel",
    "tourism",
    "hotel",
    "festival",
    "music",
    "film",
    "art",
    "museum",
    "book",
    "history",
    "culture",
    "religion",
    "church",
    "temple",
    "sports",
    "league",
    "match",
    "game",
    "players",
    "coach",
    "final",
    "championship",
    "record",
    "science",
    "space",
    "technology",
    "internet",
    "phone",
    "software",
    "computer",
    "energy",
    "oil",
    "gas",
    "power",
    "nuclear",
    "electricity",
    "emissions",
    "carbon",
    "forest",
    "ocean",
    "fish",
    "river",
    "mountain",
    "island",
    "coast",
    "weather",
    "summer",
    "winter",
    "spring",
    "autumn",
    "morning",
    "night",
    "evening",
    "family",
    "father",
    "mother",
    "son",
    "daughter",
    "friends",
    "home",
    "street",
    "building",
    "construction",
    "bridge",
    "road",
    "traffic",
    "accident",
    "injured",
    "killed",
    "died",
    "death",
    "funeral",
    "memorial",
    "anniversary",
    "protest",
    "rally",
    "strike",
    "union",
    "demand",
    "reform",
    "crisis",
    "recovery",
    "growth",
    "inflation",
    "interest",
    "rates",
    "investors",
    "shares",
    "stock",
    "exports",
    "imports",
    "yen",
    "dollar",
    "currency",
    "debt",
    "spending",
    "cuts",
    "funding",
    "grants",
    "schools",
    "exam",
    "graduates",
    "youth",
    "elderly",
    "pension",
    "insurance",
    "care",
    "nurses",
    "vaccine",
    "virus",
    "disease",
    "outbreak",
    "cases",
    "testing",
    "masks",
    "restrictions",
    "border",
    "reopening",
    "visitors",
    "ministry",
    "agency",
    "director",
    "chairman",
    "executive",
    "spokesperson",
    "statement",
    "announced",
    "confirmed",
    "denied",
    "warned",
    "expected",
    "planned",
    "decided",
    "agreed",
    "rejected",
    "approved",
]
NEWS_WORDS = list(dict.fromkeys(w for w in NEWS_WORDS if "-" not in w))
CONSONANTS = [
    "b",
    "c",
    "d",
    "f",
    "g",
    "h",
    "j",
    "k",
    "l",
    "m",
    "n",
    "p",
    "r",
    "s",
    "t",
    "v",
    "w",
    "z",
    "ch",
    "sh",
    "th",
    "st",
    "tr",
    "br",
    "pl",
    "gr",
]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "ou", "io"]
ENDINGS = ["", "", "", "n", "r", "l", "t", "s", "nd", "m"]
SECTIONS = ["Politics", "Business", "World", "Society", "Sports", "Science", "Culture", "Opinion", "Local"]
FIRST_NAMES = [
    "Mika",
    "Kenji",
    "Yuki",
    "Hiro",
    "Aiko",
    "Taro",
    "Emi",
    "Sora",
    "Ren",
    "Nao",
    "Kaito",
    "Hana",
    "Jun",
    "Rie",
    "Daichi",
    "Mei",
    "Sho",
    "Aya",
    "Kenta",
    "Yui",
    "Anna",
    "David",
    "Maria",
    "James",
    "Sara",
    "Peter",
    "Laura",
    "Tom",
    "Elena",
    "Mark",
]
LAST_NAMES = [
    "Sato",
    "Suzuki",
    "Takahashi",
    "Tanaka",
    "Watanabe",
    "Ito",
    "Yamamoto",
    "Nakamura",
    "Kobayashi",
    "Kato",
    "Yoshida",
    "Yamada",
    "Sasaki",
    "Yamaguchi",
    "Matsumoto",
    "Inoue",
    "Kimura",
    "Hayashi",
    "Shimizu",
    "Mori",
    "Abe",
    "Ikeda",
    "Hashimoto",
    "Ishikawa",
    "Ogawa",
    "Okada",
    "Smith",
    "Brown",
    "Garcia",
    "Miller",
    "Wilson",
    "Moore",
]
CITIES = [
    "TOKYO",
    "OSAKA",
    "KYOTO",
    "KOBE",
    "SAPPORO",
    "NAGOYA",
    "FUKUOKA",
    "SENDAI",
    "HIROSHIMA",
    "NAHA",
    "SEOUL",
    "BEIJING",
    "WASHINGTON",
    "LONDON",
]
VOCABULARY_SIZE = 5_000
ZIPF_S = 1.0
POOL_WORDS = 4_000_000


class Corpus:
    """Deterministic vocabulary, names and Zipf samplers for one build (same seed, same text)."""

    def __init__(self, *, size: int, seed: int):
        rng = random.Random(seed)
        self.rng = random.Random(seed + size)
        real = set(STOP_WORDS) | set(NEWS_WORDS)
        synthetic: list[str] = []
        seen = set(real)
        while len(synthetic) < VOCABULARY_SIZE - len(real):
            word = "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(rng.randint(2, 3)))
            word += rng.choice(ENDINGS)
            if word not in seen:
                seen.add(word)
                synthetic.append(word)
        # Ranks: stop words first (interleaved with the commonest news words, as in real text), then news
        # words, then the generated tail.
        top = []
        news = iter(NEWS_WORDS)
        for n, stop in enumerate(STOP_WORDS):
            top.append(stop)
            if n % 3 == 2:
                top.append(next(news))
        self.vocabulary = top + list(news) + synthetic
        weights = [1 / (rank + 1) ** ZIPF_S for rank in range(len(self.vocabulary))]
        self.word_cum = list(itertools.accumulate(weights))
        self.word_p = [w / self.word_cum[-1] for w in weights]
        # Proper names: about one per four stories, each in a handful of them whatever the size.
        names: list[str] = []
        while len(names) < max(200, size // 4):
            name = "".join(rng.choice(CONSONANTS) + rng.choice(VOWELS) for _ in range(3)) + rng.choice(
                ["ski", "ova", "ton", "berg", "ez", "ani"]
            )
            if name not in seen:
                seen.add(name)
                names.append(name.capitalize())
        self.names = names
        self.section_cum = list(itertools.accumulate(1 / (k + 1) ** 0.8 for k in range(len(SECTIONS))))
        self.authors = [
            f"{FIRST_NAMES[k % len(FIRST_NAMES)]} {LAST_NAMES[(k * 7) % len(LAST_NAMES)]}" for k in range(200)
        ]
        # Distinct names: a suffix for the repeats.
        counts: dict[str, int] = {}
        unique = []
        for name in self.authors:
            counts[name] = counts.get(name, 0) + 1
            unique.append(name if counts[name] == 1 else f"{name} {'I' * counts[name]}")
        self.authors = unique
        self.author_cum = list(itertools.accumulate(1 / (k + 1) for k in range(len(self.authors))))
        # Tags: the news words and then the generated words, title-cased; the commonest words are the
        # most popular tags.
        self.tags = [w.capitalize() for w in self.vocabulary if w not in STOP_WORDS][:2000]
        self.tag_cum = list(itertools.accumulate(1 / (k + 1) for k in range(len(self.tags))))
        self.pool: list[str] | None = None
        self.lengths: list[int] = []

    def words(self, k: int) -> list[str]:
        """``k`` consecutive words of the Zipf pool from a random place (a slice: much faster than sampling)."""
        if self.pool is None:
            # 4 million words drawn once: every slice of it is a Zipf sample of the vocabulary.
            self.pool = self.rng.choices(self.vocabulary, cum_weights=self.word_cum, k=POOL_WORDS)
            self.lengths = [self.rng.randint(8, 20) for _ in range(4099)]
        start = int(self.rng.random() * (POOL_WORDS - k))
        return self.pool[start : start + k]

    def pick(self, cum: list[float]) -> int:
        return bisect.bisect(cum, self.rng.random() * cum[-1])

    def expected_df(self, word: str, *, tokens: float = 580) -> float:
        """Share of stories that hold ``word`` at least once (about 580 words per story)."""
        return 1 - (1 - self.word_p[self.vocabulary.index(word)]) ** tokens

    def search_words(self) -> dict[str, str]:
        """A common news word, a middling one (in about 2% of stories) and a rare proper name."""
        middling = min(
            (w for w in self.vocabulary[len(STOP_WORDS) + len(NEWS_WORDS) :]),
            key=lambda w: abs(self.expected_df(w) - 0.02),
        )
        return {"common": "government", "middling": middling, "rare": self.names[len(self.names) // 2]}

    def sentence_text(self, tokens: list[str]) -> str:
        """Tokens as sentences of 8-20 words in paragraphs of 3-6 sentences, as ``<p>`` HTML."""
        lengths = self.lengths
        j = int(self.rng.random() * len(lengths))
        paragraphs = []
        sentences = []
        i = 0
        while i < len(tokens):
            n = lengths[j % len(lengths)]
            j += 1
            chunk = tokens[i : i + n]
            i += n
            sentences.append(chunk[0].capitalize() + " " + " ".join(chunk[1:]) + ".")
            if len(sentences) >= 3 + n % 4:
                paragraphs.append("<p>" + " ".join(sentences) + "</p>")
                sentences = []
        if sentences:
            paragraphs.append("<p>" + " ".join(sentences) + "</p>")
        return "\n".join(paragraphs)

    def story(self) -> dict:
        """One generated story's text: headline, deck, body, and its words and proper names."""
        r = self.rng.random
        nh, nd, nb = 6 + int(r() * 7), 20 + int(r() * 11), 300 + int(r() * 501)
        head, deck, body = self.words(nh), self.words(nd), self.words(nb)
        names = [self.names[int(r() * len(self.names))] for _ in range(1 if r() < 0.67 else 2)]
        for name in names:
            body.insert(int(r() * len(body)), name)
        if r() < 0.3:
            head[int(r() * len(head))] = names[0]
        headline = " ".join(head)
        return {
            "headline": headline[0].upper() + headline[1:],
            "deck": deck[0].capitalize() + " " + " ".join(deck[1:]) + ".",
            "body": self.sentence_text(body),
            "tokens": (head, deck, body),
            "names": names,
            "slug": "-".join(w.lower() for w in head)[:80].rstrip("-"),
        }

    def tag_picks(self) -> set[int]:
        n = self.rng.choices((0, 1, 2, 3, 4, 5), weights=(5, 15, 25, 25, 20, 10))[0]
        return {self.pick(self.tag_cum) for _ in range(n)}

    def author_picks(self) -> set[int]:
        n = self.rng.choices((0, 1, 2), weights=(5, 80, 15))[0]
        return {self.pick(self.author_cum) for _ in range(n)}


# --- Child: one database, one size (Django set up here) -----------------------------------------------


def child_environment() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    # Production settings (DEBUG off: no query log, production templates), no Redis, no page cache.
    os.environ["DJANGO_DEBUG"] = "0"
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    os.environ["DJANGO_ALLOWED_HOSTS"] = "testserver"
    os.environ["DJANGO_SECURE_SSL_REDIRECT"] = "0"
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    os.environ["NEWSROOM_PAGE_CACHE"] = "0"
    os.environ["REDIS_URL"] = ""
    # DEBUG off serves hashed static names from collectstatic's manifest: a scratch copy of its own.
    os.environ["DJANGO_STATIC_ROOT"] = str(SQLITE_DIR / "static")
    os.environ["DJANGO_MEDIA_ROOT"] = str(SQLITE_DIR / "media")
    os.environ.pop("NEWSROOM_EXPECT_PRODUCTION_SERVICES", None)
    sys.path.insert(0, str(ROOT))


def insertable_fields(model):
    """The model's concrete, non-generated fields (whatever other branches add to it)."""
    return [f for f in model._meta.concrete_fields if not getattr(f, "generated", False)]


class Writer:
    """Writes rows in batches: COPY on PostgreSQL, executemany on SQLite."""

    def __init__(self, connection):
        self.connection = connection

    def write(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        qn = self.connection.ops.quote_name
        cols = ", ".join(qn(c) for c in columns)
        if self.connection.vendor == "postgresql":
            self.connection.ensure_connection()
            with (
                self.connection.connection.cursor() as cursor,
                cursor.copy(f"COPY {qn(table)} ({cols}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            with self.connection.cursor() as cursor:
                cursor.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", rows)  # noqa: S608


# What every build worker needs, set by ``build`` before the workers fork (so they share the word pool).
_PLAN: dict = {}


def batch_generate(index: int) -> tuple[int, dict, dict, tuple | None]:
    """Generate articles of batch ``index`` (the same rows whichever process does it) and write them.

    PostgreSQL: written here, in this process's own connection and transaction (so
    the database's per-row work, e.g. ``to_tsvector``, runs in parallel too).
    SQLite (one writer): the rows are returned for the parent to write.
    """
    from django.db import connection

    from articles.models import Article

    plan = _PLAN
    corpus, size, now = plan["corpus"], plan["size"], plan["now"]
    rng = corpus.rng
    rng.seed(plan["seed"] * 1_000_003 + index)
    # The same 200 stories in the last 3 days at every size from 1,000 on (a fifth of the smallest).
    recent = min(200, size // 5)
    old = size - recent
    archive_start = now - timedelta(days=365 * 20)
    archive_end = now - timedelta(days=3)
    df = dict.fromkeys(plan["search_words"], 0)
    status_counts: dict[str, int] = {}
    rows, author_rows, tag_rows = [], [], []
    fields, datetime_fields, defaults = plan["fields"], plan["datetime_fields"], plan["defaults"]
    for i in range(index * BATCH, min(size, (index + 1) * BATCH)):
        pk = i + 1
        story = corpus.story()
        if i < old:
            published = archive_start + (archive_end - archive_start) * ((i + 0.5) / max(old, 1))
            published += timedelta(hours=rng.uniform(-36, 36))
        else:
            published = archive_end + (now - archive_end) * ((i - old + 0.5) / recent)
        published = min(published, now - timedelta(minutes=1)).replace(microsecond=0)
        r = rng.random()
        if r < 0.02:
            status, published_at = Article.Status.DRAFT, None
        elif r < 0.03:
            status, published_at = Article.Status.WITHDRAWN, published
        elif r < 0.04:
            status, published_at = Article.Status.SCHEDULED, now + timedelta(hours=rng.uniform(1, 24 * 30))
        elif r < 0.05:
            status, published_at = Article.Status.SCHEDULED, published
        else:
            status, published_at = Article.Status.PUBLISHED, published
        status_counts[status] = status_counts.get(status, 0) + 1
        visible = status in (Article.Status.PUBLISHED, Article.Status.SCHEDULED) and published_at <= now
        if visible:
            for kind, word in plan["search_words"].items():
                if kind == "rare":
                    df[kind] += word in story["names"]
                else:
                    df[kind] += any(word in part for part in story["tokens"])
        values = {
            **defaults,
            "id": pk,
            "headline": story["headline"],
            "slug": story["slug"] or f"story-{pk}",
            "section_id": plan["sections"][corpus.pick(corpus.section_cum)],
            "deck": story["deck"],
            "body": story["body"],
            "dateline": rng.choice(CITIES) if rng.random() < 0.7 else "",
            "status": status,
            "published_at": published_at,
            "created_at": (published_at or published) - timedelta(hours=rng.uniform(0.5, 12)),
            "modified_at": (published_at or published) + timedelta(minutes=rng.uniform(0, 90)),
        }
        row = []
        for f in fields:
            value = values[f.attname]
            if f.attname in datetime_fields and value is not None:
                value = f.get_db_prep_value(value, connection)
            row.append(value)
        rows.append(tuple(row))
        author_rows.extend((pk, plan["authors"][k]) for k in corpus.author_picks())
        tag_rows.extend((pk, plan["tags"][k]) for k in corpus.tag_picks())
    payload = (rows, author_rows, tag_rows)
    if connection.vendor == "sqlite":
        return len(rows), df, status_counts, payload
    batch_write(*payload)
    return len(rows), df, status_counts, None


def batch_write(rows, author_rows, tag_rows) -> None:
    from django.db import connection, transaction

    plan = _PLAN
    writer = Writer(connection)
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # A throw-away file: no fsync per transaction while building.
            cursor.execute("PRAGMA synchronous=OFF")
    with transaction.atomic():
        writer.write(plan["article_table"], plan["columns"], rows)
        writer.write(plan["a_table"], plan["a_cols"], author_rows)
        writer.write(plan["t_table"], plan["t_cols"], tag_rows)


def build(size: int, seed: int, meta_path: Path, *, jobs: int) -> dict:
    """Fill the (empty) database with ``size`` generated articles; returns the build's metadata."""
    import multiprocessing

    from django.db import connection, connections, models, transaction
    from django.utils.text import slugify
    from taggit.models import Tag

    from articles.models import Article, Author, Section, TaggedArticle

    corpus = Corpus(size=size, seed=seed)
    corpus.words(1)  # the shared word pool, made before the workers fork
    started = time.perf_counter()
    sections = Section.objects.bulk_create(
        [Section(name=name, slug=slugify(name), position=n) for n, name in enumerate(SECTIONS)]
    )
    authors = Author.objects.bulk_create(
        [Author(name=name, slug=slugify(name) or f"author-{k}") for k, name in enumerate(corpus.authors)]
    )
    tags = Tag.objects.bulk_create([Tag(name=name, slug=slugify(name)) for name in corpus.tags])
    if not all(t.pk for t in tags + authors + sections):  # MySQL-like backends do not return ids
        raise SystemExit("bulk_create did not return ids")
    fields = insertable_fields(Article)
    authors_through = Article.authors.through
    now = datetime.now(UTC).replace(microsecond=0)
    search_words = corpus.search_words()
    _PLAN.update(
        corpus=corpus,
        size=size,
        seed=seed,
        now=now,
        search_words=search_words,
        fields=fields,
        columns=[f.column for f in fields],
        datetime_fields={f.attname for f in fields if isinstance(f, models.DateTimeField)},
        defaults={f.attname: f.get_default() for f in fields},
        sections=[x.pk for x in sections],
        authors=[x.pk for x in authors],
        tags=[x.pk for x in tags],
        article_table=Article._meta.db_table,
        a_table=authors_through._meta.db_table,
        a_cols=[authors_through._meta.get_field("article").column, authors_through._meta.get_field("author").column],
        t_table=TaggedArticle._meta.db_table,
        t_cols=[TaggedArticle._meta.get_field("content_object").column, TaggedArticle._meta.get_field("tag").column],
    )
    df = dict.fromkeys(search_words, 0)
    status_counts: dict[str, int] = {}
    written = 0
    batches = range(math.ceil(size / BATCH))
    say(f"  building {size:,} articles in {len(batches)} batches of {BATCH:,}, {jobs} worker(s)")

    def done(result):
        nonlocal written
        n, batch_df, batch_statuses, payload = result
        if payload is not None:
            batch_write(*payload)
        for k, v in batch_df.items():
            df[k] += v
        for k, v in batch_statuses.items():
            status_counts[k] = status_counts.get(k, 0) + v
        written += n
        elapsed = time.perf_counter() - started
        if written == size or (written // BATCH) % max(1, len(batches) // 20) == 0:
            say(f"  {written:>9,}/{size:,} articles  {written / elapsed:>7,.0f}/s, {elapsed:.0f} s")

    from articles.sitemap_months import article_months_rebuild

    # PostgreSQL: parallel writers would all upsert the same few month rows of the sitemap summary
    # (row locks taken in random order: deadlocks), so its trigger is off while building and the
    # summary is counted once afterwards. SQLite has one writer: its triggers fire as on any insert.
    months_trigger = f"{connection.ops.quote_name(Article._meta.db_table)} {{}} TRIGGER articles_month_sync"
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ALTER TABLE " + months_trigger.format("DISABLE"))
    try:
        if jobs > 1:
            # Each worker opens its own connection: none may be shared across the fork.
            connections.close_all()
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                for result in pool.imap_unordered(batch_generate, batches):
                    done(result)
        else:
            for index in batches:
                done(batch_generate(index))
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ALTER TABLE " + months_trigger.format("ENABLE"))
    if connection.vendor == "postgresql":
        with transaction.atomic():
            say(f"  sitemap months counted: {article_months_rebuild()}")
    build_seconds = time.perf_counter() - started

    from io import StringIO

    from django.core.management import call_command

    # Explicit ids: move the id sequence past them (what sqlsequencereset prints; no-op on SQLite).
    out = StringIO()
    call_command("sqlsequencereset", "articles", stdout=out, no_color=True)
    if out.getvalue().strip() and connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(out.getvalue())
    analyze_started = time.perf_counter()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # What autovacuum does on a live site; it also sets the visibility map for index-only scans.
            cursor.execute("VACUUM ANALYZE")
        else:
            cursor.execute("ANALYZE")
    say(f"  analyzed in {time.perf_counter() - analyze_started:.1f} s")
    meta = {
        "size": size,
        "seed": seed,
        "built_at": now.isoformat(),
        "build_seconds": round(build_seconds, 1),
        "rows_per_s": round(size / build_seconds),
        "search_words": search_words,
        "document_frequency": df,
        "statuses": status_counts,
    }
    meta_path.parent.mkdir(parents=True, exist_ok=True)
    meta_path.write_text(json.dumps(meta, indent=1))
    return meta


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def measure(size: int, seed: int, runs: int, meta: dict, *, budget: float, statement_timeout: float) -> dict:
    """p50/p95 wall time and queries of every reader page, uncached."""
    import xml.etree.ElementTree as ET  # noqa: N817 - the sitemap XML is our own output

    from django.db import OperationalError, connection
    from django.db.backends.signals import connection_created
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse
    from django.utils.text import slugify

    from articles.models import Article, Section

    client = Client()
    limit_ms = int(statement_timeout * 1000)
    if connection.vendor == "postgresql" and limit_ms:
        # A statement that runs longer is cancelled (the page then counts as "timeout"): one search of
        # many minutes would otherwise hold the whole bench. Also on connections opened later.
        def limit(sender, connection, **kwargs):
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute(f"SET statement_timeout = {limit_ms}")

        connection_created.connect(limit, weak=False)
        limit(None, connection)

    def get(url):
        """The response, or None when the database cancelled a statement (``statement_timeout``)."""
        try:
            return client.get(url)
        except OperationalError as exc:
            say(f"    {url}: {type(exc).__name__}: {str(exc).splitlines()[0][:100]}")
            return None

    corpus = Corpus(size=size, seed=seed)
    published = Article.objects.published()
    section = Section.objects.get(slug=slugify(SECTIONS[0]))
    in_section = published.filter(section=section).count()
    deep = max(1, min(200, math.ceil(in_section / 20)))
    # Zipf-popular articles: the newest are read most (rank 1 = newest).
    max_pk = Article.objects.order_by("-pk").values_list("pk", flat=True).first()
    rng = random.Random(seed * 7 + size)
    weights = list(itertools.accumulate(1 / (k + 1) for k in range(max_pk)))
    article_urls = []
    while len(article_urls) < runs + 2:
        pk = max_pk - bisect.bisect(weights, rng.random() * weights[-1])
        found = published.filter(pk=pk).values_list("pk", "slug").first()
        if found:
            article_urls.append(reverse("articles:detail", kwargs={"pk": found[0], "slug": found[1]}))

    index = client.get("/sitemap.xml")
    if index.status_code != 200:
        raise SystemExit(f"/sitemap.xml answered {index.status_code}")
    tree = ET.fromstring(index.content)  # noqa: S314 - our own sitemap
    locs = [el.text.strip() for el in tree.iter() if el.tag.endswith("loc") and el.text]
    paths = []
    for loc in locs:
        parsed = urlparse(loc)
        paths.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    article_maps = [p for p in paths if "article" in p]
    news_maps = [p for p in paths if "news" in p]
    if not news_maps:
        # Not listed in the index today (Google News sitemaps are submitted on their own): by its URL name.
        try:
            news_maps = [reverse("syndication:sitemap_news")]
        except NoReverseMatch:
            news_maps = []
    words = meta.get("search_words") or corpus.search_words()
    df = meta.get("document_frequency", {})

    pages: list[tuple[str, object]] = [
        ("home", "/"),
        ("article (Zipf-popular)", iter(itertools.cycle(article_urls))),
        ("section, page 1", section.get_absolute_url()),
        (f"section, page {deep}", f"{section.get_absolute_url()}?page={deep}"),
        ("tag (most popular)", reverse("articles:tag", args=[slugify(corpus.tags[0])])),
        ("author (most popular)", reverse("articles:author", args=[slugify(corpus.authors[0])])),
        ("/feed/", "/feed/"),
        ("sitemap index", "/sitemap.xml"),
    ]
    if article_maps:
        pages.append((f"article sitemap (1 of {len(article_maps)})", article_maps[0]))
    if news_maps:
        pages.append(("news sitemap", news_maps[0]))
    for kind in ("common", "middling", "rare"):
        pages.append((f"search, {kind}", f"/search/?q={words[kind]}"))

    results = {}
    load_before = os.getloadavg()
    for name, target in pages:
        next_url = (lambda t=target: next(t)) if not isinstance(target, str) else (lambda t=target: t)
        # Warm-up (connection, templates, compiled code), its queries counted.
        with CaptureQueriesContext(connection) as ctx:
            started = time.perf_counter()
            response = get(next_url())
            warm = (time.perf_counter() - started) * 1000
        # Read now: captured_queries slices the connection's log, which the next request clears.
        queries = len(ctx.captured_queries)
        status = response.status_code if response is not None else "timeout"
        page_runs = 0 if response is None else runs
        times = []
        page_started = time.perf_counter()
        for _ in range(page_runs):
            if warm > budget * 1000 / 2:
                times = [warm]  # a page of a minute or more: its one (warm-up) figure, said in the table
                break
            if len(times) >= 3 and time.perf_counter() - page_started > budget:
                break  # a page of many seconds: fewer runs, said in the table
            url = next_url()
            started = time.perf_counter()
            response = get(url)
            times.append((time.perf_counter() - started) * 1000)
            if response is None:
                status = "timeout"
                break
            status = max(status, response.status_code)
        if not times:
            times = [warm]
        results[name] = {
            "url": target if isinstance(target, str) else article_urls[0],
            "status": status,
            "bytes": len(response.content) if response is not None else 0,
            "p50": round(statistics.median(times), 2),
            "p95": round(percentile(times, 0.95), 2),
            "queries": queries,
            "runs": len(times),
        }
        r = results[name]
        say(f"  {name:<34} {r['p50']:>8.1f} {r['p95']:>8.1f} ms  {r['queries']:>3} queries  {status}  {r['url']}")
    return {
        "pages": results,
        "search_words": {k: [words[k], df.get(k)] for k in words},
        "article_sitemaps": len(article_maps),
        "load": [load_before, os.getloadavg()],
    }


def import_throughput(size: int, seed: int, lines: int) -> dict:
    """Lines/s of ``import_articles`` on ``lines`` generated JSON lines without photos; rows deleted after."""
    from io import StringIO

    from django.core.management import call_command
    from django.utils.text import slugify

    from articles.models import Article

    corpus = Corpus(size=size, seed=seed + 1)
    run_id = secrets.token_hex(3)
    now = datetime.now(UTC)
    with tempfile.TemporaryDirectory(prefix="archive-import-") as folder:
        path = Path(folder) / "import.jsonl"
        with path.open("w") as out:
            for n in range(lines):
                story = corpus.story()
                record = {
                    "external_id": f"{IMPORT_PREFIX}{run_id}-{n}",
                    "headline": story["headline"],
                    "section": slugify(SECTIONS[corpus.pick(corpus.section_cum)]),
                    "deck": story["deck"],
                    "body": story["body"],
                    "dateline": corpus.rng.choice(CITIES),
                    "authors": [corpus.authors[k] for k in corpus.author_picks()],
                    "tags": [corpus.tags[k] for k in corpus.tag_picks()],
                    "published_at": (now - timedelta(days=365 * 20 * corpus.rng.random())).isoformat(),
                    "status": "published",
                }
                out.write(json.dumps(record) + "\n")
        started = time.perf_counter()
        failed = ""
        try:
            call_command("import_articles", str(path), stdout=StringIO())
        except Exception as exc:  # noqa: BLE001 - reported in the table, the rest of the bench goes on
            failed = str(exc)[:200]
        elapsed = time.perf_counter() - started
    imported = Article.objects.filter(external_id__startswith=f"{IMPORT_PREFIX}{run_id}-").count()
    Article.objects.filter(external_id__startswith=IMPORT_PREFIX).delete()
    rate = imported / elapsed if elapsed else 0
    say(f"  import_articles: {imported:,}/{lines:,} lines in {elapsed:.1f} s = {rate:,.0f} lines/s {failed}")
    return {
        "lines": lines,
        "imported": imported,
        "seconds": round(elapsed, 2),
        "lines_per_s": round(rate),
        "error": failed,
    }


def child(args) -> int:
    child_environment()
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import override_settings

    from articles.models import Article

    say(f"== {connection.vendor} {connection.settings_dict['NAME']}: {args.size:,} articles")
    started = time.perf_counter()
    out = io.StringIO()
    call_command("migrate", verbosity=1, interactive=False, stdout=out)
    migrated = [line for line in out.getvalue().splitlines() if line.strip().startswith("Applying ")]
    manifest = SQLITE_DIR / "static" / "staticfiles.json"
    sources = [p for folder in (ROOT / "static", *ROOT.glob("*/static")) for p in folder.rglob("*") if p.is_file()]
    if not manifest.exists() or max(p.stat().st_mtime for p in sources) > manifest.stat().st_mtime:
        call_command("collectstatic", verbosity=0, interactive=False)
    say(f"  migrate, collectstatic: {time.perf_counter() - started:.1f} s")
    meta_path = Path(args.meta)
    # Lines of an import run that did not finish its clean-up are not part of the build.
    Article.objects.filter(external_id__startswith=IMPORT_PREFIX).delete()
    have = Article.objects.count()
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else {}
    if have == 0:
        meta = build(args.size, args.seed, meta_path, jobs=args.jobs)
    elif have != args.size or meta.get("size") not in (None, args.size) or meta.get("seed") not in (None, args.seed):
        say(f"  the database holds another build ({have:,} articles, seed {meta.get('seed')}), not {args.size:,}")
        return STALE_BUILD
    else:
        say(f"  reusing the build of {have:,} articles" + (f" from {meta['built_at']}" if meta else ""))
        if migrated and have:
            # A migration of a kept build (new columns, tables, backfills): statistics and the
            # visibility map as autovacuum would leave them on a live site, as after a build.
            analyze_started = time.perf_counter()
            with connection.cursor() as cursor:
                cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
            took = time.perf_counter() - analyze_started
            say(f"  {len(migrated)} migration(s) applied to the build; analyzed in {took:.1f} s")
    dummy = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    # Every cache (fragments, ranking lists, compiled lookups) a dummy: each request does all its DB work.
    with override_settings(CACHES=dummy, FRAGMENT_CACHE_ENABLED=False):
        figures = measure(
            args.size, args.seed, args.runs, meta, budget=args.page_budget, statement_timeout=args.statement_timeout
        )
        figures["import"] = import_throughput(args.size, args.seed, args.import_lines) if args.import_lines else None
    figures["build"] = {k: meta.get(k) for k in ("build_seconds", "rows_per_s", "built_at", "statuses")}
    Path(args.out).write_text(json.dumps(figures))
    return 0


# --- Orchestrator (no Django here) -------------------------------------------------------------------


def pg_url_for(base: str, size: int) -> str:
    parsed = urlparse(base)
    return urlunparse(parsed._replace(path=f"/bench_archive_{label(size)}"))


def pg_admin(url: str, statement: str, name: str) -> None:
    import psycopg

    admin = urlunparse(urlparse(url)._replace(path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if statement == "create" and not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
        elif statement == "drop" and exists:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')


def target_for(database: str, size: int, pg_base: str) -> tuple[dict, callable, callable, Path]:
    """Environment, create/drop functions and metadata path for one size's database."""
    name = f"bench_archive_{label(size)}"
    if database == "postgresql":
        url = pg_url_for(pg_base, size)
        if not name.startswith("bench_archive_"):
            raise SystemExit("refusing a database not named bench_archive_*")
        return (
            {"DATABASE_URL": url},
            lambda: pg_admin(url, "create", name),
            lambda: pg_admin(url, "drop", name),
            SQLITE_DIR / f"{name}.postgresql.json",
        )
    path = SQLITE_DIR / f"{name}.sqlite3"
    if path.resolve() == (ROOT / "db.sqlite3").resolve():
        raise SystemExit("refusing to write the project's db.sqlite3")

    def drop():
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)

    return (
        {"DATABASE_URL": f"sqlite:///{path}"},
        lambda: SQLITE_DIR.mkdir(parents=True, exist_ok=True),
        drop,
        SQLITE_DIR / f"{name}.sqlite.json",
    )


def run_size(args, database: str, size: int) -> dict | None:
    env_extra, create, drop, meta = target_for(database, size, args.pg_url)
    if args.rebuild:
        drop()
        meta.unlink(missing_ok=True)
    for attempt in range(2):
        create()
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as tmp:
            out = Path(tmp.name)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "NEWSROOM_"))}
        env.update(env_extra)
        cmd = [
            sys.executable,
            __file__,
            "_one",
            f"--size={size}",
            f"--seed={args.seed}",
            f"--runs={args.runs}",
            f"--import-lines={args.import_lines}",
            f"--page-budget={args.page_budget}",
            f"--jobs={args.jobs}",
            f"--statement-timeout={args.statement_timeout}",
            f"--meta={meta}",
            f"--out={out}",
        ]
        code = subprocess.run(cmd, cwd=ROOT, env=env, check=False).returncode
        if code == 0:
            figures = json.loads(out.read_text())
            out.unlink()
            return figures
        out.unlink(missing_ok=True)
        if code == STALE_BUILD and attempt == 0:
            say(f"  dropping the stale {database} database for {size:,} and building again")
            drop()
            meta.unlink(missing_ok=True)
            continue
        say(f"  {database} {size:,}: failed (exit {code})")
        return None
    return None


def table(database: str, figures: dict[int, dict]) -> str:
    sizes = sorted(figures)
    head = "| page | " + " | ".join(f"{s:,} articles" for s in sizes) + " |"
    lines = [
        f"**{database}**: p50 / p95 ms (queries), uncached, in process, wall",
        "",
        head,
        "|---|" + "---|" * len(sizes),
    ]
    names = list(dict.fromkeys(n for s in sizes for n in figures[s]["pages"]))
    min_runs = max(p.get("runs", 0) for s in sizes for p in figures[s]["pages"].values())

    def key(n):  # names that say a count or a page number: one row for each kind
        if n.startswith("article sitemap"):
            return "article sitemap (the first)"
        if n.startswith("section, page ") and n != "section, page 1":
            return "section, deep page (200 or the last)"
        return n

    merged = {}
    for n in names:
        merged.setdefault(key(n), []).append(n)
    for row, members in merged.items():
        cells = []
        for s in sizes:
            found = next((figures[s]["pages"][n] for n in members if n in figures[s]["pages"]), None)
            if found is None:
                cells.append("–")
                continue
            bad = "" if found["status"] == 200 else f" **{found['status']}**"
            few = f" [{found['runs']} runs]" if found.get("runs", 0) < min_runs else ""
            if row.startswith("section, deep"):
                few += f" p. {found['url'].rsplit('=', 1)[-1]}"
            cells.append(f"{found['p50']:.1f} / {found['p95']:.1f} ({found['queries']}){bad}{few}")
        if row.startswith("search, "):
            words = [figures[s]["search_words"][row.split(", ")[1]] for s in sizes]
            row = f"{row}: " + ", ".join(dict.fromkeys(f"'{w[0]}'" for w in words))
        lines.append(f"| {row} | " + " | ".join(cells) + " |")
    lines.append(
        "| search words' stories (common / middling / rare) | "
        + " | ".join(
            " / ".join(
                str(figures[s]["search_words"][k][1] if figures[s]["search_words"][k][1] is not None else "?")
                for k in ("common", "middling", "rare")
            )
            for s in sizes
        )
        + " |"
    )
    lines.append("| article sitemap files | " + " | ".join(str(figures[s]["article_sitemaps"]) for s in sizes) + " |")
    lines.append(
        "| import_articles, lines/s | "
        + " | ".join(
            (
                f"{figures[s]['import']['lines_per_s']:,} ({figures[s]['import']['imported']:,} lines)"
                if figures[s].get("import")
                else "–"
            )
            for s in sizes
        )
        + " |"
    )
    lines.append(
        "| build, articles/s (s) | "
        + " | ".join(
            f"{figures[s]['build']['rows_per_s'] or '?'} ({figures[s]['build']['build_seconds'] or '?'} s)"
            for s in sizes
        )
        + " |"
    )
    lines.append(
        "| load average (1 min) before / after | "
        + " | ".join(f"{figures[s]['load'][0][0]:.1f} / {figures[s]['load'][1][0]:.1f}" for s in sizes)
        + " |"
    )
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    if argv[:1] == ["_one"]:
        parser = argparse.ArgumentParser(prog="archive_bench.py _one")
        for name in ("--size", "--seed", "--runs", "--import-lines"):
            parser.add_argument(name, type=int, required=True)
        parser.add_argument("--page-budget", type=float, required=True)
        parser.add_argument("--jobs", type=int, default=1)
        parser.add_argument("--statement-timeout", type=float, default=0)
        parser.add_argument("--meta", required=True)
        parser.add_argument("--out", required=True)
        return child(parser.parse_args(argv[1:]))

    parser = argparse.ArgumentParser(prog="bench/archive", description=__doc__.split("\n\n")[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--sizes", help="comma-separated article counts (default 1000,100000 on SQLite, plus 1000000 on PostgreSQL)"
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", DEFAULT_PG_URL),
        help="PostgreSQL server; the database name is replaced by bench_archive_<size>",
    )
    parser.add_argument("--runs", type=int, default=20, help="timed requests per page (after one warm-up)")
    parser.add_argument("--import-lines", type=int, default=2000, help="JSON lines for import_articles (0: skip)")
    parser.add_argument(
        "--page-budget", type=float, default=60, help="seconds of timed runs per page before stopping (min. 3 runs)"
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="processes generating and (PostgreSQL) writing the articles while building (default: CPUs)",
    )
    parser.add_argument(
        "--statement-timeout",
        type=float,
        default=120,
        help="PostgreSQL: seconds before a page's statement is cancelled and the page reported as timeout (0: none)",
    )
    parser.add_argument("--seed", type=int, default=11)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--keep", dest="rebuild", action="store_false", help="reuse an existing build (default)")
    group.add_argument("--rebuild", dest="rebuild", action="store_true", help="drop and build again")
    parser.set_defaults(rebuild=False)
    parser.add_argument(
        "--report", action="store_true", help="print the tables of the figures kept in bench/results/, measure nothing"
    )
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.sizes:
        try:
            requested = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
        except ValueError:
            parser.error(f"--sizes {args.sizes!r}: comma-separated whole numbers, e.g. 1000,100000")
        if not requested or min(requested) < 100:
            parser.error("--sizes: at least 100 articles each")
    else:
        requested = None
    databases = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    if args.report:
        for database in databases:
            kept = RESULTS_DIR / f"archive-{database}.json"
            if kept.exists():
                figures = {int(k): v for k, v in json.loads(kept.read_text()).items()}
                if requested:
                    figures = {k: v for k, v in figures.items() if k in requested}
                say(table(database, figures) + "\n")
        return 0
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    tables = []
    for database in databases:
        sizes = requested or ([1000, 100_000] + ([1_000_000] if database == "postgresql" else []))
        if database == "sqlite" and any(s > SQLITE_MAX for s in sizes):
            say(f"SQLite: sizes above {SQLITE_MAX:,} skipped")
            sizes = [s for s in sizes if s <= SQLITE_MAX]
        figures = {}
        for size in sizes:
            result = run_size(args, database, size)
            if result:
                figures[size] = result
        if figures:
            result_file = RESULTS_DIR / f"archive-{database}.json"
            old = json.loads(result_file.read_text()) if result_file.exists() else {}
            old.update({str(k): v for k, v in figures.items()})
            result_file.write_text(json.dumps(old, indent=1))
            tables.append(table(database, figures))
    say()
    say(f"load average now: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    for text in tables:
        say()
        say(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
