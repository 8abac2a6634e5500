"""Public pages: the RSVP by QR link or typed code, a panel member's confirmation, the audit page (HTML, PDF).

The link token appears in exactly one request: it is exchanged for a session binding and the browser is sent
on to a URL without it. Every RSVP page says `Referrer-Policy: no-referrer` and is never cached.
"""

from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from civic import ratelimit
from civic.errors import ServiceError
from civic.models import Municipality
from consultations import audit_document
from consultations.forms import CodeForm, ConfirmForm, RsvpForm
from consultations.models import Consultation, Draw, InvitationCode, Respondent
from consultations.selectors import audit_report, questions_for
from consultations.services import invitation_open, live_passes_for, respondent_confirm, rsvp_answer
from consultations.services.rsvp import check_code
from consultations.verification import verify_consultation

SESSION_CODE = "consultations_rsvp_code"
SESSION_DONE = "consultations_rsvp_done"
View = Callable[..., HttpResponse]


def private_page(view: View) -> View:
    """Never cached or indexed, and no Referer to other sites: the RSVP pages concern one person.

    Only the link's own response (which carries the token in its URL) says `no-referrer`; the pages after it
    say `same-origin`, because Chromium sends `Origin: null` with a form posted from a `no-referrer` page,
    which Django's CSRF check rightly refuses.
    """

    @wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        response = view(request, *args, **kwargs)
        response.setdefault("Referrer-Policy", "same-origin")
        response["X-Robots-Tag"] = "noindex"
        return response

    return never_cache(wrapped)


def _municipality(request: HttpRequest) -> Municipality:
    municipality = getattr(request, "municipality", None)
    if not municipality:
        raise Http404
    return municipality


def _guessing_limit(request: HttpRequest) -> ratelimit.RateLimit | None:
    """Count a code attempt; the refusal if this address, or the whole site, is trying too many."""
    per_ip, window = getattr(settings, "CONSULTATION_CODE_RATE_LIMIT", (10, 900))
    overall, overall_window = getattr(settings, "CONSULTATION_CODE_GLOBAL_RATE_LIMIT", (2000, 3600))
    mine = ratelimit.hit("rsvp-code", ratelimit.client_ip(request), limit=per_ip, window=window)
    if not mine.allowed:
        return mine
    everyone = ratelimit.hit("rsvp-code-all", "all", limit=overall, window=overall_window)
    return None if everyone.allowed else everyone


