"""Benchmark: the triage board with 100,000 open reports among 1,000,000, and its live updates.

`python -m bench board [--open 100000] [--total 1000000] [--repeat 20] [--changes 200]` needs PostgreSQL
with PostGIS at DATABASE_URL (`source civic/devtools/database.sh`) and a Redis (REDIS_URL, a local one, or
Debian's redis-server started here). It creates a database of its own, fills it set-based with
generate_series, and drops it at the end. Two JSON lines:

- `board-page`: server time of GET /admin/triage/ (median, in process through Django's test client) beside
  the plain SQL queries that fetch the same cards and column counts; `ratio` = page ÷ SQL (target ≤ 2).
- `board-live`: from a status change through the service to the card arriving on a second staff member's
  open board socket (a real uvicorn server, Redis channel layer); p50/p95 beside a bare group_send round
  trip through the same Redis; `ratio` = p95 ÷ reference p95 (target p95 ≤ 250 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench._support import HOST, ROOT, admin_sql, free_port, log

WARM_UP = 5  # live changes sent before measuring


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def fill(open_count: int, total: int) -> dict[str, Any]:
    """A town with two departments, categories and areas, two supervisors, and the reports, set-based."""
    from django.contrib.auth.models import User
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon
    from django.db import connection
    from wagtail.models import Page, Site

    from civic.models import Department, Municipality
    from civic.roles import Role
    from civic.services import staff_membership_set
    from reports.models import Area, Category

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.create(
        hostname="localhost", port=80, is_default_site=True, root_page=Page.get_first_root_node()
    )
    town = Municipality.objects.create(
        site=site,
        slug="bench",
        name_ja="ベンチ市",
        center=Point(139.0, 36.0, srid=4326),
        boundary=MultiPolygon(Polygon.from_bbox((138.95, 35.95, 139.05, 36.05)), srid=4326),
    )
    roads = Department.objects.create(municipality=town, code="roads", name_ja="道路課")
    parks = Department.objects.create(municipality=town, code="parks", name_ja="公園課")
    categories = [
        Category.objects.create(
            municipality=town, code=f"c{i}", name_ja=f"分類{i}", department=dept, target_hours=48
        )
        for i, dept in enumerate([roads, parks, roads, parks])
    ]
    west = Area.objects.create(
        municipality=town,
        code="west",
        name_ja="西",
        boundary=MultiPolygon(Polygon.from_bbox((138.95, 35.95, 139.0, 36.05)), srid=4326),
    )
    east = Area.objects.create(
        municipality=town,
        code="east",
        name_ja="東",
        boundary=MultiPolygon(Polygon.from_bbox((139.0, 35.95, 139.05, 36.05)), srid=4326),
    )
    users = []
    for name in ("first", "second"):
        user = User.objects.create_user(username=name, password="bench-only")
        staff_membership_set(user=user, municipality=town, role=Role.SUPERVISOR)
        users.append(user)
    cat_ids = "ARRAY[" + ",".join(str(c.pk) for c in categories) + "]"
    dept_ids = "ARRAY[" + ",".join(str(c.department_id) for c in categories) + "]"
    closed = total - open_count
    with connection.cursor() as cursor:
        # Closed history first, then the open reports; statuses and ages spread deterministically.
        cursor.execute(
            f"""
            INSERT INTO reports_report (municipality_id, reference, category_id, department_id, area_id,
                point, title, description, status, priority, source, is_public, support_count, created_at,
                updated_at,
                acknowledged_at, resolved_at, extra, location_text, version)
            SELECT %(town)s, 'B-' || g, ({cat_ids})[1 + g %% 4], ({dept_ids})[1 + g %% 4],
                CASE WHEN g %% 2 = 0 THEN %(west)s ELSE %(east)s END,
                ST_SetSRID(ST_MakePoint(138.96 + (g %% 997) * 0.00008, 35.96 + (g %% 991) * 0.00008), 4326)
                    ::geography,
                '', 'bench report ' || g,
                CASE WHEN g > %(closed)s THEN (ARRAY['new','acknowledged','in_progress','new'])[1 + g %% 4]
                     ELSE (ARRAY['resolved','closed','closed','duplicate'])[1 + g %% 4] END,
                (ARRAY['low','normal','normal','high','urgent'])[1 + g %% 5],
                (ARRAY['web','line','staff','api'])[1 + g %% 4], true, 0,
                now() - make_interval(mins => (%(total)s - g) / 2),
                now() - make_interval(mins => (%(total)s - g) / 2),
                CASE WHEN g > %(closed)s AND g %% 4 IN (0, 3) THEN NULL
                     ELSE now() - make_interval(mins => (%(total)s - g) / 2 - 30) END,
                CASE WHEN g > %(closed)s THEN NULL
                     ELSE now() - make_interval(mins => (%(total)s - g) / 2 - 600) END,
                '{{}}', '', 0
            FROM generate_series(1, %(total)s) AS g
            """,
            {"town": town.pk, "west": west.pk, "east": east.pk, "closed": closed, "total": total},
        )
    # What autovacuum does on a live site within minutes: statistics, and the visibility map that lets the
    # column counts be answered from the index alone.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE reports_report")
    return {"town": town, "users": users}


# The plain SQL that fetches the same cards: each column's first 50 by the board's order (an index scan of
# `report_board_order` with a LIMIT), joined with UNION ALL, then the card's joins and thumbnail.
COLUMN_SQL = """(SELECT id FROM reports_report WHERE municipality_id = %(town)s AND status = '{status}'
   ORDER BY priority_rank DESC, created_at DESC, id DESC LIMIT 50)"""
COLUMNS_SQL = " UNION ALL ".join(
    COLUMN_SQL.format(status=s) for s in ("new", "acknowledged", "in_progress", "resolved")
)
CARDS_SQL = f"""
SELECT r.id, r.reference, r.title, r.status, r.priority, r.source, r.created_at, r.acknowledged_at,
       r.version, r.department_id, r.assignee_id, c.id, c.name_ja, c.name_en, c.icon, c.target_hours,
       a.id, a.name_ja, a.name_en, u.id, u.username, u.first_name, u.last_name,
       (SELECT p.thumb FROM reports_photo p WHERE p.report_id = r.id AND p.state = 'ready'
          AND p.moderation = 'visible' ORDER BY p.position, p.id LIMIT 1) AS thumb
