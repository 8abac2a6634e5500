"""Map tiles of public reports: Mapbox vector tiles built by PostGIS (`ST_AsMVT`), with server-side grid
clusters.

Every tile is a grid of cells (8×8 per tile up to zoom 16, 16×16 from zoom 17): a cell holding one report is
that report's point (with its reference, status and category); a cell holding more is one cluster feature with
its count, placed at the mean of its reports. So a tile never carries more than 256 features, whatever the
number of reports, and the browser never gets more than it can draw.

A point's place is (u, v), its Web Mercator position as a fraction of the world (0 ≤ u, v < 1, v downwards
like tile rows), so its cell at zoom z is floor(u · 2^z · n): scaling by a power of two is exact in floating
point, so a cell at zoom z is exactly its sub-cells at z + 1 put together, and tiles served from the
pre-aggregated grid (reports.map_grid, up to GRID_MAX_ZOOM, for the status and category filters) hold the
same counts as tiles counted live. Live tiles find their reports with `point::geometry` && the tile's bounds
in WGS 84, which the expression GiST index `report_point_geometry_gist` serves. The tile math and SQL here
are plain Python (no Django), so the benchmark runs exactly the SQL that the endpoint runs.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

MAX_ZOOM = 22
# Tiles up to this zoom (all of 8×8 cells) come from the grid table when the filters allow.
GRID_MAX_ZOOM = 16
EXTENT = 4096
BUFFER = 0  # grid cells never cross a tile's edge, so nothing needs drawing twice
LAYER = "reports"
EARTH_CIRCUMFERENCE_M = 2 * math.pi * 6378137.0
GRID_TABLE = "reports_mapgridcell"
STATE_TABLE = "reports_mapgridstate"

# A town's map data version, as tiles carry it (their ETag, and the key they are kept under): the grid's
# version, which every change of a report on the map raises (reports.map_grid), then a stamp of the town's
# category codes, which tiles show, so a category renamed in any way changes it too. No row before the
# town's first report.
# A stamp of the category codes of the town `{town}` (an SQL expression), which tiles show.
CATEGORIES_SQL = """(
    SELECT left(md5(coalesce(string_agg(c.id || '=' || c.code, ',' ORDER BY c.id), '')), 8)
    FROM reports_category c WHERE c.municipality_id = {town})"""
VERSION_SQL = f"""
    SELECT s.version || '.' || {CATEGORIES_SQL.format(town="s.municipality_id")}
    FROM {STATE_TABLE} s WHERE s.municipality_id = %s
"""  # noqa: S608

# (u, v) of `point` (a geometry in WGS 84), as SQL: the Web Mercator formula rather than ST_Transform gives
# the same numbers without PROJ, whose set-up costs tens of milliseconds in every new database session.
U_SQL = "(ST_X({point}) + 180) / 360"
V_SQL = "(0.5 - ln(tan(pi() / 4 + radians(ST_Y({point})) / 2)) / (2 * pi()))"
# The Web Mercator point (SRID 3857) at (u, v).
MERCATOR_SQL = f"ST_SetSRID(ST_MakePoint(({{u}} - 0.5) * {EARTH_CIRCUMFERENCE_M}, (0.5 - {{v}}) * {EARTH_CIRCUMFERENCE_M}), 3857)"  # noqa: E501


class TileError(ValueError):
    """An impossible z/x/y."""


def check_tile(z: int, x: int, y: int) -> None:
    if not 0 <= z <= MAX_ZOOM:
        raise TileError(f"z must be between 0 and {MAX_ZOOM}")
    side = 1 << z
    if not (0 <= x < side and 0 <= y < side):
        raise TileError(f"x and y must be between 0 and {side - 1} at zoom {z}")


def tile_bounds(z: int, x: int, y: int) -> tuple[float, float, float, float]:
    """(west, south, east, north) of a tile in degrees."""
    side = 1 << z

    def lat(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / side))))

    return x / side * 360 - 180, lat(y + 1), (x + 1) / side * 360 - 180, lat(y)


def cells_per_side(z: int) -> int:
    return 16 if z >= 17 else 8


def cells_across_world(z: int) -> int:
    """How many grid cells span the world's width (and height) at zoom z."""
    return (1 << z) * cells_per_side(z)


def point_uv(lng: float, lat: float) -> tuple[float, float]:
    """The (u, v) of a point, as U_SQL and V_SQL compute it (for tests and callers outside SQL)."""
    return (lng + 180) / 360, 0.5 - math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi)


@dataclass(frozen=True, slots=True)
class TileFilter:
    """Which public reports of one municipality a tile shows; ids are resolved from codes by the caller."""

    municipality_id: int
    category_ids: Sequence[int] = field(default_factory=tuple)
    statuses: Sequence[str] = field(default_factory=tuple)
    area_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None

    @property
    def gridded(self) -> bool:
        """Whether the grid table can answer: it counts by status and category, not by area or date."""
        return self.area_id is None and self.since is None and self.until is None


def where_sql(tile_filter: TileFilter, alias: str = "r") -> tuple[str, list[object]]:
    clauses = [f"{alias}.municipality_id = %s"]
    params: list[object] = [tile_filter.municipality_id]
    if alias == "r":
        clauses += ["r.is_public", "r.point IS NOT NULL"]
    if tile_filter.category_ids:
        clauses.append(f"{alias}.category_id = ANY(%s)")
        params.append(list(tile_filter.category_ids))
    if tile_filter.statuses:
        clauses.append(f"{alias}.status = ANY(%s)")
        params.append(list(tile_filter.statuses))
    if tile_filter.area_id is not None:
        clauses.append("r.area_id = %s")
        params.append(tile_filter.area_id)
    if tile_filter.since is not None:
        clauses.append("r.created_at >= %s")
        params.append(tile_filter.since)
    if tile_filter.until is not None:
        clauses.append("r.created_at < %s")
        params.append(tile_filter.until)
    return " AND ".join(clauses), params


