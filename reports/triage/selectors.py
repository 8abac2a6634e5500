"""Read queries of the triage board and dashboard, scoped by `TriageAccess`; every figure is computed in SQL.

The board answers in a constant number of queries whatever the number of reports: one for the cards of all
columns (each column's first N by its own index-ordered LIMIT, a LATERAL join over the columns), one for the
column counts, and one for all the filter choices.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any

from django.contrib.auth import get_user_model
from django.db import connection
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
from django.db.models.functions import Extract, Now, TruncWeek
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import get_language

from civic.models import Department, StaffMembership
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
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)

# What a card shows, in the order of `Card`'s raw row: no reporter data, no description, no area boundary.
CARD_COLUMNS = (
    "id",
    "municipality_id",
    "reference",
    "title",
    "status",
    "priority",
    "priority_rank",
    "source",
    "created_at",
    "version",
    "department_id",
    "assignee_id",
    "category__name_ja",
    "category__name_en",
    "category__icon",
    "area__name_ja",
    "area__name_en",
    "assignee__username",
    "assignee__first_name",
    "assignee__last_name",
    "sla_state",
    "thumb",
)


def with_sla(reports: QuerySet[Report], now: datetime | Now | None = None) -> QuerySet[Report]:
    """Annotate `sla_deadline` and `sla_state` (see `SLA`); the clock stops at acknowledgement.

    `now` is a time, or `Now()` for the database's clock; by default this process's clock."""
    if now is None:
        now = timezone.now()
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


@dataclass(frozen=True, slots=True)
class Card:
    """A card of the board, with its names in the active language: never reporter data."""

    pk: int
    municipality_id: int
    reference: str
    title: str  # the report's title, else its category's name
    status: str
    priority: str
    priority_rank: int
    source: str
    created_at: datetime
    version: int
    department_id: int | None
    assignee_id: int | None
    category_name: str
    category_icon: str
    area: str  # "" without an area
    assignee_username: str  # "" when unassigned
    assignee_name: str
    sla_state: str
    thumb: str  # the first visible photo's thumbnail (a storage name), or ""

    @property
    def place(self) -> str:
        """Its place in the board's order, as "show more" takes it (see `Place`)."""
        return str(Place.of(self))


@cache
def _cards_sql() -> tuple[str, tuple[Any, ...]]:
    """The cards of the report ids in `board_ids` (a CTE that the caller puts first), ordered as on the board.

    Compiled by the ORM once per process: it has no parameter that changes (the SLA clock is the database's,
    `Now()`), and compiling it costs more than running it.
    """
    ids = RawSQL("SELECT id FROM board_ids", ())
    cards = (
        with_sla(Report.objects.filter(pk__in=ids), Now())
        .annotate(thumb=_thumbnail())
        .values_list(*CARD_COLUMNS)
        .order_by("status", *BOARD_ORDER)
    )
    sql, params = cards.query.sql_with_params()
    return sql, tuple(params)


def _cards(ids_sql: str, ids_params: Sequence[Any]) -> list[Card]:
    """The cards of the report ids that `ids_sql` selects (as `id`): one query."""
    sql, params = _cards_sql()
    with connection.cursor() as cursor:
        cursor.execute(f"WITH board_ids AS ({ids_sql}) {sql}", (*ids_params, *params))
        rows = cursor.fetchall()
    english = (get_language() or "ja").startswith("en")
    return [
        Card(
            pk=pk,
            municipality_id=town,
            reference=reference,
            title=title or _local(category_ja, category_en, english),
            status=status,
            priority=priority,
            priority_rank=priority_rank,
            source=source,
            created_at=created_at,
            version=version,
            department_id=department_id,
            assignee_id=assignee_id,
            category_name=_local(category_ja, category_en, english),
            category_icon=icon,
            area=_local(area_ja, area_en, english) if area_ja is not None else "",
            assignee_username=username or "",
            assignee_name=_person(username, first_name, last_name) if username is not None else "",
            sla_state=sla_state,
            thumb=thumb or "",
        )
        for (
            pk,
            town,
            reference,
            title,
            status,
            priority,
            priority_rank,
            source,
            created_at,
            version,
            department_id,
            assignee_id,
            category_ja,
            category_en,
            icon,
            area_ja,
            area_en,
            username,
            first_name,
            last_name,
            sla_state,
            thumb,
        ) in rows
    ]


