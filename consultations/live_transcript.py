"""The record of a live session after (or, for facilitators, during) it: messages, polls with their results,
opinion statements with agreement by group, and the moderation log, as plain data for the page, CSV and JSON.

Only display names appear, never a participant's personal data; readers who are not in the room (the public)
see neutral labels instead of names, as watchers do. A hidden message's text is never included.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Count
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from consultations.live_models import LiveEvent, LiveMessage, LiveParticipant, LiveRoom, Poll
from consultations.live_selectors import neutral_name, person, poll_counts, statements

VOTE_KEYS = ("agree", "disagree", "pass")
MODERATION_EVENTS = ("message_hidden", "message_pinned", "muted", "removed", "room_state", "video")


@dataclass(frozen=True)
class TranscriptAccess:
    """Who reads the transcript: facilitators and the room's participants see names, others labels."""

    facilitator: bool
    participant: bool

    @property
    def names(self) -> bool:
        return self.facilitator or self.participant


def transcript_readable(room: LiveRoom, access: TranscriptAccess) -> bool:
    """Facilitators always; the room's participants once it has closed; everyone when it has closed and the
    consultation may be watched by the public."""
    if access.facilitator:
        return True
    if room.state != LiveRoom.State.CLOSED:
        return False
    return access.participant or room.session.consultation.public_may_watch


def _person_name(data: dict[str, Any], access: TranscriptAccess) -> str:
    return str(data["name"]) if access.names else neutral_name(data)


def _name(participant: LiveParticipant | None, access: TranscriptAccess) -> str:
    return _person_name(person(participant), access) if participant is not None else ""


def _hidden_text(message: LiveMessage) -> str:
    if message.hidden_reason:
        return _("Hidden by the facilitator: %(reason)s") % {"reason": message.hidden_reason}
    return _("Hidden by the facilitator.")


def _messages(room: LiveRoom, access: TranscriptAccess) -> list[dict[str, Any]]:
    rows = LiveMessage.objects.filter(room=room).select_related("author", "item").order_by("created_at", "pk")
    return [
        {
            "id": message.pk,
            "at": localtime(message.created_at).isoformat(),
            "item": message.item.title if message.item else "",
            "author": _name(message.author, access),
            "reply_to": message.reply_to_id,
            "hidden": message.hidden_at is not None,
            "text": _hidden_text(message) if message.hidden_at is not None else message.text,
        }
        for message in rows
    ]


def _results(options: list[str], counts: list[int] | None) -> list[dict[str, Any]] | None:
    if counts is None:
        return None
    return [{"option": option, "count": count} for option, count in zip(options, counts, strict=True)]


def _polls(room: LiveRoom, access: TranscriptAccess) -> list[dict[str, Any]]:
    polls = Poll.objects.filter(room=room).annotate(voters=Count("votes")).order_by("opened_at", "pk")
    return [
        {
            "id": poll.pk,
            "question": poll.question,
            "kind": poll.kind,
            "kind_label": str(poll.get_kind_display()),
            "opened_at": localtime(poll.opened_at).isoformat(),
            "closed_at": localtime(poll.closed_at).isoformat() if poll.closed_at else None,
            "voters": poll.voters,
            # Results the facilitator chose to show only after closing stay private until then.
            "results": _results(
                poll.options, poll_counts(poll) if poll.results_visible or access.facilitator else None
            ),
        }
        for poll in polls
    ]


def _statements(room: LiveRoom, access: TranscriptAccess) -> dict[str, Any]:
    computed = room.opinion_groups or {}
    by_statement = {info["id"]: info for info in computed.get("statements", []) if isinstance(info, dict)}
    groups = [
        {"label": _("Group %(letter)s") % {"letter": chr(65 + i)}, "size": group.get("size", 0)}
        for i, group in enumerate(computed.get("groups", []))
    ]
    rows = []
    for statement in statements(room):
        info = by_statement.get(statement["id"], {})
        per_group = zip(groups, info.get("groups", []), strict=False)
        rows.append(
            {
                "id": statement["id"],
                "author": _person_name(statement["author"], access),
                "text": statement["text"],
                **{key: statement[key] for key in VOTE_KEYS},
                "consensus": info.get("consensus"),
                "groups": [
                    {"label": group["label"], **{key: counts.get(key, 0) for key in VOTE_KEYS}}
                    for group, counts in per_group
                ],
            }
        )
    return {"groups": groups, "statements": rows}


