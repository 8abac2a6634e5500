"""Delivering invitations and outcomes: minting one-time codes, printing letters, e-mail and LINE, reminders.

A code exists in plain text only while it is being delivered (in the letter PDF handed to the operator, the
e-mail or the LINE message); the database keeps its hashes. Each delivery mints a fresh code, so a reminder
or a reprinted letter never needs a stored secret, and earlier codes stay valid until the invitation expires.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta

from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from civic.errors import ServiceError
from civic.jobs import enqueue_on_commit
from civic.line.models import LineChannel, LineFollower
from consultations import codes, links, notifications, pdf
from consultations.models import Consultation, Invitation, InvitationCode, Respondent
from consultations.services.common import Actor, locked, record_event, refuse_if_purged

logger = logging.getLogger(__name__)
LINE_TEXT_LIMIT = 5000


@dataclass(frozen=True)
class IssuedCode:
    token: str
    short_code: str
    row: InvitationCode


def code_issue(*, invitation: Invitation, purpose: str = InvitationCode.Purpose.RSVP) -> IssuedCode:
    """Mint a link token and a typed code for `invitation`; only their hashes are stored."""
    for _attempt in range(5):
        token, short = codes.new_token(), codes.new_short_code()
        try:
            with transaction.atomic():
                row = InvitationCode.objects.create(
                    invitation=invitation,
                    purpose=purpose,
                    token_hash=codes.token_hash(token),
                    short_code_hash=codes.short_code_hash(short),
                )
        except IntegrityError:  # a collision of 60 random bits: astronomically rare, but cheap to survive
            continue
        return IssuedCode(token, short, row)
    raise RuntimeError("could not mint a unique invitation code")


def _invited_count(consultation: Consultation) -> int:
    return consultation.invitations.exclude(status=Invitation.Status.REVOKED).count()


def _pool_count(consultation: Consultation) -> int:
    return consultation.respondents.count()


def _message(
    kind: str,
    invitation: Invitation,
    issued: IssuedCode | None,
    *,
    language: str = "ja",
    counts: tuple[int, int] | None = None,
) -> notifications.Message:
    consultation = invitation.consultation
    municipality = consultation.municipality
    invited, pool = counts or (_invited_count(consultation), _pool_count(consultation))
    respondent = getattr(invitation, "respondent", None)
    name = invitation.entry.name or (respondent.display_name if respondent else "")
    return notifications.compose(
        kind,
        consultation=consultation,
        name=name,
        url=links.rsvp_url(municipality, issued.token) if issued else "",
        short_code=codes.format_short_code(issued.short_code) if issued else "",
        code_entry_url=links.code_entry_url(municipality),
        audit_url=links.audit_url(municipality, consultation.pk),
        invited=invited,
        pool=pool,
        language=language,
    )


def outcome_channel(respondent: Respondent) -> str:
    invitation = respondent.invitation
    if invitation.channel == Invitation.Channel.LINE:
        return Invitation.Channel.LINE
    if respondent.email or invitation.entry.email:
        return Invitation.Channel.EMAIL
    return Invitation.Channel.LETTER


OUTCOME_KINDS: dict[str, str] = {
    Respondent.Outcome.SELECTED: "selected",
    Respondent.Outcome.ALTERNATE: "alternate",
    Respondent.Outcome.NOT_SELECTED: "not_selected",
}


def invitation_deliver(*, invitation_id: int, kind: str) -> str:
    """Send one invitation, reminder or outcome by e-mail or LINE (the background job's body)."""
    invitation = Invitation.objects.select_related("entry", "consultation__municipality").get(
        pk=invitation_id
    )
    consultation = invitation.consultation
    if consultation.roster_purged_at is not None:
        return "skipped: the roster was deleted"
    respondent = Respondent.objects.filter(invitation=invitation).first()
    if kind in {"invitation", "reminder"}:
        if invitation.status != Invitation.Status.PENDING or invitation.is_expired:
            return "skipped: answered or expired"
        channel = invitation.channel
        purpose: str | None = InvitationCode.Purpose.RSVP
    else:
        if respondent is None or OUTCOME_KINDS.get(respondent.outcome) != kind:
            return "skipped: the outcome changed"
        channel = outcome_channel(respondent)
        purpose = InvitationCode.Purpose.CONFIRM if kind == "selected" else None
    follower = _follower(invitation) if channel == Invitation.Channel.LINE else None
    if channel == Invitation.Channel.LINE and (follower is None or not follower.following):
        # The resident left the town's LINE account: fall back to e-mail if we have an address, else a letter.
        address = (respondent.email if respondent else "") or invitation.entry.email
        channel = Invitation.Channel.EMAIL if address else Invitation.Channel.LETTER
        Invitation.objects.filter(pk=invitation.pk).update(channel=channel)
        invitation.channel = channel
        if channel == Invitation.Channel.LETTER:
            return "moved to letters: the resident no longer follows the town's LINE account"
    if channel == Invitation.Channel.LETTER:
        return "skipped: delivered by letter"
    language = follower.language if follower else "ja"
    issued = code_issue(invitation=invitation, purpose=purpose) if purpose else None
    message = _message(kind, invitation, issued, language=language)
    if channel == Invitation.Channel.LINE:
        assert follower is not None
        _send_line(invitation, follower, message, kind, issued)
        result = "line"
    elif channel == Invitation.Channel.EMAIL:
        address = (respondent.email if respondent else "") or invitation.entry.email
        reply_to = (
            [consultation.municipality.contact_email] if consultation.municipality.contact_email else None
        )
        EmailMessage(message.subject, message.text(), to=[address], reply_to=reply_to).send()
        result = "email"
    now = timezone.now()
    if kind == "invitation":
        Invitation.objects.filter(pk=invitation.pk).update(sent_at=now)
    elif kind == "reminder":
        Invitation.objects.filter(pk=invitation.pk).update(reminded_at=now)
    elif respondent is not None:
        Respondent.objects.filter(pk=respondent.pk).update(notified_at=now)
    return result


def _follower(invitation: Invitation) -> LineFollower | None:
    return LineFollower.objects.filter(
        channel__municipality_id=invitation.consultation.municipality_id,
        user_id=invitation.entry.line_user_id,
    ).first()


def _send_line(
    invitation: Invitation,
    follower: LineFollower,
    message: notifications.Message,
    kind: str,
    issued: IssuedCode | None,
) -> None:
    # Sent from this job rather than through line_push, so the link's token is never written to the
    # job queue's table in plain text.
    from linebot.v3.messaging.models import TextMessage

    from civic.line import client

    channel = LineChannel.objects.get(pk=follower.channel_id)
    text = f"{message.subject}\n\n{message.text()}"[:LINE_TEXT_LIMIT]
    key = client.retry_key("consultation", str(invitation.pk), kind, str(issued.row.pk if issued else 0))
    client.send(channel, to=follower.user_id, messages=[TextMessage(text=text)], key=key)


@dataclass(frozen=True)
class LetterBatch:
    pdf: bytes
    count: int


def _letterhead(consultation: Consultation) -> pdf.Letterhead:
    town = consultation.municipality
    return pdf.Letterhead(
        town=town.name_ja,
        address=" ".join(town.contact_address.split()),
        phone=_("Telephone: %(phone)s") % {"phone": town.contact_phone} if town.contact_phone else "",
        email=town.contact_email,
    )


def _letter(invitation: Invitation, message: notifications.Message, issued: IssuedCode | None) -> pdf.Letter:
    entry = invitation.entry
    return pdf.Letter(
        postal_code=entry.postal_code,
        address=entry.address,
        name=f"{entry.name} 様" if entry.name else "",
        date=formats.date_format(timezone.localtime(timezone.now()), "DATE_FORMAT"),
        subject=message.subject,
        greeting=message.greeting,
        paragraphs=message.paragraphs,
        closing=message.closing,
        url=message.url,
        short_code=message.short_code,
        code_entry_url=message.code_entry_url,
        labels={
            "scan": _("Scan the QR code with your phone to answer."),
            "or_type": _("No smartphone? Open this page and type the code below:"),
            "code": _("Your code (keep it private; it can be used once):"),
            "private": _("You can also answer by telephone. This code is valid until %(date)s.")
            % {"date": formats.date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")},
        },
    )


def letters_waiting(consultation: Consultation, kind: str) -> QuerySet[Invitation]:
    """Invitations whose next letter of `kind` ("invitation", "reminder", "outcome") is not printed yet."""
    invitations = consultation.invitations.select_related("entry").order_by("entry__postal_code", "pk")
    now = timezone.now()
    if kind == "invitation":
        return invitations.filter(
            channel=Invitation.Channel.LETTER, status=Invitation.Status.PENDING, sent_at__isnull=True
        )
    if kind == "reminder":
        return invitations.filter(
            channel=Invitation.Channel.LETTER,
            status=Invitation.Status.PENDING,
            sent_at__isnull=False,
            reminded_at__isnull=True,
            expires_at__gt=now,
        )
    if kind == "outcome":
        waiting = invitations.filter(
            respondent__notified_at__isnull=True,
            respondent__outcome__in=list(OUTCOME_KINDS),
        ).select_related("respondent")
        return waiting.exclude(channel=Invitation.Channel.LINE).filter(
            Q(respondent__email="") & Q(entry__email="")
        )
    raise ValueError(kind)


@transaction.atomic
def letters_issue(
    *, consultation: Consultation, kind: str, by: Actor, invitations: list[Invitation] | None = None
) -> LetterBatch:
    """Print the waiting letters of `kind` (or a reprint for `invitations`) as one PDF, a page per letter.

    Every letter gets a freshly minted code; the PDF is handed to the operator and never stored.
    """
    refuse_if_purged(consultation)
    consultation = (
        Consultation.objects.prefetch_related("sessions")
        .select_related("municipality")
        .get(pk=consultation.pk)
    )
    chosen = list(invitations) if invitations is not None else list(letters_waiting(consultation, kind))
    if not chosen:
        raise ServiceError(_("There are no letters waiting to be printed."))
    counts = (_invited_count(consultation), _pool_count(consultation))
    letters: list[pdf.Letter] = []
    now = timezone.now()
    with translation.override("ja"):
        for invitation in chosen:
            invitation.consultation = consultation
            if kind == "outcome":
                outcome_kind = OUTCOME_KINDS[invitation.respondent.outcome]
                purpose = InvitationCode.Purpose.CONFIRM if outcome_kind == "selected" else None
                issued = code_issue(invitation=invitation, purpose=purpose) if purpose else None
                message = _message(outcome_kind, invitation, issued, counts=counts)
            else:
                if invitation.status != Invitation.Status.PENDING:
                    raise ServiceError(_("Only invitations that have not been answered can be reprinted."))
                issued = code_issue(invitation=invitation)
                message = _message(kind, invitation, issued, counts=counts)
            letters.append(_letter(invitation, message, issued))
        try:
            document = pdf.render_letters(_letterhead(consultation), letters)
        except pdf.FontMissing as error:
            raise ServiceError(str(error)) from None
    ids = [i.pk for i in chosen]
    if kind == "invitation":
        Invitation.objects.filter(pk__in=ids, sent_at__isnull=True).update(sent_at=now)
    elif kind == "reminder":
        Invitation.objects.filter(pk__in=ids).update(reminded_at=now, reminders_sent=1)
    else:
        Respondent.objects.filter(invitation_id__in=ids).update(notified_at=now)
    record_event(
        consultation, by, "letters_printed", kind=kind, count=len(letters), reprint=invitations is not None
    )
    return LetterBatch(document, len(letters))


@dataclass(frozen=True)
class ReminderResult:
    sent: int
    letters: int


@transaction.atomic
def invitations_remind(
    *, consultation: Consultation, by: Actor, min_age: timedelta = timedelta(0)
) -> ReminderResult:
    """Remind by e-mail and LINE everyone not answered yet (once each); letters wait to be printed."""
    from consultations.tasks import deliver_invitation

    consultation = locked(consultation)
    refuse_if_purged(consultation)
    if consultation.status != Consultation.Status.RECRUITING:
        raise ServiceError(_("Reminders are sent while the consultation is recruiting."))
    now = timezone.now()
    due = consultation.invitations.filter(
        status=Invitation.Status.PENDING,
        sent_at__isnull=False,
        sent_at__lte=now - min_age,
        reminders_sent=0,
        expires_at__gt=now,
    )
    electronic = list(due.exclude(channel=Invitation.Channel.LETTER).values_list("pk", flat=True))
    due.filter(pk__in=electronic).update(reminders_sent=1, reminded_at=now)
    for pk in electronic:
        enqueue_on_commit(deliver_invitation, pk, "reminder")
    letters = letters_waiting(consultation, "reminder").count()
    record_event(consultation, by, "reminders_sent", sent=len(electronic), letters_waiting=letters)
    return ReminderResult(len(electronic), letters)


def outcomes_notify(consultation: Consultation) -> int:
    """After the panel draw: tell everyone in the pool their outcome, by LINE or e-mail (letters wait)."""
    respondents = consultation.respondents.select_related("invitation__entry")
    return sum(outcome_notify(r) for r in respondents.filter(outcome__in=list(OUTCOME_KINDS)))


def outcome_notify(respondent: Respondent) -> bool:
    """Tell one respondent their outcome after the commit, by LINE or e-mail; False when a letter must."""
    from consultations.tasks import deliver_invitation

    if outcome_channel(respondent) == Invitation.Channel.LETTER:
        return False
    enqueue_on_commit(deliver_invitation, respondent.invitation_id, OUTCOME_KINDS[respondent.outcome])
    return True
