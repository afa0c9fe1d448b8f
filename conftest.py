"""Project-wide pytest fixtures: static files, a clean cache, and a real browser."""

import os
import shutil

import pytest

# Playwright's sync API runs an event loop in the test thread; Django refuses
# ORM calls from such a thread unless told the caller knows what it is doing.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("NEWSROOM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


@pytest.fixture(scope="session", autouse=True)
def _collected_static(tmp_path_factory):
    """Collect static files once, so tests use the production (hashed, compressed) storage."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test.signals import setting_changed

    root = tmp_path_factory.mktemp("staticfiles")
    settings.STATIC_ROOT = root
    # Tell Django, so a static files storage made earlier (a module importing it) forgets the old root.
    setting_changed.send(sender=type(settings), setting="STATIC_ROOT", value=root, enter=True)
    call_command("collectstatic", "--noinput", verbosity=0)
    return root


@pytest.fixture(scope="session")
def live_server(request, _collected_static):
    """pytest-django's live server, but static files come from WhiteNoise as in production.

    Django's test static handler serves from the finders, which know nothing of
    the hashed names the manifest storage renders into pages.
    """
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer(os.environ.get("DJANGO_LIVE_TEST_SERVER_ADDRESS", "localhost"), start=False)
    server.thread.static_handler = lambda app: app
    server.start()
    yield server
    server.stop()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    """Uploaded files of a test go to a temporary folder, never the project's media/."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _clear_cache():
    """Each test starts with an empty cache (Redis in the PostgreSQL leg), and no cache outage remembered."""
    from django.core.cache import cache

    from newsroom.caching.fragments import fragment_local_clear
    from newsroom.circuit import redis_circuit

    cache.clear()
    _rankings_redis_clear()
    # A test that breaks the cache on purpose leaves every use of Redis backing off for seconds.
    redis_circuit.reset()
    fragment_local_clear()
    yield
    cache.clear()


def _rankings_redis_clear():
    """Delete the suite's Redis view counters and per-minute limits, which cache.clear() leaves alone.

    Without this, every beacon of the run comes from one address within the same minutes, and the
    per-network rate limit starts refusing the later tests' beacons on a fast machine.
    """
    from django.conf import settings

    conf = settings.RANKINGS
    if conf.get("BACKEND") != "redis" or not conf.get("REDIS_URL"):
        return
    import redis

    client = redis.Redis.from_url(conf["REDIS_URL"], socket_connect_timeout=2, socket_timeout=2)
    try:
        keys = list(client.scan_iter(match=f"{conf['REDIS_KEY_PREFIX']}*", count=1000))
        if keys:
            client.delete(*keys)
    except redis.RedisError:
        pass  # a test that points the counters at a closed port
    finally:
        client.close()


@pytest.fixture(scope="session")
def browser():
    """Debian's headless chromium, driven by Playwright (no browser download)."""
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: run scripts/ensure-chromium.sh (make test does).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class ConsoleLog(list):
    """Console errors and page errors seen by a page."""

    @property
    def errors(self):
        return [entry for entry in self if entry[0] in {"error", "pageerror"}]


@pytest.fixture
def page(browser):
    """A fresh browser context and page; ``page.console_log`` collects console errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    log = ConsoleLog()
    pg.on("console", lambda msg: log.append((msg.type, msg.text)))
    pg.on("pageerror", lambda exc: log.append(("pageerror", str(exc))))
    pg.console_log = log
    yield pg
    context.close()
