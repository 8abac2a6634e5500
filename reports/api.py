"""The reports JSON API (/api/v1/...): create a report, read one, find open reports nearby, support one, and
read a photo's location hint. Public answers carry public fields only.

CSRF: these views are csrf_exempt and check CSRF themselves *when the request carries one of our cookies that
carries authority* (the session cookie or the supporter cookie): the site's own scripts send the token from
the page in X-CSRFToken, exactly as for any Django form. Apps call without cookies, so there is no ambient
authority a forged cross-site request could borrow, and they need no token. A request that drops its cookies
gains nothing over calling the API directly.

Idempotency: POST /api/v1/reports/ takes an `Idempotency-Key` header; a repeat with the same key and the same
content returns the report the first request created (200, the report's current public JSON, header
`Idempotent-Replayed: true`) instead of creating another; the same key with different content is a 422.
"""

import json
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.gis.geos import Point
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from civic import ratelimit
from civic.errors import ServiceError
from reports import presenters, supporters
from reports.forms import ReportForm, normalise
from reports.models import Report
from reports.photos import PhotoError
from reports.selectors import (
    categories_for_reporting,
    idempotency_key_get,
    nearby_open_reports,
    report_public_get,
)
from reports.services import report_create, report_support, request_fingerprint
from reports.uploads import check_photo, photo_error_message
from reports.views import (
    NEARBY_RADIUS_M,
    municipality_of,
    public_report_or_404,
    rate_limit_create,
    rate_limited_message,
)

NEARBY_MAX_RADIUS_M = 200
HINT_LIMIT = (120, 3600)


def error(message: str, status: int = 400, field_errors: dict[str, list[str]] | None = None) -> JsonResponse:
    """Every refusal has one shape: `{"errors": {field: [messages]}}`; "__all__" is the whole request."""
    return JsonResponse(
        {"errors": field_errors or {"__all__": [message]}},
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


def ok(body: dict[str, Any], status: int = 200) -> JsonResponse:
    return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})


def csrf_failure(request: HttpRequest) -> HttpResponse | None:
    """Django's own CSRF check, applied when the request carries a cookie with authority (see above)."""
    if not (request.COOKIES.get(settings.SESSION_COOKIE_NAME) or request.COOKIES.get(supporters.COOKIE)):
        return None
    check = CsrfViewMiddleware(lambda _request: HttpResponse())
    check.process_request(request)
    refused = check.process_view(request, None, (), {})  # type: ignore[arg-type]
    if refused is None:
        return None
    return error(_("The form has expired. Reload the page and try again."), status=403)


def api_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """CSRF as described in the module docstring."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            refused = csrf_failure(request)
            if refused is not None:
                return refused
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


def parse_body(request: HttpRequest) -> tuple[QueryDict | dict[str, Any], MultiValueDict[str, Any]]:
    """Form fields and files from a multipart/urlencoded body, or fields from a JSON object."""
    if request.content_type == "application/json":
        try:
            payload = json.loads(request.body or b"{}")
        except (ValueError, UnicodeDecodeError):
            raise ServiceError(_("The request body is not valid JSON.")) from None
        if not isinstance(payload, dict):
            raise ServiceError(_("The request body must be a JSON object."))
        if "photos" in payload or "photo" in payload:
            raise ServiceError(_("Send photos as multipart/form-data, not in JSON."))
        point = payload.pop("point", None)
        if isinstance(point, list | tuple) and len(point) == 2:  # the [lng, lat] the API answers with
            payload.setdefault("lng", point[0])
            payload.setdefault("lat", point[1])
        extra = payload.pop("extra", None)
        data = {key: "" if value is None else str(value) for key, value in payload.items()}
        if isinstance(extra, dict):
            data["extra"] = json.dumps(extra, ensure_ascii=False)
        return data, MultiValueDict()
    files = request.FILES.copy()
    if "photo" in files:
        files.setlist("photos", [*files.getlist("photos"), *files.getlist("photo")])
    return request.POST, files


@api_view
def reports_collection(request: HttpRequest) -> HttpResponse:
    """POST: create a report (multipart with `photos`, urlencoded, or JSON without photos)."""
    if request.method != "POST":
        return error(_("Use POST to send a report."), status=405)
    municipality = municipality_of(request)
    try:
        data, files = parse_body(request)
    except ServiceError as refused:
        return error(refused.message)

    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 255 or not key.isprintable() or not key.isascii():
        return error(_("The Idempotency-Key header must be printable ASCII of at most 255 characters."))
    fingerprint = request_fingerprint(
        *(
            normalise(str(data.get(name, "") or ""))
            for name in ("category", "lat", "lng", "title", "description")
        ),
        sorted((upload.name, upload.size) for upload in files.getlist("photos")),
    )
    if key:
        used = idempotency_key_get(municipality=municipality, key=key)
        if used is not None and used.report is not None:
            if used.request_hash != fingerprint:
                return error(
                    _(
                        "This Idempotency-Key was already used for a different report. "
                        "Use a new key for a new report."
                    ),
                    status=422,
                )
            replay = ok(report_body(request, used.report), status=200)
            replay["Idempotent-Replayed"] = "true"
            replay["Location"] = presenters.report_url(used.report)
            return replay

    form = ReportForm(data, files, municipality=municipality)
    if not form.is_valid():
        return invalid(form)
    limited = rate_limit_create(request, municipality)
    if not limited.allowed:
        response = error(rate_limited_message(limited), status=429)
        response["Retry-After"] = str(limited.retry_after)
        return response
    try:
        report = report_create(
            municipality=municipality,
            source=Report.Source.API,
            idempotency_key=key,
            request_hash=fingerprint,
            **form.service_arguments(),
        )
    except ServiceError as refused:
        if not refused.field_errors:
            return error(refused.message, status=422)
        form.add_service_error(refused)
        return invalid(form)
    response = ok(presenters.detail_json(report, request), status=201)
    response["Location"] = presenters.report_url(report)
    return response


def public_report(request: HttpRequest, reference: str) -> Report | None:
    """The town's public report with that reference, or None (answered with the API's own 404)."""
    try:
        return public_report_or_404(request, reference)
    except Http404:
        return None


def invalid(form: ReportForm) -> JsonResponse:
    return error(_("Please correct the errors below."), field_errors=form.all_errors())


def report_body(request: HttpRequest, report: Report) -> dict[str, Any]:
    fresh = report_public_get(municipality=report.municipality, reference=report.reference)
    return presenters.detail_json(fresh, request)


@require_GET
def categories(request: HttpRequest) -> HttpResponse:
    """The municipality's active categories, with their icons and extra questions."""
    municipality = municipality_of(request)
    return ok(
        {
            "results": [
                presenters.category_json(c) for c in categories_for_reporting(municipality=municipality)
            ]
        }
    )


