"""The skeleton end to end: health check, home, admin, headers and configuration."""

import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django_redis import get_redis_connection

from newsroom import settings as newsroom_settings

BASE_DIR = Path(__file__).resolve().parent.parent


def test_healthz_answers_without_touching_the_database(client):
    # No django_db mark: any query here would raise.
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok"


@pytest.mark.django_db
def test_home_and_admin_login_are_alive(client):
    assert client.get("/").status_code == 200
    assert client.get("/admin/login/").status_code == 200


@pytest.mark.django_db
def test_security_headers_on_pages(client):
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"


def test_times_are_utc_in_storage_and_tokyo_for_display():
    assert settings.USE_TZ is True
    assert settings.TIME_ZONE == "Asia/Tokyo"


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite-only setting")
    options = settings.DATABASES["default"]["OPTIONS"]
    assert "journal_mode=WAL" in options["init_command"]
    assert options["timeout"] >= 5
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0


def test_production_leg_really_uses_postgresql_and_redis():
    """In CI's second leg the suite must run on PostgreSQL with a Redis cache, never silently on SQLite."""
    if os.environ.get("NEWSROOM_EXPECT_PRODUCTION_SERVICES") != "1":
        assert connection.vendor == "sqlite"
        assert settings.RANKINGS["BACKEND"] == "database"
        return
    assert connection.vendor == "postgresql"
    assert settings.CACHES["default"]["BACKEND"] == "newsroom.caching.backends.RedisCache"
    assert settings.RANKINGS["BACKEND"] == "redis"
    cache.set("ci-probe", "here", 30)
    client = get_redis_connection("default")
    assert client.ping() is True
    assert cache.get("ci-probe") == "here"


def _manage(args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.pop("DATABASE_URL", None)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_without_secret_key_fails_fast_naming_the_variable():
    result = _manage(["check"], {"DJANGO_DEBUG": "0", "DJANGO_ALLOWED_HOSTS": "example.com"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_production_without_allowed_hosts_fails_fast():
    result = _manage(["check"], {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": STRONG_KEY})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


STRONG_KEY = "pY3!vK8#qL2@wM7$eR5%tN1^zX6&cB4*hJ9(dF0)gS-aU_iO+yZ"
PRODUCTION = {"DJANGO_SECRET_KEY": STRONG_KEY, "DJANGO_ALLOWED_HOSTS": "example.com"}


def _readme_production_env() -> dict[str, str]:
    """The variables the README's Production section exports, with a real key for the placeholder."""
    readme = (BASE_DIR / "README.md").read_text()
    section = readme[readme.index("## Production") :]
    block = section[section.index("```sh") : section.index("```", section.index("```sh") + 5)]
    lines, command = iter(block.splitlines()), ""
    for line in lines:
        if line.startswith("export "):
            command = line
            while command.endswith("\\"):
                command = command[:-1] + next(lines)
            break
    env = dict(word.split("=", 1) for word in shlex.split(command)[1:])
    assert "…" in env["DJANGO_SECRET_KEY"], "the README shows a placeholder, never a key"
    env["DJANGO_SECRET_KEY"] = STRONG_KEY
    return env


def test_production_settings_of_the_readme_pass_check_deploy():
    env = _readme_production_env()
    assert env["DJANGO_DEBUG"] == "0"
    result = _manage(["check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr
    assert "no issues" in result.stdout


def _debug_at_start_up(env_overrides) -> subprocess.CompletedProcess:
    return _manage(
        ["shell", "--no-imports", "-c", "from django.conf import settings; print('DEBUG', settings.DEBUG)"],
        env_overrides,
    )


def test_debug_is_off_when_the_variable_is_missing():
    result = _debug_at_start_up(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["DEBUG", "False"]
    # Without the production variables a missing DJANGO_DEBUG stops start-up: DEBUG was not turned on.
    result = _debug_at_start_up({})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_is_on_only_when_explicitly_on():
    result = _debug_at_start_up({"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["DEBUG", "True"]


@pytest.mark.parametrize("value", ["", " ", "maybe", "01"])
def test_an_empty_or_unparsable_debug_stops_start_up_naming_it(value):
    result = _debug_at_start_up({"DJANGO_DEBUG": value, **PRODUCTION})
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_DEBUG" in result.stderr
    assert "DEBUG True" not in result.stdout


@pytest.mark.parametrize(
    ("key", "reason"),
    [
        ("k3Y!x9", "6 characters"),
        ("pY3!vK8#qL2@wM7$eR5%tN1^zX6&cB4*hJ9(dF0)gS-aU_iO+", "49 characters"),
        ("abcd" * 20, "4 distinct characters"),
        ("django-insecure-" + STRONG_KEY, "development key"),
    ],
)
def test_a_weak_secret_key_stops_start_up_with_debug_off(key, reason):
    result = _debug_at_start_up({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": key, "DJANGO_ALLOWED_HOSTS": "example.com"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr
    assert reason in result.stderr


def test_a_weak_secret_key_is_accepted_in_development():
    result = _debug_at_start_up({"DJANGO_DEBUG": "1", "DJANGO_SECRET_KEY": "dev"})
    assert result.returncode == 0, result.stderr


def test_an_unparsable_integer_setting_stops_start_up_naming_it():
    result = _debug_at_start_up({"DJANGO_DEBUG": "1", "NEWSROOM_PAGE_CACHE_SECONDS": "5m"})
    assert result.returncode != 0
    assert "NEWSROOM_PAGE_CACHE_SECONDS" in result.stderr


@pytest.mark.parametrize(
    ("value", "expected"), [("1", True), ("on", True), (" TRUE ", True), ("no", False), ("0", False)]
)
def test_env_bool_reads_the_usual_words(monkeypatch, value, expected):
    monkeypatch.setenv("NEWSROOM_PROBE", value)
    assert newsroom_settings.env_bool("NEWSROOM_PROBE", not expected) is expected


def test_env_bool_and_env_int_use_the_default_only_when_unset(monkeypatch):
    monkeypatch.delenv("NEWSROOM_PROBE", raising=False)
    assert newsroom_settings.env_bool("NEWSROOM_PROBE", True) is True
    assert newsroom_settings.env_int("NEWSROOM_PROBE", 7) == 7
    monkeypatch.setenv("NEWSROOM_PROBE", " 42 ")
    assert newsroom_settings.env_int("NEWSROOM_PROBE", 7) == 42


@pytest.mark.parametrize("value", ["", "  ", "yes please", "2"])
def test_env_bool_refuses_empty_or_unparsable_values_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("NEWSROOM_PROBE", value)
    with pytest.raises(ImproperlyConfigured, match="NEWSROOM_PROBE"):
        newsroom_settings.env_bool("NEWSROOM_PROBE", True)


@pytest.mark.parametrize("value", ["", " ", "ten", "1.5", "60s"])
def test_env_int_refuses_empty_or_unparsable_values_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("NEWSROOM_PROBE", value)
    with pytest.raises(ImproperlyConfigured, match="NEWSROOM_PROBE"):
        newsroom_settings.env_int("NEWSROOM_PROBE", 60)


@pytest.mark.browser
def test_home_page_loads_in_chromium_without_console_errors(live_server, page, db):
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.locator("main#main").count() == 1
    assert page.console_log.errors == []