def _limited_response(request: HttpRequest, limited: ratelimit.RateLimit) -> HttpResponse:
    minutes = max(1, (limited.retry_after + 59) // 60)
    response = render(
        request,
        "consultations/rsvp_code.html",
        {
            "form": CodeForm(),
            "limited": _(
                "Too many codes were tried from here in a short time. Please wait %(minutes)s minutes and "
                "try "
                "again, or call the city office."
            )
            % {"minutes": minutes},
        },
        status=429,
    )
    response["Retry-After"] = str(limited.retry_after)
    return response


def _bind(request: HttpRequest, code: InvitationCode) -> HttpResponse:
    request.session.cycle_key()
    request.session[SESSION_CODE] = code.pk
    return HttpResponseRedirect(reverse("consultations:rsvp-answer"))


@private_page
@require_http_methods(["GET", "POST"])
def rsvp_code(request: HttpRequest) -> HttpResponse:
    """Where a resident without a smartphone camera types the code from the letter."""
    _municipality(request)
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        limited = _guessing_limit(request)
        if limited is not None:
            return _limited_response(request, limited)
        try:
            code = invitation_open(short_code=form.cleaned_data["code"])
        except ServiceError as error:
            form.add_error("code", error.message)
            status = 400
        else:
            return _bind(request, code)
    elif request.method == "POST":
        status = 400
    return render(request, "consultations/rsvp_code.html", {"form": form}, status=status)


@private_page
@require_GET
def rsvp_token(request: HttpRequest, token: str) -> HttpResponse:
    """The QR code's link: check the token, remember it in the session, and move to a URL without it."""
    _municipality(request)
    limited = _guessing_limit(request)
    if limited is not None:
        response = _limited_response(request, limited)
    else:
        try:
            code = invitation_open(token=token)
        except ServiceError as error:
            context = {"form": CodeForm(), "problem": error.message}
            response = render(request, "consultations/rsvp_code.html", context, status=400)
        else:
            response = _bind(request, code)
    # This URL holds the token: nothing loaded from or linked on this response may carry it as a Referer.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _session_code(request: HttpRequest, municipality: Municipality) -> InvitationCode | None:
    pk = request.session.get(SESSION_CODE)
    if not pk:
        return None
    return (
        InvitationCode.objects.select_related("invitation__consultation__municipality", "invitation__entry")
        .filter(pk=pk, invitation__consultation__municipality=municipality)
        .first()
    )


@private_page
@require_http_methods(["GET", "POST"])
def rsvp_answer_view(request: HttpRequest) -> HttpResponse:
    municipality = _municipality(request)
    code = _session_code(request, municipality)
    if code is None:
        messages.info(request, _("Open the link in your invitation, or type its code."))
        return HttpResponseRedirect(reverse("consultations:rsvp"))
    try:
        check_code(code)
    except ServiceError as error:
        request.session.pop(SESSION_CODE, None)
        return render(
            request,
            "consultations/rsvp_code.html",
            {"form": CodeForm(), "problem": error.message},
            status=400,
        )
    invitation = code.invitation
    consultation = invitation.consultation
    context: dict[str, object] = {
        "consultation": consultation,
        "sessions": consultation.sessions.order_by("starts_at"),
    }
    if code.purpose == InvitationCode.Purpose.CONFIRM:
        return _confirm(request, code, context)
    form = RsvpForm(request.POST or None, questions=questions_for(consultation, invitation.entry))
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                rsvp_answer(invitation=invitation, answer=form.answer(), code=code)
            except ServiceError as error:
                form.add_service_error(error)
            else:
                request.session.pop(SESSION_CODE, None)
                request.session[SESSION_DONE] = {
                    "accepted": form.cleaned_data["attending"] == "yes",
                    "title": consultation.title,
                }
                return HttpResponseRedirect(reverse("consultations:rsvp-done"))
        status = 400
    context["form"] = form
    return render(request, "consultations/rsvp_answer.html", context, status=status)


def _confirm(request: HttpRequest, code: InvitationCode, context: dict[str, object]) -> HttpResponse:
    respondent = Respondent.objects.get(invitation=code.invitation)
    form = ConfirmForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            attend = form.cleaned_data["attend"] == "yes"
            try:
                respondent_confirm(respondent=respondent, attend=attend, code=code)
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                request.session.pop(SESSION_CODE, None)
                request.session[SESSION_DONE] = {
                    "confirmed": attend,
                    "title": code.invitation.consultation.title,
                    "live_links": _live_links(respondent) if attend else [],
                }
                return HttpResponseRedirect(reverse("consultations:rsvp-done"))
        status = 400
    context.update(form=form, respondent=respondent)
    return render(request, "consultations/rsvp_confirm.html", context, status=status)


def _live_links(respondent: Respondent) -> list[dict[str, str]]:
    """The confirmed member's links into each session room (told once they confirm their place)."""
    return [
        {"title": session.title, "url": reverse("consultations:live-join", args=[token])}
        for session, token in live_passes_for(respondent=respondent)
    ]


@private_page
@require_GET
def rsvp_done(request: HttpRequest) -> HttpResponse:
    _municipality(request)
    done = request.session.get(SESSION_DONE)
    if not done:
        return HttpResponseRedirect(reverse("consultations:rsvp"))
    return render(request, "consultations/rsvp_done.html", {"done": done})


def _audited(request: HttpRequest, pk: int) -> Consultation:
    consultation = get_object_or_404(
        Consultation.objects.select_related("municipality"), pk=pk, municipality=_municipality(request)
    )
    if consultation.status == Consultation.Status.DRAFT and not consultation.draws.exists():
        raise Http404
    return consultation


@require_GET
def audit(request: HttpRequest, pk: int) -> HttpResponse:
    """The public audit page: what was committed and revealed, counts, quotas, and a fresh re-check."""
    consultation = _audited(request, pk)
    report = audit_report(consultation)
    verification = verify_consultation(consultation)
    return render(
        request,
        "consultations/audit.html",
        {"report": report, "verification": verification, "consultation": consultation, "Draw": Draw},
    )


@require_GET
def audit_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    consultation = _audited(request, pk)
    document = audit_document.render(audit_report(consultation), verify_consultation(consultation))
    response = HttpResponse(document, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="audit-{consultation.pk}.pdf"'
    return response
