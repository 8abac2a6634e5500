"""Read queries of the triage board and dashboard, scoped by `TriageAccess`; every figure is computed in SQL.

The board answers in a constant number of queries whatever the number of reports: one for the cards of all
columns (each column's first N by its own index-ordered LIMIT, joined with UNION ALL), one for the column
counts, and one each for the filter choices.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import (
    Case,
    CharField,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.aggregates import Aggregate
from django.db.models.expressions import RawSQL
from django.db.models.functions import Extract, TruncWeek
from django.utils import timezone
from django.utils.dateparse import parse_date

from civic.models import Department
from reports.models import Area, Category, Photo, Priority, Report, ReportEvent
from reports.triage.access import TriageAccess
from reports.triage_models import ResponseTemplate, SavedFilter

BOARD_COLUMNS = (
    Report.Status.NEW,
    Report.Status.ACKNOWLEDGED,
    Report.Status.IN_PROGRESS,
    Report.Status.RESOLVED,
)
FOLDED = (Report.Status.CLOSED, Report.Status.DUPLICATE, Report.Status.REFERRED)
PER_COLUMN = 50
# Within this share of the target time, a report not yet acknowledged is "due soon".
DUE_SOON_SHARE = 0.75


class SLA:
    NONE = "none"
    ON_TIME = "on_time"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"
    MET = "met"
    LATE = "late"
    ALL = (NONE, ON_TIME, DUE_SOON, OVERDUE, MET, LATE)


# The board's order within a column; `Report.priority_rank` is a stored generated column, so the index
# `report_board_order` (municipality, status, priority_rank, created_at, id) serves it directly.
BOARD_ORDER = ("-priority_rank", "-created_at", "-id")

CARD_FIELDS = (
    "id",
    "municipality_id",
    "reference",
    "title",
    "status",
    "priority",
    "priority_rank",
    "source",
    "created_at",
    "acknowledged_at",
    "version",
    "department_id",
    "assignee_id",
    "category__id",
    "category__name_ja",
    "category__name_en",
    "category__icon",
    "category__target_hours",
    "area__id",
    "area__name_ja",
    "area__name_en",
    "assignee__id",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
)


def with_sla(reports: QuerySet[Report], now: datetime | None = None) -> QuerySet[Report]:
    """Annotate `sla_deadline` and `sla_state` (see `SLA`); the clock stops at acknowledgement."""
    now = now or timezone.now()
    hours = F("category__target_hours")
    return reports.annotate(
        sla_deadline=ExpressionWrapper(
            F("created_at") + hours * Value(timedelta(hours=1)), output_field=DateTimeField()
        ),
        sla_soon=ExpressionWrapper(
            F("created_at") + hours * Value(timedelta(hours=DUE_SOON_SHARE)), output_field=DateTimeField()
        ),
    ).annotate(
        sla_state=Case(
            When(category__target_hours__isnull=True, then=Value(SLA.NONE)),
            When(acknowledged_at__isnull=False, acknowledged_at__lte=F("sla_deadline"), then=Value(SLA.MET)),
            When(acknowledged_at__isnull=False, then=Value(SLA.LATE)),
            When(~Q(status__in=Report.OPEN_STATUSES), then=Value(SLA.NONE)),
            When(sla_deadline__lt=now, then=Value(SLA.OVERDUE)),
            When(sla_soon__lt=now, then=Value(SLA.DUE_SOON)),
            default=Value(SLA.ON_TIME),
            output_field=CharField(),
        )
    )


@dataclass(frozen=True, slots=True)
class BoardFilters:
    """The board's filters, parsed from its query string; unknown or malformed values are ignored."""

    category: int | None = None
    department: int | None = None
    area: int | None = None
    assignee: str = ""  # "", "me", "none" or a user id
    priority: str = ""
    sla: str = ""
    source: str = ""
    q: str = ""
    since: date | None = None
    until: date | None = None
    show_folded: bool = False
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_query(cls, params: Mapping[str, Any]) -> "BoardFilters":
        def number(name: str) -> int | None:
            value = str(params.get(name, "") or "")
            return int(value) if value.isdigit() else None

        def choice(name: str, allowed: tuple[str, ...] | list[str]) -> str:
            value = str(params.get(name, "") or "")
            return value if value in allowed else ""

        assignee = str(params.get("assignee", "") or "")
        if assignee not in ("me", "none") and not assignee.isdigit():
            assignee = ""
        return cls(
            category=number("category"),
            department=number("department"),
            area=number("area"),
            assignee=assignee,
            priority=choice("priority", Priority.values),
            sla=choice("sla", SLA.ALL),
            source=choice("source", Report.Source.values),
            q=str(params.get("q", "") or "").strip()[:100],
            since=parse_date(str(params.get("since", "") or "")) if _is_date(params.get("since")) else None,
            until=parse_date(str(params.get("until", "") or "")) if _is_date(params.get("until")) else None,
            show_folded=str(params.get("folded", "")) == "1",
        )


