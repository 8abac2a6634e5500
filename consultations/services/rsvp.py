"""RSVP services: open an invitation by its code, answer it once (web, phone or counter), confirm a place."""

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from civic.errors import ServiceError
from consultations import codes
from consultations.models import Consultation, Draw, Invitation, InvitationCode, Respondent
from consultations.selectors import Question, questions_for
from consultations.services.common import Actor, locked, record_event, refuse_if_purged

PHONE = re.compile(r"^[0-9０-９+()\-－ー\s]{6,40}$")
DISPLAY_NAME_MAX = 60
NEEDS_MAX = 1000


def _not_found() -> ServiceError:
    return ServiceError(
        _(
            "We could not find that code. Check it against your letter (it has 12 letters and digits) and "
            "try again, or call the city office."
        ),
        field_errors={"code": [_("No invitation has this code.")]},
    )


def invitation_open(*, token: str = "", short_code: str = "") -> InvitationCode:
    """The code a resident brought (from the QR link or typed); refuses unknown, used or expired codes."""
    row: InvitationCode | None = None
    if token:
        if codes.looks_like_token(token):
            row = InvitationCode.objects.filter(token_hash=codes.token_hash(token)).first()
    else:
        normalised = codes.normalise_short_code(short_code)
        if normalised is None:
            raise ServiceError(
                _("An invitation code has 12 letters and digits, like ABCD-EFGH-JKMN."),
                field_errors={"code": [_("Type the 12 letters and digits from your letter.")]},
            )
        row = InvitationCode.objects.filter(short_code_hash=codes.short_code_hash(normalised)).first()
    if row is None:
        raise _not_found()
    row = InvitationCode.objects.select_related(
        "invitation__consultation__municipality", "invitation__entry"
    ).get(pk=row.pk)
    check_code(row)
    return row


