"""A local stand-in for LINE's Messaging API, for development and tests (no Django; aiohttp).

It answers the endpoints the bot uses (reply, push, content, profile) as LINE does, records what the bot sent,
serves image content put into it, and posts signed webhook events to Civic, so the real line-bot-sdk client
and the real webhook view are exercised end to end. Besides LINE's endpoints:

- `GET /__sim/sent` — what the bot sent: `[{"kind": "reply"|"push", "to", "replyToken", "messages"}]`
- `DELETE /__sim/sent` — forget it
- `PUT /__sim/content/{messageId}` — bytes to serve as that message's content
- `POST /__sim/events` — `{"events": [...]}` (or `{"userId", "text"|"location"|"postback"|"image"}`): sign and
  post them to the configured webhook, answering with Civic's status
- `GET /` — a phone-like chat page to talk to the bot by hand
"""

import asyncio
import base64
import hashlib
import hmac
import json
import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from typing import Any

from aiohttp import ClientSession, web


@dataclass
class SimulatorState:
    webhook_url: str = ""
    channel_secret: str = ""
    sent: list[dict[str, Any]] = field(default_factory=list)
    content: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    retry_keys: set[str] = field(default_factory=set)
    profiles: dict[str, dict[str, str]] = field(default_factory=dict)


STATE = web.AppKey("state", SimulatorState)


def sign(channel_secret: str, body: bytes) -> str:
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def make_event(user_id: str, message: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    """A webhook event as LINE sends it; `message` makes it a message event."""
    event: dict[str, Any] = {
        "type": "message" if message else extra.pop("type", "follow"),
        "mode": "active",
        "timestamp": int(time.time() * 1000),
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": "01" + secrets.token_hex(12).upper(),
        "deliveryContext": {"isRedelivery": False},
        "replyToken": secrets.token_hex(16),
    }
    if message:
        event["message"] = {
            "id": str(secrets.randbelow(10**17)),
            "quoteToken": secrets.token_hex(8),
            **message,
        }
    event.update(extra)
    return event


def _auth_ok(request: web.Request) -> bool:
    return request.headers.get("Authorization", "").startswith("Bearer ")


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"message": message}, status=status)


async def reply(request: web.Request) -> web.Response:
    if not _auth_ok(request):
        return _error(401, "Authentication failed")
    body = await request.json()
    state: SimulatorState = request.app[STATE]
    if not body.get("replyToken") or not body.get("messages"):
        return _error(400, "The request body has 1 error(s)")
    state.sent.append(
        {"kind": "reply", "replyToken": body["replyToken"], "to": None, "messages": body["messages"]}
    )
    return web.json_response({"sentMessages": [{"id": str(len(state.sent))}]})


async def push(request: web.Request) -> web.Response:
    if not _auth_ok(request):
        return _error(401, "Authentication failed")
    state: SimulatorState = request.app[STATE]
    key = request.headers.get("X-Line-Retry-Key", "")
    if key and key in state.retry_keys:
        return _error(409, "The retry key is already accepted")
    body = await request.json()
    if not body.get("to") or not body.get("messages"):
        return _error(400, "The request body has 1 error(s)")
    if key:
        state.retry_keys.add(key)
    state.sent.append({"kind": "push", "to": body["to"], "replyToken": None, "messages": body["messages"]})
    return web.json_response({"sentMessages": [{"id": str(len(state.sent))}]})


async def content(request: web.Request) -> web.StreamResponse:
    if not _auth_ok(request):
        return _error(401, "Authentication failed")
    stored = request.app[STATE].content.get(request.match_info["message_id"])
    if stored is None:
        return _error(404, "Not found")
    data, content_type = stored
    response = web.StreamResponse(headers={"Content-Type": content_type, "Content-Length": str(len(data))})
    await response.prepare(request)
    for start in range(0, len(data), 256 * 1024):
        await response.write(data[start : start + 256 * 1024])
    await response.write_eof()
    return response


