"""Saving a consultation's settings (admin form), refusing changes its lotteries have already fixed."""

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from civic.errors import ServiceError
from consultations.live_models import LiveRoom
from consultations.models import Consultation, Draw
from consultations.services.common import Actor, record_event

INVITATION_FIELDS = ("invitations_target", "stratify_by_district", "one_per_household")
PANEL_FIELDS = ("panel_size", "alternates")


def consultation_delete_check(*, consultation: Consultation) -> None:
    """Refuse (ServiceError) to delete a consultation whose records must stay: a lottery draw is part of the
    public record, and a session held live keeps its room's record."""
    if consultation.draws.exists():
        raise ServiceError(_("This consultation has a lottery draw, which stays on the public record."))
    if _held_live(consultation).exists():
        raise ServiceError(_("A session of this consultation was held live, and its record is kept."))


def _held_live(consultation: Consultation) -> QuerySet[LiveRoom]:
    return LiveRoom.objects.filter(session__consultation=consultation, events__isnull=False)


@transaction.atomic
def consultation_save(*, consultation: Consultation, by: Actor) -> Consultation:
    """Create or update a consultation (with its sessions); lottery settings are fixed once their seed is, and
    a session held live is never removed (its room's record would go with it)."""
    errors: dict[str, list[str]] = {}
    if consultation.panel_size < 1:
        errors.setdefault("panel_size", []).append(_("The panel needs at least one member."))
    if consultation.invitations_target < consultation.panel_size:
        errors.setdefault("invitations_target", []).append(
            _("Invite at least as many residents as the panel has places.")
        )
    changed: list[str] = []
    if consultation.pk:
        stored = Consultation.objects.select_for_update().get(pk=consultation.pk)
        if stored.municipality_id != consultation.municipality_id:
            errors.setdefault("municipality", []).append(_("A consultation stays with its municipality."))
        draws = stored.draws.exclude(status=Draw.Status.VOIDED)
        fixed = {
            Draw.Stage.INVITATIONS: INVITATION_FIELDS,
            Draw.Stage.PANEL: PANEL_FIELDS,
        }
        for stage in draws.values_list("stage", flat=True):
            for name in fixed[Draw.Stage(stage)]:
                if getattr(stored, name) != getattr(consultation, name):
                    errors.setdefault(name, []).append(
                        _("This was fixed when the lottery's seed was committed; void the draw to change it.")
                    )
        changed = [
            f.name
            for f in Consultation._meta.concrete_fields
            if not f.primary_key
            and f.name not in {"created_at", "updated_at"}
            and getattr(stored, f.attname) != getattr(consultation, f.attname)
        ]
        kept = [session.pk for session in consultation.sessions.all() if session.pk]
        recorded = _held_live(stored).exclude(session_id__in=kept)
        for title in recorded.values_list("session__title", flat=True).distinct():
            errors.setdefault("sessions", []).append(
                _(
                    "The session “%(title)s” was held live and its record is kept, so it cannot be removed. "
                    "Change its title or time instead."
                )
                % {"title": title}
            )
        # Status and the roster's bookkeeping change only through their own services.
        consultation.status = stored.status
        consultation.roster_salt = stored.roster_salt
        consultation.roster_purged_at = stored.roster_purged_at
    if errors:
        raise ServiceError(next(iter(errors.values()))[0], field_errors=errors)
    created = consultation.pk is None
    consultation.save()
    record_event(
        consultation, by, "consultation_created" if created else "consultation_updated", changed=changed
    )
    return consultation
