"""With REDIS_URL set, the channel layer is Redis and carries group messages between separate processes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.redis

LISTENER = """
import asyncio, sys
from channels.layers import get_channel_layer

async def main():
    layer = get_channel_layer()
    print(type(layer).__name__, flush=True)
    channel = await layer.new_channel()
    await layer.group_add("civic-test", channel)
    print("ready", flush=True)
    message = await asyncio.wait_for(layer.receive(channel), 20)
    print(message["text"], flush=True)

asyncio.run(main())
"""

SENDER = """
import asyncio
from channels.layers import get_channel_layer

message = {"type": "note", "text": "こんにちは from another process"}
asyncio.run(get_channel_layer().group_send("civic-test", message))
"""


def django_python(code: str, redis_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "REDIS_URL": redis_url, "DJANGO_SETTINGS_MODULE": "civic.settings"}
    script = "import django; django.setup()\n" + code
    return subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True
    )


def test_group_messages_cross_processes_through_redis(redis_url):
    listener = django_python(LISTENER, redis_url)
    try:
        assert listener.stdout is not None
        assert listener.stdout.readline().strip() == "RedisChannelLayer"
        assert listener.stdout.readline().strip() == "ready"
        sender = django_python(SENDER, redis_url)
        assert sender.wait(timeout=30) == 0
        assert listener.stdout.readline().strip() == "こんにちは from another process"
        assert listener.wait(timeout=10) == 0
    finally:
        listener.kill()


def test_preflight_accepts_a_live_redis(redis_url):
    result = subprocess.run(
        [sys.executable, "manage.py", "preflight"],
        cwd=ROOT,
        env={**os.environ, "REDIS_URL": redis_url},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
