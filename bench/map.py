"""Benchmark: the public map's vector tiles with 1,000,000 reports, over HTTP, beside the raw SQL that builds
the same tile.

`python -m bench map [--count 1000000] [--samples 100] [--zooms 10-17] [--no-pool]` needs PostgreSQL with
PostGIS at DATABASE_URL (`source civic/devtools/database.sh` sets it). It creates a database of its own next
to that one, migrates it, generates the reports there with set-based SQL (a dense centre, sparse edges,
progress on stderr) and counts the map grid and renders the tiles kept rendered (`manage.py map_grid_rebuild`:
one INSERT … SELECT, then every tile up to reports.tile_store.STORED_MAX_ZOOM that holds reports, with
progress), as a town's nightly job does.

It serves Civic as `make run` does: `uvicorn civic.asgi:application`, one process, where tile URLs go
through the lean reports.map_views.TileHandler and every other URL through the whole middleware stack;
with CIVIC_DB_POOL=8 (Django's connection pool, the production setting for an ASGI server) unless
--no-pool, which connects per request like the default settings. For each zoom it requests `--samples`
tiles where reports are (chosen like the reports themselves, so the dense centre is hit most; each read
once by the raw SQL first, untimed, so both sides find the database's pages warm) from both sides,
alternating: our endpoint `GET /reports/tiles/{z}/{x}/{y}.pbf` over HTTP, and the SQL that endpoint
runs for that tile (`reports.tiles.tile_sql`: from the grid up to GRID_MAX_ZOOM, live above, with the
town's data version) directly on a persistent psycopg connection.

One JSON line per zoom: `name` (map-z12), `p95_ms`, `max_tile_bytes`, `ratio` (our p95 ÷ the raw SQL's
p95), `source` (grid or live), plus medians, the reference's figures and, for gridded zooms,
`live_sql_p50_ms` (the same tile counted live from the reports, a few samples: what the grid saves);
`first_request_*` are the figures of the samples whose tile our endpoint had not served yet in that pass
(`distinct_tiles` says how often samples repeat). `http_floor_p50_ms` is a trivial Civic endpoint through
the whole stack. The database is dropped at the end.

Up to STORED_MAX_ZOOM (`kept`: rendered) our endpoint reads the tile rendered, as a visitor does except just
after a change of that tile; then the same samples are measured again with every tile of the zoom marked,
as if a change had just touched each (`marked_*`: each tile's first request reads the row, builds the tile
and keeps it, later ones read it). Above it (`kept`: per process) a tile is built per request and kept in
the process under the town's data version: a tile asked for again costs one small query for the version.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import random
import subprocess
import sys
import time
from typing import Any

from bench._support import HOST, ROOT, admin_sql, free_port, log
from bench.intake import wait_until_up

CENTER = (139.0, 36.0)  # lng, lat of the synthetic town, a square of ±0.05° (about 9 × 11 km)
HALF = 0.05
BATCH = 100_000
POOL_SIZE = 8  # CIVIC_DB_POOL: connections Civic keeps per process


def setup_town() -> None:
    """In the bench database: a town on the default site, two categories, two areas, one template report."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
    import django

    django.setup()
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon
    from wagtail.models import Page, Site

    from civic.models import Department, Municipality
    from reports.models import Category
    from reports.services import area_save, report_create

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.create(
        hostname="localhost", port=80, is_default_site=True, root_page=Page.get_first_root_node()
    )
    lng, lat = CENTER
    box = Polygon.from_bbox((lng - HALF, lat - HALF, lng + HALF, lat + HALF))
    town = Municipality.objects.create(
        site=site,
        slug="bench",
        name_ja="ベンチ市",
        center=Point(lng, lat, srid=4326),
        boundary=MultiPolygon(box, srid=4326),
    )
    roads = Department.objects.create(municipality=town, code="roads", name_ja="道路課")
    pothole = Category.objects.create(municipality=town, code="pothole", name_ja="道路の穴", department=roads)
    Category.objects.create(municipality=town, code="light", name_ja="街灯", department=roads)
    for code, x0, x1 in (("west", lng - HALF, lng), ("east", lng, lng + HALF)):
        area_save(
            municipality=town,
            code=code,
            name_ja=code,
            boundary=MultiPolygon(Polygon.from_bbox((x0, lat - HALF, x1, lat + HALF)), srid=4326),
        )
    report_create(
        municipality=town, category=pothole, description="template", point=Point(lng, lat, srid=4326)
    )