def _is_date(value: Any) -> bool:
    try:
        return bool(value) and parse_date(str(value)) is not None
    except ValueError:
        return False


def _day_start(day: date, access: TriageAccess) -> datetime:
    import zoneinfo

    return datetime.combine(day, time.min, tzinfo=zoneinfo.ZoneInfo(access.municipality.timezone))


def filtered_reports(
    access: TriageAccess, filters: BoardFilters, *, now: datetime | None = None, sla: bool = True
) -> QuerySet[Report]:
    """The reports this person sees that match `filters`, annotated with SLA state (no ordering, no limit).

    With `sla=False` (and no SLA filter) there is no annotation, so no join to the categories: the board's
    index-ordered column queries and counts read the reports table alone.
    """
    reports = with_sla(access.reports(), now) if sla or filters.sla else access.reports()
    if filters.category:
        reports = reports.filter(category_id=filters.category)
    if filters.department:
        reports = reports.filter(department_id=filters.department)
    if filters.area:
        reports = reports.filter(area_id=filters.area)
    if filters.assignee == "me":
        reports = reports.filter(assignee_id=access.user_id)
    elif filters.assignee == "none":
        reports = reports.filter(assignee__isnull=True)
    elif filters.assignee:
        reports = reports.filter(assignee_id=int(filters.assignee))
    if filters.priority:
        reports = reports.filter(priority=filters.priority)
    if filters.source:
        reports = reports.filter(source=filters.source)
    if filters.q:
        q = filters.q
        reports = reports.filter(Q(reference__iexact=q) | Q(title__icontains=q) | Q(description__icontains=q))
    if filters.since:
        reports = reports.filter(created_at__gte=_day_start(filters.since, access))
    if filters.until:
        reports = reports.filter(created_at__lt=_day_start(filters.until + timedelta(days=1), access))
    if filters.sla:
        reports = reports.filter(Q(sla_state=filters.sla))
    return reports


def _thumbnail() -> Subquery:
    photos = Photo.objects.filter(
        report=OuterRef("pk"), state=Photo.State.READY, moderation=Photo.Moderation.VISIBLE
    ).order_by("position", "pk")
    return Subquery(photos.values("thumb")[:1])


def card_queryset(reports: QuerySet[Report]) -> QuerySet[Report]:
    """Only what a card shows: no reporter data, no description, no area boundary."""
    return (
        reports.select_related("category", "area", "assignee").only(*CARD_FIELDS).annotate(thumb=_thumbnail())
    )


@dataclass(frozen=True, slots=True)
class Column:
    status: str
    label: str
    count: int
    cards: list[Report]


def board_columns(
    access: TriageAccess, filters: BoardFilters, *, per_column: int = PER_COLUMN, now: datetime | None = None
) -> list[Column]:
    """The board's columns with their first `per_column` cards (urgent and newest first): two queries.

    Each column's first cards come from its own `ORDER BY … LIMIT`, read off the `report_board_order` index;
    the columns are joined with UNION ALL inside the cards query. The counts group the same filtered rows.
    """
    statuses = BOARD_COLUMNS + (FOLDED if filters.show_folded else ())
    reports = filtered_reports(access, filters, now=now, sla=False)
    counts = dict(
        reports.filter(status__in=statuses).order_by().values_list("status").annotate(n=Count("id"))
    )
    firsts = [
        reports.filter(status=status).order_by(*BOARD_ORDER).values_list("pk", flat=True)[:per_column]
        for status in statuses
    ]
    cards = with_sla(
        card_queryset(Report.objects.filter(pk__in=firsts[0].union(*firsts[1:], all=True))), now
    ).order_by("status", *BOARD_ORDER)
    by_status: dict[str, list[Report]] = {status: [] for status in statuses}
    for report in cards:
        by_status[report.status].append(report)
    labels = dict(Report.Status.choices)
    return [
        Column(status=s, label=str(labels[s]), count=counts.get(s, 0), cards=by_status[s]) for s in statuses
    ]


