"""Open311 GeoReport v2: services, definitions, requests (GET filters, POST with an API key), tokens, and
every bad input answering the spec's error format."""

import io
import json
import re
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from civic.errors import ServiceError
from reports.models import Category, Report, Reporter
from reports.open311.clients import open311_client_create
from reports.open311_models import Open311Client
from reports.services import report_create, report_transition
from tests.reports.conftest import OUTSIDE, Town

pytestmark = pytest.mark.django_db

W3 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(Z|[+-]\d{2}:\d{2})$")
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def town():
    town = Town()
    town.pothole.extra_questions = {
        "properties": {
            "depth_cm": {"type": "integer", "title": "深さ (cm)", "minimum": 0},
            "lane": {"type": "string", "title": "車線", "enum": ["left", "right"]},
        },
        "required": ["depth_cm"],
        "order": ["depth_cm", "lane"],
    }
    town.pothole.save()
    return town


@pytest.fixture
def api_key(town):
    _client, key = open311_client_create(municipality=town.municipality, name="Road assets")
    return key


def get(client, town, path, **params):
    return client.get(f"/open311/v2/{path}", params, HTTP_HOST=town.host)


def post(client, town, fmt="json", **data):
    return client.post(f"/open311/v2/requests.{fmt}", data, HTTP_HOST=town.host)


def make_report(town, **kwargs):
    kwargs.setdefault("category", town.tree)
    return report_create(
        municipality=town.municipality, description="A tree fell on the path", point=town.point(), **kwargs
    )


def assert_error(response, status):
    assert response.status_code == status, response.content
    if response["Content-Type"].startswith("text/xml"):
        root = ET.fromstring(response.content)  # noqa: S314
        assert root.tag == "errors"
        error = root.find("error")
        assert error.findtext("code") == str(status)
        assert error.findtext("description")
    else:
        body = response.json()
        assert isinstance(body, list) and len(body) == 1
        assert body[0]["code"] == status and body[0]["description"]


def test_services_json_and_xml(client, town):
    body = get(client, town, "services.json").json()
    assert [s["service_code"] for s in body] == ["pothole", "fallen-tree"]
    assert body[0] == {
        "service_code": "pothole",
        "service_name": "道路の穴",
        "description": "",
        "metadata": True,
        "type": "realtime",
        "keywords": "",
        "group": "",
    }
    assert body[1]["metadata"] is False
    response = get(client, town, "services.xml")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == "services"
    assert [s.findtext("service_code") for s in root.findall("service")] == ["pothole", "fallen-tree"]
    assert root.find("service").findtext("metadata") == "true"


def test_service_definition(client, town):
    body = get(client, town, "services/pothole.json").json()
    assert body["service_code"] == "pothole"
    depth, lane = body["attributes"]
    assert depth == {
        "variable": True,
        "code": "depth_cm",
        "datatype": "number",
        "required": True,
        "datatype_description": depth["datatype_description"],
        "order": 1,
        "description": "深さ (cm)",
        "values": [],
    }
    assert lane["datatype"] == "singlevaluelist"
    assert lane["values"] == [{"key": "left", "name": "left"}, {"key": "right", "name": "right"}]
    root = ET.fromstring(get(client, town, "services/pothole.xml").content)  # noqa: S314
    assert root.tag == "service_definition"
    attribute = root.find("attributes").findall("attribute")[1]
    assert [v.findtext("key") for v in attribute.find("values").findall("value")] == ["left", "right"]
    assert_error(get(client, town, "services/nope.json"), 404)
    assert_error(get(client, town, "services/nope.xml"), 404)


def test_post_creates_a_report_through_report_create(client, town, api_key):
    lat, lng = town.point().y, town.point().x
    response = post(
        client,
        town,
        api_key=api_key,
        service_code="pothole",
        lat=str(lat),
        long=str(lng),
        description="穴があります",
        email="taro@example.jp",
        first_name="太郎",
        last_name="山田",
        phone="090-0000-0000",
        **{"attribute[depth_cm]": "12", "attribute[lane]": "left"},
    )
    assert response.status_code == 201, response.content
    [created] = response.json()
    report = Report.objects.get(reference=created["service_request_id"])
    assert report.source == Report.Source.OPEN311
    assert report.extra == {"depth_cm": 12, "lane": "left"}
    assert report.area == town.west
    assert report.reporter.email == "taro@example.jp"
    assert report.events.filter(kind="created").exists()
    assert Open311Client.objects.get().last_used_at is not None
    # Reading it back shows no personal data.
    detail = get(client, town, f"requests/{report.reference}.json")
    text = detail.content.decode()
    for private in ("taro@example.jp", "太郎", "山田", "090-0000"):
        assert private not in text


