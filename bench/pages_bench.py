"""Pages benchmark (run through ``bench/pages``): every page type, cached and uncached, against /healthz.

What it does, in one run:

1. Prepares a scratch site under ``BENCH_DIR`` (default ``/tmp/newsroom-bench-pages-<mode>``):
   a SQLite file (or, with ``--postgres``, the database ``BENCH_PG_URL`` plus Redis
   ``BENCH_REDIS_URL``), ``migrate``, the demo newsroom (``seed_demo``), ``update_rankings``,
   ``collectstatic``.
2. Starts two gunicorn servers with the project's ``gunicorn.conf.py``, 2 sync workers each,
   ``DJANGO_DEBUG=0``, a generated secret key, ``ALLOWED_HOSTS=127.0.0.1``, no access log,
   no worker recycling:
   * **A** (port P) with the full-page cache on (the production configuration);
   * **B** (port P+1) with ``NEWSROOM_PAGE_CACHE=0``: the same code with the page cache off,
     so every request renders the page. This is the honest "uncached" figure: a cache-busting
     query parameter would also pay for storing a page nobody reads again.
3. Measures with wrk (same host, 16 connections), interleaved: /healthz on A, then each page
   type (home, article, section, tag, search, feed, sitemap; warm, anonymous: every request on
   A is a hit) followed by /healthz again, then the same on B. Each ratio is against the mean
   of the two /healthz runs around it on the same server.
4. Sends a mixed load over every reader page (home, sections, tags, authors, every article,
   feeds, sitemaps) to both servers, then reads each worker's RSS from ``/proc`` and the
   number of requests it has served (at least 10,000 per worker).

Targets: cached >= 0.85x /healthz, uncached >= 0.3x /healthz, worker RSS < 80 MB.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from _common import pg_database_ensure, run, say  # bench/ is on sys.path when run as a script

ROOT = Path(__file__).resolve().parent.parent
TARGET_CACHED = 0.85
TARGET_UNCACHED = 0.30
TARGET_RSS_MB = 80.0
MIN_REQUESTS_PER_WORKER = 10_000
WORKERS = 2


# --- Django-side tasks (run in a child process with the bench environment) ----------------------


def _django_setup() -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "newsroom.settings")
    import django

    django.setup()


def task_urls() -> None:
    """Print, as JSON, the article page to measure and every reader URL for the mixed load."""
    _django_setup()
    from django.db.models import Count
    from django.urls import reverse
    from taggit.models import Tag

    from articles.models import Article, Author, Section, TaggedArticle

    published = Article.objects.published()
    # The richest page: a photo, the most tags and authors, updates.
    article = (
        published.filter(lead_photo__isnull=False)
        .annotate(n_tags=Count("tagged_items", distinct=True), n_authors=Count("authors", distinct=True))
        .order_by("-n_tags", "-n_authors", "-update_count", "-published_at")
        .first()
    ) or published.first()
    # One page of each type: the busiest section and tag, a word many stories contain, the
    # feed and the month sitemap of the newest story.
    section = Section.objects.annotate(n=Count("articles")).order_by("-n", "pk").first()
    tag = Tag.objects.annotate(n=Count("articles_taggedarticle_items")).order_by("-n", "pk").first()
    word = next((w for w in article.headline.split() if len(w) > 4 and w.isalpha()), "news")
    newest = published.order_by("-published_at").first()
    month = {"year": f"{newest.published_at.year:04d}", "month": f"{newest.published_at.month:02d}"}
    months = reverse("syndication:sitemap_month", kwargs=month)
    pages = {
        "home": "/",
        "article": article.get_absolute_url(),
        "section": section.get_absolute_url(),
        "tag": reverse("articles:tag", args=[tag.slug]),
        "search": reverse("articles:search") + "?q=" + word.lower(),
        "feed": reverse("syndication:feed"),
        "sitemap": months,
    }
    urls = ["/", reverse("syndication:feed"), reverse("syndication:sitemap"), reverse("syndication:robots")]
    urls += [a.get_absolute_url() for a in published.only("id", "slug")]
    urls += [s.get_absolute_url() for s in Section.objects.all()]
    tags = Tag.objects.filter(pk__in=TaggedArticle.objects.filter(content_object__in=published).values("tag_id"))
    urls += [reverse("articles:tag", args=[t.slug]) for t in tags]
    urls += [a.get_absolute_url() for a in Author.objects.filter(articles__in=published).distinct()]
    print(
        json.dumps({"article": article.get_absolute_url(), "headline": article.headline, "pages": pages, "urls": urls})
    )


# --- Orchestration -----------------------------------------------------------------------------------


def manage(env: dict, *args: str, quiet: bool = True) -> None:
    out = subprocess.DEVNULL if quiet else None
    run([sys.executable, "manage.py", *args], env, stdout=out)


def base_env(args, scratch: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "NEWSROOM_"))}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        # Plain HTTP on the loopback: no redirect to HTTPS.
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_STATIC_ROOT=str(scratch / "static"),
        DJANGO_MEDIA_ROOT=str(scratch / "media"),
        DJANGO_LOG_LEVEL="WARNING",
        NEWSROOM_SITE_URL=f"http://127.0.0.1:{args.port}",
    )
    if args.postgres:
        env["DATABASE_URL"] = args.pg_url
        env["REDIS_URL"] = args.redis_url
    else:
        env["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    return env


def prepare(args, env: dict) -> dict:
    started = time.perf_counter()
    if args.postgres:
        pg_database_ensure(args.pg_url)
    manage(env, "migrate", "--noinput")
    manage(env, "seed_demo")
    manage(env, "update_rankings")
    manage(env, "collectstatic", "--noinput")
    found = json.loads(run([sys.executable, __file__, "_urls"], env, capture_output=True, text=True).stdout)
    say(f"  prepared in {time.perf_counter() - started:.1f}s: {len(found['urls'])} reader URLs")
    return found


class Server:
    """One gunicorn master started by this script (only ever stopped by its own pid)."""

    def __init__(self, name: str, port: int, env: dict, scratch: Path):
        self.name, self.port = name, port
        self.log = scratch / f"gunicorn-{name}.log"
        env = {
            **env,
            "GUNICORN_BIND": f"127.0.0.1:{port}",
            "GUNICORN_WORKERS": str(WORKERS),
            "GUNICORN_ACCESS_LOG": "",
            "GUNICORN_ERROR_LOG": str(self.log),
            "GUNICORN_MAX_REQUESTS": "0",
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "newsroom.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        self.served = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn {self.name} exited; see {self.log}")
            try:
                with urllib.request.urlopen(self.url("/healthz"), timeout=1) as response:  # noqa: S310 - loopback
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise SystemExit(f"gunicorn {self.name} did not answer /healthz; see {self.log}")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return [int(pid) for pid in children]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def fetch(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


WRK_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
WRK_TOTAL = re.compile(r"(\d+) requests in")
WRK_P99 = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.M)
WRK_NON2XX = re.compile(r"Non-2xx or 3xx responses:\s+(\d+)")
WRK_ERRORS = re.compile(r"Socket errors: (.*)")


def wrk(args, server: Server, path: str, *, seconds: float, script: Path | None = None) -> dict:
    cmd = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{seconds:g}s", "--latency"]
    if script:
        cmd += ["-s", str(script)]
    out = subprocess.run([*cmd, server.url(path)], capture_output=True, text=True, check=True).stdout
    total = int(WRK_TOTAL.search(out).group(1))
    server.served += total
    p99 = WRK_P99.search(out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}
    return {
        "rps": float(WRK_RPS.search(out).group(1)),
        "total": total,
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)] if p99 else float("nan"),
        "non2xx": int(m.group(1)) if (m := WRK_NON2XX.search(out)) else 0,
        "errors": m.group(1) if (m := WRK_ERRORS.search(out)) else "",
    }


def measure(args, server: Server, path: str) -> dict:
    wrk(args, server, path, seconds=args.warmup)
    result = wrk(args, server, path, seconds=args.duration)
    problems = f"  NON-2xx: {result['non2xx']}" if result["non2xx"] else ""
    problems += f"  socket errors: {result['errors']}" if result["errors"] else ""
    say(f"  {server.name:<9} {path:<60.60} {result['rps']:>9,.0f} req/s   p99 {result['p99_ms']:6.1f} ms{problems}")
    return result


def healthz_mean(before: dict, after: dict) -> dict:
    return {**after, "rps": (before["rps"] + after["rps"]) / 2}


def mixed_load_script(urls: list[str], scratch: Path) -> Path:
    script = scratch / "mixed.lua"
    paths = ",\n".join(json.dumps(u) for u in urls)
    script.write_text(
        f"paths = {{\n{paths}\n}}\n"
        "counter = 0\n"
        "request = function()\n"
        "  counter = counter + 1\n"
        '  return wrk.format("GET", paths[(counter % #paths) + 1])\n'
        "end\n"
    )
    return script


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--postgres", action="store_true", help="PostgreSQL + Redis instead of SQLite + local memory")
    parser.add_argument("--duration", type=float, default=5, help="seconds per measurement (5)")
    parser.add_argument("--warmup", type=float, default=1, help="seconds of warm-up before each measurement (1)")
    parser.add_argument("--connections", type=int, default=16, help="wrk connections (16)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (2)")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8180")), help="A; B is +1")
    parser.add_argument(
        "--memory-seconds", type=float, default=120, help="time budget of the mixed load per server (120)"
    )
    parser.add_argument("--fresh", action="store_true", help="delete the scratch folder (SQLite database) first")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/newsroom_bench_pages"),
        help="scratch PostgreSQL database (created if missing; never point it at real data)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/15"))
    args = parser.parse_args()

    mode = "postgres" if args.postgres else "sqlite"
    scratch = Path(os.environ.get("BENCH_DIR", f"/tmp/newsroom-bench-pages-{mode}"))
    if args.fresh and scratch.exists():
        shutil.rmtree(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    env = base_env(args, scratch)

    # A terminated run still stops its gunicorn servers (the finally below).
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    say(f"bench/pages ({mode}{', Redis ' + args.redis_url if args.postgres else ', local-memory cache'})")
    found = prepare(args, env)

    cached = Server("cached", args.port, env, scratch)
    uncached = Server("uncached", args.port + 1, {**env, "NEWSROOM_PAGE_CACHE": "0"}, scratch)
    try:
        for server in (cached, uncached):
            server.wait_ready()
        # Sanity: every page is a 200, a hit on A once warm (each worker keeps its own local-memory
        # cache, so up to one miss per worker), and never cached on B; the article shows its headline.
        pages = found["pages"]
        for kind, path in pages.items():
            for _ in range(4 * WORKERS):
                status, headers, body = fetch(cached.url(path))
                if headers.get("X-Cache") == "hit":
                    break
            if status != 200 or headers.get("X-Cache") != "hit":
                raise SystemExit(f"cached {kind} page {path}: status {status}, X-Cache {headers.get('X-Cache')}")
            if kind == "article" and found["headline"].encode() not in body:
                raise SystemExit(f"cached article page {path} does not show its headline")
            status, headers, _ = fetch(uncached.url(path))
            if status != 200 or "X-Cache" in headers:
                raise SystemExit(f"uncached {kind} page {path}: status {status}, X-Cache {headers.get('X-Cache')}")
            say(f"  {kind:<8} {path} ({len(body):,} bytes)")
        say(f"  wrk -t{args.threads} -c{args.connections}, {args.duration:g}s after {args.warmup:g}s warm-up")

        # /healthz before and after each page run, each ratio against the mean of the two: the
        # machine's load drifts.
        results: dict[str, dict[str, tuple[dict, dict]]] = {}
        for server in (cached, uncached):
            results[server.name] = {}
            before = measure(args, server, "/healthz")
            for kind, path in pages.items():
                page = measure(args, server, path)
                after = measure(args, server, "/healthz")
                results[server.name][kind] = (page, healthz_mean(before, after))
                before = after

        # Memory after a mixed load over every reader page, until each server has served at least
        # 10,000 requests per worker (with a margin for an uneven split), or the time budget is spent.
        script = mixed_load_script(found["urls"], scratch)
        wanted = int(MIN_REQUESTS_PER_WORKER * WORKERS * 1.25)
        for server in (cached, uncached):
            deadline = time.monotonic() + args.memory_seconds
            while server.served < wanted and time.monotonic() < deadline:
                wrk(args, server, "/", seconds=5, script=script)
        memory = {server.name: [rss_mb(pid) for pid in server.workers()] for server in (cached, uncached)}
    finally:
        for server in (cached, uncached):
            server.stop()

    worst_rss = max(max(values) for values in memory.values())
    targets = {"cached": TARGET_CACHED, "uncached": TARGET_UNCACHED}
    say()
    say(f"RESULTS ({mode}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} CPUs)")
    say(f"  {'page':<9} {'cached req/s':>12} {'x /healthz':>10} {'uncached req/s':>15} {'x /healthz':>10}")
    for kind in pages:
        cells = []
        for name in ("cached", "uncached"):
            page, health = results[name][kind]
            cells.append((page["rps"], page["rps"] / health["rps"]))
        (rps_a, ratio_a), (rps_b, ratio_b) = cells
        say(f"  {kind:<9} {rps_a:>12,.0f} {ratio_a:>9.2f}x {rps_b:>15,.0f} {ratio_b:>9.2f}x")
    for name in ("cached", "uncached"):
        health = [results[name][kind][1]["rps"] for kind in pages]
        say(f"  /healthz ({name}) {sum(health) / len(health):>9,.0f} req/s (mean)")
    for name, target in targets.items():
        page, health = results[name]["article"]
        ratio = page["rps"] / health["rps"]
        say(f"  article {name}: {ratio:.2f}x /healthz, target >= {target:.2f}x: {verdict(ratio >= target)}")
    for server in (cached, uncached):
        rss = ", ".join(f"{value:.1f} MB" for value in memory[server.name])
        say(f"  worker RSS ({server.name}, after {server.served:,} requests over {WORKERS} workers): {rss}")
    enough = min(server.served for server in (cached, uncached)) >= MIN_REQUESTS_PER_WORKER * WORKERS
    rss_verdict = verdict(worst_rss < TARGET_RSS_MB) if enough else "INCOMPLETE (fewer than 10,000 requests/worker)"
    say(f"      target < {TARGET_RSS_MB:.0f} MB: {rss_verdict}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "_urls":
        task_urls()
    else:
        sys.exit(main())
