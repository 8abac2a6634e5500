"""Map tiles of public reports: Mapbox vector tiles built by PostGIS (`ST_AsMVT`), with server-side grid
clusters.

Every tile is a grid of cells (8×8 per tile up to zoom 16, 16×16 from zoom 17): a cell holding one report is
that report's point (with its reference, status and category); a cell holding more is one cluster feature with
its count, placed at the mean of its reports. So a tile never carries more than 256 features, whatever the
number of reports, and the browser never gets more than it can draw.

The bounding-box test runs on `point::geometry` against the tile's bounds in WGS 84, which the expression
GiST index `report_point_geometry_gist` serves. The tile math and SQL here are plain Python (no Django), so
the benchmark builds exactly the same SQL that the endpoint runs.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

MAX_ZOOM = 22
EXTENT = 4096
BUFFER = 0  # grid cells never cross a tile's edge, so nothing needs drawing twice
LAYER = "reports"
EARTH_RADIUS_M = 6378137.0
EARTH_CIRCUMFERENCE_M = 2 * math.pi * EARTH_RADIUS_M
METRES_PER_DEGREE = EARTH_CIRCUMFERENCE_M / 360


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


def cell_size_m(z: int) -> float:
    """The side of a grid cell in Web Mercator metres."""
    return EARTH_CIRCUMFERENCE_M / (1 << z) / cells_per_side(z)


@dataclass(frozen=True, slots=True)
class TileFilter:
    """Which public reports of one municipality a tile shows; ids are resolved from codes by the caller."""

    municipality_id: int
    category_ids: Sequence[int] = field(default_factory=tuple)
    statuses: Sequence[str] = field(default_factory=tuple)
    area_id: int | None = None
    since: datetime | None = None
    until: datetime | None = None


def where_sql(tile_filter: TileFilter) -> tuple[str, list[object]]:
    clauses = ["r.municipality_id = %s", "r.is_public", "r.point IS NOT NULL"]
    params: list[object] = [tile_filter.municipality_id]
    if tile_filter.category_ids:
        clauses.append("r.category_id = ANY(%s)")
        params.append(list(tile_filter.category_ids))
    if tile_filter.statuses:
        clauses.append("r.status = ANY(%s)")
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
    """The SQL (and its parameters) answering one row with one bytea: the tile."""
    check_tile(z, x, y)
    where, params = where_sql(tile_filter)
    # Only the WHERE clause built above (placeholders) and module constants are interpolated.
    west, south, east, north = tile_bounds(z, x, y)
    # Web Mercator by its formula rather than ST_Transform: the same numbers without PROJ, whose set-up
    # costs tens of milliseconds in every new database session (and the server connects per request).
    sql = f"""
        WITH located AS (
            SELECT r.reference, r.status, r.category_id,
                   ST_SetSRID(ST_MakePoint(
                       ST_X(r.point::geometry) * {METRES_PER_DEGREE},
                       ln(tan(pi() / 4 + radians(ST_Y(r.point::geometry)) / 2)) * {EARTH_RADIUS_M}
                   ), 3857) AS geom
            FROM reports_report r
            WHERE {where} AND r.point::geometry && ST_MakeEnvelope(%s, %s, %s, %s, 4326)
        ),
        cells AS (
            SELECT count(*) AS count,
                   ST_SetSRID(ST_MakePoint(avg(ST_X(geom)), avg(ST_Y(geom))), 3857) AS geom,
                   min(reference) AS reference, min(status) AS status, min(category_id) AS category_id
            FROM located
            GROUP BY ST_SnapToGrid(geom, %s)
        ),
        features AS (
            SELECT c.count,
                   CASE WHEN c.count = 1 THEN c.reference END AS reference,
                   CASE WHEN c.count = 1 THEN c.status END AS status,
                   CASE WHEN c.count = 1 THEN cat.code END AS category,
                   ST_AsMVTGeom(c.geom, ST_TileEnvelope(%s, %s, %s), {EXTENT}, {BUFFER}, true) AS geom
            FROM cells c
            LEFT JOIN reports_category cat ON cat.id = c.category_id AND c.count = 1
        )
        SELECT ST_AsMVT(features, '{LAYER}', {EXTENT}, 'geom') FROM features WHERE geom IS NOT NULL
    """  # noqa: S608
    return sql, [*params, west, south, east, north, cell_size_m(z), z, x, y]
