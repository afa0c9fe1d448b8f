"""Newsroom settings: one module, driven by environment variables.

DEBUG is off unless ``DJANGO_DEBUG`` says otherwise (``make run`` sets ``DJANGO_DEBUG=1``);
with DEBUG off ``DJANGO_SECRET_KEY`` (50+ random characters) and ``DJANGO_ALLOWED_HOSTS``
are required, or start-up stops. A variable that is set but empty or unparsable also stops
start-up, naming it: a typo never silently picks a default.
"""

import hashlib
import os
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from newsroom.caching.version import cache_version, code_digest

BASE_DIR = Path(__file__).resolve().parent.parent

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
SECRET_KEY_MIN_LENGTH = 50
SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5


def env_bool(name: str, default: bool) -> bool:
    """The boolean in variable ``name``; ``default`` when unset; ImproperlyConfigured when empty or unparsable."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(
        f"{name}={value!r} is not a boolean: use 1/0, true/false, yes/no or on/off, or unset it for the default."
    )


def env_int(name: str, default: int) -> int:
    """The integer in variable ``name``; ``default`` when unset; ImproperlyConfigured when empty or unparsable."""
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not an integer; unset it for the default.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def secret_key_problem(key: str) -> str | None:
    """Why ``key`` is too weak for production (the rule of Django's security.W009), or None."""
    if len(key) < SECRET_KEY_MIN_LENGTH:
        return f"it has {len(key)} characters, fewer than {SECRET_KEY_MIN_LENGTH}"
    if len(set(key)) < SECRET_KEY_MIN_UNIQUE_CHARACTERS:
        return f"it has {len(set(key))} distinct characters, fewer than {SECRET_KEY_MIN_UNIQUE_CHARACTERS}"
    if key.startswith("django-insecure-"):
        return "it is a development key (starts with 'django-insecure-')"
    return None


DEBUG = env_bool("DJANGO_DEBUG", False)
# With DEBUG on, answer 404s and exceptions with the site's own pages instead of Django's technical
# ones (make run sets it; tracebacks still go to the log). No effect with DEBUG off.
ERROR_PAGES_IN_DEBUG = env_bool("NEWSROOM_ERROR_PAGES_IN_DEBUG", False)

SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "")
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "DJANGO_SECRET_KEY is not set. With DEBUG off it is required "
            f"({SECRET_KEY_MIN_LENGTH} or more random characters); DJANGO_DEBUG=1 is for development only."
        )
    if problem := secret_key_problem(SECRET_KEY):
        raise ImproperlyConfigured(
            f"DJANGO_SECRET_KEY is too weak for DEBUG off: {problem}. "
            "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"
        )
elif not SECRET_KEY:
    # Only ever used with DEBUG on; refused above with DEBUG off.
    SECRET_KEY = "django-insecure-development-only-key-do-not-use-in-production-0123456789"  # noqa: S105

ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", [] if not DEBUG else ["127.0.0.1", "localhost", "[::1]", "testserver"])
if not DEBUG and not ALLOWED_HOSTS:
    raise ImproperlyConfigured(
        "DJANGO_ALLOWED_HOSTS is not set. With DEBUG off it is required "
        "(comma-separated host names, e.g. news.example.com)."
    )
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS", [])

# The canonical origin used in feeds, sitemaps and structured data when there
# is no request (management commands). Pages use the request's host.
SITE_URL = os.environ.get("NEWSROOM_SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.environ.get("NEWSROOM_SITE_NAME", "The Newsroom")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # Before staticfiles so runserver serves static files the same way as production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "django.contrib.postgres",
    "taggit",
    "django_prose_editor",
    "csp",
    "reversion",
    "articles",
    "rankings",
    "pages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Brotli/gzip of anonymous, secret-free responses, hits included (newsroom.compression: BREACH).
    "newsroom.compression.CompressionMiddleware",
    # Ranking rails spliced into pages (stored with a marker) on every answer (newsroom.rails).
    "newsroom.rails.RailSpliceMiddleware",
    # Full-page cache for anonymous readers: as early as possible so a hit skips the rest
    # (replays the stored CSP and X-Frame-Options headers of the original response).
    "newsroom.caching.middleware.PageCacheMiddleware",
    # Surrogate keys (xkey header) of reader pages, kept with the stored page (newsroom.edge).
    "newsroom.edge.EdgeKeysMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Development only (NEWSROOM_ERROR_PAGES_IN_DEBUG): the site's own 404/500 pages with DEBUG on.
    "newsroom.error_pages.ErrorPagesMiddleware",
]

