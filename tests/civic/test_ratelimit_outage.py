"""civic.ratelimit when its counters' store (Redis) is down: requests pass, and the outage is logged."""

from django.conf import settings
from django.test import override_settings

from civic import ratelimit

UNREACHABLE = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}


def test_an_unreachable_counter_store_lets_requests_through(caplog):
    # Changing CACHES makes the limiter drop its store, here and again on the way out.
    with override_settings(CACHES={**settings.CACHES, "ratelimit": UNREACHABLE}):
        result = ratelimit.hit("test-down", "192.0.2.1", limit=1, window=60)
    assert result.allowed and result.count == 0
    assert "rate limit counters unavailable" in caplog.text