async def profile(request: web.Request) -> web.Response:
    if not _auth_ok(request):
        return _error(401, "Authentication failed")
    user_id = request.match_info["user_id"]
    default = {"userId": user_id, "displayName": "テスト利用者", "language": "ja"}
    return web.json_response(request.app[STATE].profiles.get(user_id, default))


async def sent(request: web.Request) -> web.Response:
    state: SimulatorState = request.app[STATE]
    if request.method == "DELETE":
        state.sent.clear()
        return web.json_response([])
    return web.json_response(state.sent)


async def put_content(request: web.Request) -> web.Response:
    request.app[STATE].content[request.match_info["message_id"]] = (
        await request.read(),
        request.headers.get("Content-Type", "image/jpeg"),
    )
    return web.json_response({"stored": request.match_info["message_id"]})


async def post_events(request: web.Request) -> web.Response:
    """Sign events and post them to Civic's webhook, as LINE's platform would."""
    state: SimulatorState = request.app[STATE]
    if not state.webhook_url:
        return _error(409, "Start the simulator with --webhook URL --secret S to post events")
    body = await request.json()
    events = body.get("events")
    if events is None:
        message = {
            key: body[key] for key in ("text", "latitude", "longitude", "title", "address") if key in body
        }
        kind = body.get("kind", "text")
        if kind == "postback":
            events = [make_event(body["userId"], type="postback", postback={"data": body.get("data", "")})]
        elif kind in {"follow", "unfollow"}:
            events = [make_event(body["userId"], type=kind)]
        else:
            events = [make_event(body["userId"], {"type": kind, **message})]
            if kind == "image" and body.get("imageBase64"):
                message_id = events[0]["message"]["id"]
                state.content[message_id] = (base64.b64decode(body["imageBase64"]), "image/jpeg")
    payload = json.dumps({"destination": "Usimulator", "events": events}).encode()
    async with (
        ClientSession() as session,
        session.post(
            state.webhook_url,
            data=payload,
            headers={
                "Content-Type": "application/json",
                "X-Line-Signature": sign(state.channel_secret, payload),
            },
        ) as response,
    ):
        return web.json_response({"status": response.status, "events": events})


async def chat_page(request: web.Request) -> web.Response:
    page = files("civic.line").joinpath("simulator_chat.html").read_text(encoding="utf-8")
    return web.Response(text=page, content_type="text/html")


def build_app(state: SimulatorState | None = None) -> web.Application:
    app = web.Application(client_max_size=64 * 1024 * 1024)
    app[STATE] = state or SimulatorState()
    app.add_routes(
        [
            web.post("/v2/bot/message/reply", reply),
            web.post("/v2/bot/message/push", push),
            web.get("/v2/bot/message/{message_id}/content", content),
            web.get("/v2/bot/profile/{user_id}", profile),
            web.get("/__sim/sent", sent),
            web.delete("/__sim/sent", sent),
            web.put("/__sim/content/{message_id}", put_content),
            web.post("/__sim/events", post_events),
            web.get("/", chat_page),
        ]
    )
    return app


@dataclass
class RunningSimulator:
    url: str
    state: SimulatorState


@contextmanager
def running(
    state: SimulatorState | None = None, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningSimulator]:
    """Serve the simulator on a background thread (for tests); yields its base URL and state."""
    state = state or SimulatorState()
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(build_app(state))
    started = threading.Event()
    bound: list[str] = []

    def serve() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(runner.setup())
        site = web.TCPSite(runner, host, port)
        loop.run_until_complete(site.start())
        bound.append(f"http://{host}:{runner.addresses[0][1]}")
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=serve, daemon=True, name="line-simulator")
    thread.start()
    if not started.wait(10):
        raise RuntimeError("the LINE simulator did not start")
    try:
        yield RunningSimulator(url=bound[0], state=state)
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
