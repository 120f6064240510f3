"""Django settings. Engines are chosen by environment, site details by wiredesk.toml.

Embedded default: SQLite (WAL) under $WIREDESK_DATA_DIR (./var), local-memory
cache, ingest in a process beside the web server's (runtime/engine.py).
`DATABASE_URL` switches to PostgreSQL.
"""

from __future__ import annotations

import ipaddress
import logging
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from .alerts import BACKENDS
from .loader import config_path, load_config
from .options import ConfigError, Options
from .storage import picture_storages

CONFIG = load_config()
# Every section of wiredesk.toml but [[agencies]] (`wiredesk sources sync`),
# checked and typed: code reads `settings.WIREDESK.site.url` (config/options.py).
try:
    WIREDESK = Options.from_config(CONFIG, os.environ, source=str(config_path() or "wiredesk.toml"))
except ConfigError as exc:
    raise SystemExit(f"wiredesk: {exc}") from None

DATA_DIR = Path(os.environ.get("WIREDESK_DATA_DIR", Path.cwd() / "var")).resolve()


def _private_data_dir() -> None:
    """Make the data folder, readable by this user only when Wiredesk makes it.

    It holds the database (raw deliveries, sessions, API tokens) and the
    secret key. A folder the operator made keeps the mode they gave it.
    """
    if not DATA_DIR.exists():
        DATA_DIR.mkdir(mode=0o700, parents=True)
        DATA_DIR.chmod(0o700)  # mkdir's mode is masked by the umask


def _private_file(path: Path) -> Path:
    """Create `path` empty and readable by this user only, if it is not there yet.

    SQLite gives its -wal and -shm files the database file's own mode.
    """
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        path.chmod(0o600)
    return path


def _secret_key() -> str:
    if os.environ.get("WIREDESK_SECRET_KEY"):
        return os.environ["WIREDESK_SECRET_KEY"]
    # Embedded default: make one on first start and keep it beside the data.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        _private_data_dir()
        _private_file(key_file).write_text(secrets.token_urlsafe(50))
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("WIREDESK_DEBUG") == "1"
# The hosts this site answers for: the configured site URL's and this
# machine's own names, unless WIREDESK_ALLOWED_HOSTS lists them. A wildcard
# lets any Host header in, and `wiredesk run` and `serve` refuse it outside
# DEBUG unless WIREDESK_ALLOW_ANY_HOST=1 says the proxy in front checks hosts.
_SITE_HOST = urlsplit(WIREDESK.site.url).hostname
ALLOWED_HOSTS = [
    host
    for host in os.environ.get(
        "WIREDESK_ALLOWED_HOSTS", f"{_SITE_HOST or ''},127.0.0.1,localhost,[::1]"
    ).split(",")
    if host
]
CSRF_TRUSTED_ORIGINS = [
    origin for origin in os.environ.get("WIREDESK_CSRF_TRUSTED_ORIGINS", "").split(",") if origin
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "wiredesk.sources",
    "wiredesk.stories",
    "wiredesk.ingest",
    "wiredesk.site",
    "wiredesk.syndication",
    "wiredesk.api",
    "wiredesk.desk",
    "wiredesk.pictures",
    "wiredesk.runtime",  # the processes and their commands: run, serve, worker, scheduler, ...
    "axes",  # failed logins throttled and locked out
    "ninja",  # the API docs' Swagger UI served from the package, not a CDN
]

MIDDLEWARE = [
    # First: every request that reaches Django is timed, by surface (/metrics).
    "wiredesk.site.timing.RequestTimingMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "wiredesk.site.request_guard.RejectControlCharactersMiddleware",
    "wiredesk.site.security_headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.gzip.GZipMiddleware",
    "wiredesk.site.http_cache.CacheHeadersMiddleware",
    "wiredesk.site.http_cache.ConditionalGetMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The desk and the admin in English, or the language their user chose (desk/language_choice.py).
    "wiredesk.desk.language_choice.DeskLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

# Logins: after 5 wrong passwords for one user from one address, that pair is
# locked out for 15 minutes (django-axes; each failure and lockout is logged).
# The pair only, never the username alone: strangers cannot lock a user out
# of every address. Behind a reverse proxy the address is the one the trusted
# proxies report in X-Forwarded-For (site/clients.py, docs/deploy.md), as for
# the search and API limits;
# without WIREDESK_TRUSTED_PROXIES or WIREDESK_TRUSTED_PROXY_COUNT it is the
# peer's, and the header is ignored.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("WIREDESK_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "wiredesk.site.clients.client_address"
AXES_HANDLER = "wiredesk.config.login_throttle.LoginThrottle"


def _trusted_proxies() -> list[str]:
    entries = [e.strip() for e in os.environ.get("WIREDESK_TRUSTED_PROXIES", "").split(",")]
    try:
        return [str(ipaddress.ip_network(entry, strict=False)) for entry in entries if entry]
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"WIREDESK_TRUSTED_PROXIES: {exc} (give addresses or networks, comma-separated)"
        ) from None


