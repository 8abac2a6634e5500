"""civic.ratelimit keeps one counters' store per process: requests in many threads and async contexts (each
WebSocket consumer has its own) count together on one set of Redis connections instead of opening more."""

import asyncio
import threading

import redis
from django.conf import settings
from django.test import override_settings

from civic import ratelimit


def test_threads_and_async_contexts_share_one_store_and_its_connections(redis_url):
    store = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    server = redis.Redis.from_url(redis_url)
    counts: list[int] = []

    def hit() -> None:
        counts.append(ratelimit.hit("store-test", "192.0.2.9", limit=100, window=60).count)

    async def hit_in_own_context() -> None:
        await asyncio.to_thread(hit)

    with override_settings(CACHES={**settings.CACHES, "ratelimit": store}):
        ratelimit.reset("store-test", "192.0.2.9", window=60)
        hit()
        before = server.info("clients")["connected_clients"]
        for _ in range(10):
            worker = threading.Thread(target=hit)
            worker.start()
            worker.join()
            asyncio.run(hit_in_own_context())
        after = server.info("clients")["connected_clients"]
        ratelimit.reset("store-test", "192.0.2.9", window=60)
    server.close()

    assert counts == list(range(1, 22))
    assert after - before <= 1
