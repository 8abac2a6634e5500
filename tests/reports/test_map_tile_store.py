"""Rendered tiles (reports.tile_store): every tile of the whole town's map up to STORED_MAX_ZOOM that has held
a public report is kept rendered in the database, read in one query by its primary key, marked by the change
that touches it, rendered again after it, and never stored from a read older than the change."""

import io
import threading
import time

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from reports import tasks
from reports.map_models import MapTile
from reports.map_selectors import public_report_tile
from reports.models import Report
from reports.tile_store import STORED_MAX_ZOOM, map_tiles_render
from reports.tiles import TileFilter, tile_sql
from tests.reports.conftest import Town
from tests.reports.test_map_grid import scatter
from tests.reports.test_map_tiles import decode, make_report, tile_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return Town()


def total(body: bytes) -> int:
    return sum(f["properties"]["count"] for f in decode(body).get("reports", []))


def stored(town: Town, z: int, x: int, y: int) -> MapTile:
    return MapTile.objects.get(municipality=town.municipality, zoom=z, x=x, y=y)


def run(statement: tuple[str, list[object]]) -> tuple:
    sql, params = statement
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # type: ignore[arg-type]
        return cursor.fetchone()


def built_now(town: Town, z: int, x: int, y: int) -> bytes:
    """The tile as the raw SQL builds it at this moment."""
    return bytes(run(tile_sql(z, x, y, TileFilter(municipality_id=town.municipality.pk)))[0] or b"")


def test_a_change_marks_its_tile_at_every_stored_zoom_and_the_next_request_renders_and_keeps_it(
    client, town, django_assert_num_queries
):
    report = make_report(town)
    marked = MapTile.objects.filter(municipality=town.municipality)
    assert sorted(marked.values_list("zoom", flat=True)) == list(range(STORED_MAX_ZOOM + 1))
    assert all(tile.tile is None for tile in marked)
    x, y = tile_of(report.point, 15)
    url = f"/reports/tiles/15/{x}/{y}.pbf"
    client.get(url, HTTP_HOST=town.host)  # the town is remembered from now on

    assert stored(town, 15, x, y).tile is not None
    MapTile.objects.filter(zoom=15).update(tile=None)  # marked again, as a change would
    with django_assert_num_queries(2):  # the read, then the statement that builds and keeps it
        first = client.get(url, HTTP_HOST=town.host)
    with django_assert_num_queries(1):  # the read
        again = client.get(url, HTTP_HOST=town.host)
    assert first.content == again.content == built_now(town, 15, x, y)
    assert total(first.content) == 1
    assert first["ETag"] == again["ETag"] == f'W/"tile-{stored(town, 15, x, y).digest}"'
    with django_assert_num_queries(1):
        revalidated = client.get(url, HTTP_HOST=town.host, HTTP_IF_NONE_MATCH=first["ETag"])
    assert revalidated.status_code == 304


