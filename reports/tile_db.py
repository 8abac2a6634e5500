"""The map tiles' own database connections, for reading tiles in the event loop (TileHandler's common case),
and keeping the ones a change had marked once they are built again (reports.tile_store).

A tile from the grid is one or two milliseconds of SQL, so what a request costs around it shows: Django's
per-request connection handling (take a pooled connection, set it up, give it back, the request signals) and
the trip to a worker thread cost as much as a third of the tile. These connections are psycopg's own
asynchronous ones, made with Django's settings for the default database (the same parameters and adapters;
client-side binding, as Django's cursors do), a few of them per event loop, each prepared when made.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from time import monotonic
from typing import Any, TypeVar

from django.db import connections
from psycopg import AsyncClientCursor, AsyncConnection
from psycopg.pq import TransactionStatus

from reports.map_selectors import Reads, Steps
from reports.tiles import TileFilter, tile_sql

T = TypeVar("T")
POOL_SIZE = 4  # connections per process at most
WAIT_SECONDS = 5.0  # for a connection, before the request is answered the ordinary way
RETRY_SECONDS = 10.0  # after a connection could not be made, requests take the ordinary way at once meanwhile


class Unavailable(Exception):
    """No connection could be made a moment ago."""


class _Pool:
    """Up to POOL_SIZE connections of one event loop, the one used last handed out first: a database session
    that has just read a tile reads the next one measurably faster than one left idle meanwhile (a map reads
    its tiles one after another, or a few at once)."""

    def __init__(self) -> None:
        self.idle: list[AsyncConnection[Any]] = []
        self.free = asyncio.Semaphore(POOL_SIZE)
        self.retry_after = 0.0

    @contextlib.asynccontextmanager
    async def connection(self) -> AsyncIterator[AsyncConnection[Any]]:
        async with asyncio.timeout(WAIT_SECONDS):
            await self.free.acquire()
        try:
            connection = self.idle.pop() if self.idle else await self._connect()
            try:
                yield connection
            except BaseException:
                await connection.close()  # broken, or stopped half way: not used again
                raise
            if connection.info.transaction_status == TransactionStatus.IDLE:
                self.idle.append(connection)
            else:
                await connection.close()
        finally:
            self.free.release()

    async def _connect(self) -> AsyncConnection[Any]:
        if monotonic() < self.retry_after:
            raise Unavailable("the map tiles' database connection could not be made just now")
        params = connections["default"].get_connection_params()
        params.update(cursor_factory=AsyncClientCursor, autocommit=True)
        try:
            async with asyncio.timeout(WAIT_SECONDS):
                connection: AsyncConnection[Any] = await AsyncConnection.connect(**params)
                # A tile kept by a request (reports.tile_store) is a cache: its commit need not wait for the
                # disk, and if a crash loses it, the tile is rendered again (changes still commit durably).
                await connection.execute(b"SET synchronous_commit TO off")
                # An empty tile: the new database session loads PostGIS's tile functions now, not during a
                # visitor's first tile on it (about 15 ms).
                sql, empty = tile_sql(0, 0, 0, TileFilter(municipality_id=0))
                await connection.execute(sql.encode(), empty)
        except Exception:
            self.retry_after = monotonic() + RETRY_SECONDS
            raise
        return connection

    async def close(self) -> None:
        while self.idle:
            await self.idle.pop().close()


_pools: dict[asyncio.AbstractEventLoop, _Pool] = {}


async def run_reads(reads: Reads[T]) -> T:
    """A read's statements (see reports.map_selectors.Reads) run one by one on one of these connections; its
    result. Raises what psycopg raises when the database cannot be reached, and Unavailable."""
    pool = _pools.setdefault(asyncio.get_running_loop(), _Pool())
    steps = Steps(reads)
    async with pool.connection() as connection:
        for sql, params in steps:
            cursor = await connection.execute(sql.encode(), params)
            steps.row = await cursor.fetchone()
    return steps.result


async def close() -> None:
    """Close this event loop's connections (new ones are made when next needed)."""
    pool = _pools.pop(asyncio.get_running_loop(), None)
    if pool is not None:
        await pool.close()
