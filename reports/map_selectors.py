"""Read queries of the public map, Open311 and open data: public reports only, filtered like the map."""

import hashlib
from collections.abc import Generator, Iterator, Sequence
from typing import Any, Generic, TypeVar

from django.core.cache import caches
from django.db import connection
from django.db.models import QuerySet

from civic.models import Municipality
from reports.models import Report
from reports.selectors import _public_reports
from reports.tile_store import is_stored, read_sql, render_sql, stored_etag
from reports.tiles import VERSION_SQL, TileFilter, tile_sql

TILE_CACHE = "default"  # per process; a town's hot tiles are few
TILE_CACHE_SECONDS = 600
T = TypeVar("T")


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


# A read that needs the database part way: it yields each statement (SQL, parameters), is sent the statement's
# first row (None: no row) and returns its result. `run_reads` runs one on Django's connection,
# reports.tile_db.run_reads on the tiles' own connections in the event loop.
Reads = Generator[tuple[str, Sequence[object]], tuple[Any, ...] | None, T]


def public_report_tile(
    *, tile_filter: TileFilter, z: int, x: int, y: int, asked: str | None = None
) -> Reads[tuple[bytes | None, str]]:
    """One Mapbox vector tile of the public reports `tile_filter` lets through (see reports.tiles) and its
    ETag; no tile (None) when `asked`, the ETag of the browser's copy, is still the current one.

    A tile of the whole town's map kept rendered (reports.tile_store) costs one small query, or two when a
    change has marked it: the read, then the statement that builds it and fills the store (a cache, like
    the one below; the change itself is the report service's). Any other tile is kept in
    the cache with the town's map data version it was read at, and served from there while the town's
    version is still that one: a kept tile costs one small query, a tile not kept one statement, which reads
    the tile and the version together (revalidating reads the version first); its ETag is the version (see
    `version_etag`)."""
    if is_stored(tile_filter, z):
        row = yield read_sql(tile_filter, z, x, y)
        if row is not None:
            tile, digest, stamp, current = row
            if tile is None or not current:
                rendered = yield render_sql(tile_filter, z, x, y, stamp)
                tile, digest = rendered or (b"", "")  # it always has its one row
            etag = stored_etag(digest)
            return (None if asked == etag else bytes(tile)), etag
    version = None
    if asked:
        version = _version_in((yield VERSION_SQL, [tile_filter.municipality_id]))
        if asked == version_etag(version):
            return None, asked
    cache = caches[TILE_CACHE]
    key = tile_cache_key(tile_filter, z, x, y)
    kept: tuple[str, bytes] | None = cache.get(key)
    if kept is not None:
        if not asked:
            version = _version_in((yield VERSION_SQL, [tile_filter.municipality_id]))
        if kept[0] == version:
            return kept[1], version_etag(version)
    row = yield tile_sql(z, x, y, tile_filter)
    tile, read_at = row if row else (None, None)
    body = bytes(tile) if tile is not None else b""
    if read_at is not None:
        cache.set(key, (read_at, body), TILE_CACHE_SECONDS)
    return body, version_etag(read_at)


def _version_in(row: tuple[Any, ...] | None) -> str | None:
    return row[0] if row else None


def version_etag(version: str | None) -> str:
    """The ETag of a tile built per request: the same for every such tile of a town until its reports on the
    map or its categories change."""
    return f'W/"map-{version or 0}"'


class Steps(Generic[T]):
    """A read's statements one by one (`for sql, params in steps`), each answered by setting `row` to its
    first row before the next; `result` once they are done."""

    def __init__(self, reads: Reads[T]) -> None:
        self.reads = reads
        self.row: tuple[Any, ...] | None = None
        self.result: T

    def __iter__(self) -> Iterator[tuple[str, Sequence[object]]]:
        while True:
            try:
                statement = self.reads.send(self.row)
            except StopIteration as done:
                self.result = done.value
                return
            self.row = None
            yield statement


def run_reads(reads: Reads[T]) -> T:
    """A read's statements run one by one on Django's connection; its result."""
    steps = Steps(reads)
    for sql, params in steps:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)  # type: ignore[arg-type]  # lists and datetimes are adapted
            steps.row = cursor.fetchone()
    return steps.result


def tile_cache_key(tile_filter: TileFilter, z: int, x: int, y: int) -> str:
    digest = hashlib.blake2b(repr(tile_filter).encode(), digest_size=12).hexdigest()
    return f"map-tile:{z}:{x}:{y}:{digest}"
