"""The triage board's live channel: staff of a municipality receive its report cards as they change.

Authorised in `connect` (a board role in the town, from the session); department staff receive only their
department's cards (others become a bare `hidden` notice). Changes are made over HTTP through the services,
so this consumer writes nothing.
"""

from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.utils.translation import gettext as _

from reports.broadcasts import board_group
from reports.triage.access import TriageAccess, board_municipality, triage_access


def _access_for(user: Any, slug: str) -> TriageAccess | None:
    return triage_access(user, board_municipality(user, slug=slug))


class BoardConsumer(AsyncJsonWebsocketConsumer):
    access: TriageAccess | None = None
    group: str = ""

    async def connect(self) -> None:
        params = parse_qs(self.scope.get("query_string", b"").decode())
        user = self.scope.get("user")
        access = None
        if user is not None:
            access = await database_sync_to_async(_access_for)(user, params.get("town", [""])[0])
        if access is None:
            await self.close(code=4403)
            return
        self.access = access
        self.group = board_group(access.municipality.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "municipality": access.municipality.slug})

    async def disconnect(self, code: int) -> None:
        if self.group:
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if isinstance(content, dict) and content.get("type") == "ping":
            await self.send_json({"type": "pong"})
        else:
            await self.send_json({"type": "error", "message": _("The board only listens here.")})

    @classmethod
    async def decode_json(cls, text_data: str) -> Any:
        try:
            return await super().decode_json(text_data)
        except ValueError:
            return None

    async def board_card(self, event: dict[str, Any]) -> None:
        card = event["card"]
        if self.access is not None and self.access.sees_department(card.get("department_id")):
            await self.send_json({"type": "card", "card": card})
        else:
            await self.send_json({"type": "hidden", "id": card["id"]})
