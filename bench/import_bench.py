"""Import benchmark (run through ``bench/import``): ``import_articles`` lines/s on SQLite and PostgreSQL.

Generates N JSON Lines records with realistic text: words drawn from a vocabulary of a few
thousand made-up words with Zipf-distributed frequencies (as in real news, a few words are
everywhere and most are rare); sections, tags and authors Zipf-distributed too. No photos.
Each database is measured in a child process of its own (its own settings): a fresh schema,
then the first import, the same file again (idempotent: every line unchanged) and a file
with a tenth of the lines changed (updates). Prints figures; not a test.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from itertools import accumulate
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYLLABLES = ("ka", "ri", "to", "na", "mi", "su", "ho", "ra", "te", "ne", "lo", "ba", "de", "gu", "zo", "pa", "vi")
SYLLABLES += ("ma", "shi", "ku", "ro", "ya", "en", "an", "or", "el", "is")


def zipf_picker(rng: random.Random, items: list, *, s: float = 1.07):
    """A function drawing from ``items`` with Zipf weights (rank r has weight 1/r**s)."""
    cumulative = list(accumulate(1 / (rank**s) for rank in range(1, len(items) + 1)))

    def pick(k: int = 1) -> list:
        return rng.choices(items, cum_weights=cumulative, k=k)

    return pick


def vocabulary(rng: random.Random, size: int) -> list[str]:
    words: set[str] = set()
    while len(words) < size:
        words.add("".join(rng.choices(SYLLABLES, k=rng.choice((1, 2, 2, 3, 3, 4)))))
    ordered = sorted(words)
    rng.shuffle(ordered)  # rank (frequency) unrelated to length or spelling
    return ordered


def records(n: int, *, seed: int, vocab_size: int, edit: float = 0.0):
    """The benchmark's records; with ``edit`` a fraction of them get a new headline and tags."""
    rng = random.Random(seed)
    word = zipf_picker(rng, vocabulary(rng, vocab_size))
    section = zipf_picker(rng, [f"Section {w.title()}" for w in vocabulary(random.Random(seed + 1), 14)])
    tag = zipf_picker(rng, [w.title() for w in vocabulary(random.Random(seed + 2), 2000)])
    author = zipf_picker(
        rng, [f"{a.title()} {b.title()}" for a, b in zip(*[iter(vocabulary(rng, 600))] * 2, strict=True)]
    )
    edit_rng = random.Random(seed + 3)  # its own generator, so the edited file's other lines stay the same
    edit_tag = zipf_picker(edit_rng, [w.title() for w in vocabulary(random.Random(seed + 2), 2000)])
    for i in range(n):
        headline = " ".join(word(rng.randint(6, 11))).capitalize()
        paragraphs = [" ".join(word(rng.randint(30, 70))).capitalize() + "." for _ in range(rng.randint(4, 9))]
        record = {
            "external_id": f"bench-{i}",
            "headline": headline,
            "section": section()[0],
            "deck": " ".join(word(rng.randint(12, 24))).capitalize() + ".",
            "body": "".join(f"<p>{p}</p>" for p in paragraphs),
            "dateline": word()[0].upper(),
            "authors": sorted(set(author(rng.choice((1, 1, 1, 2))))),
            "tags": sorted(set(tag(rng.randint(1, 5)))),
            "published_at": f"20{10 + i % 16:02d}-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00+09:00",
        }
        if edit and edit_rng.random() < edit:
            record["headline"] = "Updated: " + record["headline"]
            record["tags"] = sorted(set(edit_tag(2)))
        yield record


def file_write(path: Path, n: int, *, seed: int, vocab_size: int, edit: float = 0.0) -> None:
    with path.open("w") as out:
        for record in records(n, seed=seed, vocab_size=vocab_size, edit=edit):
            out.write(json.dumps(record) + "\n")


def child(args) -> None:
    """Measure in this process, against the database of DATABASE_URL (set by the parent)."""
    import io

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    call_command("flush", interactive=False, verbosity=0)
    for label, path in (("import", args.file), ("re-import (unchanged)", args.file), ("update 10%", args.edited)):
        out = io.StringIO()
        server = server_cpu(connection)
        started, cpu_started = time.perf_counter(), time.process_time()
        call_command("import_articles", path, "--create-sections", f"--batch-size={args.batch_size}", stdout=out)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        server = server_cpu(connection) - server if server is not None else None
        summary = out.getvalue().strip().splitlines()[-1]
        total = f"{args.lines / (cpu + server):>6,.0f}/s" if server is not None else "   n/a"
        print(
            f"  {connection.vendor:<10} {label:<22} {args.lines / seconds:>6,.0f} lines/s wall ({seconds:5.1f} s); "
            f"per CPU second: importer {args.lines / cpu:>6,.0f}/s, importer+server {total}   {summary}",
            flush=True,
        )
    if args.photos:
        photos_measure(args)


