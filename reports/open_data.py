"""Open data: a daily export of each town's public reports as CSV and GeoJSON, and the pages that offer them.

Only public reports and public fields go out: no reporter, no contact, no typed address, no internal notes, no
photo metadata. Files are written to the default storage under `open-data/<town>/reports-<date>.{csv,geojson}`
(and served through `/reports/open-data/<file>`, so they do not depend on how media is served); the last
`KEEP_DAYS` days are kept.
"""

import csv
import io
import json
import re
import tempfile
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.core.files import File
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from civic.jobs import retried_task
from civic.models import Municipality
from reports.models import Report
from reports.views import municipality_of

KEEP_DAYS = 30
FOLDER = "open-data"
FILE_NAME = re.compile(r"^reports-(\d{4}-\d{2}-\d{2})\.(csv|geojson)$")
COLUMNS = (
    "reference",
    "category_code",
    "category_name_ja",
    "category_name_en",
    "status",
    "open311_status",
    "area_code",
    "area_name_ja",
    "lat",
    "lng",
    "title",
    "description",
    "support_count",
    "source",
    "created_at",
    "updated_at",
    "acknowledged_at",
    "resolved_at",
    "url",
)
# The query reads exactly these columns, so nothing private can slip into a row.
QUERY_FIELDS = (
    "reference",
    "category__code",
    "category__name_ja",
    "category__name_en",
    "status",
    "area__code",
    "area__name_ja",
    "point",
    "title",
    "description",
    "support_count",
    "source",
    "created_at",
    "updated_at",
    "acknowledged_at",
    "resolved_at",
)


def folder(municipality: Municipality) -> str:
    return f"{FOLDER}/{municipality.slug}"


def _iso(moment: datetime | None, zone: zoneinfo.ZoneInfo) -> str:
    return moment.astimezone(zone).replace(microsecond=0).isoformat() if moment else ""


def rows(municipality: Municipality, base_url: str) -> Iterator[dict[str, Any]]:
    """The public reports of `municipality`, oldest first, as export rows."""
    zone = zoneinfo.ZoneInfo(municipality.timezone or "Asia/Tokyo")
    reports = (
        Report.objects.filter(municipality=municipality, is_public=True)
        .order_by("created_at", "pk")
        .values_list(*QUERY_FIELDS)
    )
    for values in reports.iterator(chunk_size=5000):
        record = dict(zip(QUERY_FIELDS, values, strict=True))
        point = record.pop("point")
        status = record["status"]
        yield {
            "reference": record["reference"],
            "category_code": record["category__code"],
            "category_name_ja": record["category__name_ja"],
            "category_name_en": record["category__name_en"],
            "status": status,
            "open311_status": "open" if status in Report.OPEN_STATUSES else "closed",
            "area_code": record["area__code"] or "",
            "area_name_ja": record["area__name_ja"] or "",
            "lat": round(point.y, 6) if point is not None else None,
            "lng": round(point.x, 6) if point is not None else None,
            "title": record["title"],
            "description": record["description"],
            "support_count": record["support_count"],
            "source": record["source"],
            "created_at": _iso(record["created_at"], zone),
            "updated_at": _iso(record["updated_at"], zone),
            "acknowledged_at": _iso(record["acknowledged_at"], zone),
            "resolved_at": _iso(record["resolved_at"], zone),
            "url": f"{base_url}/reports/{record['reference']}/",
        }