FROM reports_report r
JOIN reports_category c ON c.id = r.category_id
LEFT JOIN reports_area a ON a.id = r.area_id
LEFT JOIN auth_user u ON u.id = r.assignee_id
WHERE r.id IN ({COLUMNS_SQL})
ORDER BY r.status, r.priority_rank DESC, r.created_at DESC, r.id DESC
"""
COUNTS_SQL = """
SELECT status, count(*) FROM reports_report
WHERE municipality_id = %(town)s AND status IN ('new', 'acknowledged', 'in_progress', 'resolved')
GROUP BY status
"""


def measure_page(town: Any, user: Any, repeat: int) -> dict[str, Any]:
    from django.conf import settings
    from django.db import connection
    from django.test import Client, override_settings

    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    url = f"/admin/triage/?town={town.slug}"
    page: list[float] = []
    # Static files by their source names, so the page renders without a collectstatic run.
    plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
    with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
        assert client.get(url).status_code == 200  # warm up
        for _ in range(repeat):
            started = time.perf_counter()
            response = client.get(url)
            page.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
    sql: list[float] = []
    with connection.cursor() as cursor:
        cursor.execute(CARDS_SQL, {"town": town.pk})
        cards = len(cursor.fetchall())
        for _ in range(repeat):
            started = time.perf_counter()
            cursor.execute(CARDS_SQL, {"town": town.pk})
            cursor.fetchall()
            cursor.execute(COUNTS_SQL, {"town": town.pk})
            cursor.fetchall()
            sql.append((time.perf_counter() - started) * 1000)
    page_ms, sql_ms = statistics.median(page), statistics.median(sql)
    return {
        "name": "board-page",
        "cards": cards,
        "page_median_ms": round(page_ms, 1),
        "sql_median_ms": round(sql_ms, 1),
        "ratio": round(page_ms / sql_ms, 2),
    }


def measure_live(town: Any, users: list[Any], changes: int, env: dict[str, str]) -> dict[str, Any]:
    import websockets.sync.client
    from asgiref.sync import async_to_sync
    from channels.layers import get_channel_layer
    from django.test import Client

    from reports.models import Report
    from reports.services import report_transition

    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "civic.asgi:application",
            "--host",
            HOST,
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    try:
        client = Client()
        client.force_login(users[1])
        cookie = f"sessionid={client.cookies['sessionid'].value}"
        deadline = time.monotonic() + 60
        while True:
            try:
                socket_ = websockets.sync.client.connect(
                    f"ws://{HOST}:{port}/ws/triage/?town={town.slug}",
                    additional_headers={"Cookie": cookie, "Origin": f"http://{HOST}:{port}"},
                )
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.3)
        assert json.loads(socket_.recv(timeout=10))["type"] == "hello"
        report = Report.objects.filter(municipality=town, status="acknowledged").order_by("-pk").first()
        assert report is not None
        latencies: list[float] = []
        for i in range(changes):
            status = "in_progress" if report.status == "acknowledged" else "acknowledged"
            started = time.perf_counter()
            report_transition(report=report, status=status, actor=users[0])
            while True:
                message = json.loads(socket_.recv(timeout=10))
                if (
                    message.get("type") == "card"
                    and message["card"]["id"] == report.pk
                    and message["card"]["status"] == status
                ):
                    break
            if i >= WARM_UP:
                latencies.append((time.perf_counter() - started) * 1000)
        socket_.close()

        layer = get_channel_layer()

        async def round_trip() -> float:
            channel = await layer.new_channel()
            await layer.group_add("bench.reference", channel)
            started = time.perf_counter()
            await layer.group_send("bench.reference", {"type": "ping", "card": {"id": 1, "status": "new"}})
            await layer.receive(channel)
            elapsed = (time.perf_counter() - started) * 1000
            await layer.group_discard("bench.reference", channel)
            return elapsed

        reference = [async_to_sync(round_trip)() for _ in range(changes)][5:]
    finally:
        server.terminate()
        server.wait(timeout=20)
    p95, ref_p95 = percentile(latencies, 0.95), percentile(reference, 0.95)
    return {
        "name": "board-live",
        "changes": len(latencies),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(p95, 1),
        "reference_p50_ms": round(statistics.median(reference), 2),
        "reference_p95_ms": round(ref_p95, 2),
        "ratio": round(p95 / ref_p95, 1),
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench board", description=__doc__)
    parser.add_argument("--open", type=int, default=100_000)
    parser.add_argument("--total", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--changes", type=int, default=200)
    args = parser.parse_args(argv)
    if args.changes <= WARM_UP:
        parser.error(f"--changes must be more than {WARM_UP} (the first {WARM_UP} only warm up)")
    base = os.environ.get("DATABASE_URL", "")
    if not base:
        raise SystemExit("DATABASE_URL is not set: run `source civic/devtools/database.sh` first.")
    parts = urlsplit(base)
    name = f"civic_bench_board_{os.getpid()}"
    url = urlunsplit(parts._replace(path=f"/{name}"))
    maintenance = urlunsplit(parts._replace(path="/postgres"))

    sys.path.insert(0, str(ROOT))
    from tests.redis_server import redis_server

    log(f"board: creating database {name}")
    admin_sql(maintenance, f'CREATE DATABASE "{name}" TEMPLATE template1')
    try:
        admin_sql(url, "CREATE EXTENSION IF NOT EXISTS postgis")
        with redis_server() as redis_url:
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "REDIS_URL": redis_url,
                "DJANGO_SETTINGS_MODULE": "civic.settings",
                "CIVIC_DEBUG": "0",
                "CIVIC_SECRET_KEY": os.environ.get("CIVIC_SECRET_KEY") or "bench-only-secret",
                "CIVIC_ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
                "CIVIC_LOG_LEVEL": "WARNING",
                "PYTHONPATH": str(ROOT),
            }
            log("board: migrating")
            subprocess.run(
                [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
                cwd=ROOT,
                env=env,
                check=True,
            )
            os.environ.update(env)
            import django

            django.setup()
            from django.conf import settings

            settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
            log(f"board: generating {args.total:,} reports ({args.open:,} open)")
            started = time.perf_counter()
            data = fill(args.open, args.total)
            log(f"board: generated in {time.perf_counter() - started:.0f} s; measuring the page")
            print(json.dumps(measure_page(data["town"], data["users"][0], args.repeat)), flush=True)
            log("board: measuring live updates")
            print(json.dumps(measure_live(data["town"], data["users"], args.changes, env)), flush=True)
            from django.db import connections

            connections.close_all()
    finally:
        admin_sql(maintenance, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
