"""Servers the tests start as processes of their own and may kill mid-test: redis-server and uvicorn (Civic's
ASGI application on the test database). Killing them touches nobody else's server."""

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from django.db import connection

from tests.redis_server import _answers, _free_port

ROOT = Path(__file__).resolve().parents[1]


class _Process:
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        """Shut down cleanly."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)

    def kill(self) -> None:
        """Stop at once, as a crash would (no clean shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)


class RedisProcess(_Process):
    """A redis-server without persistence: killed and started again, it has forgotten everything."""

    def __init__(self) -> None:
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while not _answers(self.url):
            if time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start within 10 s")
            time.sleep(0.05)


class AsgiServer(_Process):
    """uvicorn serving Civic on the test database (call from a transactional test) and the given Redis."""

    def __init__(self, redis_url: str, **env: str) -> None:
        self.port = _free_port()
        parts = urlsplit(os.environ["DATABASE_URL"])
        self.env = {
            **os.environ,
            "DATABASE_URL": urlunsplit(parts._replace(path=f"/{connection.settings_dict['NAME']}")),
            "REDIS_URL": redis_url,
            **env,
        }

    def start(self) -> None:
        """Start, and return once it answers HTTP."""
        command = [sys.executable, "-m", "uvicorn", "civic.asgi:application", "--port", str(self.port)]
        self.process = subprocess.Popen(
            [*command, "--no-access-log"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/ws-not-here", timeout=2)
            except urllib.error.HTTPError:
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.2)
            else:
                return