# The proxies in front, by address or network ("10.0.0.5,10.1.0.0/16"), and/or
# how many there are when their addresses are not known in advance.
TRUSTED_PROXIES = _trusted_proxies()
TRUSTED_PROXY_COUNT = int(os.environ.get("WIREDESK_TRUSTED_PROXY_COUNT", "0"))
# Failed logins from one address, whatever usernames it tries, that lock the
# address out (0: no cap). Off unless set: a proxy left out of the settings
# would make every reader one address.
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("WIREDESK_LOGIN_ADDRESS_FAILURE_LIMIT", "0"))

ROOT_URLCONF = "wiredesk.config.urls"
WSGI_APPLICATION = "wiredesk.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wiredesk.site.context.site",
            ],
        },
    },
]

SQLITE_OPTIONS = {
    # WAL lets readers run while ingest writes; IMMEDIATE takes the write lock
    # at BEGIN so two writers queue instead of failing with "database is locked".
    # 32 KB pages (SQLite's default is 4 KB) for a new database: a story, its
    # version and its search entries are a few KB of text, so each commit
    # writes a fraction of the log frames, and a backfill runs faster
    # (docs/benchmarks.md). An existing database keeps its page size.
    # A page cache of up to 128 MB a connection (SQLite's default is 2 MB): a
    # page read is kept rather than copied from the OS by a system call each
    # time, which was much of a long-tail read's cost (a search's candidates
    # joined to their stories) on an archive larger than the cache
    # (docs/benchmarks.md). It grows only as far as the pages read. No memory
    # map: it measured no faster served, and a read error on a mapped page
    # kills the process (SIGBUS) where a read() returns an error.
    "init_command": (
        "PRAGMA page_size=32768; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
        "PRAGMA cache_size=-131072;"
    ),
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
}
# Connections are kept between requests (opening one, with SQLite's pragmas,
# cost more than rendering a story page) and checked before reuse.
if os.environ.get("DATABASE_URL"):
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ["DATABASE_URL"], conn_max_age=600, conn_health_checks=True
        )
    }
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
else:
    _private_data_dir()
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(_private_file(DATA_DIR / "wiredesk.sqlite3")),
            "OPTIONS": SQLITE_OPTIONS,
            "CONN_MAX_AGE": 600,
            "CONN_HEALTH_CHECKS": True,
            # A file, not memory, so tests can start other processes on it (a web node).
            "TEST": {"NAME": str(DATA_DIR / "test-wiredesk.sqlite3")},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# The reads every feed request repeats are prepared on the server
# (stories/storage/postgres_statements.py), unless [database] says not to.
if DATABASES["default"]["ENGINE"].endswith("postgresql") and WIREDESK.database.prepared_statements:
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    # Django turns psycopg's preparing off (None); its own queries are bound on
    # the client and never prepared, so this reaches only those cursors.
    _options.setdefault("prepare_threshold", 5)
    # One plan per prepared statement, kept: see postgres_statements.py.
    _options["options"] = (
        f"{_options.get('options', '')} -c plan_cache_mode=force_generic_plan".strip()
    )
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    # Full-text search on PostgreSQL. Only there: the app loads psycopg, some
    # 20 MB of every SQLite web worker's memory for nothing.
    INSTALLED_APPS.insert(INSTALLED_APPS.index("wiredesk.sources"), "django.contrib.postgres")

# One cache for every web node and worker when REDIS_URL is set (the page-cache
# generation, rate-limit counters); local memory in the embedded engine.
if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                # Redis away: a cache miss (served uncached, slower), never a 500.
                "IGNORE_EXCEPTIONS": True,
                "SOCKET_CONNECT_TIMEOUT": 1,
                "SOCKET_TIMEOUT": 1,
            },
            "KEY_PREFIX": "wiredesk",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True  # say so in the log when Redis is away

