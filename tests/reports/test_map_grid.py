"""The map's pre-aggregated grid: tiles served from it hold exactly what the live query counts (with the
status and category filters), the report services keep it in step, a rebuild recounts it, and tiles carry
the town's data version as their ETag."""

import io
import random

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from reports.map_grid import map_grid_rebuild
from reports.map_models import MapGridCell, MapGridState
from reports.models import Report
from reports.services import report_create, report_merge, report_transition
from reports.tasks import rebuild_map_grid
from reports.tiles import GRID_MAX_ZOOM, TileFilter, cells_per_side, grid_tile_sql, live_tile_sql, tile_sql
from tests.reports.conftest import Town
from tests.reports.test_map_tiles import decode, tile_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return Town()


def scatter(town: Town, count: int, seed: int = 7) -> list[Report]:
    """Reports spread over the town (some close together), through report_create like every channel."""
    rng = random.Random(seed)
    made = []
    for i in range(count):
        spread = 0.002 if i % 3 else 0.04
        made.append(
            report_create(
                municipality=town.municipality,
                category=town.pothole if i % 2 else town.tree,
                description="A problem",
                point=town.point(rng.uniform(-spread, spread), rng.uniform(-spread, spread)),
            )
        )
    return made


def run(sql_and_params: tuple[str, list[object]]) -> list[tuple]:
    sql, params = sql_and_params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # type: ignore[arg-type]  # lists are adapted
        tile, _version = cursor.fetchone()
    features = decode(bytes(tile)).get("reports", []) if tile else []
    return sorted(
        (
            f["properties"]["count"],
            f["properties"].get("reference"),
            f["properties"].get("status"),
            f["properties"].get("category"),
            f["x"],
            f["y"],
        )
        for f in features
    )


def assert_grid_equals_live(town: Town, tile_filter: TileFilter) -> int:
    """Every tile around the town at every gridded zoom from 8: the same features from both; the total."""
    total = 0
    for z in range(8, GRID_MAX_ZOOM + 1):
        x0, y0 = tile_of(town.point(-0.05, 0.05), z)
        x1, y1 = tile_of(town.point(0.05, -0.05), z)
        zoom_total = 0
        for x in range(x0, x1 + 1):
            for y in range(y0, y1 + 1):
                live = run(live_tile_sql(z, x, y, tile_filter))
                grid = run(grid_tile_sql(z, x, y, tile_filter))
                # Positions are the mean of the same points; a rounding step apart at most.
                assert [f[:4] for f in grid] == [f[:4] for f in live], (z, x, y)
                for ours, theirs in zip(grid, live, strict=True):
                    assert abs(ours[4] - theirs[4]) <= 1 and abs(ours[5] - theirs[5]) <= 1
                zoom_total += sum(f[0] for f in live)
        total = total or zoom_total
        assert zoom_total == total, z  # every report counted once at every zoom
    return total


def test_grid_tiles_equal_live_tiles_with_every_filter(town):
    reports = scatter(town, 40)
    for report in reports[:6]:
        report_transition(report=report, status=Report.Status.RESOLVED, actor=None)
    report_transition(report=reports[6], status=Report.Status.IN_PROGRESS, actor=None)
    report_merge(report=reports[7], into=reports[8], actor=None)
    m = town.municipality.pk
    assert assert_grid_equals_live(town, TileFilter(municipality_id=m)) == 40
    assert assert_grid_equals_live(town, TileFilter(municipality_id=m, statuses=Report.OPEN_STATUSES)) == 33
    assert assert_grid_equals_live(town, TileFilter(municipality_id=m, statuses=("resolved",))) == 6
    assert assert_grid_equals_live(town, TileFilter(municipality_id=m, category_ids=(town.tree.pk,))) == 20
    both = TileFilter(municipality_id=m, category_ids=(town.pothole.pk,), statuses=("duplicate",))
    assert assert_grid_equals_live(town, both) == 1