def export_open_data(*, municipality: Municipality, base_url: str, day: datetime | None = None) -> list[str]:
    """Write today's CSV and GeoJSON of `municipality`'s public reports; return the storage names.

    A second export on the same day replaces the first. Exports older than KEEP_DAYS days are deleted.
    """
    zone = zoneinfo.ZoneInfo(municipality.timezone or "Asia/Tokyo")
    date = (day or timezone.now()).astimezone(zone).date().isoformat()
    with (
        tempfile.TemporaryFile("w+", encoding="utf-8", newline="") as csv_file,
        tempfile.TemporaryFile("w+", encoding="utf-8") as geojson_file,
    ):
        csv_file.write("\ufeff")  # a byte-order mark, so that spreadsheet programs read the UTF-8 as UTF-8
        writer = csv.DictWriter(csv_file, fieldnames=COLUMNS)
        writer.writeheader()
        geojson_file.write('{"type": "FeatureCollection", "features": [\n')
        first = True
        for row in rows(municipality, base_url):
            writer.writerow({key: "" if value is None else value for key, value in row.items()})
            geometry = (
                {"type": "Point", "coordinates": [row["lng"], row["lat"]]} if row["lat"] is not None else None
            )
            properties = {key: value for key, value in row.items() if key not in ("lat", "lng")}
            feature = {"type": "Feature", "geometry": geometry, "properties": properties}
            geojson_file.write(("" if first else ",\n") + json.dumps(feature, ensure_ascii=False))
            first = False
        geojson_file.write("\n]}\n")
        names = []
        for handle, extension in ((csv_file, "csv"), (geojson_file, "geojson")):
            handle.seek(0)
            name = f"{folder(municipality)}/reports-{date}.{extension}"
            if default_storage.exists(name):
                default_storage.delete(name)
            data = io.BytesIO(handle.read().encode("utf-8"))
            names.append(default_storage.save(name, File(data)))
    _prune(municipality, zone)
    return names


def _prune(municipality: Municipality, zone: zoneinfo.ZoneInfo) -> None:
    oldest = (timezone.now().astimezone(zone) - timedelta(days=KEEP_DAYS)).date().isoformat()
    for export in exports(municipality):
        if export.date < oldest:
            default_storage.delete(f"{folder(municipality)}/{export.name}")


@dataclass(frozen=True, slots=True)
class Export:
    name: str
    date: str
    format: str
    size: int


def exports(municipality: Municipality) -> list[Export]:
    """The export files of `municipality`, newest first."""
    try:
        _dirs, files = default_storage.listdir(folder(municipality))
    except FileNotFoundError:
        return []
    found = []
    for name in files:
        match = FILE_NAME.match(name)
        if match:
            size = default_storage.size(f"{folder(municipality)}/{name}")
            found.append(Export(name=name, date=match.group(1), format=match.group(2), size=size))
    return sorted(found, key=lambda e: (e.date, e.format), reverse=True)


@retried_task(max_attempts=3, backoff_seconds=600)
def export_open_data_daily(reschedule: bool = True) -> None:
    """Export every town's open data, then (by default) enqueue the next run for 03:00 tomorrow (Tokyo)."""
    from civic.tenancy import public_base_url

    for municipality in Municipality.objects.all():
        export_open_data(municipality=municipality, base_url=public_base_url(municipality).rstrip("/"))
    if reschedule:
        zone = zoneinfo.ZoneInfo("Asia/Tokyo")
        tomorrow = timezone.now().astimezone(zone).date() + timedelta(days=1)
        run_after = datetime.combine(tomorrow, time(3, 0), tzinfo=zone)
        export_open_data_daily.using(run_after=run_after).enqueue(reschedule=True)


# --- views ---


@require_GET
def open_data_index(request: HttpRequest) -> HttpResponse:
    municipality = municipality_of(request)
    return render(
        request, "reports/map_open_data.html", {"exports": exports(municipality), "columns": COLUMNS}
    )


CONTENT_TYPES = {"csv": "text/csv; charset=utf-8", "geojson": "application/geo+json"}


@require_GET
def open_data_file(request: HttpRequest, name: str) -> FileResponse:
    municipality = municipality_of(request)
    match = FILE_NAME.match(name)
    path = f"{folder(municipality)}/{name}"
    if match is None or not default_storage.exists(path):
        raise Http404
    response = FileResponse(default_storage.open(path, "rb"), as_attachment=True, filename=name)
    response["Content-Type"] = CONTENT_TYPES[match.group(2)]
    response["Cache-Control"] = "public, max-age=3600"
    return response