def _local(name_ja: str, name_en: str, english: bool) -> str:
    """A bilingual name in the active language, as `civic.models.Bilingual.name` chooses it."""
    return name_en if english and name_en else name_ja


def _person(username: str, first_name: str, last_name: str) -> str:
    return f"{last_name} {first_name}".strip() or username


@dataclass(frozen=True, slots=True)
class Column:
    status: str
    label: str
    count: int
    cards: list[Card]


def board_columns(
    access: TriageAccess, filters: BoardFilters, *, per_column: int = PER_COLUMN
) -> list[Column]:
    """The board's columns with their first `per_column` cards (urgent and newest first): two queries.

    Each column's first cards come from its own `ORDER BY … LIMIT`, read off the `report_board_order` index:
    the filtered column query is compiled once, and a LATERAL join over the columns gives it each status.
    The counts group the same filtered rows.
    """
    statuses = BOARD_COLUMNS + (FOLDED if filters.show_folded else ())
    reports = filtered_reports(access, filters, sla=False)
    # COUNT(*), not COUNT(id): the narrowest index on (municipality, status) answers it alone.
    counts = dict(reports.filter(status__in=statuses).order_by().values_list("status").annotate(n=Count("*")))
    column = RawSQL("board_column.status", ())
    firsts = reports.filter(status=column).order_by(*BOARD_ORDER).values_list("pk")[:per_column]
    firsts_sql, firsts_params = firsts.query.sql_with_params()
    ids = (
        "SELECT firsts.pk AS id FROM unnest(%s::text[]) AS board_column(status) "  # noqa: S608 - the ORM's SQL
        f"CROSS JOIN LATERAL ({firsts_sql}) AS firsts"
    )
    by_status: dict[str, list[Card]] = {status: [] for status in statuses}
    for card in _cards(ids, ([str(s) for s in statuses], *firsts_params)):
        by_status[card.status].append(card)
    labels = dict(Report.Status.choices)
    return [
        Column(status=s, label=str(labels[s]), count=counts.get(s, 0), cards=by_status[s]) for s in statuses
    ]


@dataclass(frozen=True, slots=True)
class MoreCards:
    cards: list[Card]
    more: bool  # whether the column has cards after these


@dataclass(frozen=True, slots=True)
class Place:
    """Where a card stood in the board's order when it was shown: "show more" goes on from there, not from
    where that card is now, so a card whose priority changed meanwhile makes the next cards neither skip
    nor repeat. Written in pages as `rank.microseconds.id` (integers only)."""

    rank: int
    created_at: datetime
    pk: int

    @classmethod
    def of(cls, card: Card) -> "Place":
        return cls(card.priority_rank, card.created_at, card.pk)

    def __str__(self) -> str:
        return f"{self.rank}.{(self.created_at - EPOCH) // MICROSECOND}.{self.pk}"

    @classmethod
    def parse(cls, text: str) -> "Place | None":
        """The place written by `str`, or None for anything else."""
        parts = text.split(".")
        if len(parts) != 3 or not all(part.isdigit() and len(part) <= 18 for part in parts):
            return None
        rank, micros, pk = (int(part) for part in parts)
        try:
            return cls(rank, EPOCH + micros * MICROSECOND, pk)
        except OverflowError:  # past the year 9999
            return None


def column_cards(
    access: TriageAccess,
    filters: BoardFilters,
    status: str,
    *,
    after: Place | None,
    per_column: int = PER_COLUMN,
) -> MoreCards:
    """A column's next `per_column` cards after the place `after` in the board's order ("show more"; from the
    start without): keyed by place rather than by an offset, so cards moved meanwhile shift nothing. One
    query."""
    reports = filtered_reports(access, filters, sla=False).filter(status=status)
    if after is not None:
        reports = reports.filter(
            Q(priority_rank__lt=after.rank)
            | Q(priority_rank=after.rank, created_at__lt=after.created_at)
            | Q(priority_rank=after.rank, created_at=after.created_at, pk__lt=after.pk)
        )
    # One more than asked for tells whether there are more.
    page_sql, params = (
        reports.order_by(*BOARD_ORDER).values_list("pk")[: per_column + 1].query.sql_with_params()
    )
    cards = _cards(f"SELECT page.pk AS id FROM ({page_sql}) AS page", params)  # noqa: S608 - the ORM's SQL
    return MoreCards(cards=cards[:per_column], more=len(cards) > per_column)


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


