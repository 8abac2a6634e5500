"""The map tiles' own database connections, for reading tiles in the event loop (TileHandler's common case).

A tile from the grid is one or two milliseconds of SQL, so what a request costs around it shows: Django's
per-request connection handling (take a pooled connection, set it up, give it back, the request signals) and
the trip to a worker thread cost as much as a third of the tile. These connections are psycopg's own
asynchronous ones, made with Django's settings for the default database (the same parameters, time zone and
adapters; client-side binding, as Django's cursors do), kept in a small pool per event loop.
"""

import asyncio
import weakref
from typing import Any, TypeVar, cast

from django.conf import settings
from django.db import connections
from psycopg import AsyncClientCursor
from psycopg_pool import AsyncConnectionPool

from reports.map_selectors import Reads

T = TypeVar("T")
POOL_SIZE = 4  # connections per process when CIVIC_DB_POOL does not say
WAIT_SECONDS = 5.0  # for a free connection, before the request is answered the ordinary way

_pools: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncConnectionPool[Any]]" = (
    weakref.WeakKeyDictionary()
)


def _pool() -> "AsyncConnectionPool[Any]":
    loop = asyncio.get_running_loop()
    pool = _pools.get(loop)
    if pool is None:
        params = connections["default"].get_connection_params()
        params.update(cursor_factory=AsyncClientCursor, autocommit=True)
        options = cast(dict[str, Any], settings.DATABASES["default"].get("OPTIONS") or {})
        configured = options.get("pool")
        size = configured.get("max_size", POOL_SIZE) if isinstance(configured, dict) else POOL_SIZE
        pool = _pools[loop] = AsyncConnectionPool(
            kwargs=params, min_size=1, max_size=size, timeout=WAIT_SECONDS, open=False
        )
    return pool


async def run_reads(reads: Reads[T]) -> T:
    """A read's statements (see reports.map_selectors.Reads) run one by one on one of these connections; its
    result. Raises what psycopg raises when the database cannot be reached."""
    pool = _pool()
    await pool.open()  # once; later calls return at once
    async with pool.connection() as connection:
        row = None
        while True:
            try:
                sql, params = reads.send(row)
            except StopIteration as done:
                result: T = done.value
                return result
            cursor = await connection.execute(sql.encode(), params)
            row = await cursor.fetchone()


async def close() -> None:
    """Close this event loop's connections (the pool opens again when next needed)."""
    pool = _pools.pop(asyncio.get_running_loop(), None)
    if pool is not None:
        await pool.close()
