"""Keeping the map's grid (reports.map_models) in step with the reports: report services apply each change
as a delta inside their transaction, and a rebuild (a periodic task, `manage.py map_grid_rebuild`, the
benchmark) recounts a town in one set-based statement, which also repairs changes made outside the services.
Both mark the rendered tiles they change (reports.tile_store) and raise the town's map data version, which
tiles built per request carry as their ETag."""

from dataclasses import dataclass, replace

from django.db import connection, transaction
from django.utils import timezone

from civic.jobs import enqueue_on_commit
from reports import tasks
from reports.models import Report
from reports.tile_store import tiles_mark, tiles_mark_town
from reports.tiles import (
    GRID_MAX_ZOOM,
    GRID_TABLE,
    STATE_TABLE,
    U_SQL,
    V_SQL,
    cells_across_world,
    cells_per_side,
)

BASE_CELLS = cells_across_world(GRID_MAX_ZOOM)  # cells across the world at the finest gridded zoom
GRID_CELLS = cells_per_side(GRID_MAX_ZOOM)  # cells across a tile, the same at every gridded zoom

BUMP_SQL = f"""
    INSERT INTO {STATE_TABLE} (municipality_id, version, rebuilt_at) VALUES (%s, 1, %s)
    ON CONFLICT (municipality_id) DO UPDATE
    SET version = {STATE_TABLE}.version + 1,
        rebuilt_at = coalesce(EXCLUDED.rebuilt_at, {STATE_TABLE}.rebuilt_at)
"""  # noqa: S608

# One report's change: rows of (lng, lat, status, category_id, delta) added to every gridded zoom's cell.
DELTA_SQL = f"""
    INSERT INTO {GRID_TABLE} AS c
        (municipality_id, zoom, cell_x, cell_y, status, category_id, count, sum_u, sum_v)
    SELECT %s, z.zoom,
           floor(p.u * {GRID_CELLS} * 2 ^ z.zoom)::int, floor(p.v * {GRID_CELLS} * 2 ^ z.zoom)::int,
           d.status, d.category_id, d.delta, d.delta * p.u, d.delta * p.v
    FROM (VALUES {{rows}}) AS d (lng, lat, status, category_id, delta)
    CROSS JOIN LATERAL (
        SELECT {U_SQL.format(point="pt")} AS u, {V_SQL.format(point="pt")} AS v
        FROM ST_MakePoint(d.lng, d.lat) AS pt
    ) p
    CROSS JOIN generate_series(0, {GRID_MAX_ZOOM}) AS z (zoom)
    ORDER BY d.status, d.category_id, z.zoom  -- every change locks rows in one order: no deadlocks
    ON CONFLICT (municipality_id, zoom, cell_x, cell_y, status, category_id) DO UPDATE
    SET count = c.count + EXCLUDED.count, sum_u = c.sum_u + EXCLUDED.sum_u, sum_v = c.sum_v + EXCLUDED.sum_v
"""  # noqa: S608

# Every public report counted once at the finest gridded zoom, then rolled up to the coarser ones by shifting
# cell numbers (exact: see reports.tiles). `{town}` is empty or a municipality condition.
REBUILD_SQL = f"""
    WITH base AS (
        SELECT r.municipality_id, r.status, r.category_id,
               floor(p.u * {BASE_CELLS})::int AS cell_x, floor(p.v * {BASE_CELLS})::int AS cell_y,
               count(*) AS count, sum(p.u) AS sum_u, sum(p.v) AS sum_v
        FROM reports_report r
        CROSS JOIN LATERAL (
            SELECT {U_SQL.format(point="r.point::geometry")} AS u, {V_SQL.format(point="r.point::geometry")} AS v
        ) p
        WHERE r.is_public AND r.point IS NOT NULL {{town}}
        GROUP BY 1, 2, 3, 4, 5
    )
    INSERT INTO {GRID_TABLE} (municipality_id, zoom, cell_x, cell_y, status, category_id, count, sum_u, sum_v)
    SELECT b.municipality_id, z.zoom, b.cell_x >> ({GRID_MAX_ZOOM} - z.zoom), b.cell_y >> ({GRID_MAX_ZOOM} - z.zoom),
           b.status, b.category_id, sum(b.count), sum(b.sum_u), sum(b.sum_v)
    FROM base b CROSS JOIN generate_series(0, {GRID_MAX_ZOOM}) AS z (zoom)
    GROUP BY 1, 2, 3, 4, 5, 6
"""  # noqa: S608, E501


