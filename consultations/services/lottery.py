"""Lottery services: commit a seed to fixed inputs, reveal it and draw, or void a draw with a recorded reason.

A stage has at most one draw that is not voided, so a draw can never be re-run quietly: a second one needs the
first voided, and both stay on the public audit page.
"""

import secrets
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from civic.errors import ServiceError
from civic.jobs import enqueue_on_commit
from civic.line.models import LineFollower
from consultations import lottery
from consultations.models import Consultation, Draw, Invitation, Respondent, RosterEntry
from consultations.services.common import Actor, actor_or_none, locked, record_event, refuse_if_purged

DEFAULT_REPLY_DAYS = 30
MIN_SEED_LENGTH = 6
MIN_VOID_REASON = 10


def lottery_error_message(error: lottery.LotteryError) -> str:
    params = error.params
    if error.code == "count_above_eligible":
        if params.get("households"):
            return (
                _(
                    "%(count)s invitations were asked for, but the roster has only %(eligible)s households "
                    "(one invitation per household). Lower the number of invitations or import more of the "
                    "register."
                )
                % params
            )
        return (
            _(
                "%(count)s invitations were asked for, but the roster has only %(eligible)s people. "
                "Lower the number of invitations or import more of the register."
            )
            % params
        )
    if error.code == "missing_district":
        return (
            ngettext(
                "%(missing)s person on the roster has no district, so the draw cannot be stratified by "
                "district.",
                "%(missing)s people on the roster have no district, so the draw cannot be stratified by "
                "district.",
                params["missing"],
            )
            % params
        )
    if error.code == "count_not_positive":
        return _("The number of invitations must be at least 1.")
    if error.code == "duplicate_keys":
        return _("The roster has duplicate keys; import it again.")
    return _("The draw could not be made (%(code)s).") % {"code": error.code}


def invitation_inputs(consultation: Consultation) -> tuple[list[lottery.Entry], dict[str, Any]]:
    entries = [
        lottery.Entry(key, district, household)
        for key, district, household in RosterEntry.objects.filter(consultation=consultation)
        .order_by("key")
        .values_list("key", "district", "household")
    ]
    return entries, {"entries": [[e.key, e.district, e.household] for e in entries]}


def invitation_parameters(consultation: Consultation) -> dict[str, Any]:
    return {
        "count": consultation.invitations_target,
        "stratify_by_district": consultation.stratify_by_district,
        "one_per_household": consultation.one_per_household,
    }


def _seed_to_commit(seed: str) -> str:
    seed = seed.strip()
    if not seed:
        return secrets.token_hex(16)
    if len(seed) < MIN_SEED_LENGTH or len(seed) > 200:
        raise ServiceError(
            _("A seed you choose must be %(min)s to 200 characters long.") % {"min": MIN_SEED_LENGTH},
            field_errors={"seed": [_("Between %(min)s and 200 characters.") % {"min": MIN_SEED_LENGTH}]},
        )
    return seed


def refuse_second_draw(consultation: Consultation, stage: str) -> None:
    live = consultation.draws.filter(stage=stage).exclude(status=Draw.Status.VOIDED).first()
    if live is not None:
        raise ServiceError(
            _(
                "This stage already has a draw (seed committed on %(date)s). A draw is never re-run: "
                "void the existing one with a reason first, and both stay on the audit page."
            )
            % {"date": timezone.localtime(live.committed_at).strftime("%Y-%m-%d %H:%M")}
        )


def create_commitment(
    *,
    consultation: Consultation,
    stage: str,
    algorithm: str,
    parameters: dict[str, Any],
    inputs: dict[str, Any],
    fingerprint: str,
    seed: str,
    keep_seed: bool,
    by: Actor,
) -> Draw:
    refuse_second_draw(consultation, stage)
    seed = _seed_to_commit(seed)
    if keep_seed and len(seed) < 16:
        # A seed only the operator knows must be hard to guess, or the commitment can be brute-forced.
        raise ServiceError(
            _("A seed you keep yourself must be at least 16 characters long."),
            field_errors={"seed": [_("At least 16 characters.")]},
        )
    draw = Draw.objects.create(
        consultation=consultation,
        stage=stage,
        algorithm=algorithm,
        parameters=parameters,
        inputs=inputs,
        inputs_fingerprint=fingerprint,
        seed_hash=lottery.seed_hash(seed),
        seed="" if keep_seed else seed,
        committed_by=actor_or_none(by),
    )
    record_event(
        consultation,
        by,
        "draw_committed",
        draw=draw.pk,
        stage=stage,
        fingerprint=fingerprint,
        seed_hash=draw.seed_hash,
        seed_kept_by_operator=keep_seed,
    )
    return draw


