"""A small fixed-window rate limiter on Django's cache (the `ratelimit` alias), shared by every app.

Counts live in Redis when REDIS_URL is set, so all server processes share them; without Redis each process
counts on its own (see the settings), which is the same single-process default as the channel layer.
"""

import functools
import hashlib
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import InvalidCacheBackendError, caches
from django.core.cache.backends.base import BaseCache
from django.dispatch import receiver
from django.http import HttpRequest
from django.test.signals import setting_changed

CACHE_ALIAS = "ratelimit"
logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RateLimit:
    allowed: bool
    count: int
    limit: int
    retry_after: int  # seconds until the current window ends


@functools.cache
def _cache() -> BaseCache:
    """One counters' store per process. Django's `caches[alias]` makes one per thread and per async context,
    and a Redis one opens connections it never closes: every WebSocket consumer would leak its own."""
    try:
        return caches.create_connection(CACHE_ALIAS)
    except InvalidCacheBackendError:
        return caches.create_connection("default")


@receiver(setting_changed)
def _forget_store(*, setting: str, **kwargs: object) -> None:
    if setting == "CACHES":
        _cache.cache_clear()


def hit(scope: str, ident: str, *, limit: int, window: int) -> RateLimit:
    """Count one request by `ident` (an IP address, a user id) against `limit` per `window` seconds."""
    now = time.time()
    window_start = int(now // window) * window
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    key = f"{scope}:{digest}:{window_start}"
    cache = _cache()
    try:
        # add() is a no-op when the key exists; incr() is atomic on Redis and within a LocMem process.
        cache.add(key, 0, timeout=window + 5)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window + 5)
            count = 1
    except Exception:
        # The counters' store (Redis) is down: let people through rather than turn every request away.
        logger.warning("rate limit counters unavailable; allowing %s", scope, exc_info=True)
        count = 0
    return RateLimit(
        allowed=count <= limit,
        count=count,
        limit=limit,
        retry_after=max(1, int(window_start + window - now)),
    )


def reset(scope: str, ident: str, *, window: int) -> None:
    """Forget `ident`'s count in the current window (tests, and staff lifting a block)."""
    window_start = int(time.time() // window) * window
    digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
    _cache().delete(f"{scope}:{digest}:{window_start}")


def client_ip(request: HttpRequest) -> str:
    """The client's address: REMOTE_ADDR, or the entry CIVIC_TRUSTED_PROXIES hops back in X-Forwarded-For."""
    proxies = getattr(settings, "CIVIC_TRUSTED_PROXIES", 0)
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()
    ]
    # Each trusted proxy appends the address it saw; anything further left was written by the client.
    if len(forwarded) >= proxies:
        return forwarded[-proxies]
    return remote
