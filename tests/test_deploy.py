"""The production setup of the README: gunicorn (gunicorn.conf.py) behind nginx (deploy/nginx.conf).

Real processes on free loopback ports: slow clients that send their request one byte a second
must not keep a normal reader waiting. nginx comes from Debian (scripts/ensure-nginx.sh, which
``make test`` runs).
"""

import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"

pytestmark = pytest.mark.deploy


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(port: int, path: str, *, timeout: float) -> tuple[int, dict, bytes, float]:
    """One GET on a fresh connection: status, headers, body and seconds taken."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"Host": "127.0.0.1"})
        response = connection.getresponse()
        body = response.read()
        return response.status, dict(response.getheaders()), body, time.perf_counter() - started
    finally:
        connection.close()


def _wait_until_up(port: int, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server exited at start:\n{log.read_text()[-3000:]}")
        try:
            if _get(port, "/healthz", timeout=1)[0] == 200:
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"server did not answer /healthz within 30 s:\n{log.read_text()[-3000:]}")


@contextmanager
def _process(command: list[str], *, env: dict, log: Path):
    """A server started by this test, stopped by its own pid only."""
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        yield process
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@contextmanager
def gunicorn(tmp_path: Path, static_root: Path, **overrides):
    """gunicorn with the project's gunicorn.conf.py and DEBUG off, 2 workers; yields its port."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "GUNICORN_", "NEWSROOM_"))}
    env.pop("REDIS_URL", None)
    env.update(
        DJANGO_SETTINGS_MODULE="newsroom.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SECURE_SSL_REDIRECT="0",  # plain HTTP on the loopback
        DJANGO_STATIC_ROOT=str(static_root),
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",  # /healthz never opens it
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_ACCESS_LOG="",
        GUNICORN_GRACEFUL_TIMEOUT="2",  # stopping waits for no trickling client
        **overrides,
    )
    log = tmp_path / f"gunicorn-{port}.log"
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "newsroom.wsgi"]
    with _process(command, env=env, log=log) as process:
        _wait_until_up(port, process, log)
        yield port


@contextmanager
def nginx(tmp_path: Path, *, upstream_port: int, static_root: Path, media_root: Path):
    """nginx from deploy/nginx.conf in front of ``upstream_port``; yields its port."""
    if not os.path.exists(NGINX):
        pytest.fail("nginx is missing: run scripts/ensure-nginx.sh (make test does).")
    port = _free_port()
    run_dir = tmp_path / f"nginx-{port}"
    run_dir.mkdir()
    values = {
        "@LISTEN@": f"127.0.0.1:{port}",
        "@UPSTREAM@": f"127.0.0.1:{upstream_port}",
        "@STATIC_ROOT@": str(static_root),
        "@MEDIA_ROOT@": str(media_root),
        "@RUN_DIR@": str(run_dir),
    }
    conf = (BASE_DIR / "deploy" / "nginx.conf").read_text()
    conf = re.sub(r"@[A-Z_]+@", lambda match: values[match.group()], conf)  # a KeyError: a new placeholder
    if os.geteuid() == 0:
        # Started by root, the workers would run as www-data, who cannot read pytest's private tmp folders.
        conf = conf.replace("\nuser www-data;", "\nuser root;")
    (run_dir / "nginx.conf").write_text(conf)
    log = run_dir / "stderr.log"
    command = [NGINX, "-p", str(run_dir), "-c", str(run_dir / "nginx.conf"), "-e", str(log), "-g", "daemon off;"]
    with _process(command, env=dict(os.environ), log=run_dir / "stdout.log") as process:
        _wait_until_up(port, process, log)
        yield port


