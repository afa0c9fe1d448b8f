"""The skeleton end to end: health check, home, admin, headers and configuration."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

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
    assert settings.CACHES["default"]["BACKEND"] == "newsroom.cache.RedisCache"
    assert settings.RANKINGS["BACKEND"] == "redis"
    cache.set("ci-probe", "here", 30)
    client = cache._cache.get_client()
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
    result = _manage(["check"], {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "k" * 25 + "x9!Qz" * 5})
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS" in result.stderr


def test_production_settings_pass_check_deploy():
    key = "pY3!vK8#qL2@wM7$eR5%tN1^zX6&cB4*hJ9(dF0)gS-aU_iO+"
    result = _manage(
        ["check", "--deploy", "--fail-level", "WARNING"],
        {"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": key + "yZ", "DJANGO_ALLOWED_HOSTS": "example.com"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "WARNING" not in result.stderr
    assert "no issues" in result.stdout


@pytest.mark.browser
def test_home_page_loads_in_chromium_without_console_errors(live_server, page, db):
    response = page.goto(live_server.url + "/")
    assert response.status == 200
    page.wait_for_load_state("networkidle")
    assert page.locator("main#main").count() == 1
    assert page.console_log.errors == []
