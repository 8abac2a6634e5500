"""The real line-bot-sdk client against the LINE simulator: reply or push, retry keys, capped content."""

import time
import urllib.request

import pytest
from linebot.v3.messaging import TextMessage

from civic.line import client
from civic.line.services import line_push
from tests.civic.line.conftest import run_worker

pytestmark = pytest.mark.django_db(transaction=True)


def put_content(simulator, message_id: str, data: bytes) -> None:
    request = urllib.request.Request(f"{simulator.url}/__sim/content/{message_id}", data=data, method="PUT")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def test_a_fresh_reply_token_replies(channel, simulator):
    how = client.send(
        channel,
        to="Uabc",
        messages=[TextMessage(text="こんにちは")],
        key=client.retry_key("x"),
        reply_token="token-1",
        event_timestamp_ms=int(time.time() * 1000),
    )
    assert how == "reply"
    assert simulator.state.sent == [
        {
            "kind": "reply",
            "replyToken": "token-1",
            "to": None,
            "messages": [{"type": "text", "text": "こんにちは"}],
        }
    ]


def test_a_stale_reply_token_pushes_and_a_retried_push_is_sent_once(channel, simulator):
    old = int((time.time() - 120) * 1000)
    key = client.retry_key("status", "R-1")
    for _ in range(2):
        client.send(
            channel,
            to="Uabc",
            messages=[TextMessage(text="hi")],
            key=key,
            reply_token="t",
            event_timestamp_ms=old,
        )
    assert [item["kind"] for item in simulator.state.sent] == ["push"]
    assert simulator.state.sent[0]["to"] == "Uabc"


def test_content_comes_from_the_simulator_and_is_capped(channel, simulator):
    put_content(simulator, "m1", b"x" * 1000)
    assert client.fetch_content(channel, "m1", max_bytes=2000) == b"x" * 1000
    put_content(simulator, "big", b"y" * (30 * 1024 * 1024))
    with pytest.raises(client.ContentTooLarge):
        client.fetch_content(channel, "big", max_bytes=10 * 1024 * 1024)


def test_pushes_go_after_commit_and_not_to_unfollowed_users(channel, simulator):
    from civic.line.models import LineFollower

    line_push(channel=channel, user_id="Ufollower", messages=[TextMessage(text="更新")], key="k1")
    LineFollower.objects.create(channel=channel, user_id="Ugone", following=False)
    line_push(channel=channel, user_id="Ugone", messages=[TextMessage(text="更新")], key="k2")
    run_worker()
    assert [item["to"] for item in simulator.state.sent] == ["Ufollower"]