def board_card(report_id: int) -> Card | None:
    """One card, for a broadcast or an action's answer: the same fields as on the board."""
    cards = _cards("SELECT %s::bigint AS id", (report_id,))
    return cards[0] if cards else None


def priority_labels() -> dict[str, str]:
    """The priorities' labels in the active language."""
    return _priority_labels(get_language() or "")


@cache
def _priority_labels(language: str) -> dict[str, str]:
    # Translations are read once per process, so their words per language can be kept as long.
    return {value: str(label) for value, label in Priority.choices}


def card_json(card: Card) -> dict[str, Any]:
    """A card as the board's script and the live updates carry it: never reporter data."""
    from django.core.files.storage import default_storage

    return {
        "id": card.pk,
        "reference": card.reference,
        "title": card.title,
        "status": card.status,
        "priority": card.priority,
        "priority_label": priority_labels().get(card.priority, card.priority),
        "category": {"name": card.category_name, "icon": card.category_icon},
        "area": card.area,
        "department_id": card.department_id,
        "assignee": card.assignee_name,
        "assignee_id": card.assignee_id,
        "source": card.source,
        "created_at": card.created_at.isoformat(),
        "sla": card.sla_state,
        "version": card.version,
        "thumb": default_storage.url(card.thumb) if card.thumb else "",
    }


@dataclass(frozen=True, slots=True)
class Choice:
    """An option of the board's filter form; a saved filter's `query` is its query string."""

    pk: int
    name: str
    query: str = ""


@dataclass(frozen=True, slots=True)
class FilterChoices:
    categories: list[Choice]
    departments: list[Choice]
    areas: list[Choice]
    assignees: list[Choice]  # by user name
    saved: list[Choice]  # this person's saved filters


# Every option of the filter form in one query, read afresh on each page (so never stale, whichever process
# serves it): the town's categories, departments and areas, its active staff (department staff see their own
# department's), and the person's saved filters, each list in its models' order.
FILTER_CHOICES_SQL = f"""
SELECT kind, id, name_ja, name_en FROM (
    SELECT 'categories' AS kind, id, name_ja, name_en,
        row_number() OVER (ORDER BY sort_order, code) AS position
    FROM {Category._meta.db_table} WHERE municipality_id = %(town)s
  UNION ALL
    SELECT 'departments', id, name_ja, name_en, row_number() OVER (ORDER BY code)
    FROM {Department._meta.db_table}
    WHERE municipality_id = %(town)s AND (%(department)s::bigint IS NULL OR id = %(department)s::bigint)
  UNION ALL
    SELECT 'areas', id, name_ja, name_en, row_number() OVER (ORDER BY code)
    FROM {Area._meta.db_table} WHERE municipality_id = %(town)s
  UNION ALL
    SELECT 'assignees', u.id, u.username, '', row_number() OVER (ORDER BY u.username)
    FROM {StaffMembership._meta.db_table} m JOIN {get_user_model()._meta.db_table} u ON u.id = m.user_id
    WHERE m.municipality_id = %(town)s AND u.is_active
      AND (%(department)s::bigint IS NULL OR m.department_id = %(department)s::bigint)
  UNION ALL
    SELECT 'saved', id, name, query, row_number() OVER (ORDER BY name)
    FROM {SavedFilter._meta.db_table} WHERE user_id = %(user)s AND municipality_id = %(town)s
) AS choices
ORDER BY kind, position
"""  # noqa: S608 - table names of our own models


def filter_choices(access: TriageAccess) -> FilterChoices:
    """The options of the board's filter form: one query."""
    with connection.cursor() as cursor:
        cursor.execute(
            FILTER_CHOICES_SQL,
            {
                "town": access.municipality.pk,
                "department": None if access.whole_town else access.department_id,
                "user": access.user_id,
            },
        )
        rows = cursor.fetchall()
    english = (get_language() or "ja").startswith("en")
    lists: dict[str, list[Choice]] = {
        "categories": [],
        "departments": [],
        "areas": [],
        "assignees": [],
        "saved": [],
    }
    for kind, pk, first, second in rows:
        if kind == "saved":
            lists[kind].append(Choice(pk, first, second))
        else:
            lists[kind].append(Choice(pk, _local(first, second, english)))
    return FilterChoices(**lists)


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