def generate(url: str, count: int) -> None:
    """`count` reports by INSERT … SELECT from generate_series, copying every other column from the template
    report (so columns added later need no change here). 60 % fall in a dense centre (normal, σ ≈ 600 m),
    40 % anywhere in town. The spatial indexes are dropped during the load and built again after it."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        columns = [
            row[0]
            for row in connection.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = 'reports_report' "
                "AND column_name <> 'id' AND is_generated = 'NEVER' ORDER BY ordinal_position"
            )
        ]
        override = {
            "reference": "'B' || lpad(g::text, 8, '0')",
            "point": (
                "CASE WHEN random() < 0.6 THEN ST_SetSRID(ST_MakePoint("
                f"{CENTER[0]} + 0.006 * sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random()), "
                f"{CENTER[1]} + 0.005 * sqrt(-2 * ln(1 - random())) * sin(2 * pi() * random())), 4326)"
                f" ELSE ST_SetSRID(ST_MakePoint({CENTER[0] - HALF} + random() * {2 * HALF}, "
                f"{CENTER[1] - HALF} + random() * {2 * HALF}), 4326) END::geography"
            ),
            "status": ("(ARRAY['new','acknowledged','in_progress','resolved','closed'])[1 + (g % 5)]"),
            "category_id": "(SELECT min(id) FROM reports_category) + (g % 2)",
            "created_at": "now() - (g % 1000) * interval '8 hours'",
            "updated_at": "now()",
            "description": "'Synthetic report ' || g",
        }
        select = ", ".join(override.get(column, f"t.{column}") for column in columns)
        indexes = list(
            connection.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'reports_report' "
                "AND indexdef ILIKE '%USING gist%'"
            )
        )
        for name, _definition in indexes:
            connection.execute(f'DROP INDEX "{name}"'.encode())
        started = time.monotonic()
        for first in range(1, count + 1, BATCH):
            last = min(first + BATCH - 1, count)
            connection.execute(
                f"INSERT INTO reports_report ({', '.join(columns)}) "
                f"SELECT {select} FROM generate_series({first}, {last}) g, "
                "(SELECT * FROM reports_report ORDER BY id LIMIT 1) t".encode()
            )
            rate = last / max(time.monotonic() - started, 1e-6)
            log(f"map: {last:,} / {count:,} reports ({rate:,.0f}/s)")
        log("map: building the spatial indexes again")
        for _name, definition in indexes:
            connection.execute(definition.encode())
        connection.execute(b"VACUUM ANALYZE reports_report")
        log(f"map: {count:,} reports ready in {time.monotonic() - started:.0f}s")


def tile_of(lng: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lng + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def sample_tiles(z: int, samples: int, rng: random.Random) -> list[tuple[int, int]]:
    """Tiles under places drawn like the reports: most in the dense centre, some at the edges."""
    tiles = []
    for _ in range(samples):
        if rng.random() < 0.6:
            lng, lat = rng.gauss(CENTER[0], 0.006), rng.gauss(CENTER[1], 0.005)
        else:
            lng = rng.uniform(CENTER[0] - HALF, CENTER[0] + HALF)
            lat = rng.uniform(CENTER[1] - HALF, CENTER[1] + HALF)
        tiles.append(tile_of(lng, lat, z))
    return tiles


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(len(ordered) * 0.95) - 1)]


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def first_figures(timings: dict[str, list[float]], first: list[int], prefix: str = "") -> dict[str, Any]:
    """The figures of the samples whose tile our endpoint had not served yet."""
    if not first:
        return {f"{prefix}first_requests": 0}
    ours, reference = ([timings[side][i] for i in first] for side in ("ours", "reference"))
    return {
        f"{prefix}first_requests": len(first),
        f"{prefix}first_request_p95_ms": round(p95(ours), 1),
        f"{prefix}first_request_reference_p95_ms": round(p95(reference), 1),
        f"{prefix}first_request_ratio": round(p95(ours) / p95(reference), 3),
    }


def measure(
    url: str,
    port: int,
    zooms: list[int],
    samples: int,
    *,
    count: int,
    pool: bool,
    live_samples: int,
) -> None:
    import psycopg

    sys.path.insert(0, str(ROOT))
    from reports.tile_store import STORED_MAX_ZOOM, TILE_TABLE
    from reports.tiles import GRID_MAX_ZOOM, TileFilter, live_tile_sql, tile_sql

    rng = random.Random(4)
    # Client-side binding, as Django runs it (its default cursor): psycopg's own default would prepare the
    # statement after five runs and skip planning, which our endpoint never does.
    with psycopg.connect(url, autocommit=True, cursor_factory=psycopg.ClientCursor) as db:
        found = db.execute("SELECT id FROM civic_municipality WHERE slug = 'bench'").fetchone()
        assert found is not None
        municipality_id = found[0]
        tile_filter = TileFilter(municipality_id=municipality_id)
        http_connection = http.client.HTTPConnection(HOST, port, timeout=120)

        def ours(z: int, x: int, y: int) -> tuple[float, int]:
            started = time.perf_counter()
            http_connection.request("GET", f"/reports/tiles/{z}/{x}/{y}.pbf", headers={"Host": "localhost"})
            response = http_connection.getresponse()
            body = response.read()
            elapsed = time.perf_counter() - started
            if response.status != 200:
                raise SystemExit(f"tile {z}/{x}/{y}: HTTP {response.status} {body[:200]!r}")
            return elapsed, len(body)

        def reference(z: int, x: int, y: int, build: Any = tile_sql) -> tuple[float, int]:
            sql, params = build(z, x, y, tile_filter)
            started = time.perf_counter()
            row = db.execute(sql.encode(), params).fetchone()
            elapsed = time.perf_counter() - started
            return elapsed, len(row[0] or b"") if row else 0

        def floor() -> float:
            """A trivial Civic endpoint (one small query): the fixed cost of a request on this server."""
            started = time.perf_counter()
            http_connection.request("GET", "/api/v1/municipality/", headers={"Host": "localhost"})
            http_connection.getresponse().read()
            return (time.perf_counter() - started) * 1000

        def timed_pass(
            z: int, tiles: list[tuple[int, int]], warm: tuple[int, int]
        ) -> tuple[dict[str, list[float]], dict[str, list[int]], list[int]]:
            """Each sample from both sides, alternating which goes first; and which samples asked our
            endpoint for a tile it had not served yet in this pass."""
            timings: dict[str, list[float]] = {"ours": [], "reference": []}
            sizes: dict[str, list[int]] = {"ours": [], "reference": []}
            seen, first = {warm}, []
            for i, (x, y) in enumerate(tiles):
                if (x, y) not in seen:
                    seen.add((x, y))
                    first.append(i)
                order = (("ours", ours), ("reference", reference))
                for label, run in order if i % 2 == 0 else order[::-1]:
                    elapsed, size = run(z, x, y)
                    timings[label].append(elapsed * 1000)
                    sizes[label].append(size)
            return timings, sizes, first

        floor()
        http_floor_p50 = median([floor() for _ in range(20)])
        for z in zooms:
            tiles = sample_tiles(z, samples, rng)
            # Warm both paths on a tile at the town's edge, so the samples' first requests stay uncached.
            warm = tile_of(CENTER[0] - HALF * 0.9, CENTER[1] - HALF * 0.9, z)
            for _ in range(2):
                ours(z, *warm)
                reference(z, *warm)
            # Read each sampled tile's pages into the database's buffers once, untimed: otherwise whichever
            # side asks for a tile first pays for that (up to several milliseconds), and only our endpoint
            # keeps tiles, so the cost would fall on its first requests while the reference repeats warm.
            for x, y in set(tiles):
                reference(z, x, y)
            timings, sizes, first = timed_pass(z, tiles, warm)
            ours_p95, reference_p95 = p95(timings["ours"]), p95(timings["reference"])
            stored = z <= STORED_MAX_ZOOM
            marked = {}
            if stored:
                # The same samples again, each tile marked as a change marks it: first requests build it.
                db.execute(f"UPDATE {TILE_TABLE} SET stamp = stamp + 1, tile = NULL WHERE zoom = %s", [z])
                again, _sizes, first_again = timed_pass(z, tiles, warm)
                marked = {
                    "marked_p95_ms": round(p95(again["ours"]), 1),
                    "marked_reference_p95_ms": round(p95(again["reference"]), 1),
                    "marked_ratio": round(p95(again["ours"]) / p95(again["reference"]), 3),
                    **first_figures(again, first_again, prefix="marked_"),
                }
            gridded = z <= GRID_MAX_ZOOM
            live = (
                [reference(z, x, y, live_tile_sql)[0] * 1000 for x, y in tiles[:live_samples]]
                if gridded
                else []
            )
            print(
                json.dumps(
                    {
                        "name": f"map-z{z}",
                        "reports": count,
                        "connections": "pool" if pool else "per request",
                        "tiles": len(tiles),
                        "distinct_tiles": len(set(tiles)),
                        "p95_ms": round(ours_p95, 1),
                        "p50_ms": round(median(timings["ours"]), 1),
                        "max_tile_bytes": max(sizes["ours"]),
                        "reference_p95_ms": round(reference_p95, 1),
                        "reference_p50_ms": round(median(timings["reference"]), 1),
                        "reference_max_tile_bytes": max(sizes["reference"]),
                        "source": "grid" if gridded else "live",
                        "kept": "rendered" if stored else "per process",
                        **first_figures(timings, first),
                        **marked,
                        **({"live_sql_p50_ms": round(median(live), 1)} if live else {}),
                        "http_floor_p50_ms": round(http_floor_p50, 1),
                        "ratio": round(ours_p95 / reference_p95, 3),
                    }
                ),
                flush=True,
            )
        http_connection.close()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench map", description=__doc__)
    parser.add_argument(
        "--count", type=int, default=1_000_000, help="reports to generate (default 1,000,000)"
    )
    parser.add_argument(
        "--samples", type=int, default=100, help="tiles per zoom (default 100: p95 is then the 5th slowest)"
    )
    parser.add_argument("--zooms", default="10-17", help="zoom range (default 10-17)")
    parser.add_argument(
        "--no-pool",
        dest="pool",
        action="store_false",
        help="connect per request (the default settings) instead of using Django's connection pool "
        "(psycopg-pool), which keeps connections open like the reference's",
    )
    parser.add_argument(
        "--live-samples",
        type=int,
        default=3,
        help="tiles per gridded zoom also counted live, to show what the grid saves (default 3)",
    )
    args = parser.parse_args(argv)
    low, _, high = args.zooms.partition("-")
    zooms = list(range(int(low), int(high or low) + 1))

    base = os.environ.get("DATABASE_URL", "")
    if not base:
        raise SystemExit("DATABASE_URL is not set: run `source civic/devtools/database.sh` first.")
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(base)
    name = f"civic_bench_map_{os.getpid()}"
    url = urlunsplit(parts._replace(path=f"/{name}"))
    maintenance = urlunsplit(parts._replace(path="/postgres"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "civic.settings",
        "CIVIC_DEBUG": "0",
        "CIVIC_SECRET_KEY": os.environ.get("CIVIC_SECRET_KEY") or "bench-only-secret",
        "CIVIC_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CIVIC_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
        **({"CIVIC_DB_POOL": str(POOL_SIZE)} if args.pool else {}),
    }
    python = sys.executable
    server = None
    log(f"map: creating database {name}")
    admin_sql(maintenance, f'CREATE DATABASE "{name}" TEMPLATE template1')
    try:
        admin_sql(url, "CREATE EXTENSION IF NOT EXISTS postgis")
        log("map: migrating (takes a little while)")
        subprocess.run(
            [python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        subprocess.run(
            [python, "-c", "from bench.map import setup_town; setup_town()"], cwd=ROOT, env=env, check=True
        )
        generate(url, args.count)
        log("map: counting the map grid (one INSERT … SELECT) and rendering its tiles")
        started = time.monotonic()
        subprocess.run(
            [python, "manage.py", "map_grid_rebuild"], cwd=ROOT, env=env, check=True, stdout=sys.stderr
        )
        admin_sql(url, "VACUUM ANALYZE reports_mapgridcell")
        admin_sql(url, "VACUUM ANALYZE reports_maptile")
        log(f"map: grid counted and tiles rendered in {time.monotonic() - started:.1f}s")
        port = free_port()
        log(f"map: starting the server on port {port}")
        server = subprocess.Popen(
            [
                python,
                "-m",
                "uvicorn",
                "civic.asgi:application",
                "--host",
                HOST,
                "--port",
                str(port),
                "--no-access-log",
                "--log-level",
                "warning",
                # The raw SQL of a low-zoom tile can take seconds; keep our idle keep-alive connection open.
                "--timeout-keep-alive",
                "600",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_up(port, server)
        measure(
            url,
            port,
            zooms,
            args.samples,
            count=args.count,
            pool=args.pool,
            live_samples=args.live_samples,
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        admin_sql(maintenance, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        log(f"map: dropped database {name}")
