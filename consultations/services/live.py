"""Live deliberation services: every change in a session room, logged as a numbered event, then broadcast.

Each service validates, then in one transaction locks the room row to take the next sequence number, writes
its domain row and one `LiveEvent`, and broadcasts the event to the room's group when the transaction commits.
The database is the source of truth: a broadcast that fails (Redis down, a full channel) loses nothing, since
sockets refill gaps and reconnecting clients resume from the log.

A socket's own action runs inside `broadcasts_held()`: its committed events come back to the socket's event
loop, which hands them to the room's sockets in that process at once and forwards them to the group (see
`consultations.consumers`), instead of this thread waiting on the channel layer.
"""

import hashlib
import json
from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import IntegrityError, connection, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from civic import ratelimit
from civic.broadcasts import group_send
from civic.errors import ServiceError
from consultations import codes
from consultations.live_models import (
    MESSAGE_MAX,
    REACTIONS,
    STATEMENT_MAX,
    AgendaItem,
    HandRaise,
    LiveEvent,
    LiveFlag,
    LiveMessage,
    LiveParticipant,
    LivePass,
    LiveReaction,
    LiveRoom,
    Poll,
    PollVote,
    Statement,
    StatementVote,
)
from consultations.live_selectors import (
    PRESENCE_TTL,
    agenda_payload,
    hand_queue,
    message_data,
    person,
    poll_counts,
    poll_payload,
    present,
    reaction_counts,
    statement_counts,
    wire_event,
)
from consultations.models import ConsultationSession, Respondent

MESSAGE_RATE = (10, 10)  # messages per seconds, per participant
VOTE_RATE = (30, 10)  # votes, reactions and hands per seconds, per participant
POLL_OPTIONS_MAX = 10
OPTION_MAX = 100
REASON_MAX = 300
AGENDA_MAX = 30
# Takes the room's next sequence number, locking its row until the transaction ends.
NEXT_SEQ_SQL = "UPDATE consultations_liveroom SET next_seq = next_seq + 1 WHERE id = %s RETURNING next_seq"


