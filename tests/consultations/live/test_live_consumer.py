"""The live socket through the real ASGI application: who may connect, every action's answer, bad input, and
exactly-once delivery when the channel layer drops a message."""

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext

from civic.asgi import application
from consultations.live_models import LiveEvent, LiveMessage, LiveRoom, Poll, PollVote
from consultations.services import live
from tests.consultations.live.support import (
    as_facilitator,
    as_member,
    connect,
    make_room,
    member,
    next_of,
    quiet,
    send,
    window_left,
)

UNKNOWN = "This kind of message is not known."
pytestmark = [pytest.mark.asyncio, pytest.mark.django_db(transaction=True)]


async def counts(room):
    def read():
        return LiveEvent.objects.filter(room=room).count(), LiveMessage.objects.filter(room=room).count()

    return await sync_to_async(read)()


async def test_a_message_is_acknowledged_and_reaches_everyone_once():
    room = await sync_to_async(make_room)()
    hanako = await sync_to_async(member)(room, "はなこ")
    taro = await sync_to_async(member)(room, "たろう")
    first, hello = await as_member(room, hanako)
    second, _ = await as_member(room, taro)
    assert hello["you"] == {"id": hanako.pk, "name": "はなこ", "role": "participant", "muted": False}
    assert hello["room"]["state"] == "open"

    await send(first, {"type": "message", "text": "こんにちは", "ref": "a1"})
    ack = await next_of(first, "ack")
    assert not first.__dict__.get("pending")  # the ack comes before the event it caused (clients rely on it)
    assert ack["ref"] == "a1" and ack["seq"] == hello["last_seq"] + 1
    for socket in (first, second):
        event = await next_of(socket, "event")
        assert event["seq"] == ack["seq"] and event["event"] == "message"
        assert event["data"]["text"] == "こんにちは" and event["data"]["author"]["name"] == "はなこ"
    await quiet(second)
    await first.disconnect()
    await second.disconnect()


async def test_bad_frames_get_clear_errors_and_change_nothing():
    room = await sync_to_async(make_room)()
    hanako = await sync_to_async(member)(room, "はなこ")
    socket, _ = await as_member(room, hanako, query="lang=en")
    before = await counts(room)

    await send(socket, "{not json")
    error = await next_of(socket, "error")
    assert error["code"] == "bad_json" and "not valid JSON" in error["message"]

    await send(socket, {"type": "shout", "ref": 7})
    error = await next_of(socket, "error")
    assert error == {
        "type": "error",
        "ref": 7,
        "code": "unknown_type",
        "message": "This kind of message is not known.",
    }

    await send(socket, {"type": "message", "text": "あ" * 1001, "ref": "long"})
    error = await next_of(socket, "error")
    assert error["code"] == "too_long" and "1000 characters" in error["message"]

    await send(socket, {"type": "message", "text": "x" * 9000})
    assert (await next_of(socket, "error"))["code"] == "too_long"

    await send(socket, {"type": "hide", "message": 1, "reason": "test"})
    error = await next_of(socket, "error")
    assert error["code"] == "forbidden" and error["message"] == "Only the facilitator can do that."

    await send(socket, {"type": "react", "message": "one", "emoji": "👍"})
    assert (await next_of(socket, "error"))["code"] == "invalid"
    assert await counts(room) == before
    await socket.disconnect()


async def test_watchers_follow_read_only_and_see_no_names():
    room = await sync_to_async(make_room)()
    hanako = await sync_to_async(member)(room, "山田はなこ")
    speaker, _ = await as_member(room, hanako)
    watcher, hello = await connect(room, query="lang=en")
    assert hello["you"] is None
    await send(speaker, {"type": "message", "text": "意見です"})
    event = await next_of(watcher, "event")
    assert event["data"]["text"] == "意見です"
    assert event["data"]["author"] == {
        "id": hanako.pk,
        "name": f"Participant {hanako.pk}",
        "role": "participant",
    }
    assert "山田" not in str(event)
    before = await counts(room)
    await send(watcher, {"type": "message", "text": "見ているだけ", "ref": 1})
    error = await next_of(watcher, "error")
    assert error["code"] == "forbidden" and "watcher" in error["message"]
    assert await counts(room) == before
    await speaker.disconnect()
    await watcher.disconnect()