def test_a_rebuild_recounts_exactly_what_the_services_kept():
    town = Town()
    reports = scatter(town, 25)
    report_transition(report=reports[0], status=Report.Status.CLOSED, actor=None)
    kept = {
        (c.zoom, c.cell_x, c.cell_y, c.status, c.category_id): (c.count, c.sum_u, c.sum_v)
        for c in MapGridCell.objects.filter(municipality=town.municipality, count__gt=0)
    }
    version = MapGridState.objects.get(municipality=town.municipality).version
    map_grid_rebuild(municipality_id=town.municipality.pk)
    rebuilt = {
        (c.zoom, c.cell_x, c.cell_y, c.status, c.category_id): (c.count, c.sum_u, c.sum_v)
        for c in MapGridCell.objects.filter(municipality=town.municipality)
    }
    assert rebuilt.keys() == kept.keys()
    for key, (count, sum_u, sum_v) in rebuilt.items():
        assert kept[key][0] == count
        assert kept[key][1] == pytest.approx(sum_u, abs=1e-9)
        assert kept[key][2] == pytest.approx(sum_v, abs=1e-9)
    assert MapGridState.objects.get(municipality=town.municipality).version == version + 1
    assert {z for z, *_ in rebuilt} == set(range(GRID_MAX_ZOOM + 1))


def test_changes_outside_the_services_are_repaired_by_the_rebuild_command(client, town):
    report = scatter(town, 1)[0]
    Report.objects.filter(pk=report.pk).update(is_public=False)  # e.g. a fix in the database shell
    x, y = tile_of(report.point, 12)
    stale = decode(client.get(f"/reports/tiles/12/{x}/{y}.pbf", HTTP_HOST=town.host).content)
    assert stale["reports"][0]["properties"] == {"count": 1}  # counted, but its report is no longer public
    out = io.StringIO()
    call_command("map_grid_rebuild", town.municipality.slug, stdout=out)
    assert "Map grid recounted" in out.getvalue()
    assert client.get(f"/reports/tiles/12/{x}/{y}.pbf", HTTP_HOST=town.host).content == b""


def test_the_nightly_task_rebuilds_every_town(town):
    other = Town(slug="othertown")
    scatter(town, 3)
    scatter(other, 2)
    MapGridCell.objects.all().delete()
    rebuild_map_grid.call(reschedule=False)
    for place, count in ((town, 3), (other, 2)):
        assert (
            sum(
                c.count
                for c in MapGridCell.objects.filter(municipality=place.municipality, zoom=GRID_MAX_ZOOM)
            )
            == count
        )


def test_rebuild_command_refuses_an_unknown_town():
    with pytest.raises(CommandError, match="nowhere"):
        call_command("map_grid_rebuild", "nowhere")


def test_low_zoom_tiles_come_from_the_grid_and_filters_it_cannot_answer_are_counted_live(town):
    tile_filter = TileFilter(municipality_id=town.municipality.pk, statuses=("new",))
    assert "reports_mapgridcell" in tile_sql(GRID_MAX_ZOOM, 0, 0, tile_filter)[0]
    assert "reports_mapgridcell" not in tile_sql(GRID_MAX_ZOOM + 1, 0, 0, tile_filter)[0]
    by_area = TileFilter(municipality_id=town.municipality.pk, area_id=town.west.pk)
    assert "reports_mapgridcell" not in tile_sql(10, 0, 0, by_area)[0]


def test_a_lone_report_at_low_zoom_is_shown_with_its_reference(client, town):
    report = report_create(
        municipality=town.municipality, category=town.tree, description="A tree", point=town.point(0.04, 0.04)
    )
    x, y = tile_of(report.point, 10)
    features = decode(client.get(f"/reports/tiles/10/{x}/{y}.pbf", HTTP_HOST=town.host).content)["reports"]
    assert features[0]["properties"] == {
        "count": 1,
        "reference": report.reference,
        "status": "new",
        "category": "fallen-tree",
    }


def at_the_centre(town: Town, count: int) -> None:
    for _ in range(count):
        report_create(
            municipality=town.municipality,
            category=town.tree,
            description="A tree",
            point=town.municipality.center,
        )


