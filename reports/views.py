"""Resident-facing pages: the report form, a report's public page, and 'me too' support without JavaScript."""

import json
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
from reports import pending, presenters, supporters
from reports.forms import ReportForm
from reports.models import Category, PendingUpload, Report, ReportSupport
from reports.photos import PhotoError, process_photo
from reports.questions import questions
from reports.selectors import (
    categories_for_reporting,
    idempotency_key_get,
    nearby_open_reports,
    report_public_get,
)
from reports.services import report_create, report_follow_confirm, report_support, report_unfollow
from reports.uploads import max_photos

RATE_SCOPE = "report-create"
NEARBY_RADIUS_M = 50


def municipality_of(request: HttpRequest) -> Municipality:
    municipality = getattr(request, "municipality", None)
    if not municipality:
        raise Http404
    return municipality


def public_report_or_404(request: HttpRequest, reference: str) -> Report:
    """The town's public report with that reference; Http404 for an unknown, hidden or other town's one."""
    try:
        return report_public_get(municipality=municipality_of(request), reference=reference)
    except Report.DoesNotExist:
        raise Http404 from None


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
    """The form; without a script, a confirmation step lists open reports of the same kind nearby first."""
    municipality = municipality_of(request)
    if request.method == "GET":
        initial = {key: request.GET[key] for key in ("lat", "lng", "category") if key in request.GET}
        form = ReportForm(initial=initial, municipality=municipality)
        return render_form(request, form, form_id=pending.new_form_id(), kept=[])

    form_id = pending.form_id_from_token(request.POST.get("submission", "")) or pending.new_form_id()
    key = f"web:{form_id}"
    used = idempotency_key_get(municipality=municipality, key=key)
    if used is not None and used.report is not None:
        return HttpResponseRedirect(presenters.report_url(used.report))  # a double tap on "Send"
    kept = pending.pending_uploads(municipality=municipality, form_id=form_id)
    removing = request.POST.get("remove_photo", "")
    if removing or request.POST.get("step") == "edit":
        # A photo's remove button, or "change my report" on the nearby step: show the form again, no errors.
        discarded = removing and pending.pending_upload_discard(
            municipality=municipality, form_id=form_id, token=removing
        )
        if discarded:
            kept = [upload for upload in kept if upload.token != removing]
        kept, lost = keep_new_photos(request, form_id, kept)
        form = ReportForm(initial=request.POST.dict(), municipality=municipality, kept_photos=len(kept))
        return render_form(request, form, form_id=form_id, kept=kept, photos_lost=lost)

    form = ReportForm(request.POST, request.FILES, municipality=municipality, kept_photos=len(kept))
    status = 400
    if form.is_valid():
        nearby = [] if request.POST.get("nearby_checked") else nearby_reports(request, form)
        if nearby:
            kept, lost = keep_new_photos(request, form_id, kept)
            return render_nearby_step(request, form_id=form_id, kept=kept, nearby=nearby, photos_lost=lost)
        limited = rate_limit_create(request, municipality)
        if not limited.allowed:
            form.add_error(None, rate_limited_message(limited))
            status = 429
        else:
            try:
                with pending.opened(kept) as kept_photos:
                    arguments = form.service_arguments()
                    arguments["photos"] = [*kept_photos, *arguments["photos"]]
                    report = report_create(
                        municipality=municipality, source=Report.Source.WEB, idempotency_key=key, **arguments
                    )
            except ServiceError as error:
                form.add_service_error(error)
            else:
                pending.pending_uploads_delete(kept)
                messages.success(
                    request,
                    _(
                        "Thank you. Your report was received; its number is %(reference)s. "
                        "Keep the address of this page to follow its progress."
                    )
                    % {"reference": report.reference},
                )
                return HttpResponseRedirect(presenters.report_url(report))
    kept, lost = keep_new_photos(request, form_id, kept)
    return render_form(request, form, form_id=form_id, kept=kept, photos_lost=lost, status=status)


def keep_new_photos(
    request: HttpRequest, form_id: str, kept: list[PendingUpload]
) -> tuple[list[PendingUpload], bool]:
    """The form's kept photos plus this request's valid ones, so that showing it again loses none of them;
    and whether this request's photos could not be kept (keeping stores files for a day without creating
    anything, so it is rate limited per address)."""
    uploads = request.FILES.getlist("photos")
    if not uploads:
        return kept, False
    municipality = municipality_of(request)
    limit, window = getattr(settings, "REPORT_PENDING_RATE_LIMIT", (60, 3600))
    if not ratelimit.hit(
        f"report-photos-kept:{municipality.pk}", ratelimit.client_ip(request), limit=limit, window=window
    ).allowed:
        return kept, True
    added = pending.pending_uploads_keep(
        municipality=municipality, form_id=form_id, uploads=uploads, kept=len(kept)
    )
    return [*kept, *added], False