def test_a_tiles_etag_outlives_changes_elsewhere_in_town_but_not_a_change_in_it(client, town):
    report = make_report(town)
    x, y = tile_of(report.point, 16)
    url = f"/reports/tiles/16/{x}/{y}.pbf"
    first = client.get(url, HTTP_HOST=town.host)

    elsewhere = make_report(town, dlng=0.02, dlat=0.01)
    assert tile_of(elsewhere.point, 16) != (x, y)
    unchanged = client.get(url, HTTP_HOST=town.host, HTTP_IF_NONE_MATCH=first["ETag"])
    assert unchanged.status_code == 304  # the browser keeps its copy

    make_report(town)  # the same place
    changed = client.get(url, HTTP_HOST=town.host, HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200
    assert changed["ETag"] != first["ETag"]
    assert total(changed.content) == 2


def test_a_tile_read_before_a_change_is_answered_but_not_kept(client, town):
    report = make_report(town)
    x, y = tile_of(report.point, 14)
    reads = public_report_tile(tile_filter=TileFilter(municipality_id=town.municipality.pk), z=14, x=x, y=y)
    row = run(next(reads))  # the tile is marked: the read finds no tile, and its stamp
    assert row[0] is None
    render = reads.send(row)
    make_report(town)  # a change between the read and the render raises the stamp
    with pytest.raises(StopIteration) as done:
        reads.send(run(render))
    body, _etag = done.value.value
    assert total(body) == 2  # this render already counts the change …
    assert stored(town, 14, x, y).tile is None  # … but a render may only keep what its read allowed

    answered = client.get(f"/reports/tiles/14/{x}/{y}.pbf", HTTP_HOST=town.host)
    assert total(answered.content) == 2
    assert bytes(stored(town, 14, x, y).tile) == answered.content


def test_rendering_renders_every_marked_tile_with_progress_and_requests_then_read_them(
    client, town, django_assert_num_queries
):
    scatter(town, 12)
    marked = MapTile.objects.filter(municipality=town.municipality, tile__isnull=True).count()
    assert marked >= STORED_MAX_ZOOM + 1
    seen: list[tuple[int, int]] = []
    rendered = map_tiles_render(municipality_id=town.municipality.pk, progress=lambda *p: seen.append(p))
    assert rendered == marked
    assert seen[-1] == (marked, marked)
    assert not MapTile.objects.filter(tile__isnull=True).exists()
    for kept in MapTile.objects.filter(municipality=town.municipality, zoom__in=(10, 13, 16)):
        assert bytes(kept.tile) == built_now(town, kept.zoom, kept.x, kept.y)
    tile = MapTile.objects.filter(municipality=town.municipality, zoom=16).first()
    client.get(f"/reports/tiles/16/{tile.x}/{tile.y}.pbf", HTTP_HOST=town.host)
    with django_assert_num_queries(1):
        response = client.get(f"/reports/tiles/16/{tile.x}/{tile.y}.pbf", HTTP_HOST=town.host)
    assert response.content == bytes(tile.tile)


def test_a_change_enqueues_the_render_after_its_commit(town, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = make_report(town)
    job = DBTaskResult.objects.get(task_path=tasks.render_map_tiles.module_path)
    assert job.args_kwargs["args"] == [town.municipality.pk]
    assert tasks.render_map_tiles.call(town.municipality.pk) == STORED_MAX_ZOOM + 1
    x, y = tile_of(report.point, 16)
    assert total(bytes(stored(town, 16, x, y).tile)) == 1


def test_the_recount_marks_every_tile_so_a_fix_made_outside_the_services_shows(client, town):
    report = make_report(town)
    map_tiles_render(municipality_id=town.municipality.pk)
    x, y = tile_of(report.point, 16)
    Report.objects.filter(pk=report.pk).update(is_public=False)  # e.g. a fix in the database shell
    assert total(client.get(f"/reports/tiles/16/{x}/{y}.pbf", HTTP_HOST=town.host).content) == 1
    out = io.StringIO()
    call_command("map_grid_rebuild", town.municipality.slug, stdout=out)
    assert f"Map tiles: {STORED_MAX_ZOOM + 1} / {STORED_MAX_ZOOM + 1} rendered" in out.getvalue()
    assert stored(town, 16, x, y).tile == b""  # kept, now empty
    assert client.get(f"/reports/tiles/16/{x}/{y}.pbf", HTTP_HOST=town.host).content == b""


def test_tiles_that_never_held_a_report_are_built_but_not_kept(client, town):
    make_report(town)
    rows = MapTile.objects.count()
    for path in ("/reports/tiles/16/0/0.pbf", "/reports/tiles/3/1/2.pbf", "/reports/tiles/17/5/5.pbf"):
        response = client.get(path, HTTP_HOST=town.host)
        assert response.status_code == 200
        assert response.content == b""
    assert MapTile.objects.count() == rows  # nobody can fill the table with tiles of empty places


def test_a_renamed_category_shows_on_kept_tiles(client, town):
    report = make_report(town, category=town.tree)
    x, y = tile_of(report.point, 16)
    url = f"/reports/tiles/16/{x}/{y}.pbf"
    before = client.get(url, HTTP_HOST=town.host)
    assert decode(before.content)["reports"][0]["properties"]["category"] == "fallen-tree"

    town.tree.code = "tree"
    town.tree.save(update_fields=["code"])  # in the admin: no report changes

    after = client.get(url, HTTP_HOST=town.host, HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200
    assert decode(after.content)["reports"][0]["properties"]["category"] == "tree"
    assert bytes(stored(town, 16, x, y).tile) == after.content


def test_a_town_sees_only_its_own_kept_tiles(client, town):
    other = Town(slug="othertown")
    report = make_report(town)
    map_tiles_render()
    x, y = tile_of(report.point, 16)
    assert total(client.get(f"/reports/tiles/16/{x}/{y}.pbf", HTTP_HOST=town.host).content) == 1
    assert client.get(f"/reports/tiles/16/{x}/{y}.pbf", HTTP_HOST=other.host).content == b""


def test_the_migration_marks_the_tiles_the_grid_has_like_a_recount():
    import importlib

    from reports.tile_store import MARK_TOWN_SQL

    migration = importlib.import_module("reports.migrations.0011_map_tiles_rendered")
    recount = MARK_TOWN_SQL[1].format(town="").split()
    assert migration.MARK_GRIDDED_TILES.split() == recount[: recount.index("ORDER")]


@pytest.mark.django_db(transaction=True)
def test_a_render_waits_for_a_change_in_progress_and_then_keeps_nothing(town):
    report = make_report(town)
    x, y = tile_of(report.point, 14)
    reads = public_report_tile(tile_filter=TileFilter(municipality_id=town.municipality.pk), z=14, x=x, y=y)
    render = reads.send(run(next(reads)))  # the read finds the tile marked; the render's statement next
    marking = threading.Event()

    def change() -> None:
        with transaction.atomic():
            make_report(town)  # marks the tile: its row is locked until the commit
            marking.set()
            time.sleep(0.3)
        connection.close()

    changer = threading.Thread(target=change)
    changer.start()
    assert marking.wait(10)
    body = run(render)[0]  # its snapshot is older than the change, which commits while it waits
    changer.join()
    assert total(bytes(body)) == 1
    assert stored(town, 14, x, y).tile is None
