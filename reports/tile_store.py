"""The public map's rendered tiles (reports.map_models.MapTile): every unfiltered tile up to STORED_MAX_ZOOM
that has held a public report is kept in the database, so a visitor's map (and every server process of the
town) reads it in one small query by its primary key, and its ETag, a digest of the tile, stays valid until
that tile itself changes, not until anything in the town does.

- A change of a report on the map (reports.map_grid, in the change's transaction) marks the tiles under the
  report's place, before and after, at every stored zoom: it raises their `stamp` and empties them, creating
  the row if there was none. A recount of the grid marks every tile of the town.
- A marked tile is rendered again by `map_tiles_render` (the task enqueued after the change, or after the
  recount) or by the next request for it, whichever comes first (reports.map_selectors.public_report_tile).
- A render stores its tile only if the tile's stamp is still the one read before the render began: a change
  committed meanwhile has raised it, so a tile read before that change is served once but never kept. The
  guarded UPDATE waits for a change still in progress and then sees its stamp (PostgreSQL rechecks the
  condition on the row's newest version).
- Category codes show on tiles and an editor may change them in the admin: a tile rendered under other codes
  than the town's current ones is rendered again when asked for.

Filtered tiles, tiles above STORED_MAX_ZOOM and tiles that never held a report (anywhere in the world: no
row, so nobody can fill the table) are built per request and kept per process, under the town's version.
"""

from collections.abc import Callable, Sequence

from django.db import connection

from reports.tiles import CATEGORIES_SQL, GRID_MAX_ZOOM, GRID_TABLE, U_SQL, V_SQL, TileFilter, tile_sql

# Zoom 17 shows single reports street by street, and counting its tiles live is the slowest read (tens of
# milliseconds in a dense centre); beyond it tiles are many, small and quick to count, and each read by few.
STORED_MAX_ZOOM = 17
TILE_TABLE = "reports_maptile"
TILE_KEY = "t.municipality_id = %s AND t.zoom = %s AND t.x = %s AND t.y = %s"  # one tile, its table called t

READ_SQL = f"""
    SELECT t.tile, t.digest, t.stamp, t.categories = {CATEGORIES_SQL.format(town="t.municipality_id")}
    FROM {TILE_TABLE} t WHERE {TILE_KEY}
"""  # noqa: S608

# The tiles under each of a few places (lng, lat) at every stored zoom, in one order (no deadlocks between
# changes; the grid's rows are locked before, the town's version after).
MARK_SQL = f"""
    INSERT INTO {TILE_TABLE} AS t (municipality_id, zoom, x, y, stamp)
    SELECT DISTINCT %s, z.zoom, floor(p.u * 2 ^ z.zoom)::int, floor(p.v * 2 ^ z.zoom)::int, 1
    FROM (VALUES {{rows}}) AS d (lng, lat)
    CROSS JOIN LATERAL (
        SELECT {U_SQL.format(point="pt")} AS u, {V_SQL.format(point="pt")} AS v FROM ST_MakePoint(d.lng, d.lat) AS pt
    ) p
    CROSS JOIN generate_series(0, {STORED_MAX_ZOOM}) AS z (zoom)
    ORDER BY 2, 3, 4
    ON CONFLICT (municipality_id, zoom, x, y) DO UPDATE SET stamp = t.stamp + 1, tile = NULL
"""  # noqa: S608, E501

# Every tile of a town (`{town}`: a municipality condition, or none for every town), then a row for every
# tile that has a grid cell: a cell at zoom g is 1/8 of a tile's side at g (see reports.tiles), so it lies in
# tile cell >> (3 + g - z) at zoom z ≤ g + 3; zooms beyond the grid's take its finest cells.
MARK_TOWN_SQL = (
    f"UPDATE {TILE_TABLE} SET stamp = stamp + 1, tile = NULL WHERE true {{town}}",  # noqa: S608
    f"""
    INSERT INTO {TILE_TABLE} (municipality_id, zoom, x, y, stamp)
    SELECT DISTINCT g.municipality_id, z.zoom,
           g.cell_x >> (3 + g.zoom - z.zoom), g.cell_y >> (3 + g.zoom - z.zoom), 1
    FROM generate_series(0, {STORED_MAX_ZOOM}) AS z (zoom)
    JOIN {GRID_TABLE} g ON g.zoom = least(z.zoom, {GRID_MAX_ZOOM}) {{town}}
    ORDER BY 1, 2, 3, 4
    ON CONFLICT (municipality_id, zoom, x, y) DO NOTHING
    """,  # noqa: S608
)