def tile_sql(z: int, x: int, y: int, tile_filter: TileFilter) -> tuple[str, list[object]]:
    """The SQL (and its parameters) the endpoint runs for one tile: one row with the tile (bytea) and the
    town's map data version (VERSION_SQL, or NULL). From the grid table when it can answer, otherwise
    counted live."""
    if z <= GRID_MAX_ZOOM and tile_filter.gridded:
        return grid_tile_sql(z, x, y, tile_filter)
    return live_tile_sql(z, x, y, tile_filter)


def live_tile_sql(z: int, x: int, y: int, tile_filter: TileFilter) -> tuple[str, list[object]]:
    """A tile counted from the reports themselves, found through the GiST index."""
    check_tile(z, x, y)
    where, params = where_sql(tile_filter)
    n = cells_across_world(z)
    point = "r.point::geometry"
    # Only the WHERE clause built above (placeholders) and module constants are interpolated.
    sql = f"""
        WITH located AS (
            SELECT r.reference, r.status, r.category_id,
                   {U_SQL.format(point=point)} AS u, {V_SQL.format(point=point)} AS v
            FROM reports_report r
            WHERE {where} AND {point} && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
        ),
        cells AS (
            SELECT count(*) AS count, avg(u) AS u, avg(v) AS v,
                   min(reference) AS reference, min(status) AS status, min(category_id) AS category_id
            FROM located
            WHERE floor(u * {1 << z}) = %s AND floor(v * {1 << z}) = %s  -- not the next tile's edge
            GROUP BY floor(u * {n}), floor(v * {n})
        )
        {features_sql("cells")}
    """  # noqa: S608
    return sql, [*params, *tile_bounds(z, x, y), x, y, z, x, y, tile_filter.municipality_id]


def grid_tile_sql(z: int, x: int, y: int, tile_filter: TileFilter) -> tuple[str, list[object]]:
    """A tile summed from the grid table's cells; a cell of one report looks that report up (GiST index)."""
    check_tile(z, x, y)
    grid_where, grid_params = where_sql(tile_filter, alias="g")
    where, params = where_sql(tile_filter)
    n = cells_across_world(z)
    per_tile = cells_per_side(z)
    point = "r.point::geometry"

    def cell_lat(row: str) -> str:
        return f"degrees(atan(sinh(pi() * (1 - 2 * ({row})::float8 / {n}))))"

    sql = f"""
        WITH summed AS (
            SELECT g.cell_x, g.cell_y, sum(g.count) AS count,
                   sum(g.sum_u) / sum(g.count) AS u, sum(g.sum_v) / sum(g.count) AS v
            FROM {GRID_TABLE} g
            WHERE {grid_where} AND g.zoom = %s
              AND g.cell_x BETWEEN %s AND %s AND g.cell_y BETWEEN %s AND %s
            GROUP BY g.cell_x, g.cell_y
            HAVING sum(g.count) > 0
        ),
        cells AS (
            SELECT s.count, s.u, s.v, one.reference, one.status, one.category_id
            FROM summed s
            LEFT JOIN LATERAL (
                SELECT r.reference, r.status, r.category_id
                FROM reports_report r
                WHERE s.count = 1 AND {where}
                  AND {point} && ST_MakeEnvelope(
                      s.cell_x * {360 / n} - 180, {cell_lat("s.cell_y + 1")},
                      (s.cell_x + 1) * {360 / n} - 180, {cell_lat("s.cell_y")}, 4326)
                  AND floor({U_SQL.format(point=point)} * {n}) = s.cell_x
                  AND floor({V_SQL.format(point=point)} * {n}) = s.cell_y
                LIMIT 1
            ) one ON true
        )
        {features_sql("cells")}
    """  # noqa: S608
    first_x, first_y = x * per_tile, y * per_tile
    return sql, [
        *grid_params,
        z,
        first_x,
        first_x + per_tile - 1,
        first_y,
        first_y + per_tile - 1,
        *params,
        z,
        x,
        y,
        tile_filter.municipality_id,
    ]


def features_sql(cells: str) -> str:
    """The tile from `cells` (count, u, v, reference, status, category_id), and the town's map data version
    (VERSION_SQL); takes the parameters z, x, y and the municipality's id."""
    mercator = MERCATOR_SQL.format(u="c.u", v="c.v")
    return f"""
        , features AS (
            SELECT c.count,
                   CASE WHEN c.count = 1 THEN c.reference END AS reference,
                   CASE WHEN c.count = 1 THEN c.status END AS status,
                   CASE WHEN c.count = 1 THEN cat.code END AS category,
                   ST_AsMVTGeom({mercator}, ST_TileEnvelope(%s, %s, %s), {EXTENT}, {BUFFER}, true) AS geom
            FROM {cells} c
            LEFT JOIN reports_category cat ON cat.id = c.category_id AND c.count = 1
        )
        SELECT (SELECT ST_AsMVT(features, '{LAYER}', {EXTENT}, 'geom') FROM features WHERE geom IS NOT NULL),
               ({VERSION_SQL})
    """  # noqa: S608
