"""Resident-facing pages: the report form, a report's public page, and 'me too' support without JavaScript."""

import json
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from civic import ratelimit
from civic.errors import ServiceError
from civic.models import Municipality
from reports import presenters, supporters
from reports.forms import ReportForm
from reports.models import Category, Report, ReportSupport
from reports.questions import questions
from reports.selectors import categories_for_reporting, idempotency_key_get, report_public_get
from reports.services import report_create, report_support
from reports.uploads import max_photos

RATE_SCOPE = "report-create"


def municipality_of(request: HttpRequest) -> Municipality:
    municipality = getattr(request, "municipality", None)
    if not municipality:
        raise Http404
    return municipality


def rate_limit_create(request: HttpRequest, municipality: Municipality) -> ratelimit.RateLimit:
    limit, window = settings.REPORT_RATE_LIMIT
    return ratelimit.hit(
        f"{RATE_SCOPE}:{municipality.pk}", ratelimit.client_ip(request), limit=limit, window=window
    )


def rate_limited_message(result: ratelimit.RateLimit) -> str:
    minutes = max(1, (result.retry_after + 59) // 60)
    return _(
        "You have sent many reports in a short time. Please wait %(minutes)s minutes and try again, "
        "or call the city office."
    ) % {"minutes": minutes}


@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    municipality = municipality_of(request)
    status = 200
    submission = request.POST.get("submission", "")[:64] or secrets.token_urlsafe(16)
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, municipality=municipality)
        key = f"web:{submission}"
        used = idempotency_key_get(municipality=municipality, key=key)
        if used is not None and used.report is not None:
            return HttpResponseRedirect(presenters.report_url(used.report))  # a double tap on "Send"
        if form.is_valid():
            limited = rate_limit_create(request, municipality)
            if not limited.allowed:
                form.add_error(None, rate_limited_message(limited))
                status = 429
            else:
                try:
                    report = report_create(
                        municipality=municipality,
                        source=Report.Source.WEB,
                        idempotency_key=key,
                        **form.service_arguments(),
                    )
                except ServiceError as error:
                    form.add_service_error(error)
                else:
                    messages.success(
                        request,
                        _(
                            "Thank you. Your report was received; its number is %(reference)s. "
                            "Keep the address of this page to follow its progress."
                        )
                        % {"reference": report.reference},
                    )
                    return HttpResponseRedirect(presenters.report_url(report))
        if status == 200:
            status = 400
    else:
        initial = {key: request.GET[key] for key in ("lat", "lng", "category") if key in request.GET}
        form = ReportForm(initial=initial, municipality=municipality)
    return render(
        request,
        "reports/report_form.html",
        {
            "form": form,
            "errors": form.all_errors() if form.is_bound else {},
            "error_links": error_links(form) if form.is_bound else [],
            "js_strings": js_strings(),
            "photos_lost": bool(request.FILES) and form.is_bound,
            "submission": submission,
            "map": map_context(request, municipality),
            "max_photos": max_photos(),
            "extra_groups": extra_groups(form, categories_for_reporting(municipality=municipality)),
        },
        status=status,
    )


ERROR_ANCHORS = {"category": "id_category_0", "location": "id_location_text", "__all__": ""}


def error_links(form: ReportForm) -> list[tuple[str, str]]:
    """(anchor, message) for the error summary; each link moves focus to the input the message is about."""
    category = form.cleaned_data.get("category") if hasattr(form, "cleaned_data") else None
    links: list[tuple[str, str]] = []
    for field, found in form.all_errors().items():
        if field.startswith("extra_") and category is not None:
            anchor = f"id_extra-{category.code}-{field.removeprefix('extra_')}"
        else:
            anchor = ERROR_ANCHORS.get(field, f"id_{field}")
        links.extend((anchor, message) for message in found)
    return links