def render_form(
    request: HttpRequest,
    form: ReportForm,
    *,
    form_id: str,
    kept: list[PendingUpload],
    photos_lost: bool = False,
    status: int = 200,
) -> HttpResponse:
    municipality = municipality_of(request)
    errors = form.all_errors() if form.is_bound else {}
    return render(
        request,
        "reports/report_form.html",
        {
            "form": form,
            "errors": errors,
            "error_links": error_links(form) if form.is_bound else [],
            "js_strings": js_strings(),
            "submission": pending.form_token(form_id),
            "kept": kept,
            "photos_lost": photos_lost,
            "map": map_context(request, municipality),
            "max_photos": max_photos(),
            "extra_groups": extra_groups(form, categories_for_reporting(municipality=municipality)),
        },
        status=status,
    )


# What the nearby step does not carry over: its own buttons, and the files (they are kept server-side).
NOT_CARRIED = {"csrfmiddlewaretoken", "step", "remove_photo", "nearby_checked", "photos"}


def nearby_reports(request: HttpRequest, form: ReportForm) -> list[dict[str, Any]]:
    """Open public reports of the chosen category within 50 m of the chosen place, as the API lists them."""
    point = form.point()
    if point is None:
        return []
    found = nearby_open_reports(
        municipality=municipality_of(request),
        point=point,
        category=form.cleaned_data["category"],
        radius_m=NEARBY_RADIUS_M,
    )
    return [presenters.summary_json(report, request) for report in found]


def render_nearby_step(
    request: HttpRequest,
    *,
    form_id: str,
    kept: list[PendingUpload],
    nearby: list[dict[str, Any]],
    photos_lost: bool,
) -> HttpResponse:
    carried = [
        (name, value)
        for name, values in request.POST.lists()
        if name not in NOT_CARRIED and name != "submission"
        for value in values
    ]
    return render(
        request,
        "reports/report_nearby.html",
        {
            "nearby": nearby,
            "carried": carried,
            "submission": pending.form_token(form_id),
            "kept": kept,
            "photos_lost": photos_lost,
            "radius": NEARBY_RADIUS_M,
        },
    )


def pending_photo(request: HttpRequest, token: str) -> HttpResponse:
    """A small metadata-free preview of a photo kept for an unsent form; its address is a random token."""
    upload = pending.pending_upload_get(municipality=municipality_of(request), token=token)
    if upload is None:
        raise Http404
    try:
        with upload.file.storage.open(upload.file.name, "rb") as original:
            preview = process_photo(original, output_format="JPEG", sizes=(("preview", 240),))
    except (PhotoError, OSError):
        raise Http404 from None
    response = HttpResponse(preview.derivatives[0].data, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


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
                    "value": str((form.data if form.is_bound else form.initial).get(name, "")),
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
    report = public_report_or_404(request, reference)
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
    """'Me too' from this browser; with an e-mail address, the supporter also hears about the progress."""
    report = public_report_or_404(request, reference)
    try:
        email = supporters.supporter_email(request.POST.get("email"))
    except ServiceError as refused:
        messages.error(request, refused.message)
        return HttpResponseRedirect(presenters.report_url(report) + "#support-title")
    if email and not supporters.may_ask_to_confirm(request, report.municipality_id):
        messages.error(request, _("Too many requests. Please wait a while."))
        return HttpResponseRedirect(presenters.report_url(report) + "#support-title")
    key, new_token = supporters.key_for_browser(request)
    try:
        created = report_support(report=report, supporter_key=key, email_to_confirm=email)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if created:
            messages.success(
                request, _("Thank you for your support. The city sees how many people it affects.")
            )
        elif not email:
            messages.info(request, _("You have already supported this report."))
        if email:
            messages.info(
                request,
                _(
                    "We have sent a link to %(email)s, unless it follows this report already or has a "
                    "link for it that still works. Open the link to confirm, and we will e-mail you about "
                    "the report's progress (each e-mail has a link to stop)."
                )
                % {"email": email},
            )
    response = HttpResponseRedirect(presenters.report_url(report))
    supporters.remember_browser(response, new_token)
    return response


@require_http_methods(["GET", "POST"])
def report_follow_web(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """The link that confirms a supporter's e-mail address: asks first (mail scanners open links), confirms on
    the button; a link that no longer works says so."""
    report = public_report_or_404(request, reference)
    if request.method == "POST":
        try:
            report_follow_confirm(report=report, token=token)
        except ServiceError as refused:
            return render(
                request,
                "reports/report_follow.html",
                {"report": report, "error": refused.message},
                status=400,
            )
        messages.success(
            request, _("Thank you. We will e-mail you about its progress. Each e-mail has a link to stop.")
        )
        return HttpResponseRedirect(presenters.report_url(report))
    return render(request, "reports/report_follow.html", {"report": report})


@require_http_methods(["GET", "POST"])
def report_unfollow_web(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """The 'stop these e-mails' link: asks first (mail scanners open links), stops on the button."""
    report = public_report_or_404(request, reference)
    signed = supporters.unfollow_reads(token)
    if signed is None or signed[0] != report.pk:
        raise Http404
    if request.method == "POST":
        report_unfollow(report=report, follower_id=signed[1])
        messages.success(
            request, _("You will get no more e-mails about this report. Your support still counts.")
        )
        return HttpResponseRedirect(presenters.report_url(report))
    return render(request, "reports/report_unfollow.html", {"report": report})
