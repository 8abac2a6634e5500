"""The line-bot-sdk v3 client for a municipality's channel: replies, pushes with retry keys, and content.

A channel's `api_base` (the local simulator in development and tests) replaces both of LINE's hosts, the
messaging API and the content API, so the code path under test is the production one.
"""

import time
import uuid
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    PushMessageRequest,
    ReplyMessageRequest,
)
from linebot.v3.messaging.models import Message
from linebot.v3.messaging.rest import RESTResponse

from civic.line.models import LineChannel

# LINE accepts a reply token for a short while after the event; past this age a push is sent instead.
REPLY_TOKEN_LIFETIME_S = 50
CONTENT_CHUNK = 64 * 1024


class ContentTooLarge(Exception):
    """The user's file is bigger than we accept; nothing of it was kept."""


class CivicApiClient(ApiClient):
    """The SDK's client with two additions: requests the SDK addresses to a fixed LINE host (the content
    host) go to `api_base` too, and response bodies can be capped while they stream in."""

    def __init__(
        self, configuration: Configuration, *, rebase: bool, max_body_bytes: int | None = None
    ) -> None:
        super().__init__(configuration)
        self.rebase = rebase
        self.max_body_bytes = max_body_bytes

    def call_api(self, *args: Any, **kwargs: Any) -> Any:
        if self.rebase and kwargs.get("_host"):
            kwargs["_host"] = self.configuration.host
        return super().call_api(*args, **kwargs)

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Any:
        if self.max_body_bytes is None:
            return super().request(method, url, *args, **kwargs)
        raw = super().request(method, url, *args, **{**kwargs, "_preload_content": False})
        try:
            if int(raw.headers.get("Content-Length") or 0) > self.max_body_bytes:
                raise ContentTooLarge
            body = bytearray()
            for chunk in raw.stream(CONTENT_CHUNK):
                body += chunk
                if len(body) > self.max_body_bytes:
                    raise ContentTooLarge
        finally:
            raw.release_conn()
        return RESTResponse(_ReadResponse(raw.status, raw.reason, bytes(body), raw.headers))


@dataclass(frozen=True)
class _ReadResponse:
    """What the SDK's RESTResponse needs of a urllib3 response, once the body has been read."""

    status: int
    reason: str | None
    data: bytes
    headers: Any


def api_client(channel: LineChannel, *, max_body_bytes: int | None = None) -> CivicApiClient:
    host = channel.api_base.rstrip("/") if channel.api_base else None
    configuration = Configuration(host=host, access_token=channel.access_token)
    return CivicApiClient(configuration, rebase=bool(host), max_body_bytes=max_body_bytes)


def retry_key(*parts: str) -> str:
    """A UUID fixed by what is being sent, so a retried push carries the same X-Line-Retry-Key."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "civic-line:" + ":".join(parts)))


def send(
    channel: LineChannel,
    *,
    to: str,
    messages: list[Message],
    key: str,
    reply_token: str | None = None,
    event_timestamp_ms: int | None = None,
) -> str:
    """Reply while the token is fresh, otherwise push; returns "reply" or "push"."""
    with api_client(channel) as client:
        api = MessagingApi(client)
        fresh = (
            event_timestamp_ms is not None
            and time.time() * 1000 - event_timestamp_ms < REPLY_TOKEN_LIFETIME_S * 1000
        )
        if reply_token and fresh:
            api.reply_message(ReplyMessageRequest(reply_token=reply_token, messages=messages))
            return "reply"
        try:
            api.push_message(PushMessageRequest(to=to, messages=messages), x_line_retry_key=key)
        except ApiException as error:
            if error.status != HTTPStatus.CONFLICT:
                raise
            return "push (already accepted)"  # LINE's answer to a retry key it has seen: sent once, not twice
        return "push"


def fetch_content(channel: LineChannel, message_id: str, *, max_bytes: int) -> bytes:
    """Download a user's image, streaming, and stop as soon as it grows past `max_bytes`."""
    with api_client(channel, max_body_bytes=max_bytes) as client:
        return bytes(MessagingApiBlob(client).get_message_content(message_id, _request_timeout=(5, 30)))