ROOT_URLCONF = "newsroom.urls"
WSGI_APPLICATION = "newsroom.wsgi.application"

# Reader pages (templates/) are Jinja2: the article page renders about three times faster than
# with Django's template language, which matters on every page-cache miss. The admin, its
# overrides (articles/templates/admin/...) and the sitemap XML stay with Django's engine.
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {
            "environment": "newsroom.templating.environment",
            "context_processors": [
                "django.template.context_processors.request",
                "newsroom.context_processors.site",
            ],
        },
    },
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "newsroom.context_processors.site",
            ],
        },
    },
]

# --- Database -----------------------------------------------------------------
# SQLite is the embedded default; PostgreSQL via DATABASE_URL is production.
# Persistent connections in every mode: per-request connections make SQLite
# writes several times slower, and health checks drop dead ones.
CONN_MAX_AGE = env_int("DJANGO_CONN_MAX_AGE", 600)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=CONN_MAX_AGE,
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run while one writer writes; IMMEDIATE transactions
        # take the write lock up front so a busy database waits (timeout)
        # instead of failing half-way with "database is locked".
        "init_command": (
            "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA busy_timeout=20000;PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "").strip()


def env_seconds(name: str, default: float) -> float:
    value = os.environ.get(name, "").strip()
    try:
        seconds = float(value) if value else default
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r} is not a number of seconds") from None
    if not seconds > 0:
        raise ImproperlyConfigured(f"{name} must be more than 0 seconds, not {value!r}")
    return seconds


