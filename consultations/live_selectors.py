"""Reading a live room: event frames for sockets, the catch-up after a sequence number, and the room snapshot.

Hidden messages never leave the server again: a logged `message` (or `message_pinned`) event whose message was
hidden later is replayed as `{"id", "hidden": true}`.
"""

from collections import Counter
from collections.abc import Collection
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from consultations.live_models import (
    AgendaItem,
    HandRaise,
    LiveEvent,
    LiveMessage,
    LiveParticipant,
    LiveReaction,
    LiveRoom,
    Poll,
    PollVote,
    Statement,
    StatementVote,
)

PAGE = 500
SNAPSHOT_MESSAGES = 200
TEXT_EVENTS = {"message", "message_pinned"}
SNAPSHOTS_KEPT = 64  # rooms whose latest snapshot this process keeps
# A participant counts as present while a server holding a socket of theirs vouches for them (every few
# seconds); one whose server stopped without closing its sockets is gone after this long.
PRESENCE_TTL = timedelta(seconds=30)

# Each room's snapshot but presence, as of a sequence number: room id → ((id, created, seq), snapshot).
_logged_state: dict[int, tuple[tuple[int, Any, int], dict[str, Any]]] = {}


def person(participant: LiveParticipant) -> dict[str, Any]:
    return {"id": participant.pk, "name": participant.display_name, "role": participant.role}


def neutral_name(person_data: dict[str, Any]) -> str:
    if person_data.get("role") == LiveParticipant.Role.FACILITATOR:
        return _("Facilitator")
    return _("Participant %(n)s") % {"n": person_data.get("id")}


def neutralise(value: Any) -> Any:
    """`value` with every person's name replaced by a neutral label, for watchers."""
    if isinstance(value, dict):
        if {"id", "name", "role"} <= value.keys():
            return {**value, "name": neutral_name(value)}
        return {key: neutralise(item) for key, item in value.items()}
    if isinstance(value, list):
        return [neutralise(item) for item in value]
    return value


def agenda_payload(item: AgendaItem) -> dict[str, Any]:
    return {"id": item.pk, "title": item.title, "description": item.description, "order": item.order}


def hand_queue(room: LiveRoom) -> list[dict[str, Any]]:
    hands = (
        HandRaise.objects.filter(room=room, lowered_at=None, floor_given_at=None)
        .select_related("participant")
        .order_by("raised_at", "pk")
    )
    return [{**person(hand.participant), "raised_at": hand.raised_at.isoformat()} for hand in hands]


def floor(room: LiveRoom) -> dict[str, Any] | None:
    hand = (
        HandRaise.objects.filter(room=room, floor_given_at__isnull=False, floor_ended_at=None)
        .select_related("participant")
        .first()
    )
    if hand is None or hand.floor_given_at is None:
        return None
    return {"participant": person(hand.participant), "since": hand.floor_given_at.isoformat()}


def reaction_counts(message: LiveMessage) -> dict[str, int]:
    rows = LiveReaction.objects.filter(message=message).values("emoji").annotate(n=Count("pk"))
    return {row["emoji"]: row["n"] for row in rows}


def poll_counts(poll: Poll) -> list[int]:
    tally: Counter[int] = Counter()
    for choices in poll.votes.values_list("choices", flat=True):
        tally.update(choices)
    return [tally[i] for i in range(len(poll.options))]


def poll_payload(poll: Poll) -> dict[str, Any]:
    return {
        "id": poll.pk,
        "question": poll.question,
        "kind": poll.kind,
        "options": poll.options,
        "show_results": poll.show_results,
        "item": poll.item_id,
        "closed": poll.closed_at is not None,
        "votes": poll.votes.count(),
        "counts": poll_counts(poll) if poll.results_visible else None,
    }


def statement_counts(statement: Statement) -> dict[str, int]:
    counts = statement.votes.aggregate(
        agree=Count("pk", filter=Q(vote=1)),
        disagree=Count("pk", filter=Q(vote=-1)),
        passed=Count("pk", filter=Q(vote=0)),
    )
    return {"agree": counts["agree"], "disagree": counts["disagree"], "pass": counts["passed"]}


def wire_event(event: LiveEvent) -> dict[str, Any]:
    return {
        "type": "event",
        "seq": event.seq,
        "event": event.type,
        "data": event.data,
        "at": event.created_at.isoformat(),
    }


def _message_id(frame: dict[str, Any]) -> int | None:
    data = frame["data"]
    found = data.get("id") if frame["event"] == "message" else (data.get("message") or {}).get("id")
    return found if isinstance(found, int) else None


def _redacted(frame: dict[str, Any], hidden: set[int]) -> dict[str, Any]:
    data = frame["data"]
    if frame["event"] == "message" and data.get("id") in hidden:
        return {**frame, "data": {"id": data["id"], "hidden": True}}
    if frame["event"] == "message_pinned" and (data.get("message") or {}).get("id") in hidden:
        return {**frame, "data": {"message": {"id": data["message"]["id"], "hidden": True}}}
    return frame


def redact(frames: list[dict[str, Any]], room_id: int) -> list[dict[str, Any]]:
    """`frames` with the text of messages hidden since they were logged taken out."""
    ids = {
        frame["data"].get("id")
        if frame["event"] == "message"
        else (frame["data"].get("message") or {}).get("id")
        for frame in frames
        if frame["event"] in TEXT_EVENTS
    }
    ids.discard(None)
    if not ids:
        return frames
    hidden = set(
        LiveMessage.objects.filter(room_id=room_id, pk__in=ids, hidden_at__isnull=False).values_list(
            "pk", flat=True
        )
    )
    return [_redacted(frame, hidden) for frame in frames] if hidden else frames


