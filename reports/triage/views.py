"""The triage board's admin views (/admin/triage/): each authorises, parses, calls one service and renders.

Actions answer JSON to the board's script (`Accept: application/json`) and redirect with a message otherwise,
so every action also works without JavaScript.
"""

import csv
import json
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civic.errors import ServiceError
from civic.models import Department
from reports import services as report_services
from reports.models import Category, Photo, Priority, Report
from reports.triage import services
from reports.triage.access import TriageAccess, board_access
from reports.triage.cards import CardContext, cards_html, detail_base
from reports.triage.selectors import (
    BOARD_COLUMNS,
    FOLDED,
    SLA,
    BoardFilters,
    Place,
    audit_events,
    board_card,
    board_columns,
    card_json,
    column_cards,
    dashboard_data,
    filter_choices,
    filtered_reports,
    map_pins,
    nearby_reports,
    report_for_staff,
    response_templates,
)

View = Callable[..., HttpResponse | StreamingHttpResponse]


def board_view(view: View) -> View:
    """Resolve the town (?town=slug, else the request's, else the user's first) and the access to it."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse | StreamingHttpResponse:
        access = board_access(
            request.user,
            slug=str(request.GET.get("town", "") or request.POST.get("town", "")),
            current=getattr(request, "municipality", None),
        )
        if access is None:
            raise PermissionDenied
        return view(request, access, *args, **kwargs)

    return wrapped


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _back(request: HttpRequest, fallback: str) -> HttpResponseRedirect:
    target = str(request.POST.get("next", "") or "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)


def _version(request: HttpRequest) -> int | None:
    value = str(request.POST.get("version", "") or "")
    return int(value) if value.isdigit() else None


@require_GET
@board_view
def board(request: HttpRequest, access: TriageAccess) -> HttpResponse:
    filters = BoardFilters.from_query(request.GET)
    columns = board_columns(access, filters)
    card_context = CardContext.make(
        town_slug=access.municipality.slug, may_work=access.may_work, sla_labels=dict(_sla_labels())
    )
    query = request.GET.copy()
    query.pop("town", None)
    return render(
        request,
        "reports/triage/board.html",
        {
            "page_title": _("Triage board"),
            "access": access,
            "town": access.municipality,
            "columns": columns,
            "rendered_columns": [(c, cards_html(c.cards, card_context)) for c in columns],
            "filters": filters,
            "choices": filter_choices(access),
            "priorities": Priority.choices,
            "sources": Report.Source.choices,
            "sla_states": _sla_labels(),
            "statuses": Report.Status.choices,
            "query": query.urlencode(),
            "cards": {c.status: [card_json(r) for r in c.cards] for c in columns},
            "socket_path": f"/ws/triage/?town={access.municipality.slug}",
            "view": "map" if request.GET.get("view") == "map" else "board",
            "script_data": {
                "statuses": dict(Report.Status.choices),
                "map": _map_config(access, query.urlencode()),
                "strings": {
                    "moved": _("%(reference)s is now “%(status)s”."),
                    "failed": _("The change could not be saved. Please reload the page and try again."),
                    "shown_more": _("%(count)s more reports shown in “%(status)s”."),
                    "more_failed": _("More reports could not be loaded. Please try again."),
                },
            },
        },
    )


@require_GET
@board_view
def column(request: HttpRequest, access: TriageAccess, status: str) -> HttpResponse:
    """A column's next cards after the place `after` ("show more"; its first without), as the board's HTML
    and card data, with the place of the last of them to go on from."""
    if status not in BOARD_COLUMNS + FOLDED:
        raise Http404
    after = str(request.GET.get("after", "") or "")
    place = Place.parse(after) if after else None
    if after and place is None:
        return JsonResponse(
            {"ok": False, "error": _("The list could not be continued. Please reload the page.")}, status=400
        )
    filters = BoardFilters.from_query(request.GET)
    found = column_cards(access, filters, status, after=place)
    card_context = CardContext.make(
        town_slug=access.municipality.slug, may_work=access.may_work, sla_labels=dict(_sla_labels())
    )
    return JsonResponse(
        {
            "ok": True,
            "html": cards_html(found.cards, card_context),
            "cards": [card_json(card) for card in found.cards],
            "more": found.more,
            "after": str(Place.of(found.cards[-1])) if found.cards else after,
        },
        json_dumps_params={"ensure_ascii": False},
    )


def _map_config(access: TriageAccess, query: str) -> dict[str, Any]:
    """What the board's and the detail panel's maps need, with their words (the scripts hold none)."""
    town = access.municipality
    return {
        "url": f"{reverse('triage:map_json')}?town={town.slug}&{query}",
        "center": [town.center.y, town.center.x],
        "zoom": town.default_zoom,
        "strings": {
            "no_tiles": _("The background map is not available."),
            "cluster": _("%(count)s reports here: zoom in to see them"),
            "shown": _("%(shown)s of %(total)s reports are shown on the map."),
            "clustered": _("%(total)s reports: zoom in to see single reports."),
            "this_report": _("This report"),
            "failed": _("The map could not be loaded. Please try again."),
        },
    }


def _sla_labels() -> list[tuple[str, str]]:
    return [
        (SLA.ON_TIME, _("On time")),
        (SLA.DUE_SOON, _("Due soon")),
        (SLA.OVERDUE, _("Overdue")),
        (SLA.MET, _("Answered in time")),
        (SLA.LATE, _("Answered late")),
        (SLA.NONE, _("No target")),
    ]


@require_GET
@board_view
def report_detail(request: HttpRequest, access: TriageAccess, pk: int) -> HttpResponse:
    try:
        report = report_for_staff(access, pk)
    except Report.DoesNotExist as missing:
        raise Http404 from missing
    staff = (
        get_user_model()
        .objects.filter(memberships__municipality=access.municipality, is_active=True)
        .order_by("username")
    )
    nearby = nearby_reports(report)
    return render(
        request,
        "reports/triage/detail.html",
        {
            "page_title": report.reference,
            "access": access,
            "town": access.municipality,
            "report": report,
            "may_work": access.works(report),
            "show_contact": access.may_see_contact and access.works(report),
            "nearby": nearby,
            "templates": response_templates(access, report.category_id),
            "next_statuses": [
                (s, Report.Status(s).label)
                for s in Report.Status.values
                if s in Report.TRANSITIONS[report.status]
            ],
            "priorities": Priority.choices,
            "departments": Department.objects.filter(municipality=access.municipality),
            "staff": staff,
            "sla_labels": dict(_sla_labels()),
            "location": _location_data(access, report, nearby),
        },
    )


def _location_data(access: TriageAccess, report: Report, nearby: list[Report]) -> dict[str, Any] | None:
    """The detail map's data: the report's place and the open reports near it (no reporter data)."""
    if report.point is None:
        return None
    return {
        "map": _map_config(access, ""),
        "report": {"reference": report.reference, "lat": report.point.y, "lng": report.point.x},
        "nearby": [
            {
                "reference": other.reference,
                "title": other.display_title,
                "lat": other.point.y,
                "lng": other.point.x,
                "url": f"{reverse('triage:detail', args=[other.pk])}?town={access.municipality.slug}",
            }
            for other in nearby
            if other.point is not None
        ],
    }


ACTIONS = ("status", "assign", "priority", "update", "note", "merge", "spam", "photo")


@require_POST
@board_view
def report_action(request: HttpRequest, access: TriageAccess, pk: int, action: str) -> HttpResponse:
    if action not in ACTIONS:
        raise Http404
    user: Any = request.user
    version = _version(request)
    data = request.POST
    detail_url = reverse("triage:detail", args=[pk])
    try:
        if action == "status":
            services.triage_transition(
                access=access,
                actor=user,
                report_id=pk,
                version=version,
                status=str(data.get("status", "")),
                message=str(data.get("message", "")),
            )
        elif action == "assign":
            assignee = _staff_member(access, str(data.get("assignee", "")))
            department = _department(access, str(data.get("department", "")))
            services.triage_assign(
                access=access,
                actor=user,
                report_id=pk,
                version=version,
                assignee=assignee,
                department=department,
            )
        elif action == "priority":
            services.triage_set_priority(
                access=access,
                actor=user,
                report_id=pk,
                version=version,
                priority=str(data.get("priority", "")),
            )
        elif action in ("update", "note"):
            services.triage_add_update(
                access=access,
                actor=user,
                report_id=pk,
                version=version,
                message=str(data.get("message", "")),
                public=action == "update",
            )
        elif action == "merge":
            services.triage_merge(
                access=access,
                actor=user,
                report_id=pk,
                version=version,
                into_reference=str(data.get("into", "")),
            )
        elif action == "spam":
            services.triage_mark_spam(access=access, actor=user, report_id=pk, version=version)
        elif action == "photo":
            _moderate_photo(request, access, pk)
    except ServiceError as error:
        if _wants_json(request):
            card = board_card(pk)
            return JsonResponse(
                {
                    "ok": False,
                    "message": error.message,
                    "card": card_json(card) if card is not None and access.sees(card) else None,
                },
                status=409 if "version" in error.field_errors else 400,
            )
        messages.error(request, error.message)
        return _back(request, detail_url)
    if _wants_json(request):
        card = board_card(pk)
        return JsonResponse({"ok": True, "card": card_json(card) if card is not None else None})
    messages.success(request, _("Saved."))
    return _back(request, detail_url)


def _moderate_photo(request: HttpRequest, access: TriageAccess, report_id: int) -> None:
    photo_id = str(request.POST.get("photo", ""))
    photo = (
        Photo.objects.select_related("report").filter(pk=int(photo_id), report_id=report_id).first()
        if photo_id.isdigit()
        else None
    )
    if photo is None or not access.works(photo.report):
        raise ServiceError(_("That photo does not exist."))
    report_services.photo_moderate(
        photo=photo,
        visible=request.POST.get("visible") == "1",
        actor=request.user,  # type: ignore[arg-type]
        reason=str(request.POST.get("reason", "")),
    )


def _staff_member(access: TriageAccess, value: str) -> Any:
    if not value.isdigit():
        return None
    person = (
        get_user_model().objects.filter(pk=int(value), memberships__municipality=access.municipality).first()
    )
    if person is None:
        raise ServiceError(_("Choose a member of staff of this municipality."))
    return person


def _department(access: TriageAccess, value: str) -> Department | None:
    if not value.isdigit():
        return None
    department = Department.objects.filter(pk=int(value), municipality=access.municipality).first()
    if department is None:
        raise ServiceError(_("Choose a department of this municipality."))
    return department


@require_POST
@board_view
def bulk(request: HttpRequest, access: TriageAccess) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("report") if v.isdigit()]
    try:
        result = services.triage_bulk(
            access=access,
            actor=request.user,  # type: ignore[arg-type]
            report_ids=ids,
            action=str(request.POST.get("action", "")),
            value=str(request.POST.get("value", "")),
            message=str(request.POST.get("message", "")),
            assignee=_staff_member(access, str(request.POST.get("assignee", ""))),
            department=_department(access, str(request.POST.get("department", ""))),
        )
    except ServiceError as error:
        messages.error(request, error.message)
        return _back(request, reverse("triage:board"))
    if result.done:
        messages.success(request, _("Done for %(count)s reports.") % {"count": len(result.done)})
    for reference, message in result.failed:
        messages.error(request, f"{reference}: {message}")
    return _back(request, reverse("triage:board"))


@require_POST
@board_view
def save_filter(request: HttpRequest, access: TriageAccess) -> HttpResponse:
    try:
        if request.POST.get("delete", "").isdigit():
            services.saved_filter_delete(access=access, saved_filter_id=int(request.POST["delete"]))
        else:
            services.saved_filter_save(
                access=access,
                name=str(request.POST.get("name", "")),
                query=str(request.POST.get("query", "")),
            )
    except ServiceError as error:
        messages.error(request, error.message)
    return _back(request, reverse("triage:board"))


@board_view
def intake(request: HttpRequest, access: TriageAccess) -> HttpResponse:
    categories = Category.objects.filter(municipality=access.municipality, is_active=True)
    context: dict[str, Any] = {
        "page_title": _("Enter a report"),
        "access": access,
        "town": access.municipality,
        "categories": categories,
    }
    if request.method == "POST":
        data = request.POST
        context["data"] = data
        category = (
            categories.filter(pk=int(data["category"])).first()
            if data.get("category", "").isdigit()
            else None
        )
        point = None
        try:
            if data.get("lat") and data.get("lng"):
                point = Point(float(data["lng"]), float(data["lat"]), srid=4326)
        except ValueError:
            context["error"] = _("Enter the coordinates as numbers.")
        if category is None:
            context["error"] = _("Choose a category.")
        if "error" not in context and category is not None:
            try:
                result = services.triage_intake(
                    access=access,
                    actor=request.user,  # type: ignore[arg-type]
                    category=category,
                    description=str(data.get("description", "")),
                    point=point,
                    location_text=str(data.get("location_text", "")),
                    reporter_name=str(data.get("reporter_name", "")),
                    reporter_phone=str(data.get("reporter_phone", "")),
                    reporter_email=str(data.get("reporter_email", "")),
                    confirmed=data.get("confirmed") == "1",
                )
            except ServiceError as error:
                context["error"] = error.message
                context["field_errors"] = error.field_errors
            else:
                if result.report is not None:
                    messages.success(
                        request, _("Report %(reference)s entered.") % {"reference": result.report.reference}
                    )
                    return HttpResponseRedirect(reverse("triage:detail", args=[result.report.pk]))
                context["nearby"] = result.nearby
    return render(request, "reports/triage/intake.html", context)


def _bbox(value: str) -> tuple[float, float, float, float] | None:
    """`west,south,east,north` in degrees, or None when missing or malformed."""
    try:
        west, south, east, north = (float(part) for part in value.split(","))
    except ValueError:
        return None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        return None
    return west, south, east, north


@require_GET
@board_view
def map_json(request: HttpRequest, access: TriageAccess) -> HttpResponse:
    """The board's filtered reports as map pins (or clusters when there are many): no reporter data."""
    zoom = str(request.GET.get("zoom", "") or "")
    data = map_pins(
        access,
        BoardFilters.from_query(request.GET),
        bbox=_bbox(str(request.GET.get("bbox", "") or "")),
        zoom=int(zoom) if zoom.isdigit() else access.municipality.default_zoom,
    )
    detail = detail_base()
    for pin in data["pins"]:
        pin["url"] = f"{detail}{pin['id']}/?town={access.municipality.slug}"
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


