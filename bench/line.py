"""Benchmark: LINE webhook request to HTTP 200 for a batch of events, our view against a bare ASGI handler.

`python -m bench line [--requests 300] [--batch 5]`: both served by uvicorn (one process each) on loopback;
our view verifies the signature, stores every event and enqueues its processing, the bare handler only
answers 200. Image events carry no image (LINE's content is fetched later by the worker), so the image's
size does not change the webhook's time; the batch mixes text, image, location and postback events.
Prints one JSON line: name, p50_ms, p99_ms, reference p50/p99, ratio (our p99 ÷ the bare handler's p99).
"""

import argparse
import http.client
import json
import os
import subprocess
import sys
import time
from typing import Any

from bench._support import HOST, ROOT, bench_database, free_port, log, percentile, wait_until_up

SECRET = "bench-channel-secret"
SLUG = "benchtown"


async def bare_app(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """The reference: read the body, answer 200 "OK"."""
    if scope["type"] != "http":
        return
    more = True
    while more:
        message = await receive()
        more = message.get("more_body", False)
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"OK"})


def setup_town() -> None:
    import django

    django.setup()
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon

    from civic.demo import demo_site
    from civic.line.services import line_channel_set
    from civic.models import Municipality

    town = Municipality.objects.create(
        site=demo_site(),
        slug=SLUG,
        name_ja="ベンチ市",
        center=Point(139.0, 36.0, srid=4326),
        boundary=MultiPolygon(Polygon.from_bbox((138.9, 35.9, 139.1, 36.1)), srid=4326),
    )
    line_channel_set(
        municipality=town, channel_secret=SECRET, access_token="token", api_base="http://127.0.0.1:9"
    )


def batch(size: int, number: int) -> bytes:
    from civic.line.simulator import make_event

    kinds: list[dict[str, Any]] = [
        {"type": "text", "text": "通報"},
        {"type": "image", "contentProvider": {"type": "line"}},
        {"type": "location", "latitude": 36.0, "longitude": 139.0, "title": "", "address": ""},
    ]
    events = []
    for index in range(size):
        user = f"Ubench{number:06d}{index:02d}"
        if index % 4 == 3:
            events.append(make_event(user, type="postback", postback={"data": "category=pothole"}))
        else:
            events.append(make_event(user, kinds[index % 4]))
    return json.dumps({"destination": "Ubench", "events": events}).encode()


def measure(port: int, path: str, bodies: list[bytes]) -> list[float]:
    from civic.line.simulator import sign

    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    latencies = []
    for body in bodies:
        headers = {
            "Content-Type": "application/json",
            "X-Line-Signature": sign(SECRET, body),
            "Host": "localhost",
        }
        started = time.perf_counter()
        connection.request("POST", path, body, headers)
        response = connection.getresponse()
        response.read()
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}")
    connection.close()
    return latencies


def serve(target: str, port: int, env: dict[str, str], *factory: str) -> subprocess.Popen[bytes]:
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        target,
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen([*command, *factory], cwd=ROOT, env=env)


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench line", description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="webhook requests per side (default 300)")
    parser.add_argument("--batch", type=int, default=5, help="events per request (default 5)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
    with bench_database("line") as url:
        env = {**os.environ, "DATABASE_URL": url}
        os.environ["DATABASE_URL"] = url
        setup_town()
        ours_port, bare_port = free_port(), free_port()
        servers = [
            serve("civic.asgi:application", ours_port, env),
            serve("bench.line:bare_app", bare_port, env),
        ]
        try:
            wait_until_up(ours_port, servers[0], "/api/v1/municipality/")
            wait_until_up(bare_port, servers[1])
            bodies = [batch(args.batch, n) for n in range(args.requests)]
            measure(ours_port, f"/line/{SLUG}/webhook", bodies[:20])  # warm up: imports, connections
            log(f"{args.requests} webhook requests of {args.batch} events to each server…")
            ours = measure(ours_port, f"/line/{SLUG}/webhook", bodies)
            bare = measure(bare_port, "/", bodies)
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=10)
        from django.db import connections

        connections.close_all()
    result = {
        "name": "line-webhook",
        "requests": args.requests,
        "events_per_request": args.batch,
        "p50_ms": round(percentile(ours, 0.5), 2),
        "p99_ms": round(percentile(ours, 0.99), 2),
        "reference_p50_ms": round(percentile(bare, 0.5), 2),
        "reference_p99_ms": round(percentile(bare, 0.99), 2),
    }
    result["ratio"] = round(result["p99_ms"] / result["reference_p99_ms"], 2)
    print(json.dumps(result))