def events_after(room_id: int, last_seq: int, *, limit: int = PAGE) -> list[dict[str, Any]]:
    """Up to `limit` logged events after `last_seq`, in order, as socket frames."""
    events = LiveEvent.objects.filter(room_id=room_id, seq__gt=last_seq).order_by("seq")[:limit]
    return redact([wire_event(event) for event in events], room_id)


def present(now: datetime | None = None) -> Q:
    """Participants with an open socket that a running server vouched for lately."""
    return Q(connections__gt=0, removed=False, seen_at__gte=(now or timezone.now()) - PRESENCE_TTL)


def presence(room: LiveRoom) -> list[dict[str, Any]]:
    here = LiveParticipant.objects.filter(present(), room=room)
    return [
        {"id": pk, "name": name, "role": role}
        for pk, name, role in here.values_list("pk", "display_name", "role")
    ]


def presence_change(room_id: int, touched: Collection[int]) -> tuple[list[dict[str, Any]], list[int]]:
    """Of the participants who came or went lately: those here now, and the ids of those gone."""
    joined = [
        person(participant)
        for participant in LiveParticipant.objects.filter(present(), room_id=room_id, pk__in=touched)
    ]
    here = {found["id"] for found in joined}
    return joined, sorted(set(touched) - here)


def message_data(message: LiveMessage) -> dict[str, Any]:
    """A visible message as the `message` event and the snapshot carry it."""
    return {
        "id": message.pk,
        "author": person(message.author),
        "text": message.text,
        "reply_to": message.reply_to_id,
        "item": message.item_id,
        "created_at": message.created_at.isoformat(),
    }


def _message_row(message: LiveMessage, counts: dict[int, dict[str, int]]) -> dict[str, Any]:
    return {**message_data(message), "reactions": counts.get(message.pk, {})}


def recent_messages(room: LiveRoom, limit: int = SNAPSHOT_MESSAGES) -> list[dict[str, Any]]:
    messages = list(
        LiveMessage.objects.filter(room=room, hidden_at=None)
        .select_related("author")
        .order_by("-created_at", "-pk")[:limit]
    )
    messages.reverse()
    counts: dict[int, dict[str, int]] = {}
    rows = (
        LiveReaction.objects.filter(message__in=[m.pk for m in messages])
        .values("message_id", "emoji")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts.setdefault(row["message_id"], {})[row["emoji"]] = row["n"]
    return [_message_row(message, counts) for message in messages]


def statements(room: LiveRoom) -> list[dict[str, Any]]:
    rows = (
        Statement.objects.filter(room=room, hidden_at=None)
        .select_related("author")
        .annotate(
            agree=Count("votes", filter=Q(votes__vote=1)),
            disagree=Count("votes", filter=Q(votes__vote=-1)),
            passed=Count("votes", filter=Q(votes__vote=0)),
        )
    )
    return [
        {
            "id": s.pk,
            "author": person(s.author),
            "text": s.text,
            "agree": s.agree,
            "disagree": s.disagree,
            "pass": s.passed,
        }
        for s in rows
    ]


def my_votes(participant: LiveParticipant) -> dict[str, dict[str, Any]]:
    """What this participant already answered, so a reloaded page shows it instead of a form."""
    polls = PollVote.objects.filter(participant=participant).values_list("poll_id", "choices")
    statements = StatementVote.objects.filter(participant=participant).values_list("statement_id", "vote")
    return {
        "polls": {str(poll): choices for poll, choices in polls},
        "statements": {str(statement): vote for statement, vote in statements},
    }


def room_snapshot(room: LiveRoom) -> dict[str, Any]:
    """What a client needs to draw the room, as of `room.next_seq` (read in the same transaction, with the
    room row locked so that no event is logged meanwhile).

    Everything in it but presence changes only with a logged event, so that part is read once per sequence
    number in a process and shared by every socket that joins meanwhile (a thousand joining at once read it
    once); presence is read each time."""
    key = (room.pk, room.created_at, room.next_seq)
    logged = _logged_state.get(room.pk)
    if logged is None or logged[0] != key:
        if len(_logged_state) >= SNAPSHOTS_KEPT:
            del _logged_state[next(iter(_logged_state))]
        logged = _logged_state[room.pk] = (key, _logged_snapshot(room))
    return {**logged[1], "participants": presence(room)}


def _logged_snapshot(room: LiveRoom) -> dict[str, Any]:
    pinned = room.pinned_message
    return {
        "id": room.pk,
        "session": room.session_id,
        "state": room.state,
        "agenda": [agenda_payload(item) for item in room.agenda.all()],
        "current_item": room.current_item_id,
        "pinned": _message_row(pinned, {}) if pinned is not None and pinned.hidden_at is None else None,
        "video_url": room.video_url,
        "queue": hand_queue(room),
        "floor": floor(room),
        "polls": [poll_payload(poll) for poll in room.polls.filter(closed_at=None)],
        "statements": statements(room),
        "opinion_groups": room.opinion_groups,
        "summary": room.summary if room.summary_published_at else "",
        "messages": recent_messages(room),
    }
