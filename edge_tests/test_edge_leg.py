"""The CI's Varnish leg: two gunicorn app servers (PostgreSQL + Redis) behind one varnishd.

Run by .ci/run (leg 3): ``pytest edge_tests`` (no test database: nothing here uses pytest-django's) with
DATABASE_URL and REDIS_URL of a database of its own, which this module recreates. Edits are
made by ``manage.py shell`` processes against the same database, as an app server would.
"""

import http.client
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
VARNISHD = shutil.which("varnishd") or "/usr/sbin/varnishd"
RAIL_MAX_AGE = 3


def _free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports (bound at once: two calls may return the same port)."""
    probes = [socket.socket() for _ in range(count)]
    try:
        for probe in probes:
            probe.bind(("127.0.0.1", 0))
        return [probe.getsockname()[1] for probe in probes]
    finally:
        for probe in probes:
            probe.close()


def get(port, path, **headers):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1", **headers})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode()
    finally:
        connection.close()


def manage(env, *args) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


SEED = """
from datetime import timedelta
from django.utils import timezone
from articles.models import Article, Section
from rankings.models import PageViewHourly
section = Section.objects.create(name="Harbour", slug="harbour", position=1)
hour = (timezone.now() - timedelta(hours=1)).replace(minute=0, second=0, microsecond=0)
for n, views in ((1, 10), (2, 5)):
    a = Article.objects.create(
        headline=f"Story Number {n}", slug=f"story-{n}", section=section, deck="d", body="<p>b</p>",
        status="published", published_at=timezone.now() - timedelta(days=2),
    )
    PageViewHourly.objects.create(article=a, hour=hour, views=views)
"""


@pytest.fixture(scope="module")
def settings_static_root(_collected_static):
    return _collected_static


@pytest.fixture(scope="module")
def stack(tmp_path_factory, settings_static_root):
    base_url = os.environ["DATABASE_URL"]
    parts = urlsplit(base_url)
    name = parts.path.lstrip("/") + "_edge"
    with psycopg.connect(base_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    varnish_port, *ports = _free_ports(3)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "NEWSROOM_"))}
    env.update(
        DATABASE_URL=urlunsplit(parts._replace(path=f"/{name}")),
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",
        NEWSROOM_REDIS_KEY_PREFIX=f"edge-ci-{secrets.token_hex(4)}",
        NEWSROOM_EDGE_PURGE_URLS=f"http://127.0.0.1:{varnish_port}",
        NEWSROOM_RAIL_MAX_AGE=str(RAIL_MAX_AGE),
        GUNICORN_WORKERS="2",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_GRACEFUL_TIMEOUT="2",
    )
    tmp = tmp_path_factory.mktemp("edge")
    # The session's collectstatic (conftest.py) already made them.
    env["DJANGO_STATIC_ROOT"] = str(settings_static_root)
    manage(env, "migrate", "--noinput", "-v0")
    manage(env, "shell", "-c", SEED)
    manage(env, "update_rankings")
    processes = []
    try:
        for port in ports:
            log = (tmp / f"gunicorn-{port}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "newsroom.wsgi"],
                    cwd=BASE_DIR,
                    env={**env, "GUNICORN_BIND": f"127.0.0.1:{port}"},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        vcl = tmp / "newsroom.vcl"
        vcl.write_text(manage(env, "edge_vcl", *(f"127.0.0.1:{port}" for port in ports)))
        command = [VARNISHD, "-F", "-a", f"127.0.0.1:{varnish_port}", "-f", str(vcl), "-n", str(tmp / "varnish")]
        command += ["-T", "none", "-j", "none", "-s", "malloc,64m", "-p", "backend_idle_timeout=4"]
        processes.append(subprocess.Popen(command, stdout=(tmp / "varnishd.log").open("wb"), stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 120  # two gunicorns starting on a busy CI machine
        while True:
            try:
                if get(varnish_port, "/healthz")[0] == 200 and all(get(p, "/healthz")[0] == 200 for p in ports):
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the edge stack did not come up in 120 s"
            time.sleep(0.3)
        yield {"port": varnish_port, "env": env}
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def test_an_edit_is_fresh_through_varnish_on_the_next_request(stack):
    port = stack["port"]
    get(port, "/articles/1/story-1/")
    status, headers, body = get(port, "/articles/1/story-1/")
    assert status == 200
    assert headers["x-edge-cache"] == "hit"
    assert "Story Number 1" in body
    manage(
        stack["env"],
        "shell",
        "-c",
        "from articles.models import Article; a = Article.objects.get(pk=1); "
        "a.headline = 'Story Number 1 Revised'; a.save()",
    )
    status, headers, body = get(port, "/articles/1/story-1/")
    assert "Story Number 1 Revised" in body
    assert headers["x-edge-cache"] == "miss"


def test_a_ranking_update_leaves_pages_cached_while_the_rail_refreshes_within_the_bound(stack):
    port = stack["port"]
    path = "/section/harbour/"
    get(port, path)
    _, headers, body = get(port, path)
    assert headers["x-edge-cache"] == "hit"
    rail = body.split('class="rail"', 1)[1]
    first, second = rail.index("Story Number 1"), rail.index("Story Number 2")
    assert first < second
    manage(
        stack["env"],
        "shell",
        "-c",
        "from datetime import timedelta; from django.utils import timezone; "
        "from rankings.models import PageViewHourly as H; h = H.objects.get(article_id=2); h.views = 99; h.save()",
    )
    manage(stack["env"], "update_rankings")
    time.sleep(RAIL_MAX_AGE + 0.5)
    _, headers, body = get(port, path)
    assert headers["x-edge-cache"] == "hit"
    assert int(headers["age"]) > RAIL_MAX_AGE  # the page was kept
    rail = body.split('class="rail"', 1)[1]
    assert rail.index("Story Number 2") < rail.index("Story Number 1")  # its rail was not