def test_post_xml_answers_in_xml(client, town, api_key):
    response = post(
        client,
        town,
        "xml",
        api_key=api_key,
        service_code="fallen-tree",
        address_string="駅前の公園",
        description="木が倒れている",
    )
    assert response.status_code == 201
    root = ET.fromstring(response.content)  # noqa: S314
    assert root.tag == "service_requests"
    assert root.find("request").findtext("service_request_id").startswith("R")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"service_code": "pothole"}, 403),  # no api_key
        ({"api_key": "wrong", "service_code": "pothole"}, 403),
        ({"service_code": ""}, 400),
        ({}, 400),
        ({"service_code": "nope"}, 400),
        ({"service_code": "fallen-tree", "lat": str(OUTSIDE[0]), "long": str(OUTSIDE[1])}, 400),
        ({"service_code": "fallen-tree", "lat": "abc", "long": "139"}, 400),
        ({"service_code": "fallen-tree", "lat": "nan", "long": "139"}, 400),
        ({"service_code": "fallen-tree", "lat": "95", "long": "139"}, 400),
        ({"service_code": "fallen-tree", "lat": "36"}, 400),
        ({"service_code": "fallen-tree", "description": "no place"}, 400),
        ({"service_code": "pothole", "address_string": "駅前", "attribute[depth_cm]": "deep"}, 400),
        ({"service_code": "fallen-tree", "address_string": "駅前", "description": ""}, 400),
    ],
)
def test_post_bad_input(client, town, api_key, data, status, fmt):
    data = {"description": "something", **data}
    if "api_key" not in data and status != 403:
        data["api_key"] = api_key
    data = {k: v for k, v in data.items() if v is not None}
    assert_error(post(client, town, fmt, **data), status)
    assert not Report.objects.exists()


def test_a_key_of_another_town_or_inactive_is_refused(client, town, api_key):
    other = Town(slug="othertown")
    _c, other_key = open311_client_create(municipality=other.municipality, name="Other")
    assert_error(
        post(
            client, town, api_key=other_key, service_code="fallen-tree", address_string="x", description="x"
        ),
        403,
    )
    Open311Client.objects.filter(municipality=town.municipality).update(is_active=False)
    assert_error(
        post(client, town, api_key=api_key, service_code="fallen-tree", address_string="x", description="x"),
        403,
    )


def test_get_requests_fields_dates_and_statuses(client, town):
    open_report = make_report(town)
    done = make_report(town, category=town.pothole, extra={"depth_cm": 3})
    report_transition(report=done, status=Report.Status.RESOLVED, actor=None)
    body = get(client, town, "requests.json").json()
    assert {r["service_request_id"] for r in body} == {open_report.reference, done.reference}
    for item in body:
        assert set(item) == REQUEST_FIELDS
        assert W3.match(item["requested_datetime"]) and W3.match(item["updated_datetime"])
        assert item["requested_datetime"].endswith("+09:00")
        assert item["status"] in ("open", "closed")
    assert [r["service_request_id"] for r in get(client, town, "requests.json", status="closed").json()] == [
        done.reference
    ]
    assert [r["service_request_id"] for r in get(client, town, "requests.json", status="open").json()] == [
        open_report.reference
    ]
    assert len(get(client, town, "requests.json", status="open,closed").json()) == 2
    only = get(client, town, "requests.json", service_code="pothole").json()
    assert [r["service_request_id"] for r in only] == [done.reference]
    by_id = get(
        client, town, "requests.json", service_request_id=open_report.reference, status="closed"
    ).json()
    assert [r["service_request_id"] for r in by_id] == [open_report.reference]  # overrides the other filters
    later = (timezone.now() + timedelta(hours=1)).isoformat()
    assert get(client, town, "requests.json", start_date=later).json() == []
    earlier = (timezone.now() - timedelta(hours=1)).replace(microsecond=0).isoformat()
    assert len(get(client, town, "requests.json", start_date=earlier, end_date=later).json()) == 2
    root = ET.fromstring(get(client, town, "requests.xml").content)  # noqa: S314
    assert root.tag == "service_requests"
    assert {r.findtext("status") for r in root.findall("request")} == {"open", "closed"}


def test_get_requests_defaults_to_the_last_90_days_and_pages(client, town):
    old = make_report(town)
    Report.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=100))
    recent = [make_report(town) for _ in range(3)]
    body = get(client, town, "requests.json").json()
    assert {r["service_request_id"] for r in body} == {r.reference for r in recent}
    first = get(client, town, "requests.json", page_size="2").json()
    second = get(client, town, "requests.json", page_size="2", page="2").json()
    assert len(first) == 2 and len(second) == 1
    assert {r["service_request_id"] for r in first + second} == {r.reference for r in recent}


