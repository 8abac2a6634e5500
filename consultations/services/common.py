"""What every consultations service shares: the audit trail, locking a consultation, and who acted."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser, User
from django.utils.translation import gettext as _

from civic.errors import ServiceError
from consultations.models import Consultation, ConsultationEvent

Actor = AbstractBaseUser | AnonymousUser | None


def actor_or_none(actor: Actor) -> User | None:
    if isinstance(actor, User) and actor.is_authenticated:
        return actor
    return None


def record_event(consultation: Consultation, actor: Actor, action: str, **data: Any) -> ConsultationEvent:
    return ConsultationEvent.objects.create(
        consultation=consultation, actor=actor_or_none(actor), action=action, data=data
    )


def locked(consultation: Consultation) -> Consultation:
    """The consultation's row, locked until the transaction ends, so its stages change one at a time."""
    return Consultation.objects.select_for_update().get(pk=consultation.pk)


def refuse_if_purged(consultation: Consultation) -> None:
    if consultation.roster_purged_at is not None:
        raise ServiceError(
            _("The roster of this consultation has been deleted; nothing more can be done with it.")
        )