MAP_CAP = 500


def _lng_lat() -> tuple[RawSQL, RawSQL]:
    table = Report._meta.db_table
    return (
        RawSQL(f'ST_X("{table}"."point"::geometry)', ()),  # noqa: S611 - our own table name
        RawSQL(f'ST_Y("{table}"."point"::geometry)', ()),  # noqa: S611 - our own table name
    )


def map_pins(
    access: TriageAccess,
    filters: BoardFilters,
    *,
    bbox: tuple[float, float, float, float] | None = None,
    zoom: int = 13,
    cap: int = MAP_CAP,
    now: datetime | None = None,
) -> dict[str, Any]:
    """The board's filtered reports (its columns' statuses) as map pins inside `bbox` (west, south, east,
    north): each report when there are at most `cap`, else grid clusters sized for `zoom`. Two queries."""
    from django.contrib.gis.geos import Polygon
    from django.db.models import Avg

    statuses = BOARD_COLUMNS + (FOLDED if filters.show_folded else ())
    reports = filtered_reports(access, filters, now=now).filter(status__in=statuses, point__isnull=False)
    if bbox is not None:
        reports = reports.filter(point__intersects=Polygon.from_bbox(bbox))
    reports = reports.order_by()
    total = reports.count()
    lng, lat = _lng_lat()
    if total <= cap:
        rows = reports.annotate(lng=lng, lat=lat).order_by(*BOARD_ORDER)
        pins = [
            {
                "id": r.pk,
                "reference": r.reference,
                "title": r.title,
                "status": r.status,
                "priority": r.priority,
                "sla": getattr(r, "sla_state", SLA.NONE),
                "lat": round(r.lat, 6),
                "lng": round(r.lng, 6),
            }
            for r in rows.only("id", "reference", "title", "status", "priority")
        ]
        return {"total": total, "pins": pins, "clusters": []}
    # About 64 screen pixels a cell at this zoom (a 256-pixel tile spans 360 / 2**zoom degrees).
    cell = 360 / 2 ** max(0, min(zoom, 20)) / 4
    table = Report._meta.db_table
    cells = (
        reports.annotate(
            gx=RawSQL(f'floor(ST_X("{table}"."point"::geometry) / %s)', (cell,)),  # noqa: S611
            gy=RawSQL(f'floor(ST_Y("{table}"."point"::geometry) / %s)', (cell,)),  # noqa: S611
        )
        .values("gx", "gy")
        .annotate(count=Count("id"), lng=Avg(lng), lat=Avg(lat))
        .order_by("-count")[:cap]
    )
    clusters = [{"lat": round(c["lat"], 6), "lng": round(c["lng"], 6), "count": c["count"]} for c in cells]
    return {"total": total, "pins": [], "clusters": clusters}


def board_card(report_id: int, *, now: datetime | None = None) -> Report | None:
    """One card, for a broadcast: the same fields and annotations as on the board."""
    return card_queryset(with_sla(Report.objects.filter(pk=report_id), now)).first()


def person_name(user: Any) -> str:
    if user is None:
        return ""
    full = f"{user.last_name} {user.first_name}".strip()
    return full or user.username


