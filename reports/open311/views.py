"""Open311 GeoReport v2 endpoints. Reads show public reports with public fields only; a POST (with an API key)
goes through `report_create` like every other channel. Every refusal is the spec's error list, never a 500:

- 400: a missing or unknown service_code, no location, a place outside the town, a malformed date, an unknown
  status, a page size beyond the limit, an unknown format (answered in JSON), answers the category refuses;
- 403: no API key or a wrong one; 404: an unknown service or request; 405: another method;
- 429 (with Retry-After): a client that posted more requests this hour than its limit.
"""

import zoneinfo
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib.gis.geos import Point
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.csrf import csrf_exempt

from civic.errors import ServiceError
from civic.models import Municipality
from reports.models import Category, Photo, Report, Reporter
from reports.open311.clients import open311_client_for_key, open311_client_rate_limit, open311_client_touch
from reports.open311.formats import FORMATS, error, respond, w3_datetime
from reports.questions import Question, questions
from reports.selectors import PUBLIC_PHOTO_FIELDS, categories_for_reporting
from reports.services import report_create

DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000  # the spec's default maximum number of requests in one answer
DEFAULT_WINDOW = timedelta(days=90)  # the spec: without dates, the last 90 days
OPEN = "open"
CLOSED = "closed"
DATATYPES = {"integer": "number", "number": "number", "string": "string", "boolean": "singlevaluelist"}

View = Callable[..., HttpResponse]