# Celery (scale-out only; the embedded engine needs no broker).
CELERY_BROKER_URL = (
    os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or "memory://"
)
CELERY_TASK_ACKS_LATE = True  # ack after the work is done ...
CELERY_TASK_REJECT_ON_WORKER_LOST = True  # ... and re-queue it if the worker dies
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
# One queue name per installation (or per test run) when several share a broker.
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("WIREDESK_CELERY_QUEUE", "wiredesk")
CELERY_BROKER_TRANSPORT_OPTIONS = {
    # Redis re-delivers a task whose worker vanished after this many seconds.
    "visibility_timeout": int(os.environ.get("WIREDESK_TASK_VISIBILITY_TIMEOUT", "300")),
}
CELERY_BEAT_SCHEDULE = {
    "poll-due-feeds": {"task": "wiredesk.ingest.tasks.poll_due_feeds", "schedule": 1.0},
    "release-embargoes": {"task": "wiredesk.ingest.tasks.release_ended_embargoes", "schedule": 1.0},
    "deliver-outbox": {"task": "wiredesk.syndication.tasks.deliver_outbox", "schedule": 2.0},
    "pictures": {"task": "wiredesk.ingest.tasks.process_due_pictures", "schedule": 1.0},
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = WIREDESK.site.language
# The site's time zone: every time a reader sees is shown in it.
TIME_ZONE = WIREDESK.site.time_zone
USE_I18N = True
USE_TZ = True
# The site's own words in other languages, compiled and committed (site/catalogues.py,
# docs/translating.md); first, so they win over an app's own words for the same English.
LOCALE_PATHS = [Path(__file__).resolve().parent.parent / "locale"]

# Alerts by email go through Django's mail and the outbox's retries: `[email]`.
EMAIL_BACKEND = BACKENDS[WIREDESK.email.backend]
EMAIL_HOST = WIREDESK.email.host
EMAIL_PORT = WIREDESK.email.port
EMAIL_HOST_USER = WIREDESK.email.username
EMAIL_HOST_PASSWORD = WIREDESK.email.password
EMAIL_USE_TLS = WIREDESK.email.use_tls
EMAIL_USE_SSL = WIREDESK.email.use_ssl
EMAIL_TIMEOUT = WIREDESK.email.timeout
DEFAULT_FROM_EMAIL = SERVER_EMAIL = WIREDESK.email.sender

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns when it is missing
# Serve app static files straight from the packages: nothing to collect first.
WHITENOISE_USE_FINDERS = True

# Pictures (pictures/files.py): renditions are served, originals never. The
# data folder by default; an S3-compatible bucket (django-storages) when
# several web nodes serve the site: `[pictures] storage = "s3"`.
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
_RENDITIONS, _ORIGINALS = picture_storages(WIREDESK.pictures, DATA_DIR, MEDIA_URL)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "pictures": _RENDITIONS,
    "picture_originals": _ORIGINALS,
}
WHITENOISE_AUTOREFRESH = DEBUG

# Standard error, as plain text or one JSON object a line with the request,
# feed, delivery and story ids ([log] format; docs/deploy.md, Logs).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "wiredesk.logs.formatting.JsonFormatter"},
    },
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": WIREDESK.log.format}},
    "loggers": {
        "wiredesk": {"handlers": ["console"], "level": WIREDESK.log.level},
        # An unhandled error's traceback (a 500), and refused hosts and requests.
        "django.request": {"handlers": ["console"], "level": "ERROR", "propagate": False},
        "django.security": {"handlers": ["console"], "level": "WARNING", "propagate": False},
        # A Celery worker's own lines (a task received, succeeded, failed) in the same
        # format: Celery leaves the log as this sets it (config/celery.py).
        "celery": {"handlers": ["console"], "level": WIREDESK.log.level, "propagate": False},
    },
}
if WIREDESK.log.format == "json":
    # Every line JSON: other libraries' warnings too, through the same handler
    # (without one, Python writes them bare); ours reach it once, not twice.
    LOGGING["root"] = {"handlers": ["console"], "level": "WARNING"}
    LOGGING["loggers"]["wiredesk"]["propagate"] = False  # type: ignore[index]
    # Python's warnings too (a Celery worker run as root warns so), which it
    # would otherwise write bare, over several lines.
    logging.captureWarnings(True)


# A site served over HTTPS (the site URL says so) is served behind a proxy
# that ends TLS: it must set X-Forwarded-Proto (and drop any the client sent).
# Cookies go over HTTPS only, plain HTTP is redirected, and browsers are told
# to use HTTPS for a year (WIREDESK_HSTS_SECONDS=0 turns that off).
if urlsplit(WIREDESK.site.url).scheme == "https":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = os.environ.get("WIREDESK_SSL_REDIRECT", "1") == "1"
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # load balancers ask over plain HTTP
    SECURE_HSTS_SECONDS = int(os.environ.get("WIREDESK_HSTS_SECONDS", str(365 * 24 * 3600)))
    SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = True
    # Only the publisher knows whether every subdomain is on HTTPS too.
    SECURE_HSTS_INCLUDE_SUBDOMAINS = os.environ.get("WIREDESK_HSTS_INCLUDE_SUBDOMAINS") == "1"
    SECURE_HSTS_PRELOAD = os.environ.get("WIREDESK_HSTS_PRELOAD") == "1"