@contextmanager
def slow_clients(port: int, count: int):
    """``count`` clients sending a request one byte a second: half their headers, half a POST body."""
    stop = threading.Event()
    connected = threading.Barrier(count + 1)

    def trickle(n: int) -> None:
        with socket.create_connection(("127.0.0.1", port), timeout=30) as conn:
            if n % 2:
                head = b"POST /rankings/beacon HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 60\r\n\r\n"
                conn.sendall(head)
                data = b"x" * 60
            else:
                data = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"y" * 60 + b"\r\n\r\n"
            conn.sendall(data[:1])
            connected.wait()
            for byte in data[1:]:
                if stop.wait(1.0):
                    return
                try:
                    conn.sendall(bytes([byte]))
                except OSError:
                    return  # the server dropped a stalled client: what it should do sooner or later

    threads = [threading.Thread(target=trickle, args=(n,), daemon=True) for n in range(count)]
    for thread in threads:
        thread.start()
    connected.wait(timeout=10)
    time.sleep(1.5)  # the servers have taken every connection and are waiting for more bytes
    try:
        yield
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=5)


@pytest.fixture
def static_root(_collected_static):
    """The suite's collected (hashed, compressed) static files."""
    return _collected_static


@pytest.fixture
def media_root(tmp_path):
    root = tmp_path / "media"
    (root / "photos").mkdir(parents=True)
    (root / "photos" / "p.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    (root / "renditions" / "7" / "0123abcd").mkdir(parents=True)
    (root / "renditions" / "7" / "0123abcd" / "w320.webp").write_bytes(b"RIFF not really a webp")
    return root


def test_behind_nginx_slow_clients_never_keep_a_reader_waiting(tmp_path, static_root, media_root):
    with (
        gunicorn(tmp_path, static_root, GUNICORN_WORKER_CLASS="sync", GUNICORN_THREADS="1") as app_port,
        nginx(tmp_path, upstream_port=app_port, static_root=static_root, media_root=media_root) as port,
        slow_clients(port, 8),
    ):
        # Even with sync workers (one request at a time each): nginx holds the trickling requests.
        for _ in range(3):
            status, _headers, body, seconds = _get(port, "/healthz", timeout=5)
            assert (status, body) == (200, b"ok")
            assert seconds < 1.0


def test_nginx_serves_static_and_media_files_itself_with_cache_headers(tmp_path, static_root, media_root):
    hashed = next(path for path in (static_root / "css").glob("*.css") if path.stem.count(".") == 1)
    with (
        gunicorn(tmp_path, static_root) as app_port,
        nginx(tmp_path, upstream_port=app_port, static_root=static_root, media_root=media_root) as port,
    ):
        status, headers, body, _ = _get(port, f"/static/css/{hashed.name}", timeout=5)
        assert status == 200
        assert body == hashed.read_bytes()
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers["Server"] == "nginx"  # not WhiteNoise behind it
        status, headers, body, _ = _get(port, "/media/photos/p.jpg", timeout=5)
        assert (status, headers["Content-Type"]) == (200, "image/jpeg")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Cache-Control"] == "public, max-age=86400"  # an original may be replaced in place
        assert _get(port, "/media/photos/", timeout=5)[0] == 403  # never a listing
        # Renditions are named by their source's hash: cached for a year (Lighthouse's uses-long-cache-ttl).
        status, headers, body, _ = _get(port, "/media/renditions/7/0123abcd/w320.webp", timeout=5)
        assert (status, body) == (200, b"RIFF not really a webp")
        assert headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in headers["Content-Security-Policy"]
        assert _get(port, "/media/renditions/7/", timeout=5)[0] == 403


def test_gunicorn_threads_keep_a_worker_free_for_a_few_slow_clients(tmp_path, static_root):
    # gunicorn.conf.py's defaults (gthread, 4 threads per worker), without nginx in front. Three slow
    # clients: even if one worker took them all, it has a thread left (a worker with every thread
    # busy still accepts and queues connections, so more could land behind them).
    with gunicorn(tmp_path, static_root) as port, slow_clients(port, 3):
        status, _headers, body, seconds = _get(port, "/healthz", timeout=5)
        assert (status, body) == (200, b"ok")
        assert seconds < 1.0


def test_bare_sync_workers_are_blocked_by_slow_clients(tmp_path, static_root):
    """The failure the proxy exists for (and proof the slow clients above really are slow)."""
    with (
        gunicorn(tmp_path, static_root, GUNICORN_WORKER_CLASS="sync", GUNICORN_THREADS="1") as port,
        slow_clients(port, 4),
        pytest.raises(TimeoutError),
    ):
        _get(port, "/healthz", timeout=2)
