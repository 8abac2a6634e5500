"""Start-up checks that turn a missing or broken service into one clear sentence instead of a traceback."""

from django.conf import settings
from django.db import OperationalError, connection
from django.utils.translation import gettext as _


class PreflightError(Exception):
    """A service Civic needs is missing or unreachable; the message says which and what to do."""


def check_database() -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT extversion FROM pg_extension WHERE extname = 'postgis'")
            row = cursor.fetchone()
    except OperationalError as error:
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise PreflightError(
            _("The database is unreachable (%(reason)s). Check DATABASE_URL.") % {"reason": first_line}
        ) from None
    if row is None:
        raise PreflightError(
            _(
                "The database has no PostGIS extension. Install postgresql-15-postgis-3 and run "
                "CREATE EXTENSION postgis; in it."
            )
        )


def check_redis() -> None:
    if not settings.REDIS_URL:
        return
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        raise PreflightError(
            _("Redis at REDIS_URL is unreachable (%(reason)s).") % {"reason": error}
        ) from None


def run_all() -> None:
    check_database()
    check_redis()
