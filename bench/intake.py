"""Benchmark: reports per second through `POST /api/v1/reports/` with one photo, on two server processes,
beside a bare Django view that parses the same upload and inserts one row, served by the same processes.

`python -m bench intake [--duration 10] [--concurrency 8] [--workers 2]` needs PostgreSQL with PostGIS at
DATABASE_URL (`source civic/devtools/database.sh` sets it); it creates a database of its own next to
that one, migrates it, and drops it (with its media folder) at the end. It prints one JSON line; progress
goes to stderr. Photo processing is a background job and not part of intake: jobs are queued, and no
worker runs here.
"""

from __future__ import annotations

import argparse
import http.client
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bench._support import HOST, ROOT, admin_sql, free_port, log

REFERENCE_TABLE = "bench_intake_reference"


# ----------------------------------------------------------------------------------------------------------
# Inside the server processes


def reference_view(request: Any) -> Any:
    """The reference: parse the same multipart upload, insert one row, answer 201 with JSON."""
    from django.db import connection
    from django.http import JsonResponse

    upload = request.FILES.get("photos")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {REFERENCE_TABLE} (description, photo_bytes) VALUES (%s, %s) RETURNING id",
            [request.POST.get("description", ""), upload.size if upload else 0],
        )
        row = cursor.fetchone()
    return JsonResponse({"id": row[0]}, status=201)


def make_app() -> Any:
    """uvicorn --factory entry point: Civic's ASGI application plus the reference view."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
    import django
    from django.conf import settings

    # Under ASGI every request runs its view in a fresh thread with its own database connection, which a
    # persistent CONN_MAX_AGE never closes (Django ticket #33497): on a shared server that ends in "too
    # many clients". Both paths here connect per request, as Django recommends for ASGI.
    settings.DATABASES["default"]["CONN_MAX_AGE"] = 0
    django.setup()
    from django.urls import path
    from django.views.decorators.csrf import csrf_exempt

    import civic.urls

    civic.urls.urlpatterns.insert(0, path("bench/reference/", csrf_exempt(reference_view)))
    from civic.asgi import application

    return application


def setup_data() -> None:
    """Run once in the bench database: a town on the default site, one category, and the reference table."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
    import django

    django.setup()
    from django.contrib.gis.geos import MultiPolygon, Point, Polygon
    from django.db import connection
    from wagtail.models import Page, Site

    from civic.models import Department, Municipality
    from reports.models import Category

    site = Site.objects.filter(is_default_site=True).first() or Site.objects.create(
        hostname="localhost", port=80, is_default_site=True, root_page=Page.get_first_root_node()
    )
    box = Polygon.from_bbox((138.95, 35.95, 139.05, 36.05))
    town = Municipality.objects.create(
        site=site,
        slug="bench",
        name_ja="ベンチ市",
        center=Point(139.0, 36.0, srid=4326),
        boundary=MultiPolygon(box, srid=4326),
    )
    roads = Department.objects.create(municipality=town, code="roads", name_ja="道路課")
    Category.objects.create(municipality=town, code="pothole", name_ja="道路の穴", department=roads)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TABLE {REFERENCE_TABLE} (id bigserial PRIMARY KEY, description text, "
            "photo_bytes integer, created_at timestamptz NOT NULL DEFAULT now())"
        )


# ----------------------------------------------------------------------------------------------------------
# The driver


def phone_jpeg(width: int = 2016, height: int = 1512) -> bytes:
    """A JPEG of about a megabyte with EXIF GPS, like a phone photo resized by the browser's picker."""
    import numpy as np
    from PIL import ExifTags, Image
    from PIL.TiffImagePlugin import IFDRational

    rng = np.random.default_rng(7)
    base = np.linspace(60, 200, width, dtype=np.float32)[None, :, None].repeat(height, 0).repeat(3, 2)
    pixels = np.clip(base + rng.normal(0, 18, (height, width, 3)), 0, 255).astype(np.uint8)
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (IFDRational(36, 1), IFDRational(0, 1), IFDRational(1, 1)),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (IFDRational(139, 1), IFDRational(0, 1), IFDRational(1, 1)),
    }
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def multipart(fields: dict[str, str], photo: bytes) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="IMG_0001.jpg"\r\n'
        "Content-Type: image/jpeg\r\n\r\n".encode()
        + photo
        + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def wait_until_up(port: int, server: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"the server stopped (exit {server.returncode}); see its output above")
        try:
            connection = http.client.HTTPConnection(HOST, port, timeout=2)
            connection.request("GET", "/api/v1/municipality/")
            if connection.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("the server did not answer within a minute")


def hammer(port: int, path: str, body: bytes, content_type: str, *, seconds: float, concurrency: int) -> dict:
    """POST `body` to `path` from `concurrency` keep-alive connections for `seconds`; count 201 answers."""
    stop = time.monotonic() + seconds
    latencies: list[float] = []
    counts = {"ok": 0, "errors": 0}
    lock = threading.Lock()
    first_error: list[str] = []

    def client() -> None:
        connection = http.client.HTTPConnection(HOST, port, timeout=30)
        mine: list[float] = []
        ok = errors = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                connection.request("POST", path, body, {"Content-Type": content_type, "Host": "localhost"})
                response = connection.getresponse()
                answer = response.read()
            except (OSError, http.client.HTTPException) as error:
                errors += 1
                first_error.append(repr(error))
                connection.close()
                connection = http.client.HTTPConnection(HOST, port, timeout=30)
                continue
            if response.status == 201:
                ok += 1
                mine.append(time.perf_counter() - started)
            else:
                errors += 1
                first_error.append(f"{response.status} {answer[:300]!r}")
        connection.close()
        with lock:
            counts["ok"] += ok
            counts["errors"] += errors
            latencies.extend(mine)

    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    if first_error:
        log(f"  {path}: {counts['errors']} errors, first: {first_error[0]}")
    latencies.sort()
    return {
        "per_s": counts["ok"] / elapsed,
        "ok": counts["ok"],
        "errors": counts["errors"],
        "p50_ms": round(statistics.median(latencies) * 1000, 1) if latencies else None,
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 1) if latencies else None,
    }


