"""Read queries of the public map, Open311 and open data: public reports only, filtered like the map."""

import hashlib

from django.core.cache import caches
from django.db import connection
from django.db.models import QuerySet

from civic.models import Municipality
from reports.models import Report
from reports.selectors import _public_reports
from reports.tiles import VERSION_SQL, TileFilter, tile_sql

TILE_CACHE = "default"  # per process; a town's hot tiles are few
TILE_CACHE_SECONDS = 600


def public_reports_matching(*, municipality: Municipality, tile_filter: TileFilter) -> QuerySet[Report]:
    """Public reports of `municipality` that `tile_filter` (the map's filters) lets through, newest first."""
    reports = _public_reports(municipality)
    if tile_filter.category_ids:
        reports = reports.filter(category_id__in=tile_filter.category_ids)
    if tile_filter.statuses:
        reports = reports.filter(status__in=tile_filter.statuses)
    if tile_filter.area_id is not None:
        reports = reports.filter(area_id=tile_filter.area_id)
    if tile_filter.since is not None:
        reports = reports.filter(created_at__gte=tile_filter.since)
    if tile_filter.until is not None:
        reports = reports.filter(created_at__lt=tile_filter.until)
    return reports.order_by("-created_at", "-pk")


def public_report_tile(
    *, tile_filter: TileFilter, z: int, x: int, y: int, version: str | None = None
) -> tuple[bytes, str | None]:
    """One Mapbox vector tile of the public reports `tile_filter` lets through (see reports.tiles), and the
    town's map data version it was read at. `version` is that version if the caller has just read it.

    Tiles are kept in the cache with the version they were read at, and served from there while the town's
    version is still that one: a kept tile costs one small query (none when the caller passes the version),
    a tile not kept one statement, which reads the tile and the version together."""
    cache = caches[TILE_CACHE]
    key = tile_cache_key(tile_filter, z, x, y)
    kept: tuple[str, bytes] | None = cache.get(key)
    if kept is not None:
        if version is None:
            version = map_data_version(municipality_id=tile_filter.municipality_id)
        if kept[0] == version:
            return kept[1], version
    sql, params = tile_sql(z, x, y, tile_filter)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # type: ignore[arg-type]  # lists and datetimes are adapted
        row = cursor.fetchone()
    tile, read_at = row if row else (None, None)
    body = bytes(tile) if tile is not None else b""
    if read_at is not None:
        cache.set(key, (read_at, body), TILE_CACHE_SECONDS)
    return body, read_at


def tile_cache_key(tile_filter: TileFilter, z: int, x: int, y: int) -> str:
    digest = hashlib.blake2b(repr(tile_filter).encode(), digest_size=12).hexdigest()
    return f"map-tile:{z}:{x}:{y}:{digest}"


def map_data_version(*, municipality_id: int) -> str | None:
    """The town's map data version (reports.tiles.VERSION_SQL), or None before its first report."""
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL, [municipality_id])
        row = cursor.fetchone()
    return row[0] if row else None