@transaction.atomic
def invitations_commit(
    *, consultation: Consultation, by: Actor, seed: str = "", keep_seed: bool = False
) -> Draw:
    """Fix the roster and commit to a seed for the invitation lottery; the commitment is public at once.

    With `keep_seed`, only the seed's hash is stored and the operator types the seed in to draw (for a seed
    made at a public event); otherwise a 128-bit seed is generated and kept secret until the draw.
    """
    consultation = locked(consultation)
    refuse_if_purged(consultation)
    refuse_second_draw(consultation, Draw.Stage.INVITATIONS)
    if consultation.status != Consultation.Status.DRAFT:
        raise ServiceError(_("The invitation lottery is drawn while the consultation is a draft."))
    entries, inputs = invitation_inputs(consultation)
    if not entries:
        raise ServiceError(_("Import the roster before committing the lottery's seed."))
    parameters = invitation_parameters(consultation)
    # Find impossible requests now, before anything is published: a dry run with a throwaway seed.
    try:
        lottery.draw_invitees(
            entries,
            count=parameters["count"],
            seed="dry-run",
            stratify=parameters["stratify_by_district"],
            one_per_household=parameters["one_per_household"],
        )
    except lottery.LotteryError as error:
        raise ServiceError(lottery_error_message(error)) from None
    return create_commitment(
        consultation=consultation,
        stage=Draw.Stage.INVITATIONS,
        algorithm=lottery.INVITATIONS_ALGORITHM,
        parameters=parameters,
        inputs=inputs,
        fingerprint=lottery.roster_fingerprint(entries),
        seed=seed,
        keep_seed=keep_seed,
        by=by,
    )


def reveal(draw: Draw, seed: str) -> str:
    """The seed to draw with: the stored one, or the one typed in, which must match the commitment."""
    seed = seed.strip()
    if draw.seed:
        if seed and seed != draw.seed:
            raise ServiceError(
                _("That is not the committed seed."), field_errors={"seed": [_("Not the committed seed.")]}
            )
        return draw.seed
    if not seed:
        raise ServiceError(
            _("Type in the seed you committed to: only its hash was stored."),
            field_errors={"seed": [_("Type in the committed seed.")]},
        )
    if lottery.seed_hash(seed) != draw.seed_hash:
        raise ServiceError(
            _("That seed does not match the published commitment; check it and try again."),
            field_errors={"seed": [_("It does not match the commitment.")]},
        )
    return seed


