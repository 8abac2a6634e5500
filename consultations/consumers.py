"""The live session socket (/ws/sessions/<session id>/): delivers a room's logged events and takes actions.

Authorised in `connect`: a panel member who came through their join link (the Django session names their
participant), a facilitator of the town (staff who may run the consultation), or, when the consultation allows
it, a watcher who reads only and sees neutral labels instead of names. Every action goes through a service in
`consultations.services.live`; this consumer writes nothing itself.

Delivery is exactly once and in order per socket: each frame carries the room's sequence number, frames at or
below the last one sent are dropped, and a gap (a group message lost by the channel layer) is filled from the
database before the newer event is sent. `?last_seq=N` in the URL, or a `resume` frame, replays from N.

Fan-out: a process has one member of a room's channel-layer group (`_Here`), which hands each group message to
the room's sockets in this process and checks the database for all of them every few seconds; frames are
encoded once (by the service for events, once per language here for watchers), not once per socket. A socket
that is up to date and idle gets the frame straight into its outbox (`live_outbox`: written at once, without a
task, unless its buffer is full); the others queue it and take it in turn. The
events of an action taken on a socket here are handed to this process's sockets as soon as they are
committed, then forwarded to the group in order for the other processes (the echo is not handed out twice).
"""

import asyncio
import json
import logging
import random
import time
import uuid
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from civic.models import Municipality
from civic.tenancy import municipality_for_host
from consultations.live_models import AgendaItem, LiveMessage, LiveParticipant, LiveRoom, Poll, Statement
from consultations.live_outbox import Outbox
from consultations.live_selectors import (
    PAGE,
    events_after,
    my_votes,
    neutralise,
    person,
    presence_change,
    room_snapshot,
)
from consultations.models import ConsultationSession
from consultations.selectors import can_manage
from consultations.services import live
from consultations.services.live import LiveError, room_group

FRAME_MAX = 8192  # characters; a message of 1,000 characters fits many times over
PRESENCE_DELAY = 1.0  # seconds: joins and leaves within it make one presence frame
TYPING_EVERY = 2.0  # seconds between typing notices from one socket
FACILITATOR_ONLY = {
    "hide",
    "pin",
    "floor",
    "mute",
    "remove",
    "poll_open",
    "poll_close",
    "agenda",
    "room",
    "video",
}
KEEP_UP_EVERY = 5.0  # seconds between checks of the database for events a room's sockets missed
ENCODED_KEPT = 512  # frames kept encoded for watchers (per language), shared by this process's sockets
ECHOES_KEPT = 1024  # sequence numbers of events handed out here whose group echo is awaited
BAD_JSON = object()

logger = logging.getLogger(__name__)

# Participants who joined or left each room in this process since its last presence frame (debounce).
_presence_pending: dict[int, set[int]] = {}
_background: set["asyncio.Future[Any]"] = set()  # tasks nobody awaits, referenced until done
# Frames as watchers receive them, encoded once per process and language: (kind, key, language) → text.
_encoded: dict[tuple[str, Any, str], str] = {}


def _keep(task: "asyncio.Future[Any]") -> None:
    """Hold a task nobody awaits until it is done."""
    _background.add(task)
    task.add_done_callback(_background.discard)


def _watcher_text(key: tuple[str, Any], language: str, frame: dict[str, Any]) -> str:
    """`frame` with neutral labels for names, encoded once for every watcher in `language` in this process."""
    found = _encoded.get((*key, language))
    if found is None:
        with translation.override(language):
            found = json.dumps(neutralise(frame), ensure_ascii=False)
        if len(_encoded) >= ENCODED_KEPT:
            del _encoded[next(iter(_encoded))]
        _encoded[(*key, language)] = found
    return found


class Refused(Exception):
    """An action refused before reaching a service."""

    def __init__(self, code: str, message: str | Promise) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _language(scope: dict[str, Any]) -> str:
    params = parse_qs(scope.get("query_string", b"").decode())
    wanted = params.get("lang", [""])[0] or scope.get("cookies", {}).get(settings.LANGUAGE_COOKIE_NAME, "")
    return wanted if wanted in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _municipality_of(scope: dict[str, Any]) -> Municipality | None:
    """The town whose site serves the socket's Host, as the page views find it for a request."""
    host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
    return municipality_for_host(host, str((scope.get("server") or ("", 80))[1]))


