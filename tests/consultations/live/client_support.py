"""A live room with a facilitator and confirmed panel members, built through the site's services, for the
tests of the room page, the transcript and the browser client."""

from dataclasses import dataclass
from datetime import timedelta
from typing import cast

from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from civic.roles import Role
from civic.services import staff_membership_set
from consultations.live_models import LiveParticipant, LiveRoom
from consultations.models import Consultation, ConsultationSession, Respondent
from consultations.services import live, respondent_confirm
from tests.consultations.builders import selected
from tests.factories import UserFactory

NAMES = ["さくら", "はると", "ゆい", "そうた"]
PASSWORD = "pw-for-tests-only"  # UserFactory's


@dataclass
class Panel:
    consultation: Consultation
    session: ConsultationSession
    room: LiveRoom
    facilitator_user: User
    facilitator: LiveParticipant
    members: list[Respondent]
    participants: list[LiveParticipant]

    @property
    def host(self) -> str:
        return self.consultation.municipality.site.hostname

    def client(self, *, as_member: int | None = None, staff: bool = False, language: str = "ja") -> Client:
        """A browser: anonymous, a panel member (joined as through the link), or the facilitator."""
        client = Client(HTTP_HOST=self.host, HTTP_ACCEPT_LANGUAGE=language)
        if staff:
            client.force_login(self.facilitator_user)
        if as_member is not None:
            session = client.session
            session["civic_live"] = {str(self.room.pk): self.participants[as_member].pk}
            session.save()
        return client


def live_panel(*, members: int = 3, public: bool = True) -> Panel:
    """An open room of a consultation whose panel is drawn and has `members` confirmed members."""
    consultation = selected(accepted=14)
    if not public:
        Consultation.objects.filter(pk=consultation.pk).update(public_may_watch=False)
        consultation.refresh_from_db()
    start = timezone.now()
    session = ConsultationSession.objects.create(
        consultation=consultation, title="第1回 全体会議", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    room = live.room_ensure(session=session)
    user = cast(User, UserFactory(username=f"facilitator-{consultation.pk}", first_name="", last_name=""))
    staff_membership_set(user=user, municipality=consultation.municipality, role=Role.FACILITATOR)
    facilitator = live.participant_enter(room=room, user=user)
    chosen = list(
        consultation.respondents.filter(outcome=Respondent.Outcome.SELECTED).order_by("pk")[:members]
    )
    participants = []
    for respondent, name in zip(chosen, NAMES, strict=False):
        Respondent.objects.filter(pk=respondent.pk).update(display_name=name)
        respondent.refresh_from_db()
        respondent_confirm(respondent=respondent, attend=True)
        respondent.refresh_from_db()
        participants.append(live.participant_enter(room=room, respondent=respondent))
    live.room_open(room=room, actor=facilitator)
    room.refresh_from_db()
    return Panel(consultation, session, room, user, facilitator, chosen, participants)
