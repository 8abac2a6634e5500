"""The public face of a report, for the report page and the public JSON API: public fields only."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from reports.models import Category, Photo, Report, ReportEvent
from reports.questions import questions


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    at: datetime
    kind: str
    title: str
    status: str
    message: str


def public_events(report: Report) -> list[ReportEvent]:
    """From `report_public_get`'s prefetch, else from the report's loaded events."""
    found = getattr(report, "public_events", None)
    if found is None:
        found = sorted((e for e in report.events.all() if e.is_public), key=lambda e: (e.at, e.pk))
    return list(found)


def public_photos(report: Report) -> list[Photo]:
    """Photos neither hidden nor failed, from `report_public_get`'s prefetch or the loaded photos."""
    found = getattr(report, "public_photos", None)
    if found is None:
        found = [
            photo
            for photo in report.photos.all()
            if photo.moderation == Photo.Moderation.VISIBLE and photo.state != Photo.State.FAILED
        ]
    return list(found)


def timeline(report: Report) -> list[TimelineEntry]:
    """The public events of a report, oldest first."""
    statuses = dict(Report.Status.choices)
    entries = []
    for event in public_events(report):
        status = str(event.after.get("status", ""))
        if event.kind == ReportEvent.Kind.CREATED:
            title = _("Report received")
        elif event.kind == ReportEvent.Kind.STATUS_CHANGED:
            title = _("Status changed to “%(status)s”") % {"status": statuses.get(status, status)}
        elif event.kind == ReportEvent.Kind.PUBLIC_UPDATE:
            title = _("Update from the city")
        elif event.kind == ReportEvent.Kind.MERGED and "into" in event.after:
            title = _("Merged into report %(reference)s") % {"reference": event.after["into"]}
        elif event.kind == ReportEvent.Kind.MERGED:
            title = _("Report %(reference)s was merged into this one") % {
                "reference": event.after.get("from", "")
            }
        else:
            title = str(ReportEvent.Kind(event.kind).label)
        entries.append(
            TimelineEntry(at=event.at, kind=event.kind, title=title, status=status, message=event.message)
        )
    return entries


def visible_photos(report: Report) -> list[Photo]:
    return [photo for photo in public_photos(report) if photo.is_public]


def processing_count(report: Report) -> int:
    return sum(1 for photo in public_photos(report) if photo.state == Photo.State.PROCESSING)


def report_url(report: Report) -> str:
    return reverse("reports:detail", kwargs={"reference": report.reference})


def point_json(report: Report) -> list[float] | None:
    """[lng, lat], the order of `center` in /api/v1/municipality/ and of GeoJSON; a metre of precision."""
    if report.point is None:
        return None
    return [round(report.point.x, 5), round(report.point.y, 5)]


def summary_json(report: Report, request: HttpRequest) -> dict[str, Any]:
    """The short public form used in lists (nearby reports)."""
    description = report.description
    data: dict[str, Any] = {
        "id": report.pk,
        "reference": report.reference,
        "url": request.build_absolute_uri(report_url(report)),
        "status": report.status,
        "status_label": str(Report.Status(report.status).label),
        "category": {
            "code": report.category.code,
            "name": report.category.name,
            "icon": report.category.icon,
        },
        "title": report.display_title,
        "description": description if len(description) <= 140 else description[:139] + "…",
        "point": point_json(report),
        "support_count": report.support_count,
        "created_at": report.created_at.isoformat(),
    }
    distance = getattr(report, "distance", None)
    if distance is not None:
        data["distance_m"] = round(distance.m, 1)
    return data


def detail_json(report: Report, request: HttpRequest) -> dict[str, Any]:
    """Everything the public may know about a report."""
    data = summary_json(report, request)
    data.update(
        {
            "description": report.description,
            "area": report.area.name if report.area else None,
            "is_open": report.is_open,
            "updated_at": report.updated_at.isoformat(),
            "photos": [
                {
                    "url": request.build_absolute_uri(photo.large.url),
                    "thumbnail_url": request.build_absolute_uri(photo.thumb.url),
                    "width": photo.large_width,
                    "height": photo.large_height,
                }
                for photo in visible_photos(report)
            ],
            "photos_processing": processing_count(report),
            "timeline": [
                {
                    "at": entry.at.isoformat(),
                    "kind": entry.kind,
                    "title": entry.title,
                    "status": entry.status,
                    "message": entry.message,
                }
                for entry in timeline(report)
            ],
        }
    )
    return data


def category_json(category: Category) -> dict[str, Any]:
    hint = category.hint_en if category.name == category.name_en and category.hint_en else category.hint_ja
    return {
        "code": category.code,
        "name": category.name,
        "name_ja": category.name_ja,
        "name_en": category.name_en,
        "icon": category.icon,
        "hint": hint,
        "extra_questions": category.extra_questions or {},
        "questions": [
            {
                "name": q.field_name,
                "key": q.key,
                "type": q.type,
                "title": q.title,
                "required": q.required,
                "enum": list(q.enum),
            }
            for q in questions(category.extra_questions)
        ],
    }
