"""Tiles through Civic's ASGI entry point (civic.asgi): the lean TileHandler answers them as the whole site's
stack does, with the headers a public tile needs and without sessions, CSRF or language choice; every other
URL still goes through the whole stack."""

import pytest
from asgiref.sync import sync_to_async
from channels.testing import HttpCommunicator
from django.core import signals
from django.test import Client

from civic.asgi import application
from tests.reports.conftest import Town
from tests.reports.test_map_tiles import decode, make_report, tile_of

# The handler serves from a worker thread, with a database connection of its own: data must be committed.
pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("closing_connections"),
]


@pytest.fixture
def django_requests():
    """How many requests went through Django's request cycle (the ordinary path) from now on."""
    seen: list[object] = []

    def count(**kwargs: object) -> None:
        seen.append(kwargs)

    signals.request_started.connect(count)
    yield seen
    signals.request_started.disconnect(count)


async def get(path: str, host: str, **headers: str) -> dict:
    raw = [(b"host", host.encode())]
    raw += [(name.replace("_", "-").encode(), value.encode()) for name, value in headers.items()]
    return await HttpCommunicator(application, "GET", path, headers=raw).get_response()


def header(response: dict, name: str) -> str | None:
    found = [value.decode() for key, value in response["headers"] if key.decode().lower() == name]
    return found[0] if found else None


async def town_with_a_report() -> tuple[Town, str]:
    town = await sync_to_async(Town)()
    report = await sync_to_async(make_report)(town)
    assert report.point is not None
    x, y = tile_of(report.point, 16)
    return town, f"/reports/tiles/16/{x}/{y}.pbf"


async def test_a_tile_is_the_whole_stacks_tile_with_public_caching_headers_and_no_cookies():
    town, path = await town_with_a_report()
    lean = await get(path, town.host, accept_language="en")
    whole = await sync_to_async(Client().get)(path, HTTP_HOST=town.host)
    assert lean["status"] == 200
    assert lean["body"] == whole.content
    assert decode(lean["body"])["reports"][0]["properties"]["count"] == 1
    assert header(lean, "content-type") == "application/vnd.mapbox-vector-tile"
    assert header(lean, "etag") == whole["ETag"]
    assert header(lean, "cache-control") == "public, max-age=60"
    assert header(lean, "vary") == "Host"  # the same tile whatever the visitor's language or cookies
    assert header(lean, "x-content-type-options") == "nosniff"
    assert header(lean, "content-length") == str(len(lean["body"]))
    assert header(lean, "set-cookie") is None


async def test_revalidating_with_the_etag_is_a_304():
    town, path = await town_with_a_report()
    first = await get(path, town.host)
    again = await get(path, town.host, if_none_match=header(first, "etag"))
    assert again["status"] == 304
    assert header(again, "etag") == header(first, "etag")


async def test_bad_tiles_foreign_hosts_and_unknown_towns_are_refused():
    town, path = await town_with_a_report()
    impossible = await get("/reports/tiles/3/8/0.pbf", town.host)
    assert impossible["status"] == 400
    assert b"errors" in impossible["body"]
    assert (await get(path, "attacker.example"))["status"] == 400  # not in ALLOWED_HOSTS
    assert (await get(path, "nowhere.localhost"))["status"] == 404  # allowed, but no town's site


async def test_unknown_filter_values_are_refused_in_the_visitors_language():
    town, path = await town_with_a_report()
    english = await get(f"{path}?category=nope", town.host, accept_language="en")
    japanese = await get(f"{path}?category=nope", town.host, accept_language="ja")
    assert english["status"] == japanese["status"] == 400
    assert b"valid choice" in english["body"]
    assert b"valid choice" not in japanese["body"]
    assert "Accept-Language" in (header(english, "vary") or "")


async def test_other_urls_go_through_the_whole_stack():
    town, _path = await town_with_a_report()
    page = await get("/reports/", town.host)
    assert page["status"] == 200
    assert header(page, "content-language") == "ja"  # the site's language middleware answered
    assert "Cookie" in (header(page, "vary") or "")


async def test_a_known_towns_tile_is_answered_in_the_event_loop_exactly_as_the_ordinary_path_answers(
    django_requests,
):
    town, path = await town_with_a_report()
    ordinary = await get(path, town.host)  # learns the town of this host
    assert len(django_requests) == 1
    in_loop = await get(path, town.host)
    assert len(django_requests) == 1  # no Django request cycle, no worker thread
    assert in_loop["status"] == 200
    assert in_loop["body"] == ordinary["body"]
    assert sorted(in_loop["headers"]) == sorted(ordinary["headers"])  # the middleware's headers too

    revalidated = await get(path, town.host, if_none_match=header(ordinary, "etag"))
    assert revalidated["status"] == 304
    assert len(django_requests) == 1


async def test_a_report_moved_onto_the_map_shows_in_the_next_tile_read_in_the_event_loop(django_requests):
    town, path = await town_with_a_report()
    first = await get(path, town.host)
    await get(path, town.host)  # kept now, in the loop's path too
    await sync_to_async(make_report)(town)  # same place: the cell counts two
    after = await get(path, town.host)
    assert header(after, "etag") != header(first, "etag")
    assert decode(after["body"])["reports"][0]["properties"]["count"] == 2
    assert len(django_requests) == 1


async def test_filtered_impossible_and_foreign_tiles_still_take_the_ordinary_path(django_requests):
    town, path = await town_with_a_report()
    await get(path, town.host)
    assert (await get(f"{path}?status=open", town.host))["status"] == 200
    assert (await get("/reports/tiles/3/8/0.pbf", town.host))["status"] == 400
    assert (await get(path, "attacker.example"))["status"] == 400
    assert len(django_requests) == 4
