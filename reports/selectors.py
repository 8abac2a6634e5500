"""Read queries for reports, always scoped to one municipality; public ones never load reporter data."""

import hashlib

from django.contrib.gis.db.models.functions import Distance
from django.contrib.gis.geos import Point
from django.contrib.gis.measure import D
from django.db.models import Prefetch, QuerySet

from civic.models import Municipality
from reports.models import Category, IdempotencyKey, Photo, Report, ReportEvent, ReportSupport

# Columns a public page or API may read; reporter fields and the typed address are left out of the query.
PUBLIC_REPORT_FIELDS = (
    "id",
    "municipality_id",
    "reference",
    "title",
    "category_id",
    "area_id",
    "point",
    "description",
    "status",
    "is_public",
    "support_count",
    "created_at",
    "updated_at",
)
# Areas are loaded without their (large) boundary.
RELATED_FIELDS = (
    "category__code",
    "category__name_ja",
    "category__name_en",
    "category__icon",
    "area__code",
    "area__name_ja",
    "area__name_en",
)


def categories_for_reporting(*, municipality: Municipality) -> QuerySet[Category]:
    """The categories residents can choose from, in the municipality's order."""
    return (
        Category.objects.filter(municipality=municipality, is_active=True)
        .select_related("department")
        .order_by("sort_order", "code")
    )


def _public_reports(municipality: Municipality) -> QuerySet[Report]:
    return (
        Report.objects.filter(municipality=municipality, is_public=True)
        .only(*PUBLIC_REPORT_FIELDS, *RELATED_FIELDS)
        .select_related("category", "area")
    )


def report_public_get(*, municipality: Municipality, reference: str) -> Report:
    """One public report with its visible photos (`public_photos`) and public timeline (`public_events`).

    Raises Report.DoesNotExist for an unknown reference, another town's report, or a hidden one.
    """
    photos = Photo.objects.filter(moderation=Photo.Moderation.VISIBLE).exclude(state=Photo.State.FAILED)
    events = ReportEvent.objects.filter(is_public=True).order_by("at", "pk")
    return (
        _public_reports(municipality)
        .prefetch_related(
            Prefetch("photos", queryset=photos.only(*PUBLIC_PHOTO_FIELDS), to_attr="public_photos"),
            Prefetch("events", queryset=events.only(*PUBLIC_EVENT_FIELDS), to_attr="public_events"),
        )
        .get(reference=reference.strip().upper())
    )


PUBLIC_PHOTO_FIELDS = (
    "id",
    "report_id",
    "position",
    "state",
    "moderation",
    "large",
    "large_width",
    "large_height",
    "thumb",
    "thumb_width",
    "thumb_height",
)
PUBLIC_EVENT_FIELDS = ("id", "report_id", "kind", "at", "is_public", "before", "after", "message")


def nearby_open_reports(
    *,
    municipality: Municipality,
    point: Point,
    category: Category | None = None,
    radius_m: float = 50,
    limit: int = 10,
) -> QuerySet[Report]:
    """Open public reports within `radius_m` metres of `point` (of `category`, if given), nearest first.

    Annotated with `distance` (a Distance); served by the GiST index on the geography column.
    """
    point = Point(point.x, point.y, srid=4326)
    reports = _public_reports(municipality).filter(
        status__in=Report.OPEN_STATUSES, point__dwithin=(point, D(m=radius_m))
    )
    if category is not None:
        reports = reports.filter(category=category)
    return reports.annotate(distance=Distance("point", point)).order_by("distance", "-created_at")[:limit]


def reports_of_line_user(
    *, municipality: Municipality, line_user_id: str, limit: int = 5
) -> QuerySet[Report]:
    """A LINE follower's own recent reports (for "my reports" in the conversation), newest first."""
    return (
        Report.objects.filter(municipality=municipality, reporter__line_user_id=line_user_id)
        .select_related("category")
        .order_by("-created_at", "-pk")[:limit]
    )


def line_user_follows(
    *, municipality: Municipality, line_user_id: str, reference: str
) -> ReportSupport | None:
    """The LINE user's support of the report, if they asked to hear its progress; else None."""
    return (
        ReportSupport.objects.filter(
            report__municipality=municipality,
            report__reference=reference.strip().upper(),
            follower__line_user_id=line_user_id,
        )
        .select_related("report")
        .first()
    )


def hash_idempotency_key(key: str) -> str:
    return hashlib.sha256(key.strip().encode()).hexdigest()


def idempotency_key_get(*, municipality: Municipality, key: str) -> IdempotencyKey | None:
    """The committed use of this Idempotency-Key in this municipality, with its report, if any."""
    return (
        IdempotencyKey.objects.filter(
            municipality=municipality, key_hash=hash_idempotency_key(key), report__isnull=False
        )
        .select_related("report")
        .first()
    )


def recent_public_reports(*, municipality: Municipality, limit: int = 5) -> list[Report]:
    """The latest public reports for the home page; duplicates are left out (their original is listed)."""
    return list(
        _public_reports(municipality).exclude(status=Report.Status.DUPLICATE).order_by("-created_at")[:limit]
    )
