"""Benchmark: a live session of 100, 500 and 1,000 participants, beside a bare `websockets` broadcast server.

`python -m bench live [--participants 100,500,1000] [--room-rate 10] [--duration 20]` needs PostgreSQL with
PostGIS at DATABASE_URL (`source civic/devtools/database.sh`) and a Redis (REDIS_URL, a local one, or Debian's
redis-server started here). For each N it makes a room with N members joined through their links (in a
throw-away database), starts one uvicorn process on `civic.asgi:application` with the Redis channel layer,
connects N WebSocket clients (asyncio `websockets`, in this process; each reads from the moment it is let
in, as a browser does), and, 3 s after the last has joined, every member posts chat messages at the same
steady rate, staggered so the room as a whole sees `--room-rate` messages a second (each member posts
every N ÷ rate seconds, never more often than every 2 s: well inside the limit of 10 in 10 s). Each message
carries its send time; every member must receive every acknowledged message, their own included. The same
clients then do the same against a bare `websockets` server that acknowledges and broadcasts each message (a
subprocess). One JSON line per N: `live-N` with sent, acked, delivered, lost ((sent − refused) × N −
delivered, counted 30 s after the last post), dropped (sockets the server closed), p50/p99 delivery and p50
acknowledgement latency, the bare server's p50/p99, `ratio` = our p99 ÷ bare p99 (targets: lost 0, ratio
≤ 3 at N = 1,000), and how long all N took to be let in on each side. Clients connect to the town's site
hostname (its Host names the town) on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

from bench._support import HOST, ROOT, bench_database, free_port, log, percentile

TAG = "bench-live"
FRAME = re.compile(TAG + r" (\d+) (\d+\.\d+)")
MIN_INTERVAL = 2.0  # seconds between two messages of one participant (the limit is 10 in 10 s)
CONNECTING = 50  # handshakes in flight at once
DRAIN_SECONDS = 30.0
SETTLE_SECONDS = 3.0


@dataclass
class Outcome:
    """What the clients saw in one run."""

    sent: int = 0
    acked: int = 0
    rejected: int = 0
    delivered: int = 0
    latencies: list[float] = field(default_factory=list)
    ack_latencies: list[float] = field(default_factory=list)
    rate: float = 0.0
    dropped: int = 0  # sockets the server closed during the run
    connect_seconds: float = 0.0  # until every participant was let in
    errors: list[str] = field(default_factory=list)


class Participant:
    """One client socket: posts on its schedule, counts what arrives (each message once), times it."""

    def __init__(self, index: int, outcome: Outcome) -> None:
        self.index = index
        self.outcome = outcome
        self.seen: set[int] = set()
        self.posted: dict[str, float] = {}
        self.socket: Any = None
        self.reader: asyncio.Task[None] | None = None
        self.closing = False

    async def connect(self, url: str, port: int, headers: dict[str, str], gate: asyncio.Semaphore) -> None:
        import websockets

        async with gate:
            self.socket = await websockets.connect(
                url,
                host=HOST,  # the URL names the town's site (its Host header); the server listens here
                port=port,
                additional_headers=headers,
                max_size=None,
                open_timeout=60,
                compression=None,
                ping_interval=None,  # a slow server should show as latency, not as a client hanging up
            )
            hello = json.loads(await asyncio.wait_for(self.socket.recv(), 60))
            while hello.get("type") == "event":  # events logged before the room's snapshot was read
                hello = json.loads(await asyncio.wait_for(self.socket.recv(), 60))
            if hello.get("type") != "hello" or hello.get("you") is None:
                raise SystemExit(f"participant {self.index} was not let in as a participant: {hello}")
        # Read from now on, as a browser does: a socket left unread while the others join stops answering
        # the server's pings and is closed, and would count the joins' frames against the measured window.
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        import websockets

        try:
            async for frame in self.socket:
                found = FRAME.search(frame)
                if found:
                    number = int(found.group(1))
                    if number not in self.seen:
                        self.seen.add(number)
                        self.outcome.delivered += 1
                        self.outcome.latencies.append((time.monotonic() - float(found.group(2))) * 1000)
                    continue
                message = json.loads(frame)
                if message.get("type") == "ack" and message.get("ref") in self.posted:
                    self.outcome.acked += 1
                    posted = self.posted.pop(message["ref"])
                    self.outcome.ack_latencies.append((time.monotonic() - posted) * 1000)
                elif message.get("type") == "error":
                    self.outcome.rejected += 1
                    if len(self.outcome.errors) < 5:
                        self.outcome.errors.append(f"{message.get('code')}: {message.get('message')}")
        except websockets.ConnectionClosed as closed:
            if not self.closing:
                self.outcome.dropped += 1
                if len(self.outcome.errors) < 5:
                    self.outcome.errors.append(f"socket closed by the server: {closed}")

    async def post(self, number: int) -> None:
        import websockets

        now = time.monotonic()
        text = f"{TAG} {number} {now:.6f}"
        self.posted[str(number)] = now
        self.outcome.sent += 1
        # A closed socket is counted by its reader; the message stays unacknowledged.
        with contextlib.suppress(websockets.ConnectionClosed):
            await self.socket.send(json.dumps({"type": "message", "ref": str(number), "text": text}))


async def drive(
    site: str, port: int, path: str, cookies: Sequence[str], room_rate: float, duration: float
) -> Outcome:
    """Connect every participant, run the schedule, and wait until everything acknowledged has arrived."""
    outcome = Outcome()
    participants = [Participant(i, outcome) for i in range(len(cookies))]
    gate = asyncio.Semaphore(CONNECTING)
    started = time.monotonic()
    await asyncio.gather(
        *(
            p.connect(
                f"ws://{site}:{port}{path}", port, {"Cookie": c, "Origin": f"http://{site}:{port}"}, gate
            )
            for p, c in zip(participants, cookies, strict=True)
        )
    )
    outcome.connect_seconds = time.monotonic() - started
    log(f"  {len(participants)} connected in {outcome.connect_seconds:.1f} s")
    rate = outcome.rate = min(room_rate, len(participants) / MIN_INTERVAL)
    total = max(1, round(rate * duration))
    # Let the presence frames of everyone's arrival pass first: they are not what is measured.
    begin = time.monotonic() + SETTLE_SECONDS
    for number in range(total):
        # Message m goes out at begin + m/rate from participant m mod N: each posts every N/rate seconds.
        await asyncio.sleep(max(0.0, begin + number / rate - time.monotonic()))
        await participants[number % len(participants)].post(number)
    deadline = time.monotonic() + DRAIN_SECONDS
    while time.monotonic() < deadline and (
        outcome.acked + outcome.rejected < outcome.sent
        or outcome.delivered < outcome.acked * len(participants)
    ):
        await asyncio.sleep(0.1)
    for participant in participants:
        participant.closing = True
    await asyncio.gather(*(p.socket.close() for p in participants))
    await asyncio.gather(*(p.reader for p in participants if p.reader is not None))
    return outcome


def serve_bare(port: int) -> None:
    """The reference: a bare `websockets` server that acknowledges each message and broadcasts it to all."""
    import websockets
    from websockets.asyncio.server import broadcast, serve

    clients: set[Any] = set()
    seq = 0

    async def handler(socket: Any) -> None:
        nonlocal seq
        clients.add(socket)
        try:
            await socket.send(json.dumps({"type": "hello", "you": {"id": id(socket)}, "last_seq": seq}))
            async for frame in socket:
                message = json.loads(frame)
                seq += 1
                event = {"type": "event", "seq": seq, "event": "message", "data": {"text": message["text"]}}
                await socket.send(json.dumps({"type": "ack", "ref": message["ref"], "seq": seq}))
                broadcast(clients, json.dumps(event))
        except websockets.ConnectionClosed:
            pass
        finally:
            clients.discard(socket)

    async def run() -> None:
        async with serve(handler, HOST, port, max_size=None) as server:
            await server.serve_forever()

    asyncio.run(run())


def start(command: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


async def wait_for_port(port: int, process: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise SystemExit(f"the server stopped (exit {process.returncode})")
        try:
            _, writer = await asyncio.open_connection(HOST, port)
            writer.close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise SystemExit(f"nothing answered on port {port} within {timeout:.0f} s") from None
            await asyncio.sleep(0.2)


def run_against(
    command: list[str],
    env: dict[str, str],
    site: str,
    path: str,
    cookies: Sequence[str],
    args: argparse.Namespace,
) -> Outcome:
    port = free_port()
    process = start([part.format(port=port) for part in command], env)
    try:

        async def go() -> Outcome:
            await wait_for_port(port, process)
            return await drive(site, port, path, cookies, args.room_rate, args.duration)

        return asyncio.run(go())
    finally:
        stop(process)


def figures(name: str, participants: int, ours: Outcome, bare: Outcome) -> dict[str, Any]:
    def at(values: list[float], fraction: float) -> float | None:
        return round(percentile(values, fraction), 1) if values else None

    p99, ref_p99 = at(ours.latencies, 0.99), at(bare.latencies, 0.99)
    return {
        "name": name,
        "participants": participants,
        "room_rate": round(ours.rate, 2),
        "sent": ours.sent,
        "acked": ours.acked,
        "rejected": ours.rejected,
        "dropped": ours.dropped,
        "delivered": ours.delivered,
        "lost": (ours.sent - ours.rejected) * participants - ours.delivered,
        "p50_ms": at(ours.latencies, 0.5),
        "p99_ms": p99,
        "ack_p50_ms": at(ours.ack_latencies, 0.5),
        "ref_lost": (bare.sent - bare.rejected) * participants - bare.delivered,
        "ref_p50_ms": at(bare.latencies, 0.5),
        "ref_p99_ms": ref_p99,
        "ratio": round(p99 / ref_p99, 2) if p99 is not None and ref_p99 else None,
        "connect_s": round(ours.connect_seconds, 1),
        "ref_connect_s": round(bare.connect_seconds, 1),
    }


def panel(size: int) -> Any:
    """A consultation whose `size` respondents are all selected and confirmed (set-based: the lottery and the
    RSVP flow are not what this measures)."""
    from consultations.models import Consultation, Respondent
    from tests.consultations.builders import ConsultationFactory, drawn, with_roster

    consultation = cast(
        Consultation,
        ConsultationFactory(invitations_target=size, panel_size=size, stratify_by_district=False),
    )
    with_roster(consultation, size)
    drawn(consultation)
    Respondent.objects.bulk_create(
        Respondent(
            consultation=consultation,
            invitation=invitation,
            key=invitation.entry.key,
            outcome=Respondent.Outcome.SELECTED,
            attendance=Respondent.Attendance.CONFIRMED,
            display_name=f"参加者{i + 1}",
        )
        for i, invitation in enumerate(consultation.invitations.select_related("entry").order_by("pk"))
    )
    return consultation


def joined_room(consultation: Any, size: int) -> tuple[int, list[str]]:
    """A new open session room with `size` panel members joined through their links; the session's id and
    each member's session cookie."""
    from datetime import timedelta

    from django.conf import settings
    from django.contrib.auth.models import User
    from django.test import Client
    from django.utils import timezone

    from civic.roles import Role
    from civic.services import staff_membership_set
    from consultations.models import ConsultationSession
    from consultations.services import live
    from tests.factories import UserFactory

    start = timezone.now()
    session = ConsultationSession.objects.create(
        consultation=consultation, title=f"bench {size}", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    room = live.room_ensure(session=session)
    user = cast(User, UserFactory(username=f"bench-facilitator-{session.pk}"))
    staff_membership_set(user=user, municipality=consultation.municipality, role=Role.FACILITATOR)
    live.room_open(room=room, actor=live.participant_enter(room=room, user=user))
    cookies = []
    for i, respondent in enumerate(consultation.respondents.order_by("pk")[:size]):
        token = live.live_pass_issue(room=room, respondent=respondent)
        # Each member joins from their own address, as they would from home (joins are limited per address).
        browser = Client(REMOTE_ADDR=f"10.{i // 65536}.{i // 256 % 256}.{i % 256}")
        response = browser.get(f"/c/live/join/{token}/")
        if response.status_code != 302:
            raise SystemExit(f"joining through the link answered {response.status_code}")
        cookies.append(
            f"{settings.SESSION_COOKIE_NAME}={browser.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return session.pk, cookies


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench live", description=__doc__)
    parser.add_argument("--participants", default="100,500,1000", help="comma-separated room sizes")
    parser.add_argument("--room-rate", type=float, default=10.0, help="messages per second in the whole room")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of posting per run")
    args = parser.parse_args(argv)
    sizes = [int(n) for n in args.participants.split(",")]

    sys.path.insert(0, str(ROOT))
    from tests.redis_server import redis_server

    with redis_server() as redis_url:
        os.environ.update(
            {
                "REDIS_URL": redis_url,
                "DJANGO_SETTINGS_MODULE": "civic.settings",
                "CIVIC_DEBUG": "0",
                "CIVIC_SECRET_KEY": os.environ.get("CIVIC_SECRET_KEY") or "bench-only-secret",
                "CIVIC_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver,.localhost",
                "CIVIC_LOG_LEVEL": "WARNING",
                # Pooled database connections, as an ASGI server with many sockets is deployed.
                "CIVIC_DB_POOL": os.environ.get("CIVIC_DB_POOL") or "8",
                "PYTHONPATH": str(ROOT),
            }
        )
        with bench_database("live") as url:
            os.environ["DATABASE_URL"] = url
            import django

            django.setup()
            from django.db import connections

            log(f"live: {max(sizes)} panel members")
            consultation = panel(max(sizes))
            server = [sys.executable, "-m", "uvicorn", "civic.asgi:application", "--host", HOST]
            server += ["--port", "{port}", "--no-access-log", "--log-level", "warning"]
            bare = [sys.executable, "-c", "from bench.live import serve_bare; serve_bare({port})"]
            for size in sizes:
                log(f"live-{size}: joining {size} members")
                session_id, cookies = joined_room(consultation, size)
                connections.close_all()
                log(f"live-{size}: civic (uvicorn, Redis channel layer)")
                site = consultation.municipality.site.hostname
                path = f"/ws/sessions/{session_id}/"
                ours = run_against(server, dict(os.environ), site, path, cookies, args)
                log(f"live-{size}: bare websockets broadcast")
                reference = run_against(bare, dict(os.environ), site, "/", cookies, args)
                for problem in ours.errors:
                    log(f"  refused: {problem}")
                print(json.dumps(figures(f"live-{size}", size, ours, reference)), flush=True)
            connections.close_all()
