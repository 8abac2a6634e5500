"""Open311 API keys: made by a service (shown once), checked by hash."""

import hashlib
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.errors import ServiceError
from civic.models import Municipality
from reports.open311_models import Open311Client


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def open311_client_create(*, municipality: Municipality, name: str) -> tuple[Open311Client, str]:
    """A new client and its key; only the hash is stored, so the key can be shown this once only."""
    name = name.strip()
    if not name:
        raise ServiceError(_("Give the client a name."))
    key = secrets.token_urlsafe(32)
    client = Open311Client.objects.create(municipality=municipality, name=name[:100], key_hash=hash_key(key))
    return client, key


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