# Every Redis client (cache, page cache, counters) gives up after these; short, because a hung
# Redis then costs one timeout per back-off period (newsroom.circuit), not one per cache call.
REDIS_CONNECT_TIMEOUT = env_seconds("NEWSROOM_REDIS_CONNECT_TIMEOUT", 0.25)
REDIS_SOCKET_TIMEOUT = env_seconds("NEWSROOM_REDIS_SOCKET_TIMEOUT", 0.25)
# After a Redis failure or timeout every use of Redis is skipped this long (one breaker per process).
REDIS_BACKOFF_SECONDS = env_seconds("NEWSROOM_REDIS_BACKOFF_SECONDS", 5.0)
# Every Redis key of this site starts with this, so sites sharing a Redis database never read,
# count or clear each other's keys. Default: derived from the database (engine, host, port, name).
_database = DATABASES["default"]
REDIS_KEY_PREFIX = os.environ.get("NEWSROOM_REDIS_KEY_PREFIX", "").strip() or (
    "newsroom-"
    + hashlib.blake2b(
        "|".join(str(_database.get(part) or "") for part in ("ENGINE", "HOST", "PORT", "NAME")).encode(),
        digest_size=6,
    ).hexdigest()
)
# Every cached object is keyed by the code version (newsroom.caching.version): after a deploy the
# new code never unpickles an object (or reuses HTML) of an older shape; old keys just expire.
CODE_VERSION = os.environ.get("NEWSROOM_CODE_VERSION", "").strip() or code_digest(BASE_DIR)
if REDIS_URL:
    CACHES = {
        "default": {
            # django-redis: one client per server for the process (Django's own backend builds a new
            # redis.Redis per call), its documented timeouts; newsroom.caching.backends.RedisCache only
            # changes clear() to delete the keys under this site's KEY_PREFIX, never the whole db.
            "BACKEND": "newsroom.caching.backends.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": f"{REDIS_KEY_PREFIX}:cache",
            "VERSION": cache_version(CODE_VERSION),
            "TIMEOUT": 300,
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": REDIS_CONNECT_TIMEOUT,
                "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "newsroom",
            "VERSION": cache_version(CODE_VERSION),
            "TIMEOUT": 300,
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# --- Auth -------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"

# --- Time and language ------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
USE_TZ = True

# --- Static and media ---------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("DJANGO_STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("DJANGO_MEDIA_ROOT", BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "newsroom.storage.StaticFilesStorage"},
}
# Hashed file names never change, so they may be cached for a year.
WHITENOISE_MAX_AGE = 31536000 if not DEBUG else 0

# Uploads: anything larger is refused with a form error (see articles.photos).
PHOTO_MAX_UPLOAD_BYTES = env_int("NEWSROOM_PHOTO_MAX_UPLOAD_BYTES", 15 * 1024 * 1024)
# 25 megapixels keeps a worker under 300 MB for any accepted shape (articles.photos.decoding).
PHOTO_MAX_PIXELS = env_int("NEWSROOM_PHOTO_MAX_PIXELS", 25_000_000)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Security --------------------------------------------------------------------------
# Secure by default when DEBUG is off; each can be relaxed by env for a
# deployment behind a TLS-terminating proxy that already does it.
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int("DJANGO_SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("DJANGO_SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("DJANGO_SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("DJANGO_CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
if env_bool("DJANGO_SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# /healthz is probed by load balancers over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content Security Policy (django-csp): only our own origin, no inline script
# or style without a per-request nonce.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- Logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# --- Articles and rankings ---------------------------------------------------------------
# Seconds an anonymous page stays in the full-page cache / CDN.
PAGE_CACHE_SECONDS = env_int("NEWSROOM_PAGE_CACHE_SECONDS", 300)
# Off (NEWSROOM_PAGE_CACHE=0): no server-side page cache (benchmarks of the uncached pages, debugging).
PAGE_CACHE_ENABLED = env_bool("NEWSROOM_PAGE_CACHE", True)
# Browsers keep a page this long (max-age); shared caches use PAGE_CACHE_SECONDS (s-maxage).
PAGE_CACHE_BROWSER_SECONDS = env_int("NEWSROOM_PAGE_CACHE_BROWSER_SECONDS", 60)
# Rendered fragments (masthead, footer, head metadata, ranking lists, an article's relations) live
# as long as pages by default: no fragment outlives the pages built from it (newsroom.caching).
FRAGMENT_CACHE_SECONDS = env_int("NEWSROOM_FRAGMENT_CACHE_SECONDS", PAGE_CACHE_SECONDS)
# Off (NEWSROOM_FRAGMENT_CACHE=0): every fragment rendered on every uncached page (make run: a template
# edit shows on the next reload; benchmarks, debugging).
FRAGMENT_CACHE_ENABLED = env_bool("NEWSROOM_FRAGMENT_CACHE", True)
# The cache alias pages, fragments and the generation are stored in.
PAGE_CACHE_ALIAS = "default"
# With the per-process local-memory cache the generation is a file's timestamp, shared by every
# process on the machine; empty: one file per database under the temporary directory.
PAGE_CACHE_GENERATION_FILE = os.environ.get("NEWSROOM_PAGE_CACHE_GENERATION_FILE", "").strip() or None
# Paths never served from or stored in the page cache (/rails/ are Varnish's edge-side includes).
PAGE_CACHE_EXCLUDED_PREFIXES = ("/admin/", "/rankings/", "/rails/", "/healthz", "/static/", "/media/")
# The query parameters each reader view reads (URL name -> names): the only ones in a page's cache
# key; any other (?cb=, utm_*) is ignored, and a known one the view does not read is never stored.
PAGE_CACHE_QUERY_PARAMS = {
    "articles:section": ["page"],
    "articles:tag": ["page"],
    "articles:author": ["page"],
    "articles:search": ["q", "page"],
    "rankings:ranking": ["window"],
    "pages:corrections": ["page"],
    "syndication:sitemap_section": ["p"],
}

# --- The HTTP cache in front (newsroom.edge, deploy/varnish/newsroom.vcl) ----------------------
# Varnish instances (http://host:port, comma-separated) that get a PURGE with the surrogate keys
# of whatever an article change invalidates, once its transaction commits. Empty: no purges.
EDGE_PURGE_URLS = env_list("NEWSROOM_EDGE_PURGE_URLS", [])
# Seconds a purge request may take before it is given up (and logged): an editor's save waits for it.
EDGE_PURGE_TIMEOUT = env_seconds("NEWSROOM_EDGE_PURGE_TIMEOUT", 1.0)
# Seconds Varnish keeps a reader page that names its surrogate keys, whatever its s-maxage: every
# change purges such a page. Keep it well below the beacon tokens' RANKINGS["TOKEN_MAX_AGE"].
EDGE_TTL = env_int("NEWSROOM_EDGE_TTL", 3600)
# A ranking rail (edge-side include behind Varnish, spliced into cached pages otherwise) is at most
# this many seconds older than the newest ranking snapshot; ranking updates never flush pages.
RAIL_MAX_AGE = env_int("NEWSROOM_RAIL_MAX_AGE", 60)

RANKINGS = {
    # "database" (SQLite or PostgreSQL) or "redis"; Redis is chosen whenever REDIS_URL is set.
    "BACKEND": os.environ.get("NEWSROOM_RANKINGS_BACKEND", "redis" if REDIS_URL else "database"),
    # Counters may live in their own Redis db: Django's cache.clear() flushes the whole cache db.
    "REDIS_URL": os.environ.get("NEWSROOM_RANKINGS_REDIS_URL", "").strip() or REDIS_URL,
    # Apart from the cache's keys (KEY_PREFIX ...:cache), which cache.clear() deletes: never the counters.
    "REDIS_KEY_PREFIX": f"{REDIS_KEY_PREFIX}:rankings:",
    "TOKEN_MAX_AGE": env_int("NEWSROOM_RANKINGS_TOKEN_MAX_AGE", 24 * 3600),
    "DEDUP_SECONDS": env_int("NEWSROOM_RANKINGS_DEDUP_SECONDS", 30 * 60),
    "RATE_LIMIT_PER_MINUTE": env_int("NEWSROOM_RANKINGS_RATE_LIMIT", 60),
    # A client can make up any user agent, so one network (an IPv4 address, an IPv6 /64 by
    # default) is limited too: beacons per minute, and distinct readers counted per article
    # within DEDUP_SECONDS (enough for a household or an office behind one NAT). 0 turns a limit off.
    "NETWORK_RATE_LIMIT_PER_MINUTE": env_int("NEWSROOM_RANKINGS_NETWORK_RATE_LIMIT", 300),
    "NETWORK_READERS_PER_ARTICLE": env_int("NEWSROOM_RANKINGS_NETWORK_READERS_PER_ARTICLE", 15),
    "NETWORK_PREFIX_IPV4": env_int("NEWSROOM_RANKINGS_NETWORK_PREFIX_IPV4", 32),
    "NETWORK_PREFIX_IPV6": env_int("NEWSROOM_RANKINGS_NETWORK_PREFIX_IPV6", 64),
    "COUNT_STAFF": env_bool("NEWSROOM_RANKINGS_COUNT_STAFF", False),
    # PostgreSQL database backend: commit beacons without waiting for the WAL flush
    # (a crash may lose the last fraction of a second of view counts, nothing else).
    "ASYNC_COMMIT": env_bool("NEWSROOM_RANKINGS_ASYNC_COMMIT", True),
    # How many X-Forwarded-For hops (proxies we run) to trust for the client IP.
    "TRUSTED_PROXY_COUNT": env_int("NEWSROOM_TRUSTED_PROXY_COUNT", 0),
    # Window name -> hours.
    "WINDOWS": {"24h": 24, "7d": 24 * 7},
    "STORED_ENTRIES": 10,
    "SHOWN_ENTRIES": 5,
    # Optional maximum article age (days) per window; None means no limit.
    "MAX_ARTICLE_AGE_DAYS": {"24h": None, "7d": None},
    "HOURLY_RETENTION_DAYS": env_int("NEWSROOM_RANKINGS_HOURLY_RETENTION_DAYS", 35),
    "HEALTH_MAX_SNAPSHOT_AGE_MINUTES": env_int("NEWSROOM_RANKINGS_HEALTH_MAX_AGE", 30),
    "HEALTH_MAX_UNFLUSHED_MINUTES": env_int("NEWSROOM_RANKINGS_HEALTH_MAX_UNFLUSHED", 10),
    # update_rankings keeps retired snapshots this long (admin history), then deletes them in batches.
    "SNAPSHOT_HISTORY_HOURS": 48,
    # Longest a web process keeps its copy of a list (the cache is also invalidated on every update).
    "LIST_CACHE_SECONDS": 60,
}
for _name, _bits in (("NETWORK_PREFIX_IPV4", 32), ("NETWORK_PREFIX_IPV6", 128)):
    if not 1 <= RANKINGS[_name] <= _bits:
        raise ImproperlyConfigured(f"NEWSROOM_RANKINGS_{_name} must be a prefix length from 1 to {_bits}.")
