"""Bad configuration stops Civic with one clear line, never a bare traceback."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]


def manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, "CIVIC_SECRET_KEY": "x" * 50, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def assert_one_clear_line(result: subprocess.CompletedProcess[str], *phrases: str) -> None:
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for phrase in phrases:
        assert phrase in lines[0]


@pytest.mark.parametrize(
    ("url", "phrase"),
    [
        ("mysql://root@localhost/civic", "must be a PostgreSQL URL"),
        ("postgres://user@localhost:notaport/civic", "DATABASE_URL is malformed"),
        ("postgres://user@localhost:5432", "names no database"),
        ("", "DATABASE_URL is not set"),
    ],
)
def test_malformed_database_url(url, phrase):
    assert_one_clear_line(manage("preflight", DATABASE_URL=url), phrase)


def test_missing_secret_key_outside_debug():
    result = manage("preflight", CIVIC_DEBUG="0", CIVIC_SECRET_KEY="")
    assert_one_clear_line(result, "CIVIC_SECRET_KEY is not set")


def test_unreachable_database():
    result = manage("preflight", DATABASE_URL="postgres://postgres@127.0.0.1:1/civic")
    assert_one_clear_line(result, "データベースに接続できません", "DATABASE_URL")


def test_connection_pool_setting():
    assert_one_clear_line(manage("preflight", CIVIC_DB_POOL="lots"), "CIVIC_DB_POOL must be a number")
    pooled = manage("preflight", CIVIC_DB_POOL="4")
    assert pooled.returncode == 0, pooled.stderr


def test_bad_redis_url_and_unreachable_redis():
    assert_one_clear_line(manage("preflight", REDIS_URL="http://localhost"), "REDIS_URL must be")
    assert_one_clear_line(manage("preflight", REDIS_URL="redis://127.0.0.1:1/0"), "Redis に接続できません")


@pytest.mark.django_db(transaction=True)
def test_database_without_postgis():
    name = f"civic_no_postgis_{uuid.uuid4().hex[:8]}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE template0')
    try:
        settings = connection.settings_dict
        host = settings["HOST"].replace("/", "%2F")
        port = f":{settings['PORT']}" if settings["PORT"] else ""
        url = f"postgres://{settings['USER']}@{host}{port}/{name}"
        assert_one_clear_line(manage("preflight", DATABASE_URL=url), "PostGIS 拡張がありません")
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{name}"')


def test_preflight_passes_on_the_real_database():
    result = manage("preflight")
    assert result.returncode == 0, result.stderr