class LiveError(ServiceError):
    """A refused live action: `code` names the kind for the socket's error frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def room_group(room_id: int) -> str:
    return f"live-room-{room_id}"


# Committed events held for the caller of `broadcasts_held()`, as (room id, group message).
_held: ContextVar[list[tuple[int, dict[str, Any]]] | None] = ContextVar("live_broadcasts_held", default=None)


@contextmanager
def broadcasts_held() -> Iterator[list[tuple[int, dict[str, Any]]]]:
    """Within the block, committed events are collected in the yielded list rather than sent; the caller
    sends them (a socket's action, whose event loop delivers them without a thread waiting on the layer)."""
    held: list[tuple[int, dict[str, Any]]] = []
    token = _held.set(held)
    try:
        yield held
    finally:
        _held.reset(token)


def broadcast(room_id: int, message: dict[str, Any]) -> None:
    """Send `message` to the room's sockets (or hold it, see `broadcasts_held`); a failure is logged, not
    raised (the log is the truth)."""
    held = _held.get()
    if held is not None:
        held.append((room_id, message))
    else:
        group_send(room_group(room_id), message)


def live_event_log(
    *, room: LiveRoom, type: str, data: dict[str, Any], actor: LiveParticipant | None = None
) -> LiveEvent:
    """Log one event with the room's next sequence number; broadcast it when the transaction commits.

    Must run inside a transaction (every service here is atomic); the room row stays locked until commit,
    so numbers are given and committed in order.
    """
    with connection.cursor() as cursor:  # one round trip: the ORM's update() cannot return the new number
        cursor.execute(NEXT_SEQ_SQL, [room.pk])
        (room.next_seq,) = cursor.fetchone()
    event = LiveEvent.objects.create(room_id=room.pk, seq=room.next_seq, type=type, actor=actor, data=data)
    wire = wire_event(event)
    message = {"type": "live.event", "event": wire, "text": json.dumps(wire, ensure_ascii=False)}
    transaction.on_commit(lambda: broadcast(room.pk, message))
    return event


# --- checks -------------------------------------------------------------------------------------------------


def _forbidden() -> LiveError:
    return LiveError("forbidden", _("Only the facilitator can do that."))


def _locked_room(room: LiveRoom) -> LiveRoom:
    return LiveRoom.objects.select_for_update().get(pk=room.pk)


def _member(room: LiveRoom, participant: LiveParticipant) -> LiveParticipant:
    """The participant fresh from the database, refused if they belong to another room or were removed."""
    fresh = LiveParticipant.objects.filter(pk=participant.pk).first()
    if fresh is None or fresh.room_id != room.pk:
        raise LiveError("forbidden", _("You are not a participant of this session."))
    if fresh.removed:
        raise LiveError("forbidden", _("You have been removed from this session."))
    return fresh


def _facilitator(room: LiveRoom, actor: LiveParticipant) -> LiveParticipant:
    fresh = _member(room, actor)
    if not fresh.is_facilitator:
        raise _forbidden()
    return fresh


def _open(room: LiveRoom) -> None:
    if room.state == LiveRoom.State.CLOSED:
        raise LiveError("paused", _("This session has ended."))
    if room.state != LiveRoom.State.OPEN:
        raise LiveError(
            "paused", _("The session is not open at the moment; please wait for the facilitator.")
        )


def _not_closed(room: LiveRoom) -> None:
    if room.state == LiveRoom.State.CLOSED:
        raise LiveError("paused", _("This session has ended."))


def _speaker(room: LiveRoom, participant: LiveParticipant) -> LiveParticipant:
    fresh = _member(room, participant)
    if fresh.muted:
        raise LiveError("muted", _("The facilitator has muted you for now."))
    return fresh


def _rate(scope: str, participant: LiveParticipant, limit: tuple[int, int]) -> None:
    if not ratelimit.hit(scope, str(participant.pk), limit=limit[0], window=limit[1]).allowed:
        raise LiveError("rate_limited", _("You are sending too fast; please wait a few seconds."))


def _text(value: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise LiveError("invalid", _("Please write something first."))
    if len(text) > limit:
        raise LiveError("too_long", _("Please keep it to %(limit)d characters or fewer.") % {"limit": limit})
    return text


def _message_in(room: LiveRoom, message: LiveMessage) -> LiveMessage:
    found = LiveMessage.objects.select_related("author").filter(pk=message.pk, room=room).first()
    if found is None or found.hidden_at is not None:
        raise LiveError("not_found", _("That message is no longer there."))
    return found


# --- rooms, participants and passes -------------------------------------------------------------------------


def room_ensure(*, session: ConsultationSession) -> LiveRoom:
    room, _created = LiveRoom.objects.get_or_create(session=session)
    return room


def participant_enter(
    *, room: LiveRoom, respondent: Respondent | None = None, user: Any = None
) -> LiveParticipant:
    """The room's participant for a panel member (respondent) or a facilitator (user), made on first entry."""
    if (respondent is None) == (user is None):
        raise ValueError("give a respondent or a user")
    if respondent is not None:
        found = LiveParticipant.objects.filter(room=room, respondent=respondent).first()
        defaults = {"role": LiveParticipant.Role.PARTICIPANT}
        name = respondent.display_name
    else:
        found = LiveParticipant.objects.filter(room=room, user=user).first()
        defaults = {"role": LiveParticipant.Role.FACILITATOR}
        name = user.get_full_name() or user.get_username()
    if found is not None:
        return found
    with transaction.atomic():
        number = LiveParticipant.objects.filter(room=room).count() + 1
        try:
            with transaction.atomic():
                return LiveParticipant.objects.create(
                    room=room,
                    respondent=respondent,
                    user=user,
                    display_name=(name or _("Participant %(n)s") % {"n": number})[:60],
                    **defaults,
                )
        except IntegrityError:  # two sockets entering at once
            lookup = {"respondent": respondent} if respondent is not None else {"user": user}
            return LiveParticipant.objects.get(room=room, **lookup)


def _pass_hash(token: str) -> str:
    return hashlib.sha256(b"civic-live-pass:" + token.encode()).hexdigest()


def live_pass_issue(*, room: LiveRoom, respondent: Respondent) -> str:
    """A new join link token for a selected, confirmed panel member; only its hash is kept."""
    if respondent.consultation_id != room.session.consultation_id:
        raise LiveError("forbidden", _("This person is not on this consultation's panel."))
    if (
        respondent.outcome != Respondent.Outcome.SELECTED
        or respondent.attendance != Respondent.Attendance.CONFIRMED
    ):
        raise LiveError("forbidden", _("Only selected panel members who confirmed their place can join."))
    token = codes.new_token()
    LivePass.objects.create(room=room, respondent=respondent, token_hash=_pass_hash(token))
    return token


def live_passes_for(*, respondent: Respondent) -> list[tuple[ConsultationSession, str]]:
    """A join link token for each session of a confirmed panel member's consultation, in date order."""
    respondent = Respondent.objects.get(pk=respondent.pk)  # as confirmed a moment ago
    sessions = ConsultationSession.objects.filter(consultation_id=respondent.consultation_id).order_by(
        "starts_at"
    )
    return [
        (session, live_pass_issue(room=room_ensure(session=session), respondent=respondent))
        for session in sessions
    ]


def live_passes_issue(*, room: LiveRoom) -> list[tuple[Respondent, str]]:
    """New join links for every selected panel member of the room's consultation who confirmed."""
    members = Respondent.objects.filter(
        consultation_id=room.session.consultation_id,
        outcome=Respondent.Outcome.SELECTED,
        attendance=Respondent.Attendance.CONFIRMED,
    ).order_by("key")
    return [(respondent, live_pass_issue(room=room, respondent=respondent)) for respondent in members]


@transaction.atomic
def live_pass_redeem(*, token: str) -> LiveParticipant:
    """The participant a join link admits; refused when unknown, or the member withdrew or was removed."""
    refused = LiveError("forbidden", _("This link is not valid. Please ask the town office for a new one."))
    if not codes.looks_like_token(token):
        raise refused
    found = (
        LivePass.objects.select_for_update()
        .select_related("respondent", "room")
        .filter(token_hash=_pass_hash(token))
        .first()
    )
    if found is None:
        raise refused
    respondent = found.respondent
    if (
        respondent.outcome != Respondent.Outcome.SELECTED
        or respondent.attendance != Respondent.Attendance.CONFIRMED
    ):
        raise refused
    found.last_used_at = timezone.now()
    found.save(update_fields=["last_used_at"])
    participant = participant_enter(room=found.room, respondent=respondent)
    if participant.removed:
        raise LiveError("forbidden", _("You have been removed from this session."))
    return participant


def room_join(*, room: LiveRoom, participant: LiveParticipant) -> LiveParticipant:
    """Count one more open socket of `participant` (presence; not logged). A count that no server vouched
    for lately was left by the sockets of a server that stopped: it starts again from this one."""
    fresh = _member(room, participant)
    now = timezone.now()
    LiveParticipant.objects.filter(pk=fresh.pk).update(
        connections=Case(When(seen_at__gte=now - PRESENCE_TTL, then=F("connections") + 1), default=Value(1)),
        seen_at=now,
    )
    return fresh


def room_leave(*, participant: LiveParticipant) -> None:
    LiveParticipant.objects.filter(pk=participant.pk, connections__gt=0).update(
        connections=F("connections") - 1
    )


@transaction.atomic
def presence_vouch(*, room_id: int, here: Collection[int]) -> set[int]:
    """Vouch for the participants `here` (with a socket in the calling server), and count as gone those no
    server vouched for within PRESENCE_TTL (their server stopped without closing its sockets). Each server
    calls it every few seconds for each room it holds sockets of. Returns whose presence changed: people
    here who had been counted gone (their server was stalled), and people gone now."""
    now = timezone.now()
    mine = LiveParticipant.objects.filter(room_id=room_id, pk__in=here, removed=False)
    back = set(mine.exclude(present(now)).values_list("pk", flat=True))
    mine.update(seen_at=now, connections=Greatest(F("connections"), 1))
    stale = LiveParticipant.objects.filter(room_id=room_id, connections__gt=0).exclude(
        seen_at__gte=now - PRESENCE_TTL
    )
    gone = set(stale.values_list("pk", flat=True))
    LiveParticipant.objects.filter(pk__in=gone).update(connections=0)
    return back | gone


# --- the facilitator's controls -----------------------------------------------------------------------------


def _room_state(room: LiveRoom, actor: LiveParticipant, state: str, allowed_from: set[str]) -> LiveEvent:
    actor = _facilitator(room, actor)
    locked = _locked_room(room)
    if locked.state not in allowed_from:
        raise LiveError("invalid", _("The session cannot change to that state now."))
    locked.state = state
    locked.save(update_fields=["state"])
    room.state = state
    return live_event_log(room=room, type="room_state", data={"state": state}, actor=actor)


@transaction.atomic
def room_open(*, room: LiveRoom, actor: LiveParticipant) -> LiveEvent:
    return _room_state(room, actor, LiveRoom.State.OPEN, {LiveRoom.State.SCHEDULED, LiveRoom.State.PAUSED})


@transaction.atomic
def room_pause(*, room: LiveRoom, actor: LiveParticipant) -> LiveEvent:
    return _room_state(room, actor, LiveRoom.State.PAUSED, {LiveRoom.State.OPEN})


@transaction.atomic
def room_close(*, room: LiveRoom, actor: LiveParticipant) -> LiveEvent:
    return _room_state(
        room,
        actor,
        LiveRoom.State.CLOSED,
        {LiveRoom.State.SCHEDULED, LiveRoom.State.OPEN, LiveRoom.State.PAUSED},
    )


def _agenda_data(room: LiveRoom, current: AgendaItem | None) -> dict[str, Any]:
    return {
        "item": agenda_payload(current) if current is not None else None,
        "items": [agenda_payload(item) for item in room.agenda.all()],
    }


@transaction.atomic
def agenda_move(*, room: LiveRoom, actor: LiveParticipant, item: AgendaItem | None) -> LiveEvent:
    actor = _facilitator(room, actor)
    locked = _locked_room(room)
    _not_closed(locked)
    if item is not None and item.room_id != room.pk:
        raise LiveError("not_found", _("That agenda item is not part of this session."))
    locked.current_item = item
    locked.save(update_fields=["current_item"])
    return live_event_log(room=room, type="agenda", data=_agenda_data(room, item), actor=actor)


@transaction.atomic
def agenda_set(*, room: LiveRoom, actor: LiveParticipant, titles: Sequence[str]) -> LiveEvent:
    """Replace the agenda with `titles` in order; items whose title stays keep their messages and polls."""
    actor = _facilitator(room, actor)
    cleaned = [title.strip() for title in titles if title.strip()]
    if len(cleaned) > AGENDA_MAX:
        raise LiveError("invalid", _("An agenda can have at most %(n)d items.") % {"n": AGENDA_MAX})
    if any(len(title) > 200 for title in cleaned):
        raise LiveError("too_long", _("Please keep each agenda item to 200 characters or fewer."))
    locked = _locked_room(room)
    _not_closed(locked)
    existing = {item.title: item for item in room.agenda.all()}
    kept = []
    for order, title in enumerate(cleaned, start=1):
        item = existing.pop(title, None) or AgendaItem(room=room, title=title)
        item.order = order
        item.save()
        kept.append(item)
    for item in existing.values():
        item.delete()
    current = locked.current_item if locked.current_item in kept else None
    if current is None and locked.current_item_id is not None:
        locked.current_item = None
        locked.save(update_fields=["current_item"])
    return live_event_log(room=room, type="agenda", data=_agenda_data(room, current), actor=actor)


def _https_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        return ""
    try:
        URLValidator(schemes=["https"])(url)
    except ValidationError:
        raise LiveError("invalid", _("Please give a video link that starts with https://.")) from None
    return url


@transaction.atomic
def video_set(*, room: LiveRoom, actor: LiveParticipant, url: str) -> LiveEvent:
    actor = _facilitator(room, actor)
    url = _https_url(url)
    locked = _locked_room(room)
    _not_closed(locked)
    locked.video_url = url
    locked.save(update_fields=["video_url"])
    return live_event_log(room=room, type="video", data={"url": url}, actor=actor)


@transaction.atomic
def summary_publish(*, room: LiveRoom, actor: LiveParticipant, text: str) -> LiveEvent:
    actor = _facilitator(room, actor)
    text = _text(text, 20000)
    locked = _locked_room(room)
    locked.summary = text
    locked.summary_published_at = timezone.now()
    locked.save(update_fields=["summary", "summary_published_at"])
    data = {"text": text, "published_at": locked.summary_published_at.isoformat()}
    return live_event_log(room=room, type="summary", data=data, actor=actor)


# --- messages -----------------------------------------------------------------------------------------------


@transaction.atomic
def message_post(
    *, room: LiveRoom, participant: LiveParticipant, text: str, reply_to: LiveMessage | None = None
) -> LiveMessage:
    text = _text(text, MESSAGE_MAX)
    participant = _speaker(room, participant)
    locked = _locked_room(room)
    _open(locked)
    if reply_to is not None:
        reply_to = _message_in(room, reply_to)
    _rate("live-message", participant, MESSAGE_RATE)
    message = LiveMessage.objects.create(
        room=room, item_id=locked.current_item_id, author=participant, reply_to=reply_to, text=text
    )
    live_event_log(room=room, type="message", data=message_data(message), actor=participant)
    return message


@transaction.atomic
def message_react(*, message: LiveMessage, participant: LiveParticipant, emoji: str) -> LiveEvent:
    """Add the participant's reaction, or take it back when they react the same way again."""
    room = message.room
    participant = _member(room, participant)
    if emoji not in REACTIONS:
        raise LiveError("invalid", _("That reaction is not available."))
    _open(_locked_room(room))
    message = _message_in(room, message)
    _rate("live-vote", participant, VOTE_RATE)
    deleted, _rows = LiveReaction.objects.filter(
        message=message, participant=participant, emoji=emoji
    ).delete()
    if not deleted:
        LiveReaction.objects.create(message=message, participant=participant, emoji=emoji)
    data = {"message": message.pk, "counts": reaction_counts(message)}
    return live_event_log(room=room, type="reaction", data=data, actor=participant)


@transaction.atomic
def message_hide(*, message: LiveMessage, actor: LiveParticipant, reason: str) -> LiveEvent:
    room = message.room
    actor = _facilitator(room, actor)
    reason = (reason or "").strip()[:REASON_MAX]
    locked = _locked_room(room)
    message = _message_in(room, message)
    message.hidden_at = timezone.now()
    message.hidden_by = actor
    message.hidden_reason = reason
    message.save(update_fields=["hidden_at", "hidden_by", "hidden_reason"])
    if locked.pinned_message_id == message.pk:
        locked.pinned_message = None
        locked.save(update_fields=["pinned_message"])
    return live_event_log(room=room, type="message_hidden", data={"id": message.pk}, actor=actor)


@transaction.atomic
def message_pin(*, message: LiveMessage | None, actor: LiveParticipant, room: LiveRoom) -> LiveEvent:
    """Pin a message above the chat, or unpin with `message=None`."""
    actor = _facilitator(room, actor)
    locked = _locked_room(room)
    _not_closed(locked)
    if message is not None:
        message = _message_in(room, message)
    locked.pinned_message = message
    locked.save(update_fields=["pinned_message"])
    data = {"message": message_data(message) if message is not None else None}
    return live_event_log(room=room, type="message_pinned", data=data, actor=actor)


@transaction.atomic
def message_flag(*, message: LiveMessage, participant: LiveParticipant, reason: str) -> LiveFlag:
    """Ask the facilitators to look at a message; recorded, not broadcast (it would single someone out)."""
    room = message.room
    participant = _member(room, participant)
    message = _message_in(room, message)
    _rate("live-vote", participant, VOTE_RATE)
    try:
        with transaction.atomic():
            return LiveFlag.objects.create(
                message=message, participant=participant, reason=(reason or "").strip()[:REASON_MAX]
            )
    except IntegrityError:
        raise LiveError("already_voted", _("You have already flagged this message. Thank you.")) from None


# --- the speaking queue -------------------------------------------------------------------------------------


def _open_hand(room: LiveRoom, participant: LiveParticipant) -> HandRaise | None:
    return (
        HandRaise.objects.select_for_update()
        .filter(room=room, participant=participant, lowered_at=None, floor_ended_at=None)
        .first()
    )


def _floor_holder(room: LiveRoom) -> HandRaise | None:
    return (
        HandRaise.objects.select_for_update()
        .select_related("participant")
        .filter(room=room, floor_given_at__isnull=False, floor_ended_at=None)
        .first()
    )


def _floor_data(hand: HandRaise | None, room: LiveRoom) -> dict[str, Any]:
    return {
        "participant": person(hand.participant) if hand is not None else None,
        "since": hand.floor_given_at.isoformat() if hand is not None and hand.floor_given_at else None,
        "queue": hand_queue(room),
    }


@transaction.atomic
def hand_raise(*, room: LiveRoom, participant: LiveParticipant) -> LiveEvent:
    participant = _member(room, participant)
    _open(_locked_room(room))
    _rate("live-vote", participant, VOTE_RATE)
    if _open_hand(room, participant) is not None:
        raise LiveError("invalid", _("Your hand is already raised."))
    HandRaise.objects.create(room=room, participant=participant)
    data = {"participant": person(participant), "raised": True, "queue": hand_queue(room)}
    return live_event_log(room=room, type="hand", data=data, actor=participant)


@transaction.atomic
def hand_lower(*, room: LiveRoom, participant: LiveParticipant) -> LiveEvent:
    participant = _member(room, participant)
    _not_closed(_locked_room(room))
    _rate("live-vote", participant, VOTE_RATE)
    hand = _open_hand(room, participant)
    if hand is None:
        raise LiveError("invalid", _("Your hand is not raised."))
    now = timezone.now()
    hand.lowered_at = now
    if hand.floor_given_at is not None:
        hand.floor_ended_at = now
    hand.save(update_fields=["lowered_at", "floor_ended_at"])
    data = {"participant": person(participant), "raised": False, "queue": hand_queue(room)}
    return live_event_log(room=room, type="hand", data=data, actor=participant)


@transaction.atomic
def floor_give(*, room: LiveRoom, actor: LiveParticipant, participant: LiveParticipant) -> LiveEvent:
    actor = _facilitator(room, actor)
    participant = _member(room, participant)
    _open(_locked_room(room))
    now = timezone.now()
    current = _floor_holder(room)
    if current is not None:
        current.floor_ended_at = now
        current.save(update_fields=["floor_ended_at"])
    hand = _open_hand(room, participant) or HandRaise(room=room, participant=participant, raised_at=now)
    hand.floor_given_at = now
    hand.save()
    hand.participant = participant
    return live_event_log(room=room, type="floor", data=_floor_data(hand, room), actor=actor)


@transaction.atomic
def floor_end(*, room: LiveRoom, actor: LiveParticipant) -> LiveEvent:
    actor = _facilitator(room, actor)
    _not_closed(_locked_room(room))
    current = _floor_holder(room)
    if current is None:
        raise LiveError("invalid", _("Nobody has the floor."))
    current.floor_ended_at = timezone.now()
    current.save(update_fields=["floor_ended_at"])
    return live_event_log(room=room, type="floor", data=_floor_data(None, room), actor=actor)


# --- moderation of people -----------------------------------------------------------------------------------


def _other(room: LiveRoom, actor: LiveParticipant, participant: LiveParticipant) -> LiveParticipant:
    participant = _member(room, participant)
    if participant.pk == actor.pk or participant.is_facilitator:
        raise LiveError("invalid", _("Facilitators cannot be muted or removed."))
    return participant


@transaction.atomic
def participant_mute(
    *, room: LiveRoom, actor: LiveParticipant, participant: LiveParticipant, muted: bool
) -> LiveEvent:
    actor = _facilitator(room, actor)
    participant = _other(room, actor, participant)
    _locked_room(room)
    participant.muted = bool(muted)
    participant.save(update_fields=["muted"])
    data = {"participant": person(participant), "muted": participant.muted}
    return live_event_log(room=room, type="muted", data=data, actor=actor)


@transaction.atomic
def participant_remove(*, room: LiveRoom, actor: LiveParticipant, participant: LiveParticipant) -> LiveEvent:
    actor = _facilitator(room, actor)
    participant = _other(room, actor, participant)
    _locked_room(room)
    participant.removed = True
    participant.save(update_fields=["removed"])
    HandRaise.objects.filter(room=room, participant=participant, lowered_at=None).update(
        lowered_at=timezone.now()
    )
    data = {"participant": person(participant), "queue": hand_queue(room)}
    return live_event_log(room=room, type="removed", data=data, actor=actor)


# --- polls --------------------------------------------------------------------------------------------------


def _poll_options(kind: str, options: Sequence[str]) -> list[str]:
    if kind == Poll.Kind.SCALE:
        return [str(n) for n in range(1, 6)]
    if kind not in {Poll.Kind.SINGLE, Poll.Kind.MULTIPLE}:
        raise LiveError("invalid", _("Please choose the kind of question."))
    if not isinstance(options, list | tuple):
        raise LiveError("invalid", _("Please give between 2 and 10 answers to choose from."))
    cleaned = [str(option).strip() for option in options if str(option).strip()]
    if not 2 <= len(cleaned) <= POLL_OPTIONS_MAX:
        raise LiveError("invalid", _("Please give between 2 and 10 answers to choose from."))
    if any(len(option) > OPTION_MAX for option in cleaned):
        raise LiveError(
            "too_long", _("Please keep each answer to %(limit)d characters or fewer.") % {"limit": OPTION_MAX}
        )
    return cleaned


@transaction.atomic
def poll_open(
    *,
    room: LiveRoom,
    actor: LiveParticipant,
    question: str,
    kind: str,
    options: Sequence[str],
    show_results: str = Poll.ShowResults.LIVE,
) -> Poll:
    actor = _facilitator(room, actor)
    question = _text(question, 300)
    cleaned = _poll_options(kind, options)
    if show_results not in Poll.ShowResults.values:
        raise LiveError("invalid", _("Please choose when the results are shown."))
    locked = _locked_room(room)
    _not_closed(locked)
    poll = Poll.objects.create(
        room=room,
        item_id=locked.current_item_id,
        question=question,
        kind=kind,
        options=cleaned,
        show_results=show_results,
    )
    live_event_log(room=room, type="poll_opened", data={"poll": poll_payload(poll)}, actor=actor)
    return poll


def _choices(poll: Poll, choices: Any) -> list[int]:
    invalid = LiveError("invalid", _("Please choose one of the answers."))
    if not isinstance(choices, list) or not choices:
        raise invalid
    if any(not isinstance(choice, int) or isinstance(choice, bool) for choice in choices):
        raise invalid
    if len(set(choices)) != len(choices) or any(not 0 <= c < len(poll.options) for c in choices):
        raise invalid
    if poll.kind != Poll.Kind.MULTIPLE and len(choices) != 1:
        raise invalid
    return sorted(choices)


@transaction.atomic
def poll_vote(*, poll: Poll, participant: LiveParticipant, choices: Any) -> LiveEvent:
    room = poll.room
    participant = _member(room, participant)
    _open(_locked_room(room))
    poll = Poll.objects.get(pk=poll.pk)
    if poll.closed_at is not None:
        raise LiveError("closed_poll", _("This poll has closed; your vote was not counted."))
    cleaned = _choices(poll, choices)
    if PollVote.objects.filter(poll=poll, participant=participant).exists():
        raise LiveError("already_voted", _("You have already voted in this poll."))
    _rate("live-vote", participant, VOTE_RATE)
    PollVote.objects.create(poll=poll, participant=participant, choices=cleaned)
    counts = poll_counts(poll)
    data: dict[str, Any] = {"poll": poll.pk, "votes": poll.votes.count(), "counts": None}
    if poll.results_visible:
        data["counts"] = counts
    return live_event_log(room=room, type="poll_results", data=data, actor=participant)


@transaction.atomic
def poll_close(*, poll: Poll, actor: LiveParticipant) -> LiveEvent:
    room = poll.room
    actor = _facilitator(room, actor)
    _locked_room(room)
    poll = Poll.objects.select_for_update().get(pk=poll.pk)
    if poll.closed_at is not None:
        raise LiveError("closed_poll", _("This poll has already closed."))
    poll.closed_at = timezone.now()
    poll.save(update_fields=["closed_at"])
    data = {"poll": poll.pk, "votes": poll.votes.count(), "counts": poll_counts(poll)}
    return live_event_log(room=room, type="poll_closed", data=data, actor=actor)


# --- opinion statements -------------------------------------------------------------------------------------


@transaction.atomic
def statement_post(*, room: LiveRoom, participant: LiveParticipant, text: str) -> Statement:
    text = _text(text, STATEMENT_MAX)
    participant = _speaker(room, participant)
    _open(_locked_room(room))
    _rate("live-message", participant, MESSAGE_RATE)
    statement = Statement.objects.create(room=room, author=participant, text=text)
    data = {"id": statement.pk, "author": person(participant), "text": text, **statement_counts(statement)}
    live_event_log(room=room, type="statement", data=data, actor=participant)
    return statement


@transaction.atomic
def statement_vote(*, statement: Statement, participant: LiveParticipant, vote: Any) -> LiveEvent:
    room = statement.room
    participant = _member(room, participant)
    if vote not in (-1, 0, 1) or isinstance(vote, bool):
        raise LiveError("invalid", _("Please answer agree, disagree or pass."))
    _open(_locked_room(room))
    statement = Statement.objects.get(pk=statement.pk)
    if statement.hidden_at is not None:
        raise LiveError("not_found", _("That statement is no longer there."))
    if StatementVote.objects.filter(statement=statement, participant=participant).exists():
        raise LiveError("already_voted", _("You have already answered this statement."))
    _rate("live-vote", participant, VOTE_RATE)
    StatementVote.objects.create(statement=statement, participant=participant, vote=vote)
    data = {"statement": statement.pk, **statement_counts(statement)}
    event = live_event_log(room=room, type="statement_votes", data=data, actor=participant)
    transaction.on_commit(lambda: _opinions_refresh_soon(room.pk))
    return event


def _opinions_refresh_soon(room_id: int) -> None:
    """Ask for the opinion groups to be recomputed in the background (debounced by the opinions service)."""
    from consultations.services import opinions

    opinions.opinion_groups_schedule(room_id=room_id)