def _bindings(session: Any) -> dict[str, int]:
    """The rooms this browser joined through a link, and as whom: room id → participant id."""
    if session is None:
        return {}
    found = session.get("civic_live") or {}
    return found if isinstance(found, dict) else {}


def _identify(scope: dict[str, Any], session_id: int) -> tuple[LiveRoom, LiveParticipant | None]:
    """The room and who is connecting (None: a watcher); raises Refused when they may not follow it."""
    user = scope.get("user")
    municipality = _municipality_of(scope)
    session = (
        ConsultationSession.objects.select_related("consultation")
        .filter(pk=session_id, consultation__municipality=municipality)
        .first()
    )
    if session is None or municipality is None:  # other towns' sessions do not exist on this site
        raise Refused("not_found", "no such session")
    room = live.room_ensure(session=session)
    participant_id = _bindings(scope.get("session")).get(str(room.pk))
    if participant_id is not None:
        participant = LiveParticipant.objects.filter(pk=participant_id, room=room, removed=False).first()
        if participant is not None:
            return room, participant
    if user is not None and user.is_authenticated and can_manage(user, session.consultation):
        return room, live.participant_enter(room=room, user=user)
    if session.consultation.public_may_watch:
        return room, None
    raise Refused("forbidden", "not allowed")


def _hello(room: LiveRoom, participant: LiveParticipant | None) -> tuple[dict[str, Any], int]:
    """The room snapshot and the sequence number it reflects, read while no event can be logged; a
    participant counts as present from now on and finds what they already voted in it."""
    if participant is not None:
        live.room_join(room=room, participant=participant)
    with transaction.atomic():
        locked = (
            LiveRoom.objects.select_for_update(of=("self",))
            .select_related("pinned_message__author")
            .get(pk=room.pk)
        )
        snapshot = room_snapshot(locked)
    if participant is not None:
        snapshot["my_votes"] = my_votes(participant)
    return snapshot, locked.next_seq


def _newest_seq(room_id: int) -> int:
    return LiveRoom.objects.filter(pk=room_id).values_list("next_seq", flat=True).first() or 0


def _presence_soon(room_id: int, participant_id: int, layer: Any) -> None:
    """Broadcast who joined and who left once the joins and leaves of the next second have happened
    (the full list is in `hello`)."""
    pending = _presence_pending.get(room_id)
    if pending is not None:
        pending.add(participant_id)
        return
    touched = _presence_pending[room_id] = {participant_id}

    async def later() -> None:
        await asyncio.sleep(PRESENCE_DELAY)
        del _presence_pending[room_id]
        try:
            joined, left = await database_sync_to_async(presence_change)(room_id, touched)
            frame = {"type": "presence", "joined": joined, "left": left}
            text = json.dumps(frame, ensure_ascii=False)
            await layer.group_send(
                room_group(room_id),
                {"type": "live.presence", "frame": frame, "text": text, "key": uuid.uuid4().hex},
            )
        except Exception:  # presence is best effort
            logger.warning("live presence of room %s not sent", room_id, exc_info=True)

    _keep(asyncio.ensure_future(later()))


