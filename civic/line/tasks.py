"""Background jobs of the LINE integration: process a stored event; send messages with retries."""

from typing import Any

from linebot.v3.messaging.models import Message

from civic.jobs import retried_task
from civic.line import client
from civic.line.models import LineChannel, LineFollower
from civic.line.services import line_event_process


@retried_task(max_attempts=5, backoff_seconds=5)
def process_line_events(event_ids: list[int]) -> None:
    """Process the events one webhook request stored (each under its user's lock, in order)."""
    for event_id in event_ids:
        line_event_process(event_id=event_id)


@retried_task(max_attempts=6, backoff_seconds=10)
def send_line_messages(
    *,
    channel_id: int,
    to: str,
    messages: list[dict[str, Any]],
    key: str,
    reply_token: str = "",
    event_timestamp_ms: int | None = None,
) -> str:
    channel = LineChannel.objects.get(pk=channel_id)
    reply_possible = bool(reply_token) and event_timestamp_ms is not None
    if (
        not reply_possible
        and LineFollower.objects.filter(channel=channel, user_id=to, following=False).exists()
    ):
        return "skipped: the user unfollowed"
    return client.send(
        channel,
        to=to,
        messages=[Message.from_dict(message) for message in messages],
        key=client.retry_key(key),
        reply_token=reply_token or None,
        event_timestamp_ms=event_timestamp_ms,
    )