def _moderation_action(event: LiveEvent) -> str:
    data = event.data or {}
    if event.type == "message_hidden":
        return _("Hid a message")
    if event.type == "message_pinned":
        return _("Pinned a message") if data.get("message") else _("Unpinned the message")
    if event.type == "muted":
        return _("Muted a participant") if data.get("muted") else _("Let a participant speak again")
    if event.type == "removed":
        return _("Removed a participant")
    if event.type == "video":
        return _("Set the video link") if data.get("url") else _("Removed the video link")
    state = data.get("state")
    label = LiveRoom.State(state).label if state in LiveRoom.State.values else ""
    return _("Changed the session to: %(state)s") % {"state": label}


def _moderation(room: LiveRoom, access: TranscriptAccess) -> list[dict[str, Any]]:
    events = (
        LiveEvent.objects.filter(room=room, type__in=MODERATION_EVENTS)
        .select_related("actor")
        .order_by("seq")
    )
    reasons = dict(
        LiveMessage.objects.filter(room=room, hidden_at__isnull=False).values_list("pk", "hidden_reason")
    )
    rows = []
    for event in events:
        data = event.data or {}
        target = data.get("participant")
        hidden = data.get("id") if event.type == "message_hidden" else None
        rows.append(
            {
                "seq": event.seq,
                "at": localtime(event.created_at).isoformat(),
                "by": _name(event.actor, access),
                "action": _moderation_action(event),
                "message": hidden,
                "participant": _person_name(target, access) if isinstance(target, dict) else "",
                "reason": reasons.get(hidden, "") if hidden else "",
            }
        )
    return rows


def room_transcript(room: LiveRoom, access: TranscriptAccess) -> dict[str, Any]:
    """The whole record of `room` as JSON-ready data."""
    session = room.session
    return {
        "consultation": session.consultation.title,
        "session": session.title,
        "starts_at": localtime(session.starts_at).isoformat(),
        "state": room.state,
        "summary": room.summary if room.summary_published_at else "",
        "agenda": [item.title for item in room.agenda.all()],
        "messages": _messages(room, access),
        "polls": _polls(room, access),
        "opinions": _statements(room, access),
        "moderation": _moderation(room, access),
    }


def _cell(value: Any) -> str:
    """A CSV cell that spreadsheet programs will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _tally(counts: dict[str, Any]) -> str:
    return _("agree %(agree)s / disagree %(disagree)s / pass %(pass)s") % {k: counts[k] for k in VOTE_KEYS}


def transcript_rows(record: dict[str, Any]) -> Iterator[list[str]]:
    """The transcript as CSV rows of (section, time, agenda item, name, text, detail)."""
    header = (_("Section"), _("Time"), _("Agenda item"), _("Name"), _("Text"), _("Detail"))
    rows: list[tuple[Any, ...]] = [header]
    for m in record["messages"]:
        detail = _("Reply to message %(id)s") % {"id": m["reply_to"]} if m["reply_to"] else ""
        rows.append((_("Message"), m["at"], m["item"], m["author"], m["text"], detail))
    for poll in record["polls"]:
        results = "; ".join(f"{r['option']}: {r['count']}" for r in poll["results"] or [])
        rows.append((_("Poll"), poll["opened_at"], "", "", poll["question"], results))
    for s in record["opinions"]["statements"]:
        tallies = [_tally(s)] + [f"{g['label']}: {_tally(g)}" for g in s["groups"]]
        rows.append((_("Statement"), "", "", s["author"], s["text"], "; ".join(tallies)))
    for row in record["moderation"]:
        detail = " ".join(filter(None, [row["participant"], row["reason"]]))
        rows.append((_("Moderation"), row["at"], "", row["by"], row["action"], detail))
    for row in rows:
        yield [_cell(value) for value in row]
