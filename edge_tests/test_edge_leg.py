"""The CI's Varnish leg: two gunicorn app servers (PostgreSQL + Redis) behind one varnishd.

Run by .ci/run (leg 3): ``pytest edge_tests`` (no test database: nothing here uses pytest-django's) with
DATABASE_URL and REDIS_URL of a database of its own, which this module recreates. An edit is made
as an editor makes it: logged in to app server A's admin over HTTP, the change form posted with its
CSRF token; the reader pages are then read through Varnish, which may send them to app server B.
Page views and ranking updates are written by ``manage.py`` processes against the same database.
"""

import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

import psycopg
import pytest

from articles.tests.forms import form_fields
from bench._common import processes_stop

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


EDITOR = "edge-editor"

SEED = """
from datetime import timedelta
from django.contrib.auth.models import Group, User
from django.utils import timezone
from articles.models import Article, Section
from rankings.models import PageViewHourly
editor = User.objects.create_user("@EDITOR@", password="@PASSWORD@", is_staff=True)
editor.groups.add(Group.objects.get(name="Editor"))
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
        # The readers' host (this module's requests say Host: 127.0.0.1): edits warm their copies.
        NEWSROOM_SITE_URL="http://127.0.0.1",
        NEWSROOM_RAIL_MAX_AGE=str(RAIL_MAX_AGE),
        GUNICORN_WORKERS="2",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_GRACEFUL_TIMEOUT="2",
    )
    tmp = tmp_path_factory.mktemp("edge")
    # The session's collectstatic (conftest.py) already made them.
    env["DJANGO_STATIC_ROOT"] = str(settings_static_root)
    manage(env, "migrate", "--noinput", "-v0")
    password = secrets.token_urlsafe(16)
    manage(env, "shell", "-c", SEED.replace("@EDITOR@", EDITOR).replace("@PASSWORD@", password))
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
        yield {"port": varnish_port, "apps": ports, "env": env, "password": password}
    finally:
        processes_stop(processes)


class EditorBrowser:
    """An editor's browser talking to one app server directly: its cookies kept, forms posted as browsers do.

    Cookies are kept by hand: the app marks them Secure (DEBUG off), which ``http.cookiejar`` would
    never send over the plain HTTP of this leg.
    """

    def __init__(self, port: int):
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict, str]:
        headers = {"Host": "127.0.0.1"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode()
            for value in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(value)
                for name, morsel in cookie.items():
                    if morsel["max-age"] == "0":
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            connection.close()

    def form(self, path: str, selector: str) -> dict:
        """Every field of the form ``selector`` on ``path`` as the browser would post it unchanged (CSRF token too)."""
        status, _, html = self.request("GET", path)
        assert status == 200, html[:2000]
        data = form_fields(html, selector)
        assert data.get("csrfmiddlewaretoken"), "the form carries no CSRF token"
        return data

    def log_in(self, username: str, password: str) -> None:
        data = self.form("/admin/login/?next=/admin/", "#login-form")
        data.update(username=username, password=password)
        status, headers, html = self.request("POST", "/admin/login/?next=/admin/", data)
        assert status == 302, html[:2000]
        assert headers["location"] == "/admin/"
        assert "sessionid" in self.cookies


def main_part(html: str) -> str:
    """A page without its rails (whose headlines come from the ranking snapshot, not the article)."""
    return html.split('<aside class="rail"', 1)[0]


def test_an_admin_edit_on_one_app_server_is_fresh_through_varnish_on_the_next_request(stack):
    port, (app_a, app_b) = stack["port"], stack["apps"]
    article, pages = "/articles/1/story-1/", ("/articles/1/story-1/", "/", "/section/harbour/")
    for path in pages:
        get(port, path)
        status, headers, body = get(port, path)
        assert (status, headers["x-edge-cache"]) == (200, "hit")
        assert ">Story Number 1<" in main_part(body)
        for app in (app_a, app_b):  # each app server keeps its own copies too
            get(app, path)
            assert get(app, path)[1]["x-cache"] == "hit"

    editor = EditorBrowser(app_a)
    editor.log_in(EDITOR, stack["password"])
    change = "/admin/articles/article/1/change/"
    data = editor.form(change, "#article_form")
    assert data["headline"] == "Story Number 1"
    data.update(headline="Story Number 1 Revised", _save="Save")
    status, headers, html = editor.request("POST", change, data)
    assert status == 302, re.findall(r'<ul class="errorlist[^"]*">.*?</ul>', html, re.S) or html[:2000]

    # The very next request to each page through Varnish, without retries, is fresh: the article's
    # own page already in Varnish again (the save warmed it), the lists showing it fetched anew.
    for path in pages:
        status, headers, body = get(port, path)
        assert status == 200
        assert headers["x-edge-cache"] == ("hit" if path == article else "miss"), path
        assert ">Story Number 1 Revised<" in main_part(body), path
        assert ">Story Number 1<" not in main_part(body), path
    # And on each app server, asked directly (the one Varnish did not ask included).
    for app in (app_a, app_b):
        status, headers, body = get(app, article)
        assert ">Story Number 1 Revised<" in main_part(body), app


def test_a_ranking_update_leaves_pages_cached_while_the_rail_refreshes_within_the_bound(stack):
    port = stack["port"]
    path = "/section/harbour/"
    for page in (path, "/"):
        get(port, page)
    _, headers, body = get(port, path)
    assert headers["x-edge-cache"] == "hit"
    rail = body.split('class="rail"', 1)[1]
    first, second = rail.index("Story Number 1"), rail.index("Story Number 2")
    assert first < second
    _, headers, body = get(port, "/")
    assert headers["x-edge-cache"] == "hit"
    assert weekly(body) == ["/articles/1/story-1/", "/articles/2/story-2/"]
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
    # The home page's "This week" list (an edge-side include of its own) likewise.
    _, headers, body = get(port, "/")
    assert headers["x-edge-cache"] == "hit"
    assert int(headers["age"]) > RAIL_MAX_AGE
    assert weekly(body) == ["/articles/2/story-2/", "/articles/1/story-1/"]


def weekly(html: str) -> list[str]:
    """The links of the home page's "This week" list (the 7-day Access Ranking), in order."""
    block = html.split('id="ranking-access-7d-title"', 1)[1].split("</ol>", 1)[0]
    return re.findall(r'class="ranking-link" href="([^"]+)"', block)