def card_json(report: Report) -> dict[str, Any]:
    """A card as the board's script and the live updates carry it: never reporter data."""
    from django.core.files.storage import default_storage

    thumb = getattr(report, "thumb", "") or ""
    return {
        "id": report.pk,
        "reference": report.reference,
        "title": report.title or report.category.name,
        "status": report.status,
        "priority": report.priority,
        "priority_label": str(Priority(report.priority).label),
        "category": {"name": report.category.name, "icon": report.category.icon},
        "area": report.area.name if report.area_id and report.area else "",
        "department_id": report.department_id,
        "assignee": person_name(report.assignee) if report.assignee_id else "",
        "assignee_id": report.assignee_id,
        "source": report.source,
        "created_at": report.created_at.isoformat(),
        "sla": getattr(report, "sla_state", SLA.NONE),
        "version": report.version,
        "thumb": default_storage.url(thumb) if thumb else "",
    }


@dataclass(frozen=True, slots=True)
class FilterChoices:
    categories: list[Category]
    departments: list[Department]
    areas: list[Area]
    assignees: list[Any]
    saved: list[SavedFilter]


def filter_choices(access: TriageAccess) -> FilterChoices:
    """The options of the board's filter form: one query each."""
    town = access.municipality
    departments = Department.objects.filter(municipality=town)
    if not access.whole_town:
        departments = departments.filter(Q(pk=access.department_id))
    staff = get_user_model().objects.filter(memberships__municipality=town, is_active=True)
    if not access.whole_town:
        staff = staff.filter(Q(memberships__department_id=access.department_id))
    return FilterChoices(
        categories=list(Category.objects.filter(municipality=town).only("id", "name_ja", "name_en")),
        departments=list(departments.only("id", "name_ja", "name_en")),
        areas=list(Area.objects.filter(municipality=town).only("id", "name_ja", "name_en")),
        assignees=list(staff.only("id", "username", "first_name", "last_name").order_by("username")),
        saved=list(SavedFilter.objects.filter(user_id=access.user_id, municipality=town)),
    )


def report_for_staff(access: TriageAccess, report_id: int) -> Report:
    """One report this person sees, with everything the detail panel shows. Report.DoesNotExist otherwise."""
    from django.db.models import Prefetch

    report: Report = (
        with_sla(
            access.reports().select_related(
                "category", "area", "department", "assignee", "reporter", "duplicate_of"
            )
        )
        .defer("area__boundary")
        .prefetch_related(
            Prefetch("photos", queryset=Photo.objects.order_by("position", "pk")),
            Prefetch("events", queryset=ReportEvent.objects.select_related("actor").order_by("at", "pk")),
        )
        .get(pk=report_id)
    )
    return report


def nearby_reports(report: Report, *, radius_m: float = 200, limit: int = 10) -> list[Report]:
    """Other open reports near this one (any category), nearest first, for the detail map and merging."""
    from django.contrib.gis.db.models.functions import Distance
    from django.contrib.gis.measure import D

    if report.point is None:
        return []
    return list(
        Report.objects.filter(
            municipality_id=report.municipality_id,
            status__in=Report.OPEN_STATUSES,
            point__dwithin=(report.point, D(m=radius_m)),
        )
        .exclude(pk=report.pk)
        .select_related("category")
        .only("id", "reference", "title", "status", "point", "category__name_ja", "category__name_en")
        .annotate(distance=Distance("point", report.point))
        .order_by("distance")[:limit]
    )


def response_templates(access: TriageAccess, category_id: int | None = None) -> list[ResponseTemplate]:
    templates = ResponseTemplate.objects.filter(municipality=access.municipality)
    if category_id is not None:
        templates = templates.filter(Q(category_id=category_id) | Q(category__isnull=True))
    return list(templates)


# ----------------------------------------------------------------------------------------------------------
# Dashboard


class PercentileCont(Aggregate):
    """PostgreSQL's ordered-set aggregate percentile_cont(fraction) WITHIN GROUP (ORDER BY expression)."""

    function = "PERCENTILE_CONT"
    template = "%(function)s(%(fraction)s) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()

    def __init__(self, expression: Any, fraction: float, **extra: Any) -> None:
        super().__init__(expression, fraction=float(fraction), **extra)


def _hours_between(start: str, end: str) -> Any:
    return Extract(ExpressionWrapper(F(end) - F(start), output_field=DurationField()), "epoch") / 3600.0