def is_stored(tile_filter: TileFilter, z: int) -> bool:
    """Whether this tile is one kept rendered: a tile of the whole town's map up to STORED_MAX_ZOOM."""
    return z <= STORED_MAX_ZOOM and tile_filter == TileFilter(municipality_id=tile_filter.municipality_id)


def read_sql(tile_filter: TileFilter, z: int, x: int, y: int) -> tuple[str, list[object]]:
    """The stored tile: one row (tile or None when marked, digest, stamp, whether its categories are the
    town's current ones), or none when the tile has no row."""
    return READ_SQL, [tile_filter.municipality_id, z, x, y]


def render_sql(tile_filter: TileFilter, z: int, x: int, y: int, stamp: int) -> tuple[str, list[object]]:
    """The tile built now (reports.tiles.tile_sql) and its digest, in one row; stored in its row in the same
    statement if the row's stamp is still `stamp`."""
    sql, params = tile_sql(z, x, y, tile_filter)
    town = tile_filter.municipality_id
    return (
        f"""
        WITH rendered (tile, version) AS ({sql}),
        stored AS (
            UPDATE {TILE_TABLE} t
            SET tile = coalesce(r.tile, ''), digest = md5(coalesce(r.tile, '')),
                categories = {CATEGORIES_SQL.format(town="t.municipality_id")}
            FROM rendered r
            WHERE {TILE_KEY} AND t.stamp = %s
        )
        SELECT coalesce(tile, ''), md5(coalesce(tile, '')) FROM rendered
        """,  # noqa: S608
        [*params, town, z, x, y, stamp],
    )


def stored_etag(digest: str) -> str:
    return f'W/"tile-{digest}"'


def tiles_mark(*, municipality_id: int, places: Sequence[tuple[float, float]]) -> None:
    """Mark the stored tiles under `places` (lng, lat) at every stored zoom (called by reports.map_grid, in
    the change's transaction)."""
    if not places:
        return
    rows = ", ".join(["(%s::float8, %s::float8)"] * len(places))
    with connection.cursor() as cursor:
        cursor.execute(MARK_SQL.format(rows=rows), [municipality_id, *(c for place in places for c in place)])


def tiles_mark_town(*, municipality_id: int | None) -> None:
    """Mark every stored tile of one town (None: of every town), and add the tiles its grid now has."""
    town, params = _town_condition(municipality_id)
    with connection.cursor() as cursor:
        for sql in MARK_TOWN_SQL:
            cursor.execute(sql.format(town=town), params)


def _town_condition(municipality_id: int | None) -> tuple[str, list[int]]:
    """An SQL condition (and its parameters) on one town's rows, or none for every town's."""
    return ("", []) if municipality_id is None else ("AND municipality_id = %s", [municipality_id])


def map_tiles_render(
    *, municipality_id: int | None = None, progress: Callable[[int, int], None] | None = None
) -> int:
    """Render every marked tile of one town (None: of every town), each stored as it is done; how many.
    `progress(done, total)` is called now and then."""
    town, params = _town_condition(municipality_id)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT municipality_id, zoom, x, y, stamp FROM {TILE_TABLE} "  # noqa: S608
            f"WHERE tile IS NULL {town} ORDER BY 1, 2, 3, 4",
            params,
        )
        marked = cursor.fetchall()
        for done, (town_id, z, x, y, stamp) in enumerate(marked, start=1):
            sql, render_params = render_sql(TileFilter(municipality_id=town_id), z, x, y, stamp)
            cursor.execute(sql, render_params)  # type: ignore[arg-type]  # lists and datetimes are adapted
            if progress is not None and (done % 500 == 0 or done == len(marked)):
                progress(done, len(marked))
    return len(marked)