def server_cpu(connection) -> float | None:
    """CPU seconds used so far by this connection's PostgreSQL backend (None for SQLite or if not visible)."""
    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        (pid,) = cursor.fetchone()
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def photos_measure(args) -> None:
    """``--defer-renditions`` photo lines, then ``photo_renditions`` with 1 and with N processes."""
    import io

    from django.core.management import call_command
    from PIL import Image, ImageDraw

    from articles.models import Photo

    folder = Path(args.file).parent / "photos"
    folder.mkdir(exist_ok=True)
    rng = random.Random(args.seed)
    lines = []
    for n in range(args.photos):
        picture = Image.new("RGB", (1600, 900), tuple(rng.randrange(256) for _ in range(3)))
        draw = ImageDraw.Draw(picture)
        for _ in range(40):  # shapes, so the encoders have work as with a photograph
            x, y = rng.randrange(1500), rng.randrange(800)
            draw.ellipse((x, y, x + rng.randrange(20, 300), y + rng.randrange(20, 300)), fill=(x % 256, y % 256, 90))
        picture.save(folder / f"p{n}.jpg", quality=88)
        record = next(records(1, seed=args.seed + n, vocab_size=args.vocabulary))
        record.update(external_id=f"bench-photo-{n}", photo=f"photos/p{n}.jpg", alt="A picture", caption="Caption")
        lines.append(json.dumps(record))
    feed = folder.parent / "photos.jsonl"
    feed.write_text("\n".join(lines) + "\n")
    started = time.perf_counter()
    call_command("import_articles", feed, "--create-sections", "--defer-renditions", stdout=io.StringIO())
    seconds = time.perf_counter() - started
    print(f"  {args.photos} photo lines, --defer-renditions: {args.photos / seconds:,.0f} lines/s ({seconds:.1f} s)")
    for processes in sorted({1, args.processes}):
        Photo.objects.update(renditions={})
        started = time.perf_counter()
        call_command("photo_renditions", f"--processes={processes}", stdout=io.StringIO())
        seconds = time.perf_counter() - started
        print(
            f"  photo_renditions --processes {processes}: {args.photos / seconds:.1f} photos/s ({seconds:.1f} s)",
            flush=True,
        )


def pg_recreate(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name.startswith(("bench", "newsroom_bench", "wt_")):
        raise SystemExit(
            f"refusing to drop {name!r}: the bench database's name must start with bench or newsroom_bench"
        )
    with psycopg.connect(parsed._replace(path="/postgres").geturl(), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=20_000, help="Lines to generate (default 20000).")
    parser.add_argument("--db", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/newsroom_bench_import"),
        help="PostgreSQL database to DROP and re-create (its name must start with bench or newsroom_bench).",
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", ""), help="REDIS_URL for PostgreSQL.")
    parser.add_argument("--vocabulary", type=int, default=5000, help="Distinct words (default 5000).")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--photos", type=int, default=0, help="Also N photo lines and photo_renditions (SQLite leg).")
    parser.add_argument("--processes", type=int, default=2, help="photo_renditions --processes (default 2).")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--edited", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    with tempfile.TemporaryDirectory(prefix="newsroom-bench-import-") as scratch:
        scratch = Path(scratch)
        feed, edited = scratch / "feed.jsonl", scratch / "edited.jsonl"
        started = time.perf_counter()
        file_write(feed, args.lines, seed=args.seed, vocab_size=args.vocabulary)
        file_write(edited, args.lines, seed=args.seed, vocab_size=args.vocabulary, edit=0.1)
        print(
            f"{args.lines:,} lines ({feed.stat().st_size / 1e6:.1f} MB, vocabulary {args.vocabulary:,} words, "
            f"Zipf) written in {time.perf_counter() - started:.1f} s; batch size {args.batch_size}",
            flush=True,
        )
        legs = []
        if args.db in ("sqlite", "both"):
            sqlite_path = scratch / "bench.sqlite3"
            assert sqlite_path.resolve() != (ROOT / "db.sqlite3").resolve()
            legs.append({"DATABASE_URL": f"sqlite:///{sqlite_path}", "REDIS_URL": ""})
        if args.db in ("postgres", "both"):
            pg_recreate(args.pg_url)
            legs.append({"DATABASE_URL": args.pg_url, "REDIS_URL": args.redis_url})
        for leg in legs:
            env = {**os.environ, **leg, "DJANGO_MEDIA_ROOT": str(scratch / "media"), "DJANGO_LOG_LEVEL": "WARNING"}
            env.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
            env.setdefault("DJANGO_ALLOWED_HOSTS", "localhost")
            command = [sys.executable, __file__, "--child", f"--lines={args.lines}", f"--file={feed}"]
            command += [f"--edited={edited}", f"--batch-size={args.batch_size}"]
            if leg["REDIS_URL"] == "" and leg["DATABASE_URL"].startswith("sqlite"):
                command += [f"--photos={args.photos}", f"--processes={args.processes}"]
            subprocess.run(command, cwd=ROOT, env=env, check=True)


if __name__ == "__main__":
    main()
