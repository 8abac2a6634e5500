"""Nothing lost: a real ASGI server (uvicorn) with the Redis channel layer, a `websockets` client that
reconnects with its last sequence number, and the ASGI server or the Redis server killed mid-session."""

import asyncio
import json
import shutil
import time

import pytest
import websockets
from asgiref.sync import sync_to_async
from django.conf import settings
from wagtail.models import Site
from websockets.typing import Origin

from consultations.live_models import LiveRoom
from consultations.services import live
from tests.consultations.live.support import make_room, member, session_cookie
from tests.server_processes import AsgiServer, RedisProcess

pytestmark = [
    pytest.mark.asyncio,
    pytest.mark.django_db(transaction=True),
    pytest.mark.redis,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs redis-server"),
]


class Listener:
    """A participant's client: follows the room, and on any drop reconnects with `?last_seq=` its last one."""

    def __init__(self, port: int, session_id: int, cookie: str) -> None:
        self.url = f"ws://127.0.0.1:{port}/ws/sessions/{session_id}/"
        self.origin = Origin(f"http://127.0.0.1:{port}")
        self.cookie = f"{settings.SESSION_COOKIE_NAME}={cookie}"
        self.last: int | None = None
        self.events: list[dict] = []
        self.connections = 0
        self.connected = asyncio.Event()

    async def run(self) -> None:
        while True:
            url = self.url if self.last is None else f"{self.url}?last_seq={self.last}"
            try:
                async with websockets.connect(
                    url, origin=self.origin, additional_headers={"Cookie": self.cookie}, open_timeout=5
                ) as ws:
                    async for text in ws:
                        self.receive(json.loads(text))
            except (TimeoutError, OSError, websockets.WebSocketException):
                pass
            self.connected.clear()
            await asyncio.sleep(0.2)

    def receive(self, frame: dict) -> None:
        if frame["type"] == "hello":
            self.connections += 1
            if self.last is None:
                self.last = frame["last_seq"]
            self.connected.set()
        elif frame["type"] == "event":
            self.events.append(frame)
            self.last = frame["seq"]

    async def until(self, seq: int, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while (self.last or 0) < seq:
            assert time.monotonic() < deadline, f"received up to {self.last}, expected {seq}"
            await asyncio.sleep(0.1)


@pytest.fixture
def our_redis(settings):
    server = RedisProcess()
    server.start()
    # The test process broadcasts through the same Redis as the server, like another server process would.
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {"hosts": [server.url]}}
    }
    yield server
    server.kill()


async def post_some(posters, texts: list[str]) -> None:
    for i, text in enumerate(texts):
        await sync_to_async(live.message_post)(
            room=posters[0].room, participant=posters[i % len(posters)], text=text
        )
        await asyncio.sleep(0.02)


async def follow_through(our_redis, break_and_mend) -> Listener:
    room = await sync_to_async(make_room)()
    listener_member = await sync_to_async(member)(room, "聞く人")
    posters = [await sync_to_async(member)(room, f"話す人{i}") for i in range(6)]
    cookie = await sync_to_async(session_cookie)(participant=listener_member)
    server = AsgiServer(our_redis.url)
    # The client reaches the server as 127.0.0.1:<port>, so that is the town's site address here.
    await sync_to_async(
        lambda: Site.objects.filter(municipality__pk=room.session.consultation.municipality_id).update(
            hostname="127.0.0.1", port=server.port
        )
    )()
    await sync_to_async(server.start)()
    listener = Listener(server.port, room.session_id, cookie)
    task = asyncio.ensure_future(listener.run())
    try:
        await asyncio.wait_for(listener.connected.wait(), 20)
        start = listener.last
        assert start is not None
        texts = [f"発言 {i}" for i in range(36)]
        await post_some(posters, texts[:12])
        await break_and_mend(server, lambda: post_some(posters, texts[12:24]))
        await post_some(posters, texts[24:])
        newest = await sync_to_async(lambda: LiveRoom.objects.get(pk=room.pk).next_seq)()
        await listener.until(newest)
        seqs = [event["seq"] for event in listener.events]
        assert seqs == list(range(start + 1, newest + 1))  # every event, once, in order
        assert [event["data"]["text"] for event in listener.events] == texts
        return listener
    finally:
        task.cancel()
        server.kill()


async def test_killing_the_asgi_server_mid_session_loses_nothing(our_redis):
    async def kill_server(server, post_meanwhile):
        await sync_to_async(server.kill)()
        await post_meanwhile()  # written to the database while no server runs
        await sync_to_async(server.start)()

    listener = await follow_through(our_redis, kill_server)
    assert listener.connections >= 2  # it did lose the server, and came back with its last sequence number


async def test_killing_the_redis_server_mid_session_loses_nothing(our_redis):
    async def kill_redis(server, post_meanwhile):
        await sync_to_async(our_redis.kill)()
        await post_meanwhile()  # broadcasts fail; the database keeps every message
        await sync_to_async(our_redis.start)()

    await follow_through(our_redis, kill_redis)