@transaction.atomic
def invitations_draw(*, draw: Draw, by: Actor, seed: str = "") -> Draw:
    """Reveal the seed, draw the invitees and create their invitations (by letter, e-mail or LINE)."""
    from consultations.tasks import deliver_invitation

    consultation = locked(draw.consultation)
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if draw.stage != Draw.Stage.INVITATIONS or draw.status != Draw.Status.COMMITTED:
        raise ServiceError(_("This draw has already been made or was voided."))
    revealed = reveal(draw, seed)
    entries, _inputs = invitation_inputs(consultation)
    if lottery.roster_fingerprint(entries) != draw.inputs_fingerprint:
        raise ServiceError(
            _("The roster changed after the seed was committed; void this draw and commit again.")
        )
    parameters = draw.parameters
    try:
        keys = lottery.draw_invitees(
            entries,
            count=parameters["count"],
            seed=revealed,
            stratify=parameters["stratify_by_district"],
            one_per_household=parameters["one_per_household"],
        )
    except lottery.LotteryError as error:
        raise ServiceError(lottery_error_message(error)) from None
    now = timezone.now()
    draw.seed, draw.seed_revealed, draw.revealed_at = revealed, True, now
    draw.result = {"invited": keys}
    draw.status = Draw.Status.DRAWN
    draw.save(update_fields=["seed", "seed_revealed", "revealed_at", "result", "status"])

    expires = consultation.rsvp_deadline or now + timedelta(days=DEFAULT_REPLY_DAYS)
    if consultation.rsvp_deadline is None:
        consultation.rsvp_deadline = expires
    by_key = {e.key: e for e in RosterEntry.objects.filter(consultation=consultation, key__in=keys)}
    followers = _line_followers(consultation, [e.line_user_id for e in by_key.values() if e.line_user_id])
    invitations = Invitation.objects.bulk_create(
        [
            Invitation(
                consultation=consultation,
                draw=draw,
                entry=by_key[key],
                channel=_channel_for(by_key[key], followers),
                expires_at=expires,
            )
            for key in keys
        ],
        batch_size=1000,
    )
    consultation.status = Consultation.Status.RECRUITING
    consultation.save(update_fields=["status", "rsvp_deadline", "updated_at"])
    counts = {
        channel: sum(1 for i in invitations if i.channel == channel) for channel in Invitation.Channel.values
    }
    record_event(
        consultation, by, "invitations_drawn", draw=draw.pk, seed=revealed, invited=len(keys), **counts
    )
    for invitation in invitations:
        if invitation.channel != Invitation.Channel.LETTER:
            enqueue_on_commit(deliver_invitation, invitation.pk, "invitation")
    return draw


def _line_followers(consultation: Consultation, user_ids: list[str]) -> set[str]:
    if not user_ids:
        return set()
    return set(
        LineFollower.objects.filter(
            channel__municipality=consultation.municipality,
            channel__enabled=True,
            following=True,
            user_id__in=user_ids,
        ).values_list("user_id", flat=True)
    )


def _channel_for(entry: RosterEntry, followers: set[str]) -> str:
    if entry.line_user_id and entry.line_user_id in followers:
        return Invitation.Channel.LINE
    if entry.email:
        return Invitation.Channel.EMAIL
    return Invitation.Channel.LETTER


@transaction.atomic
def draw_void(*, draw: Draw, reason: str, by: Actor) -> Draw:
    """Set a draw aside with a reason (kept and published), so the stage can be drawn again."""
    consultation = locked(draw.consultation)
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    reason = reason.strip()
    if len(reason) < MIN_VOID_REASON:
        raise ServiceError(
            _("Give the reason for voiding the draw in a full sentence; it is published on the audit page."),
            field_errors={"reason": [_("At least %(count)s characters.") % {"count": MIN_VOID_REASON}]},
        )
    if draw.status == Draw.Status.VOIDED:
        raise ServiceError(_("This draw was already voided."))
    if draw.stage == Draw.Stage.INVITATIONS:
        answered = draw.invitations.exclude(status__in=[Invitation.Status.PENDING, Invitation.Status.REVOKED])
        if answered.exists():
            raise ServiceError(
                _("Invitees have already answered, so the invitation lottery can no longer be voided.")
            )
        draw.invitations.update(status=Invitation.Status.REVOKED)
        if consultation.status == Consultation.Status.RECRUITING:
            consultation.status = Consultation.Status.DRAFT
    else:
        if consultation.status not in {Consultation.Status.RECRUITING, Consultation.Status.SELECTING}:
            raise ServiceError(_("The panel can no longer be voided once the consultation is live."))
        Respondent.objects.filter(consultation=consultation).update(
            outcome=Respondent.Outcome.POOL, attendance=Respondent.Attendance.UNKNOWN, notified_at=None
        )
        consultation.status = Consultation.Status.RECRUITING
    consultation.save(update_fields=["status", "updated_at"])
    before = draw.status
    draw.status, draw.void_reason = Draw.Status.VOIDED, reason
    draw.voided_by, draw.voided_at = actor_or_none(by), timezone.now()
    draw.save(update_fields=["status", "void_reason", "voided_by", "voided_at"])
    record_event(
        consultation, by, "draw_voided", draw=draw.pk, stage=draw.stage, before=before, reason=reason
    )
    return draw