class Refused(Exception):
    def __init__(self, description: str, status: int = 400, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.status = status
        self.retry_after = retry_after


def open311_view(methods: tuple[str, ...]) -> Callable[[View], View]:
    """Checks the format and method, finds the town, and turns `Refused` into the spec's error list."""

    def decorate(view: View) -> View:
        def wrapped(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in FORMATS:
                return error(
                    _("Unknown format “%(format)s”: use json or xml.") % {"format": fmt[:20]},
                    status=400,
                    fmt="json",
                )
            if request.method not in methods:
                response = error(_("Method not allowed."), status=405, fmt=fmt)
                response["Allow"] = ", ".join(methods)
                return response
            municipality = getattr(request, "municipality", None)
            if municipality is None:
                return error(_("There is no municipality at this address."), status=404, fmt=fmt)
            try:
                return view(request, municipality, *args, fmt=fmt, **kwargs)
            except Refused as refused:
                response = error(refused.description, status=refused.status, fmt=fmt)
                if refused.retry_after is not None:
                    response["Retry-After"] = str(refused.retry_after)
                return response
            except Http404:
                return error(_("Not found."), status=404, fmt=fmt)

        wrapped.__name__ = view.__name__
        wrapped.__doc__ = view.__doc__
        return csrf_exempt(wrapped)  # clients authenticate with api_key, never with cookies

    return decorate


# --- services ---


def service_json(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": str(category.name),
        "description": category.hint_en
        if category.name == category.name_en and category.hint_en
        else category.hint_ja,
        "metadata": bool(questions(category.extra_questions)),
        "type": "realtime",
        "keywords": "",
        "group": "",
    }


def attribute_json(question: Question, order: int) -> dict[str, Any]:
    values: list[dict[str, Any]] = []
    datatype = DATATYPES.get(question.type, "string")
    if question.enum:
        datatype = "singlevaluelist"
        values = [{"key": value, "name": str(value)} for value in question.enum]
    elif question.type == "boolean":
        values = [{"key": "true", "name": _("Yes")}, {"key": "false", "name": _("No")}]
    description = None
    if question.type == "integer":
        description = _("A whole number.")
    return {
        "variable": True,
        "code": question.key,
        "datatype": datatype,
        "required": question.required,
        "datatype_description": description,
        "order": order,
        "description": question.title,
        "values": values,
    }


@open311_view(("GET", "HEAD"))
def services(request: HttpRequest, municipality: Municipality, *, fmt: str) -> HttpResponse:
    categories = categories_for_reporting(municipality=municipality)
    return respond([service_json(c) for c in categories], root="services", fmt=fmt)


@open311_view(("GET", "HEAD"))
def service_definition(
    request: HttpRequest, municipality: Municipality, code: str, *, fmt: str
) -> HttpResponse:
    category = categories_for_reporting(municipality=municipality).filter(code=code).first()
    if category is None:
        raise Refused(_("There is no service with the code “%(code)s”.") % {"code": code[:50]}, status=404)
    body = {
        "service_code": category.code,
        "attributes": [
            attribute_json(question, order)
            for order, question in enumerate(questions(category.extra_questions), 1)
        ],
    }
    return respond(body, root="service_definition", fmt=fmt)


# --- requests ---


def open311_status(report: Report) -> str:
    return OPEN if report.status in Report.OPEN_STATUSES else CLOSED


def request_json(report: Report, request: HttpRequest, zone: Any) -> dict[str, Any]:
    """A public report as a service request: public fields only (no reporter, no typed address, no notes)."""
    photos = [photo for photo in getattr(report, "open311_photos", []) if photo.is_public]
    point = report.point
    return {
        "service_request_id": report.reference,
        "status": open311_status(report),
        "status_notes": str(Report.Status(report.status).label),
        "service_name": str(report.category.name),
        "service_code": report.category.code,
        "description": report.description,
        "agency_responsible": str(report.municipality.name),
        "service_notice": "",
        "requested_datetime": w3_datetime(report.created_at, zone),
        "updated_datetime": w3_datetime(report.updated_at, zone),
        "expected_datetime": None,
        "address": "",
        "address_id": "",
        "zipcode": "",
        "lat": round(point.y, 6) if point is not None else None,
        "long": round(point.x, 6) if point is not None else None,
        "media_url": request.build_absolute_uri(photos[0].large.url) if photos else "",
    }


def public_requests(municipality: Municipality) -> QuerySet[Report]:
    photos = Photo.objects.filter(state=Photo.State.READY, moderation=Photo.Moderation.VISIBLE)
    return (
        Report.objects.filter(municipality=municipality, is_public=True)
        .select_related("category", "municipality")
        .only(
            "id",
            "reference",
            "status",
            "description",
            "point",
            "created_at",
            "updated_at",
            "is_public",
            "category__code",
            "category__name_ja",
            "category__name_en",
            "municipality__name_ja",
            "municipality__name_en",
        )
        .prefetch_related(
            Prefetch("photos", queryset=photos.only(*PUBLIC_PHOTO_FIELDS), to_attr="open311_photos")
        )
    )


def zone_of(municipality: Municipality) -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(municipality.timezone or "Asia/Tokyo")


def parse_datetime_param(request: HttpRequest, name: str, zone: Any) -> datetime | None:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace(" ", "+"))  # a "+" left unescaped in a query is a space
    except ValueError:
        raise Refused(
            _("%(name)s must be a date and time like 2026-04-01T09:00:00+09:00.") % {"name": name}
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def int_param(request: HttpRequest, name: str, default: int, maximum: int | None = None) -> int:
    raw = request.GET.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise Refused(_("%(name)s must be a whole number of at least 1.") % {"name": name})
    value = int(raw)
    if maximum is not None and value > maximum:
        raise Refused(_("%(name)s must be at most %(maximum)s.") % {"name": name, "maximum": maximum})
    return value


def search_requests(request: HttpRequest, municipality: Municipality, fmt: str) -> HttpResponse:
    zone = zone_of(municipality)
    page_size = int_param(request, "page_size", DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
    page = int_param(request, "page", 1)
    reports = public_requests(municipality)
    ids = [
        part.strip().upper() for part in request.GET.get("service_request_id", "").split(",") if part.strip()
    ]
    if ids:
        # The spec: service_request_id overrides every other parameter.
        reports = reports.filter(reference__in=ids[:MAX_PAGE_SIZE])
    else:
        codes = [part.strip() for part in request.GET.get("service_code", "").split(",") if part.strip()]
        if codes:
            known = set(
                Category.objects.filter(municipality=municipality, code__in=codes).values_list(
                    "code", flat=True
                )
            )
            unknown = [code for code in codes if code not in known]
            if unknown:
                raise Refused(_("There is no service with the code “%(code)s”.") % {"code": unknown[0][:50]})
            reports = reports.filter(category__code__in=codes)
        statuses = [part.strip().lower() for part in request.GET.get("status", "").split(",") if part.strip()]
        if any(status not in (OPEN, CLOSED) for status in statuses):
            raise Refused(_("status must be open, closed, or both separated by a comma."))
        if statuses and set(statuses) != {OPEN, CLOSED}:
            if OPEN in statuses:
                reports = reports.filter(status__in=Report.OPEN_STATUSES)
            else:
                reports = reports.exclude(status__in=Report.OPEN_STATUSES)
        start = parse_datetime_param(request, "start_date", zone)
        end = parse_datetime_param(request, "end_date", zone)
        if start and end and start > end:
            raise Refused(_("start_date must not be after end_date."))
        if start is None and end is None:
            start = timezone.now() - DEFAULT_WINDOW
        if start is not None:
            reports = reports.filter(created_at__gte=start)
        if end is not None:
            reports = reports.filter(created_at__lte=end)
    offset = (page - 1) * page_size
    found = reports.order_by("-created_at", "-pk")[offset : offset + page_size]
    return respond([request_json(r, request, zone) for r in found], root="service_requests", fmt=fmt)


def float_param(request: HttpRequest, name: str) -> float | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        raise Refused(_("%(name)s must be a number.") % {"name": name}) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise Refused(_("%(name)s must be a number.") % {"name": name})
    return value


def create_request(request: HttpRequest, municipality: Municipality, fmt: str) -> HttpResponse:
    data = request.POST
    client = open311_client_for_key(municipality=municipality, key=data.get("api_key", ""))
    if client is None:
        raise Refused(_("A valid api_key is required to post a service request."), status=403)
    limited = open311_client_rate_limit(client)
    if not limited.allowed:
        minutes = max(1, (limited.retry_after + 59) // 60)
        raise Refused(
            ngettext(
                "This client has posted too many requests. Try again in %(minutes)s minute.",
                "This client has posted too many requests. Try again in %(minutes)s minutes.",
                minutes,
            )
            % {"minutes": minutes},
            status=429,
            retry_after=limited.retry_after,
        )
    code = data.get("service_code", "").strip()
    if not code:
        raise Refused(_("service_code is required."))
    category = categories_for_reporting(municipality=municipality).filter(code=code).first()
    if category is None:
        raise Refused(_("There is no service with the code “%(code)s”.") % {"code": code[:50]})
    lat, lng = float_param(request, "lat"), float_param(request, "long")
    address = data.get("address_string", "").strip()
    point = None
    if lat is not None and lng is not None:
        if not (-90 <= lat <= 90 and -180 <= lng <= 180):
            raise Refused(_("lat must be between -90 and 90 and long between -180 and 180."))
        point = Point(lng, lat, srid=4326)
    elif lat is not None or lng is not None:
        raise Refused(_("Give both lat and long."))
    elif not address:
        raise Refused(_("A location is required: lat and long, or address_string."))
    extra = {
        key[len("attribute[") : -1]: value
        for key, value in data.items()
        if key.startswith("attribute[") and key.endswith("]")
    }
    name = " ".join(
        part for part in (data.get("first_name", "").strip(), data.get("last_name", "").strip()) if part
    )
    reporter = Reporter(
        name=name[:100], email=data.get("email", "").strip()[:254], phone=data.get("phone", "").strip()[:40]
    )
    try:
        report = report_create(
            municipality=municipality,
            category=category,
            description=data.get("description", ""),
            point=point,
            location_text=address,
            reporter=reporter if reporter.has_contact else None,
            extra=extra,
            source=Report.Source.OPEN311,
        )
    except ServiceError as refused:
        messages = [message for found in refused.field_errors.values() for message in found]
        raise Refused(" ".join(messages) or refused.message) from None
    open311_client_touch(client)
    body = [{"service_request_id": report.reference, "service_notice": "", "account_id": None}]
    return respond(body, root="service_requests", fmt=fmt, status=201)


@open311_view(("GET", "HEAD", "POST"))
def requests(request: HttpRequest, municipality: Municipality, *, fmt: str) -> HttpResponse:
    """GET: search service requests (the spec's filters, plus page and page_size); POST: create one."""
    if request.method == "POST":
        return create_request(request, municipality, fmt)
    return search_requests(request, municipality, fmt)


@open311_view(("GET", "HEAD"))
def request_detail(
    request: HttpRequest, municipality: Municipality, reference: str, *, fmt: str
) -> HttpResponse:
    report = public_requests(municipality).filter(reference=reference.strip().upper()).first()
    if report is None:
        raise Refused(_("There is no service request “%(id)s”.") % {"id": reference[:40]}, status=404)
    return respond([request_json(report, request, zone_of(municipality))], root="service_requests", fmt=fmt)


@open311_view(("GET", "HEAD"))
def token(request: HttpRequest, municipality: Municipality, token: str, *, fmt: str) -> HttpResponse:
    """Requests are created at once, so a request's token is its id (its reference)."""
    report = (
        Report.objects.filter(municipality=municipality, is_public=True, reference=token.strip().upper())
        .only("reference")
        .first()
    )
    if report is None:
        raise Refused(
            _("There is no service request for the token “%(token)s”.") % {"token": token[:40]}, status=404
        )
    return respond(
        [{"service_request_id": report.reference, "token": token}], root="service_requests", fmt=fmt
    )