async def test_polls_take_one_vote_and_none_after_closing():
    room = await sync_to_async(make_room)()
    hanako = await sync_to_async(member)(room, "はなこ")
    chair, _ = await as_facilitator(room)
    socket, _ = await as_member(room, hanako, query="lang=en")
    await send(
        chair,
        {"type": "poll_open", "question": "駐車場は必要?", "kind": "single", "options": ["はい", "いいえ"]},
    )
    await next_of(chair, "ack")
    opened = await next_of(socket, "event")
    poll_id = opened["data"]["poll"]["id"]
    await send(socket, {"type": "poll_vote", "poll": poll_id, "choices": [0], "ref": "v1"})
    assert (await next_of(socket, "ack"))["ref"] == "v1"
    results = await next_of(socket, "event")
    assert results["event"] == "poll_results" and results["data"]["counts"] == [1, 0]

    await send(socket, {"type": "poll_vote", "poll": poll_id, "choices": [1], "ref": "v2"})
    error = await next_of(socket, "error")
    assert error["code"] == "already_voted" and error["ref"] == "v2"

    await send(chair, {"type": "poll_close", "poll": poll_id})
    await next_of(chair, "ack")
    assert (await next_of(socket, "event"))["event"] == "poll_closed"
    again, hello = await as_member(room, hanako)
    assert hello["room"]["my_votes"] == {"polls": {str(poll_id): [0]}, "statements": {}}
    await again.disconnect()
    tarou = await sync_to_async(member)(room, "たろう")
    late, _ = await as_member(room, tarou, query="lang=en")
    await send(late, {"type": "poll_vote", "poll": poll_id, "choices": [1]})
    error = await next_of(late, "error")
    assert error["code"] == "closed_poll" and "closed" in error["message"]
    votes = await sync_to_async(
        lambda: list(PollVote.objects.filter(poll_id=poll_id).values_list("choices", flat=True))
    )()
    assert votes == [[0]]
    for socket_ in (chair, socket, late):
        await socket_.disconnect()


async def test_the_facilitator_hides_a_message_and_its_text_is_never_replayed():
    room = await sync_to_async(make_room)()
    hanako = await sync_to_async(member)(room, "はなこ")
    chair, hello = await as_facilitator(room)
    assert hello["you"]["role"] == "facilitator"
    socket, _ = await as_member(room, hanako)
    await send(socket, {"type": "message", "text": "不適切な発言"})
    message_id = (await next_of(socket, "event"))["data"]["id"]
    await send(chair, {"type": "hide", "message": message_id, "reason": "個人攻撃"})
    await next_of(chair, "event")  # the message itself
    ack = await next_of(chair, "ack")
    hidden = await next_of(socket, "event")
    assert hidden["event"] == "message_hidden" and hidden["data"] == {"id": message_id}
    replay, _ = await connect(room, query="last_seq=0")
    frames = [await next_of(replay, "event") for _ in range(ack["seq"])]
    assert [f["seq"] for f in frames] == list(range(1, ack["seq"] + 1))
    assert "不適切" not in str(frames)
    assert {"id": message_id, "hidden": True} in [f["data"] for f in frames]
    for socket_ in (chair, socket, replay):
        await socket_.disconnect()


async def test_facilitator_controls_work_and_participants_get_forbidden():
    room = await sync_to_async(make_room)()
    hanako = await sync_to_async(member)(room, "はなこ")
    chair, _ = await as_facilitator(room)
    socket, _ = await as_member(room, hanako, query="lang=en")
    for frame in (
        {"type": "room", "state": "paused"},
        {"type": "video", "url": "https://example.jp/live"},
        {"type": "mute", "participant": hanako.pk, "muted": True},
        {"type": "floor", "participant": hanako.pk},
        {"type": "pin", "message": None},
    ):
        await send(socket, frame)
        assert (await next_of(socket, "error"))["code"] == "forbidden"
    await send(chair, {"type": "mute", "participant": hanako.pk, "muted": True})
    await next_of(chair, "ack")
    await send(socket, {"type": "message", "text": "話したい"})
    assert (await next_of(socket, "error"))["code"] == "muted"
    await send(chair, {"type": "room", "state": "paused"})
    await next_of(chair, "ack")
    await send(socket, {"type": "hand", "raised": True})
    assert (await next_of(socket, "error"))["code"] == "paused"
    await send(chair, {"type": "remove", "participant": hanako.pk})
    await next_of(chair, "ack")
    events = []
    while True:
        frame = await socket.receive_output(timeout=5)
        if frame["type"] == "websocket.close":
            assert frame["code"] == 4403
            break
        events.append(frame)
    await chair.disconnect()


async def test_the_snapshot_presence_and_typing():
    room = await sync_to_async(make_room)()
    hanako = await sync_to_async(member)(room, "はなこ")
    taro = await sync_to_async(member)(room, "たろう")
    await sync_to_async(live.message_post)(room=room, participant=hanako, text="最初の発言")
    await sync_to_async(live.poll_open)(
        room=room, actor=room.facilitator, question="満足度", kind=Poll.Kind.SCALE, options=[]
    )
    first, hello = await as_member(room, hanako)
    snapshot = hello["room"]
    assert snapshot["state"] == LiveRoom.State.OPEN
    assert [m["text"] for m in snapshot["messages"]] == ["最初の発言"]
    assert snapshot["polls"][0]["options"] == ["1", "2", "3", "4", "5"]
    assert {"id": hanako.pk, "name": "はなこ", "role": "participant"} in snapshot["participants"]

    second, _ = await as_member(room, taro)
    joined: dict[int, str] = {}
    while taro.pk not in joined:  # presence frames say who came and who went, not the whole list
        presence = await next_of(first, "presence")
        assert presence["left"] == []
        joined.update((p["id"], p["name"]) for p in presence["joined"])
    assert joined[taro.pk] == "たろう"
    await send(second, {"type": "typing"})
    assert await next_of(first, "typing") == {"type": "typing", "id": taro.pk}
    await second.disconnect()
    assert await next_of(first, "presence") == {"type": "presence", "joined": [], "left": [taro.pk]}
    await first.disconnect()


