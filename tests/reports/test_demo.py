"""The demo town's reports: districts that tile the town, routed categories, reports with processed photos."""

import io

import pytest
from django.core.management import call_command
from django.db.models import Count

from civic.demo import town_boundary
from reports.models import Area, Category, Photo, Report

pytestmark = pytest.mark.django_db


def test_the_demo_has_districts_categories_and_reports(demo, client):
    areas = Area.objects.filter(municipality=demo)
    assert areas.count() == 4
    union = areas[0].boundary
    for area in areas[1:]:
        assert not area.boundary.overlaps(union)
        union = union.union(area.boundary)
    assert union.sym_difference(town_boundary()).area == pytest.approx(0, abs=1e-12)

    categories = {c.code: c.department.code for c in Category.objects.filter(municipality=demo)}
    assert categories == {
        "pothole": "roads",
        "street-light": "roads",
        "dumping": "environment",
        "graffiti": "environment",
        "fallen-tree": "parks",
        "drain": "roads",
    }
    reports = Report.objects.filter(municipality=demo)
    assert 25 <= reports.count() <= 40
    statuses = dict(reports.values_list("status").annotate(n=Count("id")))
    assert set(statuses) >= {"new", "acknowledged", "in_progress", "resolved", "duplicate"}
    assert not reports.filter(area__isnull=True).exists()
    photos = Photo.objects.filter(report__municipality=demo)
    assert photos.count() >= 2
    assert set(photos.values_list("state", flat=True)) == {Photo.State.READY}

    with_photo = photos.first().report
    page = client.get(f"/reports/{with_photo.reference}/")
    assert page.status_code == 200
    assert photos.first().thumb.url in page.content.decode()
    assert client.get("/reports/new/").status_code == 200


def test_seeding_twice_changes_nothing(demo, settings):
    counts = (
        Area.objects.count(),
        Category.objects.count(),
        Report.objects.count(),
        Photo.objects.count(),
    )
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    assert counts == (
        Area.objects.count(),
        Category.objects.count(),
        Report.objects.count(),
        Photo.objects.count(),
    )
