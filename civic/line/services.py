"""Services of the LINE integration: configure a channel, store webhook events, process them, send messages.

Webhook events are stored before anything else happens, keyed by LINE's `webhookEventId`, so a redelivered
event is recognised and processed exactly once. Processing takes the user's follower row lock, so two
messages from the same user are handled one after the other, in LINE's timestamp order.
"""

import json
import logging
from collections.abc import Sequence
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from linebot.v3.messaging.models import Message

from civic.errors import ServiceError
from civic.jobs import enqueue_on_commit
from civic.line.models import LineChannel, LineEvent, LineFollower
from civic.line.registry import IncomingEvent, handlers
from civic.models import Municipality

logger = logging.getLogger(__name__)


@transaction.atomic
def line_channel_set(
    *,
    municipality: Municipality,
    channel_secret: str,
    access_token: str,
    api_base: str = "",
    enabled: bool = True,
) -> LineChannel:
    if not channel_secret.strip() or not access_token.strip():
        raise ServiceError(_("Both the channel secret and the access token are needed."))
    if api_base and not api_base.startswith(("http://", "https://")):
        raise ServiceError(_("The API base must be an http:// or https:// URL."))
    channel, _created = LineChannel.objects.update_or_create(
        municipality=municipality,
        defaults={
            "channel_secret": channel_secret.strip(),
            "access_token": access_token.strip(),
            "api_base": api_base,
            "enabled": enabled,
        },
    )
    return channel


def line_events_receive(*, channel: LineChannel, events: Sequence[Any]) -> list[int]:
    """Store the webhook's events (each once, however often LINE delivers it) and enqueue their processing.

    One INSERT … ON CONFLICT DO NOTHING for the whole batch and one job: the webhook must answer LINE fast.
    Returns the ids of the events stored now (redeliveries of stored events are left out).
    """
    from civic.line.tasks import process_line_events

    rows: dict[str, tuple[Any, ...]] = {}
    for raw in events:
        row = _event_row(channel, raw)
        if row is not None:
            rows.setdefault(str(row[1]), row)
    if not rows:
        return []
    columns = "channel_id, webhook_event_id, event_type, user_id, timestamp_ms, is_redelivery, payload"
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s::jsonb, 'pending', now(), '')"] * len(rows))
    # The table and columns are ours; every value is a query parameter.
    sql = (
        f"INSERT INTO {LineEvent._meta.db_table} ({columns}, status, received_at, error) VALUES {values} "  # noqa: S608
        "ON CONFLICT (webhook_event_id) DO NOTHING RETURNING id"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [value for row in rows.values() for value in row])
        stored = [int(found[0]) for found in cursor.fetchall()]
        if stored:
            enqueue_on_commit(process_line_events, stored)
    return stored


def _event_row(channel: LineChannel, raw: Any) -> tuple[Any, ...] | None:
    """The columns of one webhook event, or None (logged) for one that cannot be stored."""
    if not isinstance(raw, dict) or not isinstance(raw.get("webhookEventId"), str):
        logger.warning("LINE event without a webhookEventId ignored")
        return None
    source = raw.get("source")
    source = source if isinstance(source, dict) else {}
    delivery = raw.get("deliveryContext")
    delivery = delivery if isinstance(delivery, dict) else {}
    try:
        timestamp = int(raw.get("timestamp") or 0)
    except (TypeError, ValueError):
        logger.warning("LINE event %s with a malformed timestamp ignored", raw["webhookEventId"][:64])
        return None
    return (
        channel.pk,
        raw["webhookEventId"][:64],
        str(raw.get("type", ""))[:32],
        str(source.get("userId", ""))[:64],
        timestamp,
        bool(delivery.get("isRedelivery")),
        json.dumps(raw),
    )


def line_event_process(*, event_id: int) -> None:
    """Process this event and any earlier pending ones of the same user, in order, under the user's lock."""
    event = LineEvent.objects.select_related("channel__municipality").get(pk=event_id)
    with transaction.atomic():
        follower = _locked_follower(event)
        pending = (
            LineEvent.objects.select_for_update()
            .filter(
                channel=event.channel,
                user_id=event.user_id,
                status=LineEvent.Status.PENDING,
                timestamp_ms__lte=event.timestamp_ms,
            )
            .order_by("timestamp_ms", "pk")
        )
        for item in pending:
            item.channel = event.channel
            _process_one(item, follower)


def _locked_follower(event: LineEvent) -> LineFollower | None:
    if not event.user_id:
        return None
    LineFollower.objects.get_or_create(channel=event.channel, user_id=event.user_id)
    return LineFollower.objects.select_for_update().get(channel=event.channel, user_id=event.user_id)


def _process_one(event: LineEvent, follower: LineFollower | None) -> None:
    try:
        with transaction.atomic():
            if follower is not None:
                _record_follow_state(event, follower)
            incoming = IncomingEvent(channel=event.channel, event=event, follower=follower)
            for handler in handlers():
                if handler(incoming):
                    break
    except Exception as error:
        # A handler's bug must not block the user's later messages: the event is kept, marked and logged.
        logger.exception("LINE event %s failed", event.webhook_event_id)
        event.status, event.error = LineEvent.Status.FAILED, f"{type(error).__name__}: {error}"[:2000]
    else:
        event.status = LineEvent.Status.PROCESSED
    event.processed_at = timezone.now()
    event.save(update_fields=["status", "error", "processed_at"])


def _record_follow_state(event: LineEvent, follower: LineFollower) -> None:
    now = timezone.now()
    if event.event_type == "follow":
        follower.following, follower.followed_at, follower.unfollowed_at = True, now, None
    elif event.event_type == "unfollow":
        follower.following, follower.unfollowed_at = False, now
    else:
        return
    follower.save(update_fields=["following", "followed_at", "unfollowed_at"])


def line_follower_set_language(*, follower: LineFollower, language: str) -> None:
    language = "en" if language.lower().startswith("en") else "ja"
    if follower.language != language:
        follower.language = language
        follower.save(update_fields=["language"])


def line_reply(incoming: IncomingEvent, messages: Sequence[Message]) -> None:
    """Answer an event after commit: by reply token while it is fresh, otherwise by push."""
    from civic.line.tasks import send_line_messages

    payload = incoming.payload
    enqueue_on_commit(
        send_line_messages,
        channel_id=incoming.channel.pk,
        to=incoming.event.user_id,
        messages=[message.to_dict() for message in messages],
        key=f"reply:{incoming.event.webhook_event_id}",
        reply_token=str(payload.get("replyToken") or ""),
        event_timestamp_ms=incoming.event.timestamp_ms,
    )


def line_push(*, channel: LineChannel, user_id: str, messages: Sequence[Message], key: str) -> None:
    """Push to a LINE user after commit (skipped if they unfollowed); `key` makes retries send once."""
    from civic.line.tasks import send_line_messages

    enqueue_on_commit(
        send_line_messages,
        channel_id=channel.pk,
        to=user_id,
        messages=[message.to_dict() for message in messages],
        key=key,
    )
