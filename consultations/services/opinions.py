"""Opinion groups of a live room, recomputed in the background as statement votes arrive.

`opinion_groups_schedule` (called after each vote commits) enqueues one refresh a moment later, at most one
waiting per room, so a burst of votes costs one computation; `opinion_groups_refresh` runs it and logs the
result as an `opinion_groups` event that every socket receives.
"""

import logging
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django_tasks.base import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from consultations.live_models import LiveEvent, LiveRoom, StatementVote
from consultations.opinions import compute_groups
from consultations.services.live import live_event_log

logger = logging.getLogger(__name__)

# Votes arriving within this delay after the first are counted by the same refresh.
REFRESH_DELAY = timedelta(seconds=2)
# The first key of the advisory lock that serialises scheduling per room (the second is the room's id).
SCHEDULE_LOCK = 0x0F1A


def opinion_groups_schedule(*, room_id: int) -> bool:
    """Enqueue a refresh of the room's groups unless one is already waiting; True when one was enqueued."""
    from consultations.tasks import refresh_opinion_groups

    try:
        with transaction.atomic():
            # The database backend writes the job in this transaction: the check and the write are one step.
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [SCHEDULE_LOCK, room_id])
            waiting = DBTaskResult.objects.filter(
                task_path=refresh_opinion_groups.module_path,
                status=TaskResultStatus.READY,
                args_kwargs__kwargs__room_id=room_id,
            )
            if waiting.exists():
                return False
            refresh_opinion_groups.using(run_after=timezone.now() + REFRESH_DELAY).enqueue(room_id=room_id)
    except DatabaseError:
        # The vote is already committed; the next vote schedules the refresh again.
        logger.warning("could not schedule the opinion groups of room %s", room_id, exc_info=True)
        return False
    return True


def opinion_groups_refresh(*, room: LiveRoom) -> LiveEvent | None:
    """Recompute the groups from the votes on visible statements, store them and log them as an event.

    Returns None, logging nothing, when nothing changed or a refresh that saw later votes was stored first.
    """
    rows = list(
        StatementVote.objects.filter(statement__room=room, statement__hidden_at=None)
        .order_by("pk")
        .values_list("pk", "participant_id", "statement_id", "vote")
    )
    last_vote = rows[-1][0] if rows else 0
    result = compute_groups((participant, statement, vote) for _, participant, statement, vote in rows)
    data: dict[str, Any] = {**result.public_dict(), "last_vote": last_vote}
    with transaction.atomic():
        # The room's row lock orders concurrent refreshes (live_event_log takes the same lock).
        stored = LiveRoom.objects.select_for_update().values_list("opinion_groups", flat=True).get(pk=room.pk)
        previous = {key: value for key, value in (stored or {}).items() if key != "computed_at"}
        if previous.get("last_vote", 0) > last_vote or previous == data:
            return None
        data["computed_at"] = timezone.now().isoformat()
        LiveRoom.objects.filter(pk=room.pk).update(opinion_groups=data)
        event = live_event_log(room=room, type="opinion_groups", data=data, actor=None)
    room.opinion_groups = data
    return event