async def test_errors_are_japanese_by_default_and_the_rate_limit_holds():
    room = await sync_to_async(make_room)()
    hanako = await sync_to_async(member)(room, "はなこ")
    socket, _ = await as_member(room, hanako)
    await send(socket, {"type": "shout"})
    error = await next_of(socket, "error")
    with translation.override("ja"):
        assert error == {"type": "error", "ref": None, "code": "unknown_type", "message": gettext(UNKNOWN)}

    await asyncio.sleep(window_left())
    for i in range(10):
        await send(socket, {"type": "message", "text": f"{i}", "ref": i})
        assert (await next_of(socket, "ack"))["ref"] == i
        assert (await next_of(socket, "event"))["data"]["text"] == f"{i}"
    await send(socket, {"type": "message", "text": "多すぎる", "ref": "x"})
    error = await next_of(socket, "error")
    assert error["code"] == "rate_limited" and error["ref"] == "x"
    assert await sync_to_async(LiveMessage.objects.filter(room=room).count)() == 10
    await socket.disconnect()


async def test_who_may_connect():
    private = await sync_to_async(make_room)(public=False)
    socket, result = await connect(private, expect_hello=False)
    assert result == {"connected": False, "code": 4403}  # unauthenticated, and the public may not watch
    await socket.disconnect()

    public = await sync_to_async(make_room)()
    stranger = await sync_to_async(member)(public, "よそのひと")
    socket, result = await as_member(private, stranger, expect_hello=False)
    assert result == {"connected": False, "code": 4403}  # a participant of another session

    other = await sync_to_async(make_room)()
    socket, hello = await as_member(other, stranger, query="lang=en")
    assert hello["you"] is None  # only a watcher where the public may watch
    before = await counts(other)
    await send(socket, {"type": "message", "text": "入れてください"})
    assert (await next_of(socket, "error"))["code"] == "forbidden"
    assert await counts(other) == before
    await socket.disconnect()

    host = public.hostname.encode()
    communicator = WebsocketCommunicator(
        application,
        f"/ws/sessions/{public.session_id}/",
        headers=[(b"origin", b"https://evil.example"), (b"host", host)],
    )
    connected, _ = await communicator.connect()
    assert not connected  # the origin is checked
    await communicator.disconnect()

    communicator = WebsocketCommunicator(
        application,
        f"/ws/sessions/{other.session_id}/",
        headers=[(b"origin", b"http://" + host), (b"host", host)],
    )
    assert await communicator.connect() == (False, 4404)  # another town's session is not found on this site
    await communicator.disconnect()


async def test_lost_group_messages_and_resume_deliver_every_event_once_in_order():
    room = await sync_to_async(make_room)()
    hanako = await sync_to_async(member)(room, "はなこ")
    socket, hello = await as_member(room, hanako)

    def logged_but_never_broadcast():
        with transaction.atomic():
            live.live_event_log(room=room, type="video", data={"url": ""})
            transaction.get_connection().run_on_commit.clear()  # the channel layer "drops" the message

    await sync_to_async(logged_but_never_broadcast)()
    await sync_to_async(live.message_post)(room=room, participant=hanako, text="次の発言")
    first = await next_of(socket, "event")
    second = await next_of(socket, "event")
    assert (first["seq"], first["event"]) == (hello["last_seq"] + 1, "video")
    assert (second["seq"], second["event"]) == (hello["last_seq"] + 2, "message")
    await quiet(socket)
    await socket.disconnect()

    for i in range(5):
        await sync_to_async(live.message_post)(room=room, participant=hanako, text=f"発言{i}")
    socket, hello = await as_member(room, hanako)
    await send(socket, {"type": "resume", "last_seq": hello["last_seq"] - 3, "ref": "r"})
    frames = [await next_of(socket, "event") for _ in range(3)]
    assert [f["seq"] for f in frames] == [hello["last_seq"] - 2, hello["last_seq"] - 1, hello["last_seq"]]
    assert await next_of(socket, "ack") == {"type": "ack", "ref": "r", "seq": hello["last_seq"]}
    await sync_to_async(live.message_post)(room=room, participant=hanako, text="新しい発言")
    assert (await next_of(socket, "event"))["seq"] == hello["last_seq"] + 1
    await quiet(socket)
    await socket.disconnect()

    def many_events():
        with transaction.atomic():
            for i in range(1100):
                live.live_event_log(room=room, type="video", data={"url": f"https://example.jp/{i}"})
            transaction.get_connection().run_on_commit.clear()  # none of them broadcast
        return LiveRoom.objects.get(pk=room.pk).next_seq

    newest = await sync_to_async(many_events)()
    replay, _ = await as_member(room, hanako, query="last_seq=2")
    seqs = [(await next_of(replay, "event"))["seq"] for _ in range(newest - 2)]
    assert seqs == list(range(3, newest + 1))  # in pages of 500 from the database, in order, once
    await quiet(replay)
    await replay.disconnect()