@require_GET
@board_view
def dashboard(request: HttpRequest, access: TriageAccess) -> HttpResponse:
    return render(
        request,
        "reports/triage/dashboard.html",
        {
            "page_title": _("Triage dashboard"),
            "access": access,
            "town": access.municipality,
            "filters": BoardFilters.from_query(request.GET),
            "query": request.GET.urlencode(),
            "words": {
                "language": get_language() or "ja",
                "statuses": dict(Report.Status.choices),
                "strings": {"reports": _("Reports"), "new": _("New"), "resolved": _("Resolved")},
            },
        },
    )


@require_GET
@board_view
def dashboard_json(request: HttpRequest, access: TriageAccess) -> HttpResponse:
    data = dashboard_data(access, BoardFilters.from_query(request.GET))
    data["center"] = [access.municipality.center.x, access.municipality.center.y]
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


class _Echo:
    def write(self, value: str) -> str:
        return value


def _csv(rows: Iterator[list[Any]], filename: str) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_GET
@board_view
def export_csv(request: HttpRequest, access: TriageAccess) -> StreamingHttpResponse:
    """The filtered reports as CSV; reporter contact only for those who may see it."""
    contact = access.may_see_contact
    reports = (
        filtered_reports(access, BoardFilters.from_query(request.GET))
        .select_related("category", "department", "area", "assignee", *(["reporter"] if contact else []))
        .defer("area__boundary")
        .order_by("created_at", "pk")
    )

    def rows() -> Iterator[list[Any]]:
        yield [
            "\ufeffreference",
            "created_at",
            "status",
            "priority",
            "category",
            "department",
            "area",
            "source",
            "assignee",
            "acknowledged_at",
            "resolved_at",
            "sla",
            "lat",
            "lng",
            *(["reporter_name", "reporter_email", "reporter_phone"] if contact else []),
        ]
        for r in reports.iterator(chunk_size=2000):
            row = [
                r.reference,
                r.created_at.isoformat(),
                r.status,
                r.priority,
                r.category.code,
                r.department.code if r.department else "",
                r.area.code if r.area else "",
                r.source,
                r.assignee.username if r.assignee else "",
                r.acknowledged_at.isoformat() if r.acknowledged_at else "",
                r.resolved_at.isoformat() if r.resolved_at else "",
                getattr(r, "sla_state", ""),
                round(r.point.y, 5) if r.point else "",
                round(r.point.x, 5) if r.point else "",
            ]
            if contact:
                reporter = r.reporter
                row += [reporter.name, reporter.email, reporter.phone] if reporter else ["", "", ""]
            yield row

    return _csv(rows(), f"reports-{access.municipality.slug}.csv")


