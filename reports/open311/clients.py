"""Open311 API keys: made by a service (shown once), checked by hash, and each client's rate limit."""

import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import ratelimit
from civic.errors import ServiceError
from civic.models import Municipality
from reports.open311_models import Open311Client

RATE_SCOPE = "open311-post"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def open311_client_create(
    *, municipality: Municipality, name: str, posts_per_hour: int | None = None
) -> tuple[Open311Client, str]:
    """A new client and its key; only the hash is stored, so the key can be shown this once only."""
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the client a name."))
    if posts_per_hour is not None and posts_per_hour < 1:
        raise ServiceError(_("The number of requests per hour must be at least 1."))
    key = secrets.token_urlsafe(32)
    client = Open311Client.objects.create(
        municipality=municipality, name=name[:100], key_hash=hash_key(key), posts_per_hour=posts_per_hour
    )
    return client, key


def open311_client_rate_limit(client: Open311Client) -> ratelimit.RateLimit:
    """Count one post by `client` against its hourly limit (its own, or OPEN311_RATE_LIMIT's)."""
    default, window = settings.OPEN311_RATE_LIMIT
    limit = client.posts_per_hour or default
    return ratelimit.hit(RATE_SCOPE, str(client.pk), limit=limit, window=window)


def open311_client_for_key(*, municipality: Municipality, key: str) -> Open311Client | None:
    """The active client of `municipality` with this key, or None."""
    if not key or len(key) > 200:
        return None
    return Open311Client.objects.filter(
        municipality=municipality, key_hash=hash_key(key.strip()), is_active=True
    ).first()


def open311_client_touch(client: Open311Client) -> None:
    """Remember when the client last posted (at most once a minute, to keep writes rare)."""
    now = timezone.now()
    if client.last_used_at is None or (now - client.last_used_at).total_seconds() > 60:
        client.last_used_at = now
        client.save(update_fields=["last_used_at"])
