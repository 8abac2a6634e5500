"""Read queries of the public map, Open311 and open data: public reports only, filtered like the map."""

from django.db import connection
from django.db.models import QuerySet

from civic.models import Municipality
from reports.models import Report
from reports.selectors import _public_reports
from reports.tiles import TileFilter, tile_sql


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


def public_report_tile(*, tile_filter: TileFilter, z: int, x: int, y: int) -> bytes:
    """One Mapbox vector tile of the public reports `tile_filter` lets through (see reports.tiles)."""
    sql, params = tile_sql(z, x, y, tile_filter)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)  # type: ignore[arg-type]  # lists and datetimes are adapted
        row = cursor.fetchone()
    return bytes(row[0]) if row and row[0] is not None else b""