@require_GET
@board_view
def audit_csv(request: HttpRequest, access: TriageAccess) -> StreamingHttpResponse:
    """Every event of the filtered reports, with actor and before/after, for auditors."""
    if not access.may_export:
        raise PermissionDenied

    def rows() -> Iterator[list[Any]]:
        yield ["\ufeffreport", "at", "kind", "actor", "public", "before", "after", "message"]
        for e in audit_events(access, BoardFilters.from_query(request.GET)).iterator(chunk_size=2000):
            yield [
                e.report.reference,
                e.at.isoformat(),
                e.kind,
                e.actor.username if e.actor else "",
                "1" if e.is_public else "0",
                json.dumps(e.before, ensure_ascii=False, sort_keys=True),
                json.dumps(e.after, ensure_ascii=False, sort_keys=True),
                e.message,
            ]

    return _csv(rows(), f"audit-{access.municipality.slug}.csv")


urlpatterns = [
    path("", board, name="board"),
    path("column/<slug:status>/", column, name="column"),
    path("report/<int:pk>/", report_detail, name="detail"),
    path("report/<int:pk>/<slug:action>/", report_action, name="action"),
    path("bulk/", bulk, name="bulk"),
    path("filters/", save_filter, name="filters"),
    path("intake/", intake, name="intake"),
    path("map.json", map_json, name="map_json"),
    path("dashboard/", dashboard, name="dashboard"),
    path("dashboard/data.json", dashboard_json, name="dashboard_json"),
    path("export.csv", export_csv, name="export"),
    path("audit.csv", audit_csv, name="audit"),
]