@pytest.mark.parametrize(
    "params",
    [
        {"start_date": "yesterday"},
        {"end_date": "2026-13-45T00:00:00Z"},
        {"start_date": "2026-05-02T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
        {"status": "pending"},
        {"service_code": "nope"},
        {"page_size": "1001"},
        {"page_size": "0"},
        {"page_size": "ten"},
        {"page": "-1"},
    ],
)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_get_requests_bad_input(client, town, params, fmt):
    assert_error(get(client, town, f"requests.{fmt}", **params), 400)


def test_unknown_format_method_and_ids(client, town):
    assert_error(get(client, town, "services.csv"), 400)
    assert_error(get(client, town, "requests.html"), 400)
    assert_error(get(client, town, "requests/R-NOPE.json"), 404)
    assert_error(get(client, town, "requests/R-NOPE.xml"), 404)
    assert_error(get(client, town, "tokens/abc.json"), 404)
    assert_error(client.delete("/open311/v2/requests.json", HTTP_HOST=town.host), 405)
    assert_error(client.post("/open311/v2/services.json", HTTP_HOST=town.host), 405)


def test_request_by_id_and_token(client, town):
    report = make_report(town)
    [item] = get(client, town, f"requests/{report.reference}.json").json()
    assert item["service_request_id"] == report.reference
    assert item["service_code"] == "fallen-tree"
    assert item["lat"] == pytest.approx(report.point.y) and item["long"] == pytest.approx(report.point.x)
    assert item["address"] == ""
    [token] = get(client, town, f"tokens/{report.reference}.json").json()
    assert token == {"service_request_id": report.reference, "token": report.reference}


def test_private_and_other_towns_reports_are_not_served(client, town):
    other = Town(slug="othertown")
    theirs = report_create(
        municipality=other.municipality, category=other.tree, description="x", point=other.point()
    )
    theirs.reference = "R-OTHER"
    Report.objects.filter(pk=theirs.pk).update(reference="R-OTHER")
    hidden = make_report(
        town, reporter=Reporter(name="秘密", email="secret@example.jp"), location_text="秘密の住所"
    )
    Report.objects.filter(pk=hidden.pk).update(is_public=False)
    assert get(client, town, "requests.json").json() == []
    assert_error(get(client, town, f"requests/{theirs.reference}.json"), 404)
    assert_error(get(client, town, f"requests/{hidden.reference}.json"), 404)


def test_requests_list_takes_a_fixed_number_of_queries(client, town, django_assert_max_num_queries):
    for _ in range(4):
        make_report(town)
    with django_assert_max_num_queries(4):
        assert len(get(client, town, "requests.json").json()) == 4


def test_client_create_command_prints_a_key_once(town):
    out, err = io.StringIO(), io.StringIO()
    call_command("open311_client_create", town.municipality.slug, "Civic tech app", stdout=out, stderr=err)
    key = out.getvalue().strip()
    client = Open311Client.objects.get(name="Civic tech app")
    assert len(key) >= 40 and key not in client.key_hash
    assert Category.objects.exists()  # the town is intact
    assert json.dumps(key)  # printable


def valid_post(client, town, key, fmt="json"):
    return post(
        client,
        town,
        fmt,
        api_key=key,
        service_code="fallen-tree",
        lat=str(town.point().y),
        long=str(town.point().x),
        description="木が倒れています",
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_client_over_its_hourly_limit_gets_429_and_nothing_is_created(client, town, api_key, settings, fmt):
    settings.OPEN311_RATE_LIMIT = (2, 3600)
    _other, other_key = open311_client_create(municipality=town.municipality, name="Civic tech app")
    assert valid_post(client, town, api_key, fmt).status_code == 201
    assert valid_post(client, town, api_key, fmt).status_code == 201
    refused = valid_post(client, town, api_key, fmt)
    assert_error(refused, 429)
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert "送信が多すぎます" in refused.content.decode()
    assert Report.objects.count() == 2
    assert valid_post(client, town, other_key, fmt).status_code == 201  # the limit is per key


def test_a_clients_own_limit_overrides_the_default(client, town, settings):
    settings.OPEN311_RATE_LIMIT = (1, 3600)
    _generous, key = open311_client_create(
        municipality=town.municipality, name="Road assets", posts_per_hour=3
    )
    assert [valid_post(client, town, key).status_code for _ in range(4)] == [201, 201, 201, 429]


def test_a_wrong_key_is_refused_before_the_limit_counts(client, town, api_key, settings):
    settings.OPEN311_RATE_LIMIT = (1, 3600)
    assert_error(valid_post(client, town, "wrong-key"), 403)
    assert valid_post(client, town, api_key).status_code == 201


def test_client_create_refuses_a_limit_below_one(town):
    with pytest.raises(ServiceError):
        open311_client_create(municipality=town.municipality, name="Zero", posts_per_hour=0)
    assert not Open311Client.objects.exists()