def bench_database_url(base: str) -> tuple[str, str, str]:
    """(URL of the bench database, its name, URL of the maintenance database) next to DATABASE_URL's."""
    parts = urlsplit(base)
    name = f"civic_bench_intake_{os.getpid()}"
    return (
        urlunsplit(parts._replace(path=f"/{name}")),
        name,
        urlunsplit(parts._replace(path="/postgres")),
    )


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench intake", description=__doc__)
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per measurement (default 10)")
    parser.add_argument("--concurrency", type=int, default=8, help="client connections (default 8)")
    parser.add_argument("--workers", type=int, default=2, help="server processes (default 2)")
    args = parser.parse_args(argv)

    base = os.environ.get("DATABASE_URL", "")
    if not base:
        raise SystemExit("DATABASE_URL is not set: run `source civic/devtools/database.sh` first.")
    url, name, maintenance = bench_database_url(base)
    scratch = Path(tempfile.mkdtemp(prefix="civic-bench-intake-"))
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "civic.settings",
        "CIVIC_DEBUG": "0",
        "CIVIC_SECRET_KEY": os.environ.get("CIVIC_SECRET_KEY") or "bench-only-secret",
        "CIVIC_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CIVIC_REPORT_RATE_LIMIT": str(10**9),
        "CIVIC_MEDIA_ROOT": str(scratch / "media"),
        "CIVIC_PRIVATE_MEDIA_ROOT": str(scratch / "private"),
        "CIVIC_LOG_LEVEL": "WARNING",
        "PYTHONPATH": str(ROOT),
    }
    python = sys.executable
    server = None
    log(f"intake: creating database {name}")
    admin_sql(maintenance, f'CREATE DATABASE "{name}" TEMPLATE template1')
    try:
        admin_sql(url, "CREATE EXTENSION IF NOT EXISTS postgis")
        log("intake: migrating (takes a little while)")
        subprocess.run(
            [python, "manage.py", "migrate", "--no-input", "-v", "0"], cwd=ROOT, env=env, check=True
        )
        subprocess.run(
            [python, "-c", "from bench.intake import setup_data; setup_data()"], cwd=ROOT, env=env, check=True
        )
        port = free_port()
        log(f"intake: starting {args.workers} server processes on port {port}")
        server = subprocess.Popen(
            [
                python,
                "-m",
                "uvicorn",
                "--factory",
                "bench.intake:make_app",
                "--host",
                HOST,
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--no-access-log",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        wait_until_up(port, server)

        photo = phone_jpeg()
        fields = {
            "category": "pothole",
            "lat": "36.0003",
            "lng": "139.0003",
            "description": "交差点の手前に穴があります。",
        }
        body, content_type = multipart(fields, photo)
        results: dict[str, list[dict]] = {"ours": [], "reference": []}
        # Warm both paths up, then alternate, so drift (caches, autovacuum) hits both alike.
        for path in ("/bench/reference/", "/api/v1/reports/"):
            hammer(port, path, body, content_type, seconds=1.5, concurrency=args.concurrency)
        for round_ in range(2):
            for label, path in (("reference", "/bench/reference/"), ("ours", "/api/v1/reports/")):
                log(f"intake: round {round_ + 1}, {label} for {args.duration / 2:.0f}s")
                results[label].append(
                    hammer(
                        port,
                        path,
                        body,
                        content_type,
                        seconds=args.duration / 2,
                        concurrency=args.concurrency,
                    )
                )

        def combined(runs: list[dict]) -> dict:
            return {
                "per_s": statistics.mean(run["per_s"] for run in runs),
                "errors": sum(run["errors"] for run in runs),
                "p50_ms": statistics.mean(run["p50_ms"] or 0 for run in runs),
                "p95_ms": statistics.mean(run["p95_ms"] or 0 for run in runs),
            }

        ours, reference = combined(results["ours"]), combined(results["reference"])
        print(
            json.dumps(
                {
                    "name": "intake",
                    "reports_per_s": round(ours["per_s"], 1),
                    "reference_per_s": round(reference["per_s"], 1),
                    "ratio": round(ours["per_s"] / reference["per_s"], 3) if reference["per_s"] else None,
                    "p50_ms": round(ours["p50_ms"], 1),
                    "p95_ms": round(ours["p95_ms"], 1),
                    "reference_p50_ms": round(reference["p50_ms"], 1),
                    "errors": ours["errors"] + reference["errors"],
                    "photo_bytes": len(photo),
                    "workers": args.workers,
                    "concurrency": args.concurrency,
                    "duration_s": args.duration,
                }
            ),
            flush=True,
        )
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
        log(f"intake: dropping database {name}")
        admin_sql(maintenance, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main(sys.argv[1:])
