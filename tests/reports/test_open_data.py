"""Open data: the daily export (CSV and GeoJSON of public reports, no personal data), its files and pages."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from django.db import transaction

from reports.models import Report, Reporter
from reports.open_data import COLUMNS, export_open_data, export_open_data_daily, exports
from reports.services import report_add_update, report_create
from tests.reports.conftest import Town

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return Town()


def make_report(town, **kwargs):
    return report_create(
        municipality=town.municipality,
        category=town.pothole,
        description="道路に穴",
        point=town.point(),
        **kwargs,
    )


def read_export(town, name):
    from django.core.files.storage import default_storage

    with default_storage.open(f"open-data/{town.municipality.slug}/{name}", "rb") as handle:
        return handle.read().decode("utf-8-sig")


def test_export_writes_public_reports_without_personal_data(town):
    public = make_report(
        town,
        reporter=Reporter(name="鈴木次郎", email="jiro@example.jp", phone="070-3333-4444"),
        location_text="鈴木さんの家の裏",
    )
    report_add_update(report=public, actor=None, message="内部メモ: 業者に連絡済み", public=False)
    hidden = make_report(town, title="非公開の報告")
    Report.objects.filter(pk=hidden.pk).update(is_public=False)
    other = Town(slug="othertown")
    report_create(
        municipality=other.municipality,
        category=other.tree,
        title="隣町の報告",
        description="x",
        point=other.point(),
    )

    names = export_open_data(municipality=town.municipality, base_url="https://town.example")
    assert [n.rsplit(".", 1)[1] for n in names] == ["csv", "geojson"]
    csv_text = read_export(town, names[0].rsplit("/", 1)[1])
    geojson_text = read_export(town, names[1].rsplit("/", 1)[1])
    for text in (csv_text, geojson_text):
        for private in ("鈴木", "jiro", "070-3333", "内部メモ", "非公開の報告", "隣町の報告"):
            assert private not in text
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    assert tuple(rows[0]) == COLUMNS
    assert [r["reference"] for r in rows] == [public.reference]
    assert rows[0]["open311_status"] == "open" and rows[0]["area_code"] == "west"
    assert rows[0]["created_at"].endswith("+09:00")
    assert rows[0]["url"] == f"https://town.example/reports/{public.reference}/"
    collection = json.loads(geojson_text)
    assert collection["type"] == "FeatureCollection"
    [feature] = collection["features"]
    assert feature["geometry"]["coordinates"] == pytest.approx([public.point.x, public.point.y])
    assert feature["properties"]["reference"] == public.reference


def test_exporting_again_the_same_day_replaces_the_files(town):
    make_report(town)
    export_open_data(municipality=town.municipality, base_url="")
    make_report(town)
    export_open_data(municipality=town.municipality, base_url="")
    found = exports(town.municipality)
    assert [e.format for e in found] == ["geojson", "csv"]
    rows = list(csv.DictReader(io.StringIO(read_export(town, found[1].name))))
    assert len(rows) == 2


def test_open_data_pages_list_and_serve_the_files(client, town):
    make_report(town)
    empty = client.get("/reports/open-data/", HTTP_HOST=town.host)
    assert empty.status_code == 200
    export_open_data(municipality=town.municipality, base_url="")
    [_geojson, csv_file] = exports(town.municipality)
    listing = client.get("/reports/open-data/", HTTP_HOST=town.host).content.decode()
    assert f"/reports/open-data/{csv_file.name}" in listing
    response = client.get(f"/reports/open-data/{csv_file.name}", HTTP_HOST=town.host)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert b"reference" in b"".join(response.streaming_content)
    other = Town(slug="othertown")
    assert client.get(f"/reports/open-data/{csv_file.name}", HTTP_HOST=other.host).status_code == 404
    assert client.get("/reports/open-data/..%2Fsecret.csv", HTTP_HOST=town.host).status_code == 404
    assert client.get("/reports/open-data/passwd", HTTP_HOST=town.host).status_code == 404


def test_management_command_exports_now(town):
    make_report(town)
    out = io.StringIO()
    call_command("export_open_data", town.municipality.slug, stdout=out)
    assert "reports-" in out.getvalue()
    assert len(exports(town.municipality)) == 2


@pytest.mark.django_db(transaction=True)
def test_daily_task_runs_in_the_worker_and_schedules_the_next_run(town):
    make_report(town)
    with transaction.atomic():
        export_open_data_daily.enqueue(reschedule=True)
    call_command("db_worker", batch=True, no_startup_delay=True, interval=0)
    assert len(exports(town.municipality)) == 2
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(status="READY").count() == 1  # tomorrow's run, not yet due
