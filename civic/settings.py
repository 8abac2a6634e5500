"""Django settings for Civic, read from environment variables (see the README's configuration table)."""

import os
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be 1/0, true/false, yes/no or on/off, not {value!r}.")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("CIVIC_DEBUG")

SECRET_KEY = os.environ.get("CIVIC_SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("CIVIC_SECRET_KEY is not set (set it, or CIVIC_DEBUG=1 for development).")
    SECRET_KEY = "development-only-not-secret"  # noqa: S105 - only ever used with DEBUG on

ALLOWED_HOSTS = env_list("CIVIC_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,.localhost")
CSRF_TRUSTED_ORIGINS = env_list("CIVIC_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "civic",
    "cms",
    "reports",
    "consultations",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.search_promotions",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.locales",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "channels",
    "django_tasks",
    "django_tasks_db",
    "leaflet",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.gis",
    "django.contrib.postgres",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "civic.locale_middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "civic.middleware.MunicipalityMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "civic.urls"
ASGI_APPLICATION = "civic.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "civic" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "civic.context_processors.municipality",
            ],
        },
    },
]


def database_from_env() -> dict[str, object]:
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        raise ImproperlyConfigured(
            "DATABASE_URL is not set (the make targets set it to a project-local PostGIS cluster)."
        )
    scheme = urlsplit(url).scheme
    if scheme not in {"postgres", "postgresql", "postgis", "pgsql"}:
        raise ImproperlyConfigured(
            "DATABASE_URL must be a PostgreSQL URL like postgres://user@host:5432/name, "
            f"not a {scheme or 'bare'!r} one."
        )
    try:
        # No persistent connections: under ASGI each request runs in a thread of its own, and Django never
        # closes connections such threads keep (Django ticket #33497); put PgBouncer in front at scale.
        config = dict(dj_database_url.parse(url, conn_max_age=0))
    except ValueError as error:
        raise ImproperlyConfigured(f"DATABASE_URL is malformed: {error}") from None
    if not config.get("NAME"):
        raise ImproperlyConfigured("DATABASE_URL names no database (it must end in /<database name>).")
    config["ENGINE"] = "django.contrib.gis.db.backends.postgis"
    pool_size = os.environ.get("CIVIC_DB_POOL", "")
    if pool_size:
        if not pool_size.isdigit() or int(pool_size) < 1:
            raise ImproperlyConfigured(
                f"CIVIC_DB_POOL must be a number of connections, like 10, not {pool_size!r}."
            )
        # Connections kept per process (psycopg_pool): what an ASGI server with many sockets wants; a request
        # waits at most 10 s for a free one.
        config["OPTIONS"] = {"pool": {"min_size": 1, "max_size": int(pool_size), "timeout": 10}}
    return config


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    if urlsplit(REDIS_URL).scheme not in {"redis", "rediss", "unix"}:
        raise ImproperlyConfigured(f"REDIS_URL must be a redis:// or rediss:// URL, not {REDIS_URL!r}.")
    CHANNEL_LAYERS = {
        "default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            # redis-py 8 times reads out after 5 s by default, which kills every idle consumer's blocking
            # receive (django/channels_redis#422; the layer's blocking pop has its own timeout), and its pool
            # refuses a 101st connection at once, which many sockets joining or leaving together reach.
            "CONFIG": {
                "hosts": [{"address": REDIS_URL, "socket_timeout": None, "max_connections": 10_000}],
                "capacity": 1500,
                "expiry": 30,
            },
        }
    }
else:
    CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
USE_I18N = True
TIME_ZONE = "Asia/Tokyo"
USE_TZ = True

WAGTAIL_I18N_ENABLED = True
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
WAGTAIL_SITE_NAME = "Civic"
WAGTAILADMIN_BASE_URL = os.environ.get("CIVIC_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "frontend" / "build"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("CIVIC_MEDIA_ROOT", BASE_DIR / "var" / "media"))

LEAFLET_CONFIG = {
    "DEFAULT_CENTER": (35.0, 137.0),
    "DEFAULT_ZOOM": 13,
    "TILES": [],
    "RESET_VIEW": False,
}

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG and env_bool("CIVIC_HTTPS", default=False):
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

SILENCED_SYSTEM_CHECKS = ["gis.W001"]  # Debian 12's GDAL 3.6 is older than Django 5.2 would like

DEMO_PASSWORD = os.environ.get("DEMO_PASSWORD", "civic-demo")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CIVIC_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "wagtail": {"level": "WARNING"}},
}

# --- Reports (issue #3) ------------------------------------------------------------------------------------
# Original photo uploads keep their EXIF (GPS, time taken), so they go to a storage that is never served:
# a folder outside MEDIA_ROOT (point the `private` alias at a private bucket when media moves to object
# storage). Only the metadata-free derivatives are written to the public default storage.
PRIVATE_MEDIA_ROOT = Path(os.environ.get("CIVIC_PRIVATE_MEDIA_ROOT", BASE_DIR / "var" / "private"))
STORAGES["private"] = {"BACKEND": "reports.storage.PrivateFileSystemStorage"}
REPORT_PHOTO_MAX_BYTES = 15 * 1024 * 1024
REPORT_PHOTO_MAX_PIXELS = 40_000_000
REPORT_PHOTOS_PER_REPORT = 5
# Reports created per client IP address per municipality: (how many, per how many seconds).
REPORT_RATE_LIMIT = (int(os.environ.get("CIVIC_REPORT_RATE_LIMIT", "10")), 3600)
# Days a reporter's (or following supporter's) contact details are kept once nothing of theirs is open.
REPORTER_RETENTION_DAYS = int(os.environ.get("CIVIC_REPORTER_RETENTION_DAYS", "365"))
# Open311 service requests one API client may post (how many, per how many seconds); a client's own
# "requests per hour" in the admin overrides the number.
OPEN311_RATE_LIMIT = (int(os.environ.get("CIVIC_OPEN311_RATE_LIMIT", "120")), 3600)
# How many reverse proxies in front of Civic append to X-Forwarded-For (0: trust only REMOTE_ADDR).
CIVIC_TRUSTED_PROXIES = int(os.environ.get("CIVIC_TRUSTED_PROXIES", "0"))
# Rate-limit counters (civic/ratelimit.py) are shared by all processes through Redis when REDIS_URL is set;
# without it they live in process memory, one count per process, like the channel layer's default.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "ratelimit": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL, "KEY_PREFIX": "rl"}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "ratelimit"}
    ),
}

# --- Consultations (issue #8) ------------------------------------------------------------------------------
# Invitation codes tried per client address (how many, per how many seconds), and by everyone together: the
# typed codes carry 60 bits, so these limits make guessing hopeless while a resident with typos gets through.
CONSULTATION_CODE_RATE_LIMIT = (int(os.environ.get("CIVIC_CONSULTATION_CODE_RATE_LIMIT", "10")), 900)
CONSULTATION_CODE_GLOBAL_RATE_LIMIT = (2000, 3600)
DEFAULT_FROM_EMAIL = os.environ.get("CIVIC_FROM_EMAIL", "civic@localhost")
