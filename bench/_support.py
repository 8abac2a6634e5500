"""What the benchmarks share: progress on stderr, free ports, percentiles, a throw-away migrated database,
and waiting for a server subprocess to answer."""

import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def percentile(values: list[float], fraction: float) -> float:
    """The nearest-rank percentile of `values` (0 < fraction ≤ 1)."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(fraction * len(ordered)) - 1))]


def admin_sql(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(sql.encode())


@contextmanager
def bench_database(label: str) -> Iterator[str]:
    """A fresh, migrated database beside DATABASE_URL's, dropped afterwards; yields its URL."""
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        raise SystemExit("DATABASE_URL is not set: run `source civic/devtools/database.sh` first.")
    parts = urlsplit(base)
    name = f"civic_bench_{label}_{os.getpid()}"
    url = urlunsplit(parts._replace(path=f"/{name}"))
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    admin_sql(maintenance, f'CREATE DATABASE "{name}" TEMPLATE template1')
    try:
        log(f"migrating the bench database {name}…")
        env = {**os.environ, "DATABASE_URL": url}
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        yield url
    finally:
        admin_sql(maintenance, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_until_up(port: int, server: subprocess.Popen[bytes], path: str = "/", timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode})")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", path)
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"the server on port {port} did not answer within {timeout:.0f} s")