class _Here:
    """A room's sockets in this process. One channel of this process is in the room's group and hands each
    group message to every socket here (at once, or into its queue; a slow one holds up nobody); one
    periodic task checks the database for all of them. Events logged by actions on these sockets are handed
    out here directly and forwarded to the group by one task, in the order they were committed."""

    def __init__(self, room_id: int, layer: Any) -> None:
        self.room_id = room_id
        self.layer = layer
        self.channel = ""
        self.sockets: dict[LiveSessionConsumer, asyncio.Queue[dict[str, Any]]] = {}
        self.handed: set[int] = set()  # sequence numbers handed out here before the group echoes them
        self.outgoing: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self.closed = False  # its last socket left
        self.ready: asyncio.Task[None] = asyncio.ensure_future(self._subscribe())
        self.tasks: list[asyncio.Task[None]] = []

    async def _subscribe(self) -> None:
        self.channel = await self.layer.new_channel()
        await self._rejoin()
        self.tasks = [asyncio.ensure_future(self._relay()), asyncio.ensure_future(self._keep_up())]
        _keep(asyncio.ensure_future(self._forward()))

    async def _rejoin(self) -> None:
        try:
            await self.layer.group_add(room_group(self.room_id), self.channel)
        except Exception:  # the layer is down: the next round tries again, the database has every event
            logger.warning("live room %s could not join its group", self.room_id, exc_info=True)

    def add(self, socket: "LiveSessionConsumer") -> "asyncio.Queue[dict[str, Any]]":
        inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sockets[socket] = inbox
        return inbox

    def remove(self, socket: "LiveSessionConsumer") -> None:
        self.sockets.pop(socket, None)
        if not self.sockets and _here.get(self.room_id) is self:
            del _here[self.room_id]
            self.closed = True
            self.ready.cancel()
            for task in self.tasks:
                task.cancel()
            self.outgoing.put_nowait(None)  # the forwarder sends what is left, then stops
            _keep(asyncio.ensure_future(self.layer.group_discard(room_group(self.room_id), self.channel)))

    def hand_out(self, message: dict[str, Any]) -> None:
        """Give a group message to every socket here: at once to those that are up to date and idle (see
        `LiveSessionConsumer.offer`), queued for the others."""
        for socket, inbox in self.sockets.items():
            if not (inbox.empty() and socket.offer(message)):
                inbox.put_nowait(message)

    def publish(self, message: dict[str, Any]) -> None:
        """An event committed by an action here: to the sockets here now, to the other processes next."""
        self.handed.add(message["event"]["seq"])
        if len(self.handed) > ECHOES_KEPT:  # echoes that never came (the layer was down)
            self.handed.discard(min(self.handed))
        self.hand_out(message)
        if self.closed:  # the acting socket left meanwhile, and so did the forwarder
            _keep(asyncio.ensure_future(self._send(message)))
        else:
            self.outgoing.put_nowait(message)

    async def _forward(self) -> None:
        while (message := await self.outgoing.get()) is not None:
            await self._send(message)

    async def _send(self, message: dict[str, Any]) -> None:
        try:
            await self.layer.group_send(room_group(self.room_id), message)
        except Exception:  # the other processes' keep-up fills it from the database
            logger.warning("live room %s could not forward an event", self.room_id, exc_info=True)

    async def _relay(self) -> None:
        while True:
            try:
                message = await self.layer.receive(self.channel)
            except Exception:  # the layer is down: the keep-up fills from the database meanwhile
                logger.warning("live room %s lost its group messages", self.room_id, exc_info=True)
                await asyncio.sleep(1.0)
                continue
            if message.get("type") == "live.event" and message["event"]["seq"] in self.handed:
                self.handed.discard(message["event"]["seq"])  # our own, handed out already
                continue
            self.hand_out(message)

    async def _vouch(self) -> None:
        """Keep this process's participants present, and announce who came back or went (`presence_vouch`)."""
        here = {s.participant.pk for s in self.sockets if s.participant is not None and s.relayed is not None}
        try:
            changed = await database_sync_to_async(live.presence_vouch)(room_id=self.room_id, here=here)
        except Exception:  # the database is down: vouch next round
            logger.warning("live presence of room %s not kept", self.room_id, exc_info=True)
            return
        for participant_id in changed:
            _presence_soon(self.room_id, participant_id, self.layer)

    async def _keep_up(self) -> None:
        """Every few seconds, rejoin the group (the channel layer may have restarted and forgotten it) and
        send each socket what the database had a round ago and it still has not (a lost group message).
        Events newer than the previous round may simply be on their way, so they are left to the group.
        One database read per room and round, however many sockets follow it here."""
        committed_before: int | None = None
        while True:
            await asyncio.sleep(KEEP_UP_EVERY * (0.75 + random.random() / 2))  # noqa: S311 - only spreads load
            await self._rejoin()
            await self._vouch()
            try:
                newest = await database_sync_to_async(_newest_seq)(self.room_id)
                if committed_before is not None:
                    upto = committed_before
                    # Sockets still greeting or still working through their queue are left alone: a gap in
                    # what they take from the queue is filled then, and the next round sees the rest.
                    behind = [
                        socket
                        for socket, inbox in self.sockets.items()
                        if socket.relayed is not None and inbox.empty() and socket.delivered < upto
                    ]
                    await asyncio.gather(*(socket.catch_up(upto) for socket in behind))
                committed_before = newest
            except Exception:  # the database is down: try again next round
                logger.warning("live keep-up of room %s failed", self.room_id, exc_info=True)