def extra_groups(form: ReportForm, categories: Iterable[Category]) -> list[dict[str, Any]]:
    """Each category's extra questions, as inputs named `extra-<category>-<key>`; the script shows only the
    chosen category's group, and without it every group is shown under its category's name."""
    selected = str(form["category"].value() or "")
    groups = []
    for category in categories:
        items = []
        for question in questions(category.extra_questions):
            name = f"extra-{category.code}-{question.key}"
            chosen = form.is_bound and selected == category.code
            items.append(
                {
                    "question": question,
                    "name": name,
                    "id": f"id_{name}",
                    "value": str(form.data.get(name, "")) if form.is_bound else "",
                    "errors": form.extra_errors.get(question.field_name, []) if chosen else [],
                }
            )
        if items:
            groups.append({"category": category, "items": items})
    return groups


def js_strings() -> dict[str, str]:
    """What the form's script says, translated here so that all UI text lives in the .po files."""
    return {
        "locating": _("Finding your location…"),
        "locateFailed": _("Your location is not available (%(reason)s). Tap the map instead."),
        "locateUnsupported": _("This browser cannot share its location. Tap the map instead."),
        "outside": _("That place is outside the town. Please move the pin."),
        "pinPlaced": _("Pin placed at %(lat)s, %(lng)s. Drag it to adjust."),
        "noTiles": _("The background map is not available, but you can still place the pin."),
        "photoGps": _("“%(name)s” was taken at a place in town."),
        "usePhotoPlace": _("Use the place of this photo"),
        "photoNoGps": _("“%(name)s” has no location. Please place the pin on the map."),
        "support": _("Add your support"),
        "supported": _("Supported — thank you"),
        "supporters": _("%(count)s supporters"),
        "metres": _("%(distance)s m away"),
        "view": _("View report %(reference)s"),
        "failed": _("Something went wrong. Please try again."),
        "markerLabel": _("Place of the problem"),
    }


def map_context(request: HttpRequest, municipality: Municipality) -> dict[str, Any]:
    boundary = municipality.boundary
    outline = None
    if boundary is not None:
        # About 50 m of simplification keeps a real town's outline to a few kilobytes.
        outline = json.loads(boundary.simplify(0.0005, preserve_topology=True).geojson)
    return {
        "center": [municipality.center.y, municipality.center.x],
        "zoom": municipality.default_zoom,
        "bbox": list(boundary.extent) if boundary is not None else None,
        "outline": outline,
    }


def report_detail(request: HttpRequest, reference: str) -> HttpResponse:
    municipality = municipality_of(request)
    try:
        report = report_public_get(municipality=municipality, reference=reference)
    except Report.DoesNotExist:
        raise Http404 from None
    photos = presenters.visible_photos(report)
    token = supporters.browser_token(request)
    supported = (
        token is not None
        and ReportSupport.objects.filter(
            report=report, supporter_key=supporters.key_for_browser(request)[0]
        ).exists()
    )
    og_image = request.build_absolute_uri(photos[0].large.url) if photos else ""
    return render(
        request,
        "reports/report_detail.html",
        {
            "report": report,
            "photos": photos,
            "processing": presenters.processing_count(report),
            "timeline": presenters.timeline(report),
            "supported": supported,
            "og_image": og_image,
            "canonical_url": request.build_absolute_uri(presenters.report_url(report)),
            "location": {"lat": report.point.y, "lng": report.point.x} if report.point is not None else None,
        },
    )


@require_POST
def report_support_web(request: HttpRequest, reference: str) -> HttpResponse:
    municipality = municipality_of(request)
    try:
        report = report_public_get(municipality=municipality, reference=reference)
    except Report.DoesNotExist:
        raise Http404 from None
    key, new_token = supporters.key_for_browser(request)
    try:
        created = report_support(report=report, supporter_key=key)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if created:
            messages.success(
                request, _("Thank you for your support. The city sees how many people it affects.")
            )
        else:
            messages.info(request, _("You have already supported this report."))
    response = HttpResponseRedirect(presenters.report_url(report))
    supporters.remember_browser(response, new_token)
    return response