@require_GET
def report_detail(request: HttpRequest, reference: str) -> HttpResponse:
    report = public_report(request, reference)
    if report is None:
        return error(_("There is no report with that number."), status=404)
    return ok(presenters.detail_json(report, request))


@require_GET
def reports_nearby(request: HttpRequest) -> HttpResponse:
    """Open reports within 50 m (or `radius` up to 200 m) of lat/lng, optionally of one category."""
    municipality = municipality_of(request)
    try:
        lat = float(normalise(request.GET.get("lat", "")))
        lng = float(normalise(request.GET.get("lng", "")))
        radius = float(request.GET.get("radius", NEARBY_RADIUS_M))
    except ValueError:
        return error(_("Give lat and lng as numbers, for example lat=36.3895&lng=139.0634."))
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return error(_("lat must be between -90 and 90 and lng between -180 and 180."))
    radius = min(max(radius, 1), NEARBY_MAX_RADIUS_M)
    category = None
    code = request.GET.get("category", "").strip()
    if code:
        category = categories_for_reporting(municipality=municipality).filter(code=code).first()
        if category is None:
            return error(_("Choose one of the categories listed."))
    reports = nearby_open_reports(
        municipality=municipality, point=Point(lng, lat, srid=4326), category=category, radius_m=radius
    )
    return ok(
        {"radius_m": radius, "results": [presenters.summary_json(report, request) for report in reports]}
    )


@api_view
@require_POST
def report_support_api(request: HttpRequest, reference: str) -> HttpResponse:
    """'Me too': once per e-mail address (if given) or per browser (a signed cookie); with `follow`, the
    e-mail address hears about the report's progress once its owner confirms it from the e-mail sent there."""
    report = public_report(request, reference)
    if report is None:
        return error(_("There is no report with that number."), status=404)
    try:
        data, _files = parse_body(request)
    except ServiceError as refused:
        return error(refused.message)
    try:
        email = supporters.supporter_email(data.get("email"))
    except ServiceError as refused:
        return error(refused.message, field_errors=refused.field_errors)
    follow = str(data.get("follow", "")).strip().lower() in {"true", "1", "on", "yes"}
    if follow and not email:
        message = _("Give an e-mail address to hear about the report's progress.")
        return error(message, field_errors={"email": [message]})
    if follow and not supporters.may_ask_to_confirm(request, report.municipality_id):
        return error(_("Too many requests. Please wait a while."), status=429)
    new_token = None
    if email:
        key = supporters.key_for_email(email)
    else:
        key, new_token = supporters.key_for_browser(request)
    try:
        created = report_support(report=report, supporter_key=key, email_to_confirm=email if follow else "")
    except ServiceError as refused:
        return error(refused.message, status=409)
    response = ok(
        {
            "reference": report.reference,
            "supported": True,
            "new": created,
            # With `follow`, the address's owner confirms from the e-mail sent there before updates come; the
            # same answer when no new e-mail was needed (see the schema), so it says nothing of who follows.
            "confirmation_sent": follow,
            "support_count": report.support_count,
        }
    )
    supporters.remember_browser(response, new_token)
    return response


@api_view
@require_POST
def photo_hint(request: HttpRequest) -> HttpResponse:
    """Where and when a photo was taken, from its header, to suggest a place before the report is sent.

    The page may send only the first part of a large file; the answer is never stored.
    """
    municipality = municipality_of(request)
    limit, window = HINT_LIMIT
    if not ratelimit.hit(
        f"photo-hint:{municipality.pk}", ratelimit.client_ip(request), limit=limit, window=window
    ).allowed:
        return error(_("Too many requests. Please wait a while."), status=429)
    upload = request.FILES.get("photo")
    if upload is None:
        return error(_("Send the photo in a field called “photo”."))
    try:
        hint = check_photo(upload, name=upload.name or "")
    except PhotoError as refused:
        message = photo_error_message(refused.code, name=upload.name or "")
        return ok({"errors": {"photo": [message]}, "code": refused.code}, status=400)
    gps = None
    inside = False
    if hint.gps is not None:
        lat, lng = hint.gps
        gps = {"lat": lat, "lng": lng}
        inside = municipality.boundary is None or municipality.boundary.intersects(Point(lng, lat, srid=4326))
    return ok(
        {
            "gps": gps,
            "inside": inside,
            "taken_at": hint.taken_at.isoformat() if hint.taken_at else None,
            "format": hint.format,
            "width": hint.width,
            "height": hint.height,
        }
    )
