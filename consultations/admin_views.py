"""Admin pages that run a consultation: roster import, the invitation lottery, letters, answers taken by
telephone, quotas, the panel selection with its progress and probabilities, and closing down.

Each view authorises (facilitators and site administrators of the town), parses a form, calls one service and
renders; the services decide everything.
"""

import io
import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civic.errors import ServiceError
from consultations import services
from consultations.forms import (
    CommitForm,
    QuotaFormSet,
    RespondentForm,
    RevealForm,
    RosterMappingForm,
    RosterUploadForm,
    RsvpForm,
    VoidForm,
)
from consultations.models import Consultation, Draw, Respondent, RosterImport, SelectionRun
from consultations.roster import mapped_columns, write_rejected_csv
from consultations.selectors import (
    consultation_counts,
    invitation_search,
    latest_run,
    live_draw,
    managed_consultations,
    questions_for,
    quotas_feasibility,
    respondents_overview,
)

ManageView = Callable[..., HttpResponse]
T = TypeVar("T")


def manage_view(view: Callable[..., HttpResponse]) -> ManageView:
    """Load the consultation from the URL if the user may run it (404 otherwise, so nothing leaks)."""

    @wraps(view)
    def wrapped(request: HttpRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        consultation = get_object_or_404(
            managed_consultations(request.user).select_related("municipality"), pk=pk
        )
        return view(request, consultation, *args, **kwargs)

    return wrapped


def _back(consultation: Consultation, anchor: str = "") -> HttpResponseRedirect:
    url = reverse("consultations_admin:overview", args=[consultation.pk])
    return HttpResponseRedirect(f"{url}#{anchor}" if anchor else url)


def _fail(request: HttpRequest, error: ServiceError) -> None:
    messages.error(request, error.message)


def _attempt(request: HttpRequest, call: Callable[[], T], success: Callable[[T], str]) -> None:
    """Runs one service call: its refusal becomes an error message, its result a success message."""
    try:
        result = call()
    except ServiceError as error:
        _fail(request, error)
    else:
        messages.success(request, success(result))


def _commit_seed(
    request: HttpRequest, consultation: Consultation, start: Callable[..., object], success: str, anchor: str
) -> HttpResponse:
    """Commits a lottery's seed (its hash is published) through `start`, from a `CommitForm`."""
    form = CommitForm(request.POST)
    if form.is_valid():
        seed, keep_seed = form.cleaned_data["seed"], form.cleaned_data["keep_seed"]
        _attempt(
            request,
            lambda: start(consultation=consultation, by=request.user, seed=seed, keep_seed=keep_seed),
            lambda _result: success,
        )
    return _back(consultation, anchor)


def _reveal_seed(
    request: HttpRequest,
    consultation: Consultation,
    stage: str,
    run: Callable[..., T],
    success: Callable[[T], str],
    anchor: str,
) -> HttpResponse:
    """Draws a committed lottery with the revealed seed through `run`, from a `RevealForm`."""
    committed = live_draw(consultation, stage)
    form = RevealForm(request.POST)
    if committed is None or not form.is_valid():
        raise Http404
    seed = form.cleaned_data["seed"]
    _attempt(request, lambda: run(draw=committed, by=request.user, seed=seed), success)
    return _back(consultation, anchor)


@require_GET
@manage_view
def overview(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    run = latest_run(consultation)
    invitation_draw = live_draw(consultation, Draw.Stage.INVITATIONS)
    panel = live_draw(consultation, Draw.Stage.PANEL)
    imports = list(consultation.roster_imports.all()[:10])
    context = {
        "consultation": consultation,
        "counts": consultation_counts(consultation),
        "imports": imports,
        "importing": [
            i for i in imports if i.status in {RosterImport.Status.QUEUED, RosterImport.Status.RUNNING}
        ],
        "upload_form": RosterUploadForm(),
        "commit_form": CommitForm(),
        "reveal_form": RevealForm(),
        "invitation_draw": invitation_draw,
        "panel_draw": panel,
        "voided": consultation.draws.filter(status=Draw.Status.VOIDED),
        "run": run,
        "running": run is not None
        and run.status in {SelectionRun.Status.QUEUED, SelectionRun.Status.RUNNING},
        "letters": {
            kind: services.letters_waiting(consultation, kind).count()
            for kind in ("invitation", "reminder", "outcome")
        },
        "quotas": list(consultation.quotas.all()),
        "feasibility": quotas_feasibility(consultation)
        if consultation.status == Consultation.Status.RECRUITING
        else None,
        "panel_members": consultation.respondents.filter(
            outcome__in=[Respondent.Outcome.SELECTED, Respondent.Outcome.ALTERNATE]
        ).order_by("outcome", "key"),
        "Status": Consultation.Status,
        "DrawStatus": Draw.Status,
    }
    return render(request, "consultations/admin/overview.html", context)


@require_POST
@manage_view
def roster_upload(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a file to upload."))
        return _back(consultation, "roster")
    upload = form.cleaned_data["file"]
    try:
        roster_import = services.roster_upload(
            consultation=consultation, filename=upload.name, content=upload.read(), by=request.user
        )
    except ServiceError as error:
        _fail(request, error)
        return _back(consultation, "roster")
    return HttpResponseRedirect(
        reverse("consultations_admin:roster-mapping", args=[consultation.pk, roster_import.pk])
    )


@require_http_methods(["GET", "POST"])
@manage_view
def roster_mapping(request: HttpRequest, consultation: Consultation, import_pk: int) -> HttpResponse:
    roster_import = get_object_or_404(consultation.roster_imports, pk=import_pk)
    form = RosterMappingForm(
        request.POST or None, columns=roster_import.columns, initial_mapping=roster_import.mapping
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.roster_import_start(roster_import=roster_import, mapping=form.mapping(), by=request.user)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The import has started."))
            return _back(consultation, "roster")
    return render(
        request,
        "consultations/admin/roster_mapping.html",
        {"consultation": consultation, "roster_import": roster_import, "form": form},
    )


@require_GET
@manage_view
def roster_import_status(request: HttpRequest, consultation: Consultation, import_pk: int) -> JsonResponse:
    roster_import = get_object_or_404(consultation.roster_imports, pk=import_pk)
    finished = roster_import.status in {RosterImport.Status.DONE, RosterImport.Status.FAILED}
    return JsonResponse(
        {
            "percent": 100 if finished else roster_import.percent,
            "message": _("%(done)s of %(total)s rows checked")
            % {"done": roster_import.processed, "total": roster_import.total},
            "finished": finished,
        }
    )


@require_GET
@manage_view
def roster_rejected(request: HttpRequest, consultation: Consultation, import_pk: int) -> HttpResponse:
    """The rejected rows of an import as CSV: row, reasons and the values read (to fix and re-import)."""
    roster_import = get_object_or_404(consultation.roster_imports, pk=import_pk)
    output = io.StringIO()
    write_rejected_csv(
        output, mapped_columns(roster_import.columns, roster_import.mapping), roster_import.rejected
    )
    response = HttpResponse("\ufeff" + output.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="rejected-rows-{roster_import.pk}.csv"'
    return response


@require_POST
@manage_view
def commit(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    success = _("The seed is committed and its hash published on the audit page.")
    return _commit_seed(request, consultation, services.invitations_commit, success, "lottery")


@require_POST
@manage_view
def draw(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    return _reveal_seed(
        request,
        consultation,
        Draw.Stage.INVITATIONS,
        services.invitations_draw,
        lambda made: (
            _("%(count)s residents were drawn and invited.") % {"count": len(made.result["invited"])}
        ),
        "lottery",
    )


@require_http_methods(["GET", "POST"])
@manage_view
def void(request: HttpRequest, consultation: Consultation, draw_pk: int) -> HttpResponse:
    target = get_object_or_404(consultation.draws, pk=draw_pk)
    form = VoidForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.draw_void(draw=target, reason=form.cleaned_data["reason"], by=request.user)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The draw was voided; it stays on the audit page with the reason."))
            return _back(consultation, "lottery")
    return render(
        request, "consultations/admin/void.html", {"consultation": consultation, "draw": target, "form": form}
    )


@require_GET
@manage_view
def draw_inputs(request: HttpRequest, consultation: Consultation, draw_pk: int) -> HttpResponse:
    """A draw's inputs, parameters and result as JSON for auditors (opaque keys only, no personal data)."""
    target = get_object_or_404(consultation.draws, pk=draw_pk)
    data = {
        "consultation": consultation.pk,
        "draw": target.pk,
        "stage": target.stage,
        "algorithm": target.algorithm,
        "parameters": target.parameters,
        "inputs": target.inputs,
        "inputs_fingerprint": target.inputs_fingerprint,
        "seed_hash": target.seed_hash,
        "seed": target.public_seed,
        "result": target.result,
        "distribution": target.distribution,
        "distribution_hash": target.distribution_hash,
    }
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=1), content_type="application/json")
    response["Content-Disposition"] = f'attachment; filename="draw-{target.pk}-inputs.json"'
    return response


@require_POST
@manage_view
def letters(request: HttpRequest, consultation: Consultation, kind: str) -> HttpResponse:
    if kind not in {"invitation", "reminder", "outcome"}:
        raise Http404
    try:
        batch = services.letters_issue(consultation=consultation, kind=kind, by=request.user)
    except ServiceError as error:
        _fail(request, error)
        return _back(consultation, "invitations")
    response = HttpResponse(batch.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="letters-{consultation.pk}-{kind}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@manage_view
def reprint(request: HttpRequest, consultation: Consultation, invitation_pk: int) -> HttpResponse:
    invitation = get_object_or_404(consultation.invitations.select_related("entry"), pk=invitation_pk)
    try:
        batch = services.letters_issue(
            consultation=consultation, kind="invitation", by=request.user, invitations=[invitation]
        )
    except ServiceError as error:
        _fail(request, error)
        return HttpResponseRedirect(reverse("consultations_admin:invitees", args=[consultation.pk]))
    response = HttpResponse(batch.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="letter-{invitation.pk}.pdf"'
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@manage_view
def remind(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    _attempt(
        request,
        lambda: services.invitations_remind(consultation=consultation, by=request.user),
        lambda result: (
            _(
                "%(sent)s reminders are being sent by e-mail and LINE; %(letters)s reminder letters are "
                "ready to print."
            )
            % {"sent": result.sent, "letters": result.letters}
        ),
    )
    return _back(consultation, "invitations")


@require_GET
@manage_view
def invitees(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    query = request.GET.get("q", "")
    return render(
        request,
        "consultations/admin/invitees.html",
        {"consultation": consultation, "query": query, "results": invitation_search(consultation, query)},
    )


@require_http_methods(["GET", "POST"])
@manage_view
def answer(request: HttpRequest, consultation: Consultation, invitation_pk: int) -> HttpResponse:
    """Staff record an answer given by telephone or at the counter."""
    invitation = get_object_or_404(consultation.invitations.select_related("entry"), pk=invitation_pk)
    form = RsvpForm(request.POST or None, questions=questions_for(consultation, invitation.entry), staff=True)
    if request.method == "POST" and form.is_valid():
        try:
            services.rsvp_answer(
                invitation=invitation, answer=form.answer(), via=form.cleaned_data["via"], by=request.user
            )
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The answer was recorded."))
            return HttpResponseRedirect(reverse("consultations_admin:invitees", args=[consultation.pk]))
    return render(
        request,
        "consultations/admin/answer.html",
        {"consultation": consultation, "invitation": invitation, "form": form},
    )


@require_GET
@manage_view
def respondents(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    return render(
        request,
        "consultations/admin/respondents.html",
        {
            "consultation": consultation,
            "rows": respondents_overview(consultation),
            "questions": questions_for(consultation),
        },
    )


@require_http_methods(["GET", "POST"])
@manage_view
def respondent(request: HttpRequest, consultation: Consultation, respondent_pk: int) -> HttpResponse:
    person = get_object_or_404(consultation.respondents.select_related("invitation__entry"), pk=respondent_pk)
    initial = {
        "display_name": person.display_name,
        "email": person.email,
        "phone": person.phone,
        "accessibility_needs": person.accessibility_needs,
        **{f"q_{k}": v for k, v in person.features.items()},
    }
    form = RespondentForm(
        request.POST or None, initial=initial, questions=questions_for(consultation, person.invitation.entry)
    )
    if request.method == "POST" and "attend" in request.POST:
        try:
            services.respondent_confirm(
                respondent=person, attend=request.POST["attend"] == "yes", by=request.user
            )
        except ServiceError as error:
            _fail(request, error)
        else:
            messages.success(request, _("Attendance recorded."))
        return HttpResponseRedirect(request.path)
    if request.method == "POST" and "refill" in request.POST:
        try:
            called = services.panel_seat_refill(respondent=person, by=request.user)
        except ServiceError as error:
            _fail(request, error)
        else:
            messages.success(
                request,
                _(
                    "Alternate %(key)s takes the seat and is told so "
                    "(by letter if they have no LINE or e-mail: print the outcome letters)."
                )
                % {"key": called.key},
            )
        return HttpResponseRedirect(request.path)
    if request.method == "POST" and form.is_valid():
        try:
            services.respondent_update(respondent=person, answer=form.answer(), by=request.user)
        except ServiceError as error:
            form.add_service_error(error)
        else:
            messages.success(request, _("The answers were saved."))
            return HttpResponseRedirect(reverse("consultations_admin:respondents", args=[consultation.pk]))
    return render(
        request,
        "consultations/admin/respondent.html",
        {"consultation": consultation, "person": person, "form": form},
    )


def _quota_initial(consultation: Consultation) -> list[dict[str, Any]]:
    return [
        {
            "category": q.category,
            "category_label": q.category_label,
            "value": q.value,
            "value_label": q.value_label,
            "min": q.min,
            "max": q.max,
        }
        for q in consultation.quotas.all()
    ]


@require_http_methods(["GET", "POST"])
@manage_view
def quotas(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    formset = QuotaFormSet(request.POST or None, initial=_quota_initial(consultation), prefix="quotas")
    service_errors: list[str] = []
    if request.method == "POST" and formset.is_valid():
        rows = [row for form in formset.forms if (row := form.row()) is not None]
        try:
            services.quotas_set(consultation=consultation, rows=rows, by=request.user)
        except ServiceError as error:
            service_errors = [m for messages_ in error.field_errors.values() for m in messages_] or [
                error.message
            ]
        else:
            messages.success(request, _("The quotas were saved."))
            return HttpResponseRedirect(reverse("consultations_admin:quotas", args=[consultation.pk]))
    return render(
        request,
        "consultations/admin/quotas.html",
        {
            "consultation": consultation,
            "formset": formset,
            "service_errors": service_errors,
            "feasibility": quotas_feasibility(consultation),
        },
    )


@require_POST
@manage_view
def select(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    success = _("The selection has started; its seed is committed.")
    return _commit_seed(request, consultation, services.selection_start, success, "selection")


@require_GET
@manage_view
def selection_status(request: HttpRequest, consultation: Consultation) -> JsonResponse:
    run = latest_run(consultation)
    if run is None:
        raise Http404
    finished = run.status in {SelectionRun.Status.DONE, SelectionRun.Status.FAILED}
    return JsonResponse(
        {"percent": run.percent, "message": run.message or run.get_status_display(), "finished": finished}
    )


@require_POST
@manage_view
def panel_draw(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    success = _("The panel was drawn.")
    return _reveal_seed(
        request, consultation, Draw.Stage.PANEL, services.panel_draw, lambda _result: success, "selection"
    )


@require_POST
@manage_view
def set_status(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    status, success = request.POST.get("status", ""), _("The consultation's status was changed.")
    _attempt(
        request,
        lambda: services.consultation_set_status(consultation=consultation, status=status, by=request.user),
        lambda _result: success,
    )
    return _back(consultation)


@require_POST
@manage_view
def purge(request: HttpRequest, consultation: Consultation) -> HttpResponse:
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that the personal data should be deleted."))
        return _back(consultation, "close")
    _attempt(
        request,
        lambda: services.roster_purge(consultation=consultation, by=request.user),
        lambda result: (
            _(
                "Personal data deleted: %(entries)s roster entries and %(respondents)s respondents; "
                "the draws remain verifiable."
            )
            % {"entries": result.entries, "respondents": result.respondents}
        ),
    )
    return _back(consultation, "close")


urlpatterns = [
    path("<int:pk>/", overview, name="overview"),
    path("<int:pk>/roster/upload/", roster_upload, name="roster-upload"),
    path("<int:pk>/roster/<int:import_pk>/map/", roster_mapping, name="roster-mapping"),
    path("<int:pk>/roster/<int:import_pk>/status/", roster_import_status, name="roster-status"),
    path("<int:pk>/roster/<int:import_pk>/rejected.csv", roster_rejected, name="roster-rejected"),
    path("<int:pk>/lottery/commit/", commit, name="commit"),
    path("<int:pk>/lottery/draw/", draw, name="draw"),
    path("<int:pk>/draws/<int:draw_pk>/void/", void, name="void"),
    path("<int:pk>/draws/<int:draw_pk>/inputs.json", draw_inputs, name="draw-inputs"),
    path("<int:pk>/letters/<str:kind>/", letters, name="letters"),
    path("<int:pk>/reminders/", remind, name="remind"),
    path("<int:pk>/invitees/", invitees, name="invitees"),
    path("<int:pk>/invitees/<int:invitation_pk>/answer/", answer, name="answer"),
    path("<int:pk>/invitees/<int:invitation_pk>/reprint/", reprint, name="reprint"),
    path("<int:pk>/respondents/", respondents, name="respondents"),
    path("<int:pk>/respondents/<int:respondent_pk>/", respondent, name="respondent"),
    path("<int:pk>/quotas/", quotas, name="quotas"),
    path("<int:pk>/selection/start/", select, name="select"),
    path("<int:pk>/selection/status/", selection_status, name="selection-status"),
    path("<int:pk>/selection/draw/", panel_draw, name="panel-draw"),
    path("<int:pk>/status/", set_status, name="status"),
    path("<int:pk>/purge/", purge, name="purge"),
]
