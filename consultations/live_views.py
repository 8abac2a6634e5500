"""Live session pages: the room (participants, facilitators, watchers), its transcript (HTML, CSV, JSON) and
publishing the facilitator's summary. The room itself runs over /ws/sessions/<id>/ (consultations.consumers).
"""

import csv
import io
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civic import ratelimit
from civic.errors import ServiceError
from consultations.live_models import MESSAGE_MAX, STATEMENT_MAX, LiveParticipant, LiveRoom, Poll
from consultations.live_transcript import (
    TranscriptAccess,
    room_transcript,
    transcript_readable,
    transcript_rows,
)
from consultations.models import ConsultationSession
from consultations.selectors import can_manage
from consultations.services.live import live_pass_redeem, participant_enter, room_ensure, summary_publish

SESSION_KEY = "civic_live"  # {str(room pk): participant pk}, written when a panel member joins by their link
JOIN_RATE = (20, 900)  # join links tried per address per quarter hour


# --- core: the join link -----------------------------------------------------------------------------------


@never_cache
@require_GET
def join(request: HttpRequest, token: str) -> HttpResponse:
    """A panel member's join link: remember them in this browser, then open the room without the token."""
    limit, window = JOIN_RATE
    response: HttpResponse
    if not ratelimit.hit("live-join", ratelimit.client_ip(request), limit=limit, window=window).allowed:
        response = render(request, "consultations/live/join_problem.html", {"limited": True}, status=429)
    else:
        try:
            participant = live_pass_redeem(token=token)
        except ServiceError as error:
            context = {"problem": error.message}
            response = render(request, "consultations/live/join_problem.html", context, status=400)
        else:
            joined = request.session.get(SESSION_KEY)
            bindings = dict(joined) if isinstance(joined, dict) else {}
            bindings[str(participant.room_id)] = participant.pk
            request.session.cycle_key()
            request.session[SESSION_KEY] = bindings
            target = reverse("consultations:live-room", args=[participant.room.session_id])
            response = redirect(target)
    # This URL holds the token: nothing loaded from or linked on this response may carry it as a Referer.
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


# --- client: the room page, the transcript and the summary -------------------------------------------------


def _live_session(request: HttpRequest, session_id: int) -> ConsultationSession:
    """The session of this site's town, or 404 (other towns' sessions do not exist here)."""
    municipality = getattr(request, "municipality", None)
    if not municipality:
        raise Http404
    return get_object_or_404(
        ConsultationSession.objects.select_related("consultation"),
        pk=session_id,
        consultation__municipality=municipality,
    )


def _room_participant(request: HttpRequest, room: LiveRoom) -> LiveParticipant | None:
    """The panel member this browser joined as (through a join link), unless they were removed."""
    joined = request.session.get(SESSION_KEY, {})
    participant_id = joined.get(str(room.pk)) if isinstance(joined, dict) else None
    if participant_id is None:
        return None
    return LiveParticipant.objects.filter(pk=participant_id, room=room, removed=False).first()


def _client_strings() -> dict[str, str]:
    """The room script's words, translated here so the script holds no text of its own."""
    return {
        "connection_connecting": _("Connecting…"),
        "connection_online": _("Connected"),
        "connection_offline": _("Connection lost. Reconnecting…"),
        "connection_reconnecting": _("Reconnecting…"),
        "connection_refused": _("You cannot take part in this session from this page."),
        "state_scheduled": _("The session has not started yet."),
        "state_paused": _("The session is paused. Please wait for the facilitator."),
        "state_closed": _("The session has ended. Thank you for taking part."),
        "not_connected": _("Not connected. What you wrote is kept; please send it again when connected."),
        "error": _("Something went wrong. Please try again."),
        "empty_message": _("Please write something first."),
        "reason_needed": _("Please give a reason."),
        "new_message": _("%(name)s: %(text)s"),
        "reply": _("Reply"),
        "reply_to": _("Replying to %(name)s: %(text)s"),
        "reply_to_gone": _("Reply to an earlier message"),
        "cancel": _("Cancel"),
        "reactions": _("Reactions"),
        "react": _("React with %(emoji)s (%(count)s so far)"),
        "flag": _("Report to the facilitator"),
        "flag_reason": _("What is the problem with this message?"),
        "flagged": _("Thank you. The facilitator will look at it."),
        "hide": _("Hide"),
        "hide_reason": _("Reason for hiding (kept in the record)"),
        "pin": _("Pin"),
        "pinned": _("Pinned message from %(name)s"),
        "now_discussing": _("Now discussing: %(title)s"),
        "raise_hand": _("Raise hand"),
        "lower_hand": _("Lower hand"),
        "give_floor": _("Give the floor"),
        "speaking": _("Speaking: %(name)s"),
        "no_speaker": _("Nobody has the floor."),
        "your_turn": _("It is your turn to speak."),
        "present": _("Here now: %(count)s"),
        "facilitator": _("Facilitator"),
        "you": _("You"),
        "mute": _("Mute"),
        "unmute": _("Unmute"),
        "muted_badge": _("Muted"),
        "remove": _("Remove"),
        "remove_confirm": _("Remove %(name)s from the session? They will not be able to come back."),
        "removed": _("The facilitator has removed you from this session."),
        "vote": _("Vote"),
        "voted": _("You have voted. Thank you."),
        "thanks_vote": _("Your vote was counted. Thank you."),
        "choose_one": _("Please choose an answer."),
        "scale_hint": _("1 means strongly disagree, 5 means strongly agree."),
        "poll_result": _("%(option)s: %(count)s (%(share)s%%)"),
        "results_after_close": _("The results will be shown when the poll closes."),
        "poll_closed": _("This poll has closed."),
        "close_poll": _("Close the poll"),
        "your_view": _("Your view"),
        "agree": _("Agree"),
        "disagree": _("Disagree"),
        "pass": _("Pass"),
        "statement_votes": _("Agree %(agree)s · Disagree %(disagree)s · Pass %(pass)s"),
        "broad_agreement": _("Broad agreement across groups"),
        "groups_differ": _("Groups differ here"),
        "by_group": _("Agreement by opinion group"),
        "group_agree": _("Group %(group)s: %(share)s%% agree"),
        "groups_found": _("Opinion groups found so far: %(count)s"),
    }