def test_a_tile_built_per_request_carries_the_data_version_a_revalidation_is_one_query_and_a_change_shows(
    client, town, django_assert_num_queries
):
    at_the_centre(town, 3)
    x, y = tile_of(town.municipality.center, 18)  # above the stored zooms (reports.tile_store)
    url = f"/reports/tiles/18/{x}/{y}.pbf"
    first = client.get(url, HTTP_HOST=town.host)
    etag = first["ETag"]
    version = MapGridState.objects.get(municipality=town.municipality).version
    assert etag.startswith(f'W/"map-{version}.')  # then the stamp of the town's category codes
    with django_assert_num_queries(1):  # the version; the town is remembered
        again = client.get(url, HTTP_HOST=town.host, HTTP_IF_NONE_MATCH=etag)
    assert again.status_code == 304
    assert again["ETag"] == etag
    with django_assert_num_queries(1):  # the same tile again: from the cache, after the version
        cached = client.get(url, HTTP_HOST=town.host)
    assert cached.content == first.content

    at_the_centre(town, 1)
    changed = client.get(url, HTTP_HOST=town.host, HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed["ETag"] != etag

    def total(response):
        return sum(f["properties"]["count"] for f in decode(response.content)["reports"])

    assert total(changed) == total(first) + 1 == 4


def test_a_tile_not_kept_costs_one_statement_which_also_reads_the_version(
    client, town, django_assert_num_queries
):
    at_the_centre(town, 3)
    x, y = tile_of(town.municipality.center, 18)
    client.get(f"/reports/tiles/18/{x}/{y}.pbf", HTTP_HOST=town.host)  # the town is remembered from now on
    x, y = tile_of(town.municipality.center, 19)
    with django_assert_num_queries(1):
        response = client.get(f"/reports/tiles/19/{x}/{y}.pbf", HTTP_HOST=town.host)
    assert sum(f["properties"]["count"] for f in decode(response.content)["reports"]) == 3
    version = MapGridState.objects.get(municipality=town.municipality).version
    assert response["ETag"].startswith(f'W/"map-{version}.')


def test_renaming_a_category_changes_the_etag_and_kept_tiles_show_the_new_code(client, town):
    """Tiles show category codes, which an editor can change in the admin without touching a report."""
    report = report_create(
        municipality=town.municipality, category=town.tree, description="A tree", point=town.point()
    )
    x, y = tile_of(report.point, 17)
    url = f"/reports/tiles/17/{x}/{y}.pbf"
    before = client.get(url, HTTP_HOST=town.host)
    assert decode(before.content)["reports"][0]["properties"]["category"] == "fallen-tree"

    town.tree.code = "tree"
    town.tree.save(update_fields=["code"])

    revalidated = client.get(url, HTTP_HOST=town.host, HTTP_IF_NONE_MATCH=before["ETag"])
    assert revalidated.status_code == 200
    assert revalidated["ETag"] != before["ETag"]
    assert decode(revalidated.content)["reports"][0]["properties"]["category"] == "tree"
    again = client.get(url, HTTP_HOST=town.host)  # a plain request for the kept tile
    assert decode(again.content)["reports"][0]["properties"]["category"] == "tree"


def test_every_gridded_zoom_has_the_same_cells_per_tile_and_the_migration_counts_like_the_rebuild():
    import importlib

    from reports.map_grid import REBUILD_SQL

    assert {cells_per_side(z) for z in range(GRID_MAX_ZOOM + 1)} == {8}  # the delta's cell math relies on it
    migration = importlib.import_module("reports.migrations.0007_map_grid_and_open311_limits")
    assert migration.COUNT_EXISTING_REPORTS.split() == REBUILD_SQL.format(town="").split()


@pytest.mark.django_db(transaction=True)
def test_opposite_transitions_at_the_same_time_neither_deadlock_nor_lose_counts():
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from django.db import connection as default_connection

    town = Town()
    first, second = scatter(town, 2)
    report_transition(report=first, status=Report.Status.ACKNOWLEDGED, actor=None)
    report_transition(report=second, status=Report.Status.IN_PROGRESS, actor=None)
    start = Barrier(2)

    def flip(pk: int, statuses: tuple[str, str]) -> None:
        try:
            start.wait()
            for i in range(12):
                report = Report.objects.get(pk=pk)
                report_transition(report=report, status=statuses[i % 2], actor=None)
        finally:
            default_connection.close()

    with ThreadPoolExecutor(2) as pool:
        one = pool.submit(flip, first.pk, (Report.Status.IN_PROGRESS, Report.Status.ACKNOWLEDGED))
        two = pool.submit(flip, second.pk, (Report.Status.ACKNOWLEDGED, Report.Status.IN_PROGRESS))
        one.result()
        two.result()
    for zoom in (0, GRID_MAX_ZOOM):
        counts = {
            status: sum(
                c.count
                for c in MapGridCell.objects.filter(municipality=town.municipality, zoom=zoom, status=status)
            )
            for status in ("acknowledged", "in_progress")
        }
        assert counts == {"acknowledged": 1, "in_progress": 1}