def check_code(row: InvitationCode) -> None:
    invitation = row.invitation
    consultation = invitation.consultation
    phone = consultation.municipality.contact_phone
    call = (_(" Please call %(phone)s.") % {"phone": phone}) if phone else ""
    if row.used_at is not None:
        raise ServiceError(
            _("This code has already been used, and each code works once. Your earlier answer is kept.")
            + call
        )
    if invitation.status == Invitation.Status.REVOKED or consultation.roster_purged_at is not None:
        raise ServiceError(_("This invitation has been withdrawn.") + call)
    if row.purpose == InvitationCode.Purpose.RSVP:
        if invitation.status != Invitation.Status.PENDING:
            raise ServiceError(
                _("This invitation has already been answered. Your earlier answer is kept.") + call
            )
        if invitation.is_expired:
            raise ServiceError(
                _("This invitation expired on %(date)s, so it can no longer be answered online.")
                % {"date": formats.date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")}
                + call
            )
        if consultation.status != Consultation.Status.RECRUITING:
            raise ServiceError(
                _("Answers are closed: the panel is being selected or has been selected.") + call
            )
    else:
        respondent = Respondent.objects.filter(invitation=invitation).first()
        if respondent is None or respondent.outcome != Respondent.Outcome.SELECTED:
            raise ServiceError(_("There is no panel place to confirm with this code.") + call)
        if respondent.attendance != Respondent.Attendance.UNKNOWN:
            raise ServiceError(_("You have already told us whether you will take part. Thank you.") + call)


@dataclass(frozen=True)
class RsvpAnswer:
    accept: bool
    answers: Mapping[str, str] = field(default_factory=dict)
    display_name: str = ""
    email: str = ""
    phone: str = ""
    accessibility_needs: str = ""
    consent: bool = False


def _features(questions: list[Question], answer: RsvpAnswer, errors: dict[str, list[str]]) -> dict[str, str]:
    features: dict[str, str] = {}
    for question in questions:
        if question.known is not None:
            features[question.category] = question.known
            continue
        value = (answer.answers.get(question.category) or "").strip()
        allowed = {choice for choice, _label in question.choices}
        if not value:
            errors.setdefault(f"q_{question.category}", []).append(
                _("Please answer: %(question)s") % {"question": question.label}
            )
        elif value not in allowed:
            errors.setdefault(f"q_{question.category}", []).append(_("Choose one of the answers listed."))
        else:
            features[question.category] = value
    return features


def _contact_errors(answer: RsvpAnswer, errors: dict[str, list[str]], *, need_consent: bool) -> None:
    name = answer.display_name.strip()
    if not name:
        errors.setdefault("display_name", []).append(_("Please give a name to be called by in the sessions."))
    elif len(name) > DISPLAY_NAME_MAX:
        errors.setdefault("display_name", []).append(
            _("Please keep the name under %(count)s characters.") % {"count": DISPLAY_NAME_MAX}
        )
    if answer.email.strip():
        try:
            validate_email(answer.email.strip())
        except ValidationError:
            errors.setdefault("email", []).append(_("Enter an e-mail address like name@example.jp."))
    if answer.phone.strip() and not PHONE.match(answer.phone.strip()):
        errors.setdefault("phone", []).append(_("Enter a telephone number like 027-000-0000."))
    if len(answer.accessibility_needs) > NEEDS_MAX:
        errors.setdefault("accessibility_needs", []).append(
            _("Please keep this under %(count)s characters.") % {"count": NEEDS_MAX}
        )
    if need_consent and not answer.consent:
        errors.setdefault("consent", []).append(
            _("Please agree to how your answers are used, or decline the invitation instead.")
        )


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ServiceError(_("Please check the answers marked below."), field_errors=errors)


@transaction.atomic
def rsvp_answer(
    *,
    invitation: Invitation,
    answer: RsvpAnswer,
    via: str = Invitation.Via.WEB,
    code: InvitationCode | None = None,
    by: Actor = None,
) -> Invitation:
    """Record the one answer to an invitation: yes with the quota answers and contact details, or no.

    On the web the answer needs the invitation's unused code, which it uses up; staff record answers given by
    telephone or at the counter (also after the printed deadline, until the panel selection starts).
    """
    consultation = locked(invitation.consultation)
    refuse_if_purged(consultation)
    invitation = Invitation.objects.select_for_update().select_related("entry").get(pk=invitation.pk)
    if via == Invitation.Via.WEB:
        if code is None or code.invitation_id != invitation.pk or code.purpose != InvitationCode.Purpose.RSVP:
            raise _not_found()
        code = InvitationCode.objects.select_for_update().get(pk=code.pk)
        code.invitation = invitation
        check_code(code)
    else:
        if invitation.status == Invitation.Status.REVOKED:
            raise ServiceError(_("This invitation has been withdrawn."))
        if invitation.status != Invitation.Status.PENDING:
            raise ServiceError(
                _(
                    "This invitee has already answered (%(status)s); change the answers on their respondent "
                    "record."
                )
                % {"status": invitation.get_status_display()}
            )
        if consultation.status != Consultation.Status.RECRUITING:
            raise ServiceError(_("Answers are closed: the panel is being selected or has been selected."))
    now = timezone.now()
    if answer.accept:
        errors: dict[str, list[str]] = {}
        features = _features(questions_for(consultation, invitation.entry), answer, errors)
        _contact_errors(answer, errors, need_consent=via == Invitation.Via.WEB)
        _raise_if(errors)
        Respondent.objects.create(
            consultation=consultation,
            invitation=invitation,
            key=invitation.entry.key,
            features=features,
            display_name=answer.display_name.strip(),
            email=answer.email.strip(),
            phone=answer.phone.strip(),
            accessibility_needs=answer.accessibility_needs.strip(),
        )
        invitation.status = Invitation.Status.ACCEPTED
    else:
        invitation.status = Invitation.Status.DECLINED
    invitation.answered_at, invitation.answered_via = now, via
    invitation.save(update_fields=["status", "answered_at", "answered_via"])
    if code is not None:
        code.used_at = now
        code.save(update_fields=["used_at"])
    record_event(consultation, by, "rsvp_answered", invitation=invitation.pk, accepted=answer.accept, via=via)
    return invitation


def _refuse_if_selection_started(consultation: Consultation) -> None:
    started = consultation.draws.filter(stage=Draw.Stage.PANEL).exclude(status=Draw.Status.VOIDED).exists()
    if started or consultation.status != Consultation.Status.RECRUITING:
        raise ServiceError(
            _(
                "The panel selection has started, so answers can no longer change: the lottery's inputs are "
                "fixed. The answers given before are kept as they were."
            )
        )


@transaction.atomic
def respondent_update(*, respondent: Respondent, answer: RsvpAnswer, by: Actor) -> Respondent:
    """Staff correct a respondent's answers or contact details (for example after a telephone call)."""
    consultation = locked(respondent.consultation)
    refuse_if_purged(consultation)
    _refuse_if_selection_started(consultation)
    respondent = (
        Respondent.objects.select_for_update().select_related("invitation__entry").get(pk=respondent.pk)
    )
    errors: dict[str, list[str]] = {}
    features = _features(questions_for(consultation, respondent.invitation.entry), answer, errors)
    _contact_errors(answer, errors, need_consent=False)
    _raise_if(errors)
    before = dict(respondent.features)
    respondent.features = features
    respondent.display_name = answer.display_name.strip()
    respondent.email = answer.email.strip()
    respondent.phone = answer.phone.strip()
    respondent.accessibility_needs = answer.accessibility_needs.strip()
    respondent.save()
    record_event(
        consultation, by, "respondent_updated", respondent=respondent.key, before=before, after=features
    )
    return respondent


@transaction.atomic
def respondent_confirm(
    *, respondent: Respondent, attend: bool, code: InvitationCode | None = None, by: Actor = None
) -> Respondent:
    """A selected panel member confirms they will take part (or withdraws); online with their confirm code."""
    consultation = locked(respondent.consultation)
    refuse_if_purged(consultation)
    respondent = Respondent.objects.select_for_update().get(pk=respondent.pk)
    if code is not None:
        code = (
            InvitationCode.objects.select_for_update()
            .select_related("invitation__consultation")
            .get(pk=code.pk)
        )
        if code.invitation_id != respondent.invitation_id or code.purpose != InvitationCode.Purpose.CONFIRM:
            raise _not_found()
        check_code(code)
    if respondent.outcome != Respondent.Outcome.SELECTED:
        raise ServiceError(_("Only selected panel members confirm their place."))
    if respondent.attendance != Respondent.Attendance.UNKNOWN and code is not None:
        raise ServiceError(_("You have already told us whether you will take part. Thank you."))
    before = respondent.attendance
    respondent.attendance = Respondent.Attendance.CONFIRMED if attend else Respondent.Attendance.WITHDRAWN
    respondent.save(update_fields=["attendance", "updated_at"])
    if code is not None:
        code.used_at = timezone.now()
        code.save(update_fields=["used_at"])
    record_event(
        consultation,
        by,
        "attendance_set",
        respondent=respondent.key,
        before=before,
        after=respondent.attendance,
    )
    return respondent