@require_GET
@never_cache
def live_room(request: HttpRequest, session_id: int) -> HttpResponse:
    """The room: panel members take part, facilitators steer, the public watches when allowed."""
    session = _live_session(request, session_id)
    room = room_ensure(session=session)
    # The same order as the socket's: a panel member's binding first, then staff who run the consultation.
    participant = _room_participant(request, room)
    facilitator = participant is None and can_manage(request.user, session.consultation)
    role = "participant" if participant else "facilitator" if facilitator else "watcher"
    if role == "watcher" and not session.consultation.public_may_watch:
        response = render(
            request, "consultations/live/closed_to_public.html", {"session": session}, status=403
        )
        response["X-Robots-Tag"] = "noindex"
        return response
    context = {
        "session": session,
        "consultation": session.consultation,
        "room": room,
        "role": role,
        "socket_path": f"/ws/sessions/{session.pk}/?lang={get_language()}",
        "message_max": MESSAGE_MAX,
        "statement_max": STATEMENT_MAX,
        "strings": _client_strings(),
        "room_states": LiveRoom.State.choices,
        "poll_kinds": Poll.Kind.choices,
        "poll_show": Poll.ShowResults.choices,
    }
    response = render(request, "consultations/live/room.html", context)
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"
    return response


def _transcript_for(request: HttpRequest, session_id: int) -> tuple[ConsultationSession, dict[str, Any]]:
    """The transcript if this visitor may read it; otherwise 404, saying nothing about the session.

    Its pages are never cached: facilitators and members see names where the public sees labels."""
    session = _live_session(request, session_id)
    room = LiveRoom.objects.filter(session=session).select_related("session__consultation").first()
    if room is None:
        raise Http404
    access = TranscriptAccess(
        facilitator=can_manage(request.user, session.consultation),
        participant=_room_participant(request, room) is not None,
    )
    if not transcript_readable(room, access):
        raise Http404
    return session, room_transcript(room, access)


@require_GET
@never_cache
def live_transcript(request: HttpRequest, session_id: int) -> HttpResponse:
    session, record = _transcript_for(request, session_id)
    return render(
        request,
        "consultations/live/transcript.html",
        {"session": session, "consultation": session.consultation, "record": record},
    )


@require_GET
@never_cache
def live_transcript_json(request: HttpRequest, session_id: int) -> HttpResponse:
    _session, record = _transcript_for(request, session_id)
    return JsonResponse(record, json_dumps_params={"ensure_ascii": False})


@require_GET
@never_cache
def live_transcript_csv(request: HttpRequest, session_id: int) -> HttpResponse:
    session, record = _transcript_for(request, session_id)
    output = io.StringIO()
    csv.writer(output).writerows(transcript_rows(record))
    response = HttpResponse("\ufeff" + output.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{session.pk}-transcript.csv"'
    return response


@require_POST
def live_summary(request: HttpRequest, session_id: int) -> HttpResponse:
    """Publish the facilitator's summary on the consultation's page."""
    session = _live_session(request, session_id)
    if not can_manage(request.user, session.consultation):
        raise Http404
    room = room_ensure(session=session)
    actor = participant_enter(room=room, user=request.user)
    try:
        summary_publish(room=room, actor=actor, text=request.POST.get("text", ""))
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The summary is published on the consultation's page."))
    return redirect("consultations:live-room", session_id=session.pk)
