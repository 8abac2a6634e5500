"""The map tiles' own connections (reports.tile_db): the one used last is used next, a few serve tiles read at
the same time, a broken one is replaced, and when none can be made in time tiles are still served the
ordinary way."""

import asyncio

import psycopg
import pytest
from asgiref.sync import sync_to_async
from django.db import connections

from reports import tile_db
from tests.reports.test_map_tile_handler import get, town_with_a_report

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("closing_connections"),
]


def backend(pause: float = 0.0):
    """A read of the database session's process id (after `pause` seconds, to overlap with another)."""
    row = yield f"SELECT pg_sleep({pause}), pg_backend_pid()", []
    return row[1]


def terminate(pid: int) -> None:
    """End a database session, as a database restart would (through Django's own connection)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    connections["default"].close()


async def test_reads_one_after_another_use_the_same_connection_and_reads_at_once_use_more():
    first = await tile_db.run_reads(backend())
    assert await tile_db.run_reads(backend()) == first
    together = await asyncio.gather(*(tile_db.run_reads(backend(0.2)) for _ in range(3)))
    assert len(set(together)) == 3
    assert await tile_db.run_reads(backend()) in together


async def test_a_connection_broken_under_a_read_is_replaced():
    first = await tile_db.run_reads(backend())
    await sync_to_async(terminate)(first)
    with pytest.raises(psycopg.OperationalError):
        await tile_db.run_reads(backend())
    assert await tile_db.run_reads(backend()) != first


async def test_when_no_connection_can_be_made_in_time_tiles_are_answered_the_ordinary_way(monkeypatch):
    town, path = await town_with_a_report()
    ordinary = await get(path, town.host)  # learns the town of this host
    monkeypatch.setattr(tile_db, "WAIT_SECONDS", 0.0001)  # a database too slow to answer
    answered = await get(path, town.host)
    assert answered["status"] == 200
    assert answered["body"] == ordinary["body"]
    with pytest.raises(tile_db.Unavailable):  # not tried again for a while
        await tile_db.run_reads(backend())


async def test_tiles_kept_by_a_request_do_not_wait_for_the_disk():
    def setting():
        row = yield "SHOW synchronous_commit", []
        return row[0]

    assert await tile_db.run_reads(setting()) == "off"  # a cache; reports and their changes commit durably
