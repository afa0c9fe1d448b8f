"""Helpers shared by the bench scripts (run as ``python bench/<name>_bench.py``)."""

import signal
import socket
import subprocess
from collections.abc import Iterable
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def say(text: str = "") -> None:
    print(text, flush=True)


def run(cmd: list[str], env: dict, **kwargs) -> subprocess.CompletedProcess:
    """Run ``cmd`` in the project folder with ``env``; fail loudly on a non-zero exit."""
    return subprocess.run(cmd, cwd=ROOT, env=env, check=True, **kwargs)


def pg_database_ensure(url: str) -> None:
    """Create the PostgreSQL database named in ``url`` if it does not exist yet."""
    from urllib.parse import urlparse

    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def bench_article_ensure():
    """The published article every beacon benchmark posts views of (created once); Django must be set up."""
    from datetime import timedelta

    from django.utils import timezone

    from articles.models import Article, Section

    section, _ = Section.objects.get_or_create(slug="bench", defaults={"name": "Bench"})
    article, _ = Article.objects.get_or_create(
        slug="bench-beacon-article",
        defaults={
            "headline": "Bench Beacon Article",
            "section": section,
            "status": Article.Status.PUBLISHED,
            "published_at": timezone.now() - timedelta(hours=1),
            "body": "<p>Measured, not read.</p>",
        },
    )
    return article


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (all bound at once, so no two are the same)."""
    with ExitStack() as stack:
        probes = [stack.enter_context(socket.socket()) for _ in range(count)]
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]


def processes_stop(processes: Iterable[subprocess.Popen], *, timeout: float = 10) -> None:
    """Stop each of ``processes``, last started first: SIGTERM, then SIGKILL if it is not gone in ``timeout`` s.

    Last first, so the cache in front (started after its app servers) goes before them. Shared by
    the benches and the CI's Varnish leg (edge_tests), which all start gunicorns and a varnishd.
    """
    for process in reversed(list(processes)):
        if process.poll() is not None:
            continue
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