# This process's sockets of each room.
_here: dict[int, _Here] = {}


async def _join_here(
    room_id: int, layer: Any, socket: "LiveSessionConsumer"
) -> tuple[_Here, "asyncio.Queue[dict[str, Any]]"]:
    """This process's share of the room, with `socket` in it, following the room's group once this returns;
    and the queue of group messages for `socket`."""
    here = _here.get(room_id)
    if here is None or here.ready.get_loop() is not asyncio.get_running_loop():
        here = _here[room_id] = _Here(room_id, layer)
    inbox = here.add(socket)
    try:
        await asyncio.shield(here.ready)
    except BaseException:
        here.remove(socket)
        raise
    return here, inbox


def _in_room(model: Any, room: LiveRoom, value: Any, *related: str) -> Any:
    if not isinstance(value, int) or isinstance(value, bool):
        raise LiveError("invalid", _("Something in the request was missing or not understood."))
    found = model.objects.filter(pk=value, room=room).select_related(*related).first()
    if found is None:
        raise LiveError("not_found", _("That is no longer there."))
    return found


def _participant(room: LiveRoom, value: Any) -> LiveParticipant:
    found: LiveParticipant = _in_room(LiveParticipant, room, value)
    return found


class LiveSessionConsumer(AsyncJsonWebsocketConsumer):
    room: LiveRoom | None = None
    participant: LiveParticipant | None = None
    delivered: int = 0
    language: str = settings.LANGUAGE_CODE
    group: str = ""
    last_typing: float = 0.0
    here: _Here | None = None
    relayed: "asyncio.Future[None] | None" = None
    outbox: Outbox

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Live events, refills and the periodic check take turns, so frames go out once and in order.
        self.delivering = asyncio.Lock()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        # Every frame goes out through the outbox, in order, so room events can be given to it directly.
        self.outbox = Outbox(send)
        await super().__call__(scope, receive, self.outbox)

    # --- connecting -----------------------------------------------------------------------------------------

    async def connect(self) -> None:
        self.language = _language(self.scope)
        try:
            self.room, self.participant = await database_sync_to_async(_identify)(
                self.scope, self.scope["url_route"]["kwargs"]["session_id"]
            )
        except Refused as refused:
            await self.close(code=4404 if refused.code == "not_found" else 4403)
            return
        self.group = room_group(self.room.pk)
        # Follow the group before reading the snapshot, so no event falls between the two.
        self.here, inbox = await _join_here(self.room.pk, self.channel_layer, self)
        try:
            await self._greet()
        except BaseException:
            self.here.remove(self)
            self.here = None
            raise
        self.relayed = asyncio.ensure_future(self._take(inbox))

    async def _greet(self) -> None:
        """Accept, send `hello` (and what a `?last_seq=N` asks for), and announce the newcomer."""
        assert self.room is not None
        await self.accept()
        snapshot, last_seq = await database_sync_to_async(_hello)(self.room, self.participant)
        you = None
        if self.participant is not None:
            you = {**person(self.participant), "muted": self.participant.muted}
        await self.send_json(
            {"type": "hello", "you": you, "room": self._for_viewer(snapshot), "last_seq": last_seq}
        )
        self.delivered = last_seq
        resume_from = parse_qs(self.scope.get("query_string", b"").decode()).get("last_seq", [""])[0]
        if resume_from.isdigit():
            await self._resume(int(resume_from), ref=None)
        if self.participant is not None:
            _presence_soon(self.room.pk, self.participant.pk, self.channel_layer)

    async def disconnect(self, code: int) -> None:
        if self.relayed is not None:
            self.relayed.cancel()
        if self.here is not None:
            self.here.remove(self)
            self.here = None
        if self.participant is not None:
            await database_sync_to_async(live.room_leave)(participant=self.participant)
            _presence_soon(self.participant.room_id, self.participant.pk, self.channel_layer)

    # --- receiving ------------------------------------------------------------------------------------------

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: Any
    ) -> None:
        if text_data is None:
            await self._error(
                None, "bad_json", _lazy("The message could not be read (it is not valid JSON).")
            )
            return
        if len(text_data) > FRAME_MAX:
            await self._error(None, "too_long", _lazy("That message is too long."))
            return
        await super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return json.loads(text_data)
        except ValueError:
            return BAD_JSON

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content is BAD_JSON:
            await self._error(
                None, "bad_json", _lazy("The message could not be read (it is not valid JSON).")
            )
            return
        if not isinstance(content, dict):
            await self._error(
                None, "invalid", _lazy("Something in the request was missing or not understood.")
            )
            return
        ref = content.get("ref") if isinstance(content.get("ref"), str | int) else None
        kind = content.get("type")
        handler = self.ACTIONS.get(kind) if isinstance(kind, str) else None
        if kind == "resume":
            last_seq = content.get("last_seq")
            if not isinstance(last_seq, int) or isinstance(last_seq, bool) or last_seq < 0:
                await self._error(
                    ref, "invalid", _lazy("Something in the request was missing or not understood.")
                )
                return
            await self._resume(last_seq, ref=ref)
            return
        if kind == "typing":
            await self._typing()
            return
        if handler is None:
            await self._error(ref, "unknown_type", _lazy("This kind of message is not known."))
            return
        # Events wait meanwhile, so the ack goes out before the event the action caused (clients rely on it).
        async with self.delivering:
            try:
                if self.participant is None:
                    raise Refused(
                        "forbidden",
                        _lazy("You are following this session as a watcher and cannot take part."),
                    )
                if kind in FACILITATOR_ONLY and not self.participant.is_facilitator:
                    raise Refused("forbidden", _lazy("Only the facilitator can do that."))
                here = self.here  # kept should the socket close while the action runs
                seq, held = await database_sync_to_async(self._run)(handler, content)
            except (Refused, LiveError) as refused:
                await self._error(ref, refused.code, refused.message)
                return
            try:
                await self.send_json({"type": "ack", "ref": ref, "seq": seq})
            finally:  # the others hear of it even if this socket has just closed
                for _room_id, message in held:  # each action acts in this socket's room
                    if here is not None:
                        here.publish(message)  # this socket's own copy waits in its queue for the lock

    def _run(
        self, handler: Callable[..., Any], content: dict[str, Any]
    ) -> tuple[int | None, list[tuple[int, dict[str, Any]]]]:
        """Call the action's service in this socket's language; the logged event's number, if any, and the
        committed events to deliver."""
        assert self.room is not None and self.participant is not None
        room = self.room  # every service reads the room's state afresh, under its lock
        with translation.override(self.language), live.broadcasts_held() as held:
            result = handler(room, self.participant, content)
        if result is None:
            return None, held  # a flag: recorded, not logged as an event
        event_seq = getattr(result, "seq", None)
        # Services that return their new row (message, poll, statement) left its event's number on `room`.
        return (event_seq if isinstance(event_seq, int) else room.next_seq), held

    async def _error(self, ref: Any, code: str, message: str | Promise) -> None:
        with translation.override(self.language):
            text = str(message)
        await self.send_json({"type": "error", "ref": ref, "code": code, "message": text})

    async def _typing(self) -> None:
        now = time.monotonic()
        if self.participant is None or now - self.last_typing < TYPING_EVERY:
            return
        self.last_typing = now
        try:
            await self.channel_layer.group_send(
                self.group, {"type": "live.typing", "id": self.participant.pk}
            )
        except Exception:  # typing notices are best effort
            logger.warning("live typing notice not sent", exc_info=True)

    # --- delivering -----------------------------------------------------------------------------------------

    async def _resume(self, last_seq: int, *, ref: Any) -> None:
        """Send every logged event after `last_seq`, in order, from the database."""
        assert self.room is not None
        newest = await database_sync_to_async(_newest_seq)(self.room.pk)
        async with self.delivering:
            self.delivered = min(last_seq, newest)
            await self._fill(None)
        if ref is not None:
            await self.send_json({"type": "ack", "ref": ref, "seq": self.delivered})

    async def _fill(self, upto: int | None) -> None:
        """Send the logged events after the last delivered one (up to `upto`), page by page.

        Called with `self.delivering` held."""
        assert self.room is not None
        while upto is None or self.delivered < upto:
            frames = await database_sync_to_async(events_after)(self.room.pk, self.delivered)
            if upto is not None:
                frames = [frame for frame in frames if frame["seq"] <= upto]
            for frame in frames:
                await self._send_frame(frame, None)
            if not frames or (upto is None and len(frames) < PAGE):
                return

    async def catch_up(self, upto: int) -> None:
        """Send the logged events up to `upto` that this socket missed."""
        async with self.delivering:
            await self._fill(upto)

    async def _take(self, inbox: "asyncio.Queue[dict[str, Any]]") -> None:
        """Handle the room's group messages that this process's channel passes on, one at a time, in order."""
        while True:
            message = await inbox.get()
            handler = self.GROUP_HANDLERS.get(message.get("type", ""))
            try:
                if handler is not None:
                    await handler(self, message)
            except Exception:  # a socket closing meanwhile; the keep-up fills anything missed
                logger.info("live group message not delivered", exc_info=True)

    def offer(self, message: dict[str, Any]) -> bool:
        """Send a room's group message at once, as `_take` would, when nothing of this socket's is under way
        (its greeting, an action awaiting its ack, a refill) and it is the next event this socket needs; False
        leaves it to the socket's queue."""
        if self.relayed is None or self.delivering.locked():
            return False
        kind = message.get("type")
        if kind == "live.presence":
            text = self._presence_text(message)
        elif kind == "live.event" and message.get("text") is not None:
            frame = message["event"]
            if frame["seq"] != self.delivered + 1 or frame["event"] == "removed":
                return False
            self.delivered = frame["seq"]
            text = self._event_text(frame, message["text"])
        else:
            return False
        self.outbox.put({"type": "websocket.send", "text": text})
        return True

    def _event_text(self, frame: dict[str, Any], text: str) -> str:
        """A live event as this socket receives it; `text` is how participants do."""
        if self.participant is not None:
            return text
        assert self.room is not None
        return _watcher_text(("event", (self.room.pk, frame["seq"])), self.language, frame)

    def _presence_text(self, message: dict[str, Any]) -> str:
        """Who joined and who left: one frame encoded once for participants (and once per language for
        watchers) in this process."""
        if self.participant is not None:
            text: str = message["text"]
            return text
        return _watcher_text(("presence", message["key"]), self.language, message["frame"])

    async def _send_frame(self, frame: dict[str, Any], text: str | None) -> None:
        self.delivered = frame["seq"]
        if text is not None:  # a live event
            await self.send(text_data=self._event_text(frame, text))
        elif self.participant is None:  # replayed from the log (maybe redacted since): this socket's own
            with translation.override(self.language):
                await self.send_json(neutralise(frame))
        else:
            await self.send_json(frame)
        me = self.participant
        if frame["event"] == "removed" and me is not None and frame["data"]["participant"]["id"] == me.pk:
            await self.close(code=4403)

    async def live_event(self, message: dict[str, Any]) -> None:
        frame = message["event"]
        seq = frame["seq"]
        async with self.delivering:
            if seq <= self.delivered:
                return
            if seq > self.delivered + 1:
                await self._fill(seq)  # a lost group message: the database has it
                return
            await self._send_frame(frame, message.get("text"))

    async def live_presence(self, message: dict[str, Any]) -> None:
        await self.send(text_data=self._presence_text(message))

    async def live_typing(self, message: dict[str, Any]) -> None:
        if self.participant is None or message["id"] != self.participant.pk:
            await self.send_json({"type": "typing", "id": message["id"]})

    # --- actions: each takes the room, the acting participant and the frame, and calls one service ----------

    @staticmethod
    def _message(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        reply = content.get("reply_to")
        reply_to = _in_room(LiveMessage, room, reply) if reply is not None else None
        text = content.get("text")
        if not isinstance(text, str):
            raise LiveError("invalid", _("Please write something first."))
        return live.message_post(room=room, participant=me, text=text, reply_to=reply_to)

    @staticmethod
    def _react(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        message = _in_room(LiveMessage, room, content.get("message"), "room")
        return live.message_react(message=message, participant=me, emoji=str(content.get("emoji", "")))

    @staticmethod
    def _flag(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        message = _in_room(LiveMessage, room, content.get("message"), "room")
        live.message_flag(message=message, participant=me, reason=str(content.get("reason", "")))
        return None

    @staticmethod
    def _hand(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        if content.get("raised") is True:
            return live.hand_raise(room=room, participant=me)
        if content.get("raised") is False:
            return live.hand_lower(room=room, participant=me)
        raise LiveError("invalid", _("Something in the request was missing or not understood."))

    @staticmethod
    def _poll_vote(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        poll = _in_room(Poll, room, content.get("poll"), "room")
        return live.poll_vote(poll=poll, participant=me, choices=content.get("choices"))

    @staticmethod
    def _statement(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        text = content.get("text")
        if not isinstance(text, str):
            raise LiveError("invalid", _("Please write something first."))
        return live.statement_post(room=room, participant=me, text=text)

    @staticmethod
    def _statement_vote(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        statement = _in_room(Statement, room, content.get("statement"), "room")
        return live.statement_vote(statement=statement, participant=me, vote=content.get("vote"))

    @staticmethod
    def _hide(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        message = _in_room(LiveMessage, room, content.get("message"), "room")
        return live.message_hide(message=message, actor=me, reason=str(content.get("reason", "")))

    @staticmethod
    def _pin(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        value = content.get("message")
        message = _in_room(LiveMessage, room, value) if value is not None else None
        return live.message_pin(room=room, message=message, actor=me)

    @staticmethod
    def _floor(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        value = content.get("participant")
        if value is None:
            return live.floor_end(room=room, actor=me)
        return live.floor_give(room=room, actor=me, participant=_participant(room, value))

    @staticmethod
    def _mute(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        who = _participant(room, content.get("participant"))
        return live.participant_mute(room=room, actor=me, participant=who, muted=content.get("muted") is True)

    @staticmethod
    def _remove(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        who = _participant(room, content.get("participant"))
        return live.participant_remove(room=room, actor=me, participant=who)

    @staticmethod
    def _poll_open(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        return live.poll_open(
            room=room,
            actor=me,
            question=str(content.get("question", "")),
            kind=str(content.get("kind", "")),
            options=content.get("options") or [],
            show_results=str(content.get("show_results", Poll.ShowResults.LIVE)),
        )

    @staticmethod
    def _poll_close(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        return live.poll_close(poll=_in_room(Poll, room, content.get("poll"), "room"), actor=me)

    @staticmethod
    def _agenda(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        value = content.get("item")
        item = _in_room(AgendaItem, room, value) if value is not None else None
        return live.agenda_move(room=room, actor=me, item=item)

    @staticmethod
    def _room(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        changes = {"open": live.room_open, "paused": live.room_pause, "closed": live.room_close}
        change = changes.get(str(content.get("state")))
        if change is None:
            raise LiveError("invalid", _("Something in the request was missing or not understood."))
        return change(room=room, actor=me)

    @staticmethod
    def _video(room: LiveRoom, me: LiveParticipant, content: dict[str, Any]) -> Any:
        return live.video_set(room=room, actor=me, url=str(content.get("url") or ""))

    def _for_viewer(self, snapshot: dict[str, Any]) -> dict[str, Any]:
        if self.participant is not None:
            return snapshot
        with translation.override(self.language):
            found: dict[str, Any] = neutralise(snapshot)
            return found

    GROUP_HANDLERS: dict[str, Callable[..., Any]] = {
        "live.event": live_event,
        "live.presence": live_presence,
        "live.typing": live_typing,
    }

    ACTIONS: dict[str, Callable[..., Any]] = {
        "message": _message,
        "react": _react,
        "flag": _flag,
        "hand": _hand,
        "poll_vote": _poll_vote,
        "statement": _statement,
        "statement_vote": _statement_vote,
        "hide": _hide,
        "pin": _pin,
        "floor": _floor,
        "mute": _mute,
        "remove": _remove,
        "poll_open": _poll_open,
        "poll_close": _poll_close,
        "agenda": _agenda,
        "room": _room,
        "video": _video,
    }
