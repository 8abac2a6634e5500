"""The public map page /reports/: filters, the server-rendered list beside the map, privacy, tenancy,
queries."""

import pytest
from django.contrib.gis.geos import Point

from reports.models import Report, Reporter
from reports.services import report_create, report_transition
from tests.reports.conftest import Town

pytestmark = pytest.mark.django_db


@pytest.fixture
def town():
    return Town()


def make_report(town, category=None, dlng=-0.01, **kwargs):
    return report_create(
        municipality=town.municipality,
        category=category or town.pothole,
        description="A hole by the school gate",
        point=town.point(dlng),
        **kwargs,
    )


def page(client, town, **params):
    return client.get("/reports/", params, HTTP_HOST=town.host)


def test_page_lists_public_reports_beside_the_map(client, town):
    report = make_report(town, title="校門前の穴")
    response = page(client, town)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'href="/reports/{report.reference}/"' in html
    assert "校門前の穴" in html
    assert "data-public-map" in html and "/reports/tiles/{z}/{x}/{y}.pbf" in html
    assert 'aria-live="polite"' in html
    assert "reports_public_map.js" in html


def test_filters_narrow_the_list_and_are_passed_to_the_tiles(client, town):
    hole = make_report(town)
    tree = make_report(town, category=town.tree, dlng=0.01)
    report_transition(report=tree, status=Report.Status.CLOSED, actor=None)
    html = page(client, town, category="fallen-tree").content.decode()
    assert tree.reference in html and hole.reference not in html
    assert "tiles/{z}/{x}/{y}.pbf?category=fallen-tree" in html
    html = page(client, town, status="open").content.decode()
    assert hole.reference in html and tree.reference not in html
    html = page(client, town, area="east").content.decode()
    assert tree.reference in html and hole.reference not in html
    html = page(client, town, since="2001-01-01", until="2001-01-31").content.decode()
    assert hole.reference not in html and tree.reference not in html


def test_bad_filters_answer_400_with_the_message_beside_the_field(client, town):
    response = page(client, town, category="nope", since="not-a-date")
    assert response.status_code == 400
    assert b'id="id_category-error"' in response.content
    assert b'id="id_since-error"' in response.content


def test_list_is_paginated(client, town):
    for _ in range(23):
        make_report(town)
    first = page(client, town).content.decode()
    assert first.count('class="public-map-list__item"') == 20
    assert 'rel="next" href="?page=2"' in first
    second = page(client, town, page="2").content.decode()
    assert second.count('class="public-map-list__item"') == 3


def test_no_private_data_and_no_other_town(client, town):
    make_report(
        town,
        reporter=Reporter(name="佐藤一郎", email="ichiro@example.jp", phone="080-1111-2222"),
        location_text="佐藤さんの家の前",
    )
    hidden = make_report(town, title="非公開の報告")
    Report.objects.filter(pk=hidden.pk).update(is_public=False)
    other = Town(slug="othertown")
    report_create(
        municipality=other.municipality,
        category=other.tree,
        title="隣町の報告",
        description="x",
        point=Point(139.0, 36.0),
    )
    html = page(client, town).content.decode()
    for private in ("佐藤", "ichiro", "080-1111", "非公開の報告", "隣町の報告"):
        assert private not in html


def test_page_takes_a_fixed_number_of_queries(client, town, django_assert_max_num_queries):
    for _ in range(5):
        make_report(town)
    page(client, town)
    with django_assert_max_num_queries(12):
        page(client, town)
    for _ in range(10):
        make_report(town, category=town.tree)
    with django_assert_max_num_queries(12):
        page(client, town)