def _timings() -> dict[str, Aggregate]:
    ack = _hours_between("created_at", "acknowledged_at")
    res = _hours_between("created_at", "resolved_at")
    return {
        "acknowledge_p50_h": PercentileCont(ack, 0.5),
        "acknowledge_p90_h": PercentileCont(ack, 0.9),
        "resolve_p50_h": PercentileCont(res, 0.5),
        "resolve_p90_h": PercentileCont(res, 0.9),
        "count": Count("id"),
    }


def _rounded(row: dict[str, Any]) -> dict[str, Any]:
    return {k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()}


HEAT_CELL_DEGREES = 0.002  # about 200 m


def dashboard_data(
    access: TriageAccess, filters: BoardFilters, *, now: datetime | None = None
) -> dict[str, Any]:
    """Every figure of the dashboard, each from one SQL aggregate over the filtered reports."""
    reports = filtered_reports(access, filters, now=now).order_by()
    statuses = dict(reports.values_list("status").annotate(n=Count("id")))
    new_weekly = dict(
        reports.annotate(week=TruncWeek("created_at")).values_list("week").annotate(n=Count("id"))
    )
    resolved_weekly = dict(
        reports.filter(resolved_at__isnull=False)
        .annotate(week=TruncWeek("resolved_at"))
        .values_list("week")
        .annotate(n=Count("id"))
    )
    weeks = sorted(set(new_weekly) | set(resolved_weekly))
    by_category = [
        _rounded(row)
        for row in reports.values("category_id", "category__name_ja", "category__name_en")
        .annotate(**_timings())
        .order_by("category__name_ja")
    ]
    by_department = [
        _rounded(row)
        for row in reports.values("department_id", "department__name_ja", "department__name_en")
        .annotate(**_timings())
        .order_by("department__name_ja")
    ]
    sla = reports.aggregate(
        met=Count("id", filter=Q(sla_state=SLA.MET)),
        late=Count("id", filter=Q(sla_state=SLA.LATE)),
        overdue=Count("id", filter=Q(sla_state=SLA.OVERDUE)),
        due_soon=Count("id", filter=Q(sla_state=SLA.DUE_SOON)),
        on_time=Count("id", filter=Q(sla_state=SLA.ON_TIME)),
    )
    decided = sla["met"] + sla["late"] + sla["overdue"]
    sla["compliance"] = round(sla["met"] / decided, 3) if decided else None
    cell = HEAT_CELL_DEGREES
    heat = (
        reports.filter(point__isnull=False)
        .annotate(
            gx=RawSQL(f'floor(ST_X("{Report._meta.db_table}"."point"::geometry) / %s)', (cell,)),  # noqa: S611
            gy=RawSQL(f'floor(ST_Y("{Report._meta.db_table}"."point"::geometry) / %s)', (cell,)),  # noqa: S611
        )
        .values_list("gx", "gy")
        .annotate(n=Count("id"))
    )
    top_areas = (
        reports.filter(area__isnull=False)
        .values("area_id", "area__name_ja", "area__name_en")
        .annotate(count=Count("id"))
        .order_by("-count", "area__name_ja")[:10]
    )
    return {
        "status_counts": {s: statuses.get(s, 0) for s in Report.Status.values},
        "weekly": [
            {"week": w.date().isoformat(), "new": new_weekly.get(w, 0), "resolved": resolved_weekly.get(w, 0)}
            for w in weeks
        ],
        "by_category": by_category,
        "by_department": by_department,
        "sla": sla,
        "heat": [
            {"lat": round((gy + 0.5) * cell, 5), "lng": round((gx + 0.5) * cell, 5), "count": n}
            for gx, gy, n in heat
        ],
        "heat_cell_degrees": cell,
        "top_areas": list(top_areas),
    }


def audit_events(access: TriageAccess, filters: BoardFilters) -> QuerySet[ReportEvent]:
    """The events of the filtered reports, oldest first, for the auditors' export."""
    reports = filtered_reports(access, filters).order_by().values("pk")
    return (
        ReportEvent.objects.filter(report__in=reports)
        .select_related("actor", "report")
        .only(
            "id",
            "kind",
            "at",
            "is_public",
            "before",
            "after",
            "message",
            "actor__username",
            "report__reference",
        )
        .order_by("at", "pk")
    )
