"""Apps register the handlers that answer LINE events (a report conversation, RSVP by LINE, ...)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from civic.line.models import LineChannel, LineEvent, LineFollower


@dataclass(frozen=True)
class IncomingEvent:
    """One stored webhook event, handed to the handlers in order for its user."""

    channel: LineChannel
    event: LineEvent
    follower: LineFollower | None

    @property
    def payload(self) -> dict[str, Any]:
        return dict(self.event.payload)


# A handler returns True when it dealt with the event; later handlers are not asked.
Handler = Callable[[IncomingEvent], bool]
_handlers: list[Handler] = []


def register_handler(handler: Handler) -> Handler:
    if handler not in _handlers:
        _handlers.append(handler)
    return handler


def handlers() -> tuple[Handler, ...]:
    return tuple(_handlers)
