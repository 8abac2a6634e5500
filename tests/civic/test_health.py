"""The WebSocket health consumer, through Channels' test communicator and over a real socket."""

import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import websockets.sync.client
from channels.testing import WebsocketCommunicator

from civic.asgi import application

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.asyncio
async def test_ping_answers_pong():
    communicator = WebsocketCommunicator(
        application, "/ws/health/", headers=[(b"origin", b"http://localhost")]
    )
    connected, _ = await communicator.connect()
    assert connected
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.send_to(text_data="{not json")
    assert (await communicator.receive_json_from())["type"] == "error"
    await communicator.disconnect()


@pytest.mark.asyncio
async def test_foreign_origin_is_refused():
    communicator = WebsocketCommunicator(
        application, "/ws/health/", headers=[(b"origin", b"https://evil.example.com")]
    )
    connected, _ = await communicator.connect()
    assert not connected
    await communicator.disconnect()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_ping_over_a_real_socket_against_the_asgi_server():
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "civic.asgi:application", "--port", str(port), "--no-access-log"],
        cwd=ROOT,
        env={**os.environ},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with websockets.sync.client.connect(
                    f"ws://127.0.0.1:{port}/ws/health/", origin="http://127.0.0.1", open_timeout=2
                ) as ws:
                    ws.send(json.dumps({"type": "ping"}))
                    assert json.loads(ws.recv(timeout=5)) == {"type": "pong"}
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode() if server.stderr else ""
                assert time.monotonic() < deadline, "the ASGI server did not start in 30 s"
                time.sleep(0.3)
    finally:
        server.terminate()
        server.wait(timeout=10)
