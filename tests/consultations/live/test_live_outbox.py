"""A socket's outbox: frames leave in the order given; a socket that can take a frame gets it at once,
without a task; one whose buffer is full (the server waits for it to drain) holds up only its own later
frames."""

import asyncio
import logging

import pytest

from consultations.live_outbox import Outbox

pytestmark = pytest.mark.asyncio


class Closed(Exception):
    """What an ASGI server raises when a frame is sent on a socket that has gone."""


class Socket:
    """The ASGI server's end of one socket, as uvicorn's is: `send` waits while the socket's buffer is full,
    writes at once otherwise, and raises once the socket has gone."""

    def __init__(self) -> None:
        self.writable = asyncio.Event()
        self.writable.set()
        self.gone = False
        self.written: list[str] = []

    async def send(self, message: dict) -> None:
        await self.writable.wait()
        if self.gone:
            raise Closed("the socket has gone")
        self.written.append(message["text"])


def frame(text: str) -> dict:
    return {"type": "websocket.send", "text": text}


async def test_a_socket_that_can_take_a_frame_gets_it_at_once():
    socket = Socket()
    outbox = Outbox(socket.send)
    outbox.put(frame("1"))
    assert socket.written == ["1"]  # before anything else ran: no task was needed
    await outbox(frame("2"))
    assert socket.written == ["1", "2"]


async def test_a_full_socket_holds_up_only_its_own_frames_and_keeps_their_order():
    slow, quick = Socket(), Socket()
    slow_box, quick_box = Outbox(slow.send), Outbox(quick.send)
    slow.writable.clear()
    for text in ("1", "2", "3"):
        slow_box.put(frame(text))
        quick_box.put(frame(text))
    assert quick.written == ["1", "2", "3"]
    assert slow.written == []
    answered = asyncio.ensure_future(slow_box(frame("ack")))  # an awaited frame queues behind them too
    await asyncio.sleep(0.01)
    assert not answered.done()

    slow.writable.set()
    await asyncio.wait_for(answered, 1)
    assert slow.written == ["1", "2", "3", "ack"]
    slow_box.put(frame("4"))  # drained: at once again
    assert slow.written[-1] == "4"


async def test_frames_given_while_an_awaited_send_waits_follow_it():
    socket = Socket()
    outbox = Outbox(socket.send)
    socket.writable.clear()
    first = asyncio.ensure_future(outbox(frame("hello")))
    await asyncio.sleep(0)
    outbox.put(frame("1"))
    outbox.put(frame("2"))
    socket.writable.set()
    await asyncio.wait_for(first, 1)
    for _ in range(10):
        await asyncio.sleep(0)
    assert socket.written == ["hello", "1", "2"]


async def test_a_gone_socket_is_logged_for_frames_put_and_raised_for_frames_awaited(caplog):
    socket = Socket()
    outbox = Outbox(socket.send)
    socket.gone = True
    with caplog.at_level(logging.INFO, logger="consultations.live_outbox"):
        outbox.put(frame("1"))
    assert "live frame not sent" in caplog.text
    with pytest.raises(Closed):
        await outbox(frame("2"))

    socket.writable.clear()  # gone while a frame waits: the waiting callers hear of it
    outbox.put(frame("3"))
    waiting = asyncio.ensure_future(outbox(frame("4")))
    await asyncio.sleep(0)
    socket.writable.set()
    with pytest.raises(Closed):
        await asyncio.wait_for(waiting, 1)
    assert socket.written == []