@dataclass(frozen=True, slots=True)
class GridEntry:
    """What the grid counts of one report: where it is, its status and its category."""

    lng: float
    lat: float
    status: str
    category_id: int


def grid_entry(report: Report) -> GridEntry | None:
    """The report's entry, or None when the map does not show it (not public, or no point)."""
    if not report.is_public or report.point is None:
        return None
    return GridEntry(report.point.x, report.point.y, report.status, report.category_id)


def map_grid_update(*, municipality_id: int, before: GridEntry | None, after: GridEntry | None) -> None:
    """Move one report's count from `before` to `after` (None: not on the map), mark the rendered tiles
    under both places (reports.tile_store; rendered again by a task after the commit) and raise the data
    version."""
    if before == after:
        return
    changes = [(entry, delta) for entry, delta in ((before, -1), (after, 1)) if entry is not None]
    params: list[float | int | str] = [municipality_id]
    for entry, delta in changes:
        params += [entry.lng, entry.lat, entry.status, entry.category_id, delta]
    rows = ", ".join(["(%s::float8, %s::float8, %s, %s::bigint, %s)"] * len(changes))
    with connection.cursor() as cursor:  # grid rows, then tiles, then the version: every change locks alike
        cursor.execute(DELTA_SQL.format(rows=rows), params)
        tiles_mark(municipality_id=municipality_id, places=[(entry.lng, entry.lat) for entry, _ in changes])
        cursor.execute(BUMP_SQL, [municipality_id, None])
    enqueue_on_commit(tasks.render_map_tiles, municipality_id)


def map_grid_report_added(report: Report) -> None:
    """Count a new report (called by report_create, in its transaction)."""
    map_grid_update(municipality_id=report.municipality_id, before=None, after=grid_entry(report))


def map_grid_status_changed(report: Report, before_status: str) -> None:
    """Move a report whose status was `before_status` to its current status."""
    after = grid_entry(report)
    before = replace(after, status=before_status) if after is not None else None
    map_grid_update(municipality_id=report.municipality_id, before=before, after=after)


@transaction.atomic
def map_grid_rebuild(*, municipality_id: int | None = None) -> None:
    """Recount the grid of one town (or of every town) from its reports, in one INSERT … SELECT, and mark
    its rendered tiles (render them after: reports.tile_store.map_tiles_render)."""
    with connection.cursor() as cursor:
        # Deltas of reports committed meanwhile wait for this transaction, then apply on top of the recount.
        cursor.execute(f"LOCK TABLE {GRID_TABLE} IN SHARE ROW EXCLUSIVE MODE")
        if municipality_id is None:
            cursor.execute(f"DELETE FROM {GRID_TABLE}")  # noqa: S608
            cursor.execute(REBUILD_SQL.format(town=""))
            cursor.execute("SELECT id FROM civic_municipality")
            towns = [row[0] for row in cursor.fetchall()]
        else:
            cursor.execute(f"DELETE FROM {GRID_TABLE} WHERE municipality_id = %s", [municipality_id])  # noqa: S608
            cursor.execute(REBUILD_SQL.format(town="AND r.municipality_id = %s"), [municipality_id])
            towns = [municipality_id]
        tiles_mark_town(municipality_id=municipality_id)
        now = timezone.now()
        for town in towns:
            cursor.execute(BUMP_SQL, [town, now])
