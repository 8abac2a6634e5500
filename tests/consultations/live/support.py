"""Building live rooms for the tests, and sockets into them through the real ASGI application."""

import json
import time
from datetime import timedelta
from typing import Any, cast

from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.contrib.auth.models import User
from django.contrib.sessions.backends.db import SessionStore
from django.test import Client
from django.utils import timezone

from civic.asgi import application
from civic.roles import Role
from civic.services import staff_membership_set
from consultations.live_models import LiveParticipant, LiveRoom
from consultations.models import Consultation, ConsultationSession
from consultations.services import live
from tests.consultations.builders import ConsultationFactory
from tests.factories import UserFactory


def make_room(*, public: bool = True, state: str = LiveRoom.State.OPEN) -> LiveRoom:
    """A session room of a new consultation, with one facilitator (`room.facilitator`) and the given state."""
    consultation = cast(Consultation, ConsultationFactory(public_may_watch=public))
    start = timezone.now()
    session = ConsultationSession.objects.create(
        consultation=consultation, title="第1回", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    room = live.room_ensure(session=session)
    user = cast(User, UserFactory())
    staff_membership_set(user=user, municipality=consultation.municipality, role=Role.FACILITATOR)
    facilitator = live.participant_enter(room=room, user=user)
    if state != LiveRoom.State.SCHEDULED:
        live.room_open(room=room, actor=facilitator)
    if state in {LiveRoom.State.PAUSED, LiveRoom.State.CLOSED}:
        (live.room_pause if state == LiveRoom.State.PAUSED else live.room_close)(room=room, actor=facilitator)
    room.refresh_from_db()
    room.facilitator = facilitator  # type: ignore[attr-defined]
    room.facilitator_user = user  # type: ignore[attr-defined]
    room.hostname = consultation.municipality.site.hostname  # type: ignore[attr-defined]
    return room


def member(room: LiveRoom, name: str) -> LiveParticipant:
    """A panel member already in the room (as a join link makes them)."""
    return LiveParticipant.objects.create(room=room, display_name=name)


def session_cookie(*, participant: LiveParticipant | None = None, user: Any = None) -> str:
    """A Django session cookie value for a joined panel member and/or a logged-in user."""
    if user is not None:
        client = Client()
        client.force_login(user)
        store = SessionStore(session_key=client.cookies[settings.SESSION_COOKIE_NAME].value)
    else:
        store = SessionStore()
    if participant is not None:
        store["civic_live"] = {str(participant.room_id): participant.pk}
    store.save()
    assert store.session_key is not None
    return store.session_key


async def connect(
    room: LiveRoom, *, cookie: str | None = None, query: str = "", expect_hello: bool = True
) -> tuple[WebsocketCommunicator, dict[str, Any]]:
    host = room.hostname.encode()  # type: ignore[attr-defined]
    headers = [(b"origin", b"http://" + host), (b"host", host)]
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie}".encode()))
    path = f"/ws/sessions/{room.session_id}/" + (f"?{query}" if query else "")
    communicator = WebsocketCommunicator(application, path, headers=headers)
    connected, code = await communicator.connect(timeout=10)
    if not expect_hello:
        return communicator, {"connected": connected, "code": code}
    assert connected, code
    hello = await communicator.receive_json_from(timeout=10)
    assert hello["type"] == "hello"
    return communicator, hello


async def as_member(room: LiveRoom, participant: LiveParticipant, **kwargs: Any):
    cookie = await sync_to_async(session_cookie)(participant=participant)
    return await connect(room, cookie=cookie, **kwargs)


async def as_facilitator(room: LiveRoom, **kwargs: Any):
    cookie = await sync_to_async(session_cookie)(user=room.facilitator_user)  # type: ignore[attr-defined]
    return await connect(room, cookie=cookie, **kwargs)


async def next_of(communicator: WebsocketCommunicator, kind: str, timeout: float = 5) -> dict[str, Any]:
    """The next frame of type `kind`; presence and typing notices are skipped, other frames kept for later
    (an action's ack and its event may arrive in either order)."""
    pending: list[dict[str, Any]] = communicator.__dict__.setdefault("pending", [])
    for i, frame in enumerate(pending):
        if frame["type"] == kind:
            return pending.pop(i)
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame
        if frame["type"] not in {"presence", "typing"}:
            pending.append(frame)


def window_left(window: int = 10) -> float:
    """How long to wait for the rate limiter's next fixed window when a burst of actions could straddle the
    end of the current one (the limit would then count them in two windows)."""
    left = window - time.time() % window
    return left + 0.05 if left < 6 else 0.0


async def quiet(communicator: WebsocketCommunicator, seconds: float = 0.5) -> None:
    """Assert that nothing but presence and typing notices arrives for a while."""
    assert not communicator.__dict__.get("pending"), communicator.__dict__["pending"]
    while not await communicator.receive_nothing(seconds):
        frame = await communicator.receive_json_from()
        assert frame["type"] in {"presence", "typing"}, frame


async def send(communicator: WebsocketCommunicator, frame: dict[str, Any] | str) -> None:
    await communicator.send_to(text_data=frame if isinstance(frame, str) else json.dumps(frame))
