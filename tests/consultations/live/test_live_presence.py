"""Presence heals after a server stops without closing its sockets (a crash, a killed process): servers vouch
for the participants they hold every few seconds, and a participant nobody vouched for lately is gone."""

from datetime import timedelta
from typing import Any

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.utils import timezone

from consultations import consumers
from consultations.live_models import LiveParticipant, LiveRoom
from consultations.live_selectors import PRESENCE_TTL, presence, presence_change
from consultations.services import live
from tests.consultations.live.support import as_facilitator, make_room, member


def crashed(participant: LiveParticipant) -> None:
    """What a server that stopped leaves behind: the participant's sockets still counted, and nobody
    vouching for them since."""
    LiveParticipant.objects.filter(pk=participant.pk).update(
        seen_at=timezone.now() - PRESENCE_TTL - timedelta(seconds=1)
    )


def present_ids(room: LiveRoom) -> set[int]:
    return {person["id"] for person in presence(room)}


@pytest.mark.django_db
def test_a_participant_whose_server_stopped_is_not_present_and_is_counted_gone_once():
    room = make_room()
    hanako, taro = member(room, "はなこ"), member(room, "たろう")
    live.room_join(room=room, participant=hanako)
    live.room_join(room=room, participant=taro)
    assert present_ids(room) == {hanako.pk, taro.pk}

    crashed(hanako)
    assert present_ids(room) == {taro.pk}
    # Taro's server vouches for him, and counts hanako gone: her "left" goes out once.
    assert live.presence_vouch(room_id=room.pk, here=[taro.pk]) == {hanako.pk}
    assert presence_change(room.pk, {hanako.pk}) == ([], [hanako.pk])
    assert LiveParticipant.objects.get(pk=hanako.pk).connections == 0
    assert live.presence_vouch(room_id=room.pk, here=[taro.pk]) == set()
    assert present_ids(room) == {taro.pk}


@pytest.mark.django_db
def test_coming_back_after_a_crash_counts_from_the_new_socket():
    room = make_room()
    hanako = member(room, "はなこ")
    live.room_join(room=room, participant=hanako)  # two tabs on a server that then stops
    live.room_join(room=room, participant=hanako)
    crashed(hanako)

    live.room_join(room=room, participant=hanako)  # she reloads; another server takes the socket
    assert present_ids(room) == {hanako.pk}
    live.room_leave(participant=hanako)
    assert present_ids(room) == set()  # not "present" forever for the two sockets that died


@pytest.mark.django_db
def test_a_stalled_server_brings_its_participants_back():
    room = make_room()
    hanako = member(room, "はなこ")
    live.room_join(room=room, participant=hanako)
    crashed(hanako)  # her server was stalled (its database unreachable) for longer than the limit
    assert live.presence_vouch(room_id=room.pk, here=[]) == {hanako.pk}  # another server counts her gone
    assert present_ids(room) == set()

    assert live.presence_vouch(room_id=room.pk, here=[hanako.pk]) == {hanako.pk}  # her server is back
    assert present_ids(room) == {hanako.pk}
    assert presence_change(room.pk, {hanako.pk}) == (
        [{"id": hanako.pk, "name": "はなこ", "role": "participant"}],
        [],
    )


async def next_presence(socket: WebsocketCommunicator, left: int) -> dict[str, Any]:
    while True:
        frame = await socket.receive_json_from(timeout=10)
        if frame["type"] == "presence" and left in frame["left"]:
            return frame


@pytest.mark.asyncio
@pytest.mark.django_db(transaction=True)
async def test_the_room_hears_that_a_stopped_servers_participant_left(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(consumers, "KEEP_UP_EVERY", 0.2)  # the rounds of vouching, quicker
    room = await sync_to_async(make_room)()
    hanako = await sync_to_async(member)(room, "はなこ")
    await sync_to_async(live.room_join)(room=room, participant=hanako)
    await sync_to_async(crashed)(hanako)

    socket, hello = await as_facilitator(room)
    assert [p["id"] for p in hello["room"]["participants"]] == [room.facilitator.pk]  # type: ignore[attr-defined]
    frame = await next_presence(socket, left=hanako.pk)
    assert hanako.pk not in {p["id"] for p in frame["joined"]}
    assert await sync_to_async(present_ids)(room) == {room.facilitator.pk}  # type: ignore[attr-defined]
    await socket.disconnect()
