"""The JSON API: create (multipart and JSON), idempotency, rate limit, CSRF, nearby, support, photo hint."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from reports.models import Photo, Report
from reports.services import report_create, report_transition
from tests.factories import UserFactory
from tests.reports import images

pytestmark = pytest.mark.django_db

PRIVATE = ("山田花子", "hanako@example.jp", "090-1234-5678", "自宅の前", "IMG_家.jpg")


def post(client, town, data=None, *, language="en", **extra):
    return client.post(
        "/api/v1/reports/", data or {}, HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE=language, **extra
    )


def valid(town, **overrides):
    data = {
        "category": "pothole",
        "lat": str(town.point().y),
        "lng": str(town.point().x),
        "description": "歩道の段差が危ないです。",
    }
    data.update(overrides)
    return data


def test_create_with_a_photo(client, town):
    data = valid(
        town,
        contact_name=PRIVATE[0],
        contact_email=PRIVATE[1],
        contact_phone=PRIVATE[2],
        location_text=PRIVATE[3],
    )
    data["photos"] = SimpleUploadedFile(PRIVATE[4], images.jpeg(gps=(36.0, 139.0)), "image/jpeg")
    response = post(client, town, data)
    assert response.status_code == 201, response.content
    body = response.json()
    report = Report.objects.get()
    assert body["reference"] == report.reference
    assert response["Location"] == f"/reports/{report.reference}/"
    assert body["id"] == report.pk
    assert body["url"] == f"http://{town.host}/reports/{report.reference}/"
    assert body["category"] == {"code": "pothole", "name": "Pothole", "icon": "pothole"}
    assert body["status"] == "new"
    assert body["photos"] == []
    assert body["photos_processing"] == 1
    assert body["area"] == "West"
    assert report.source == Report.Source.API
    assert report.reporter.name == PRIVATE[0]
    text = response.content.decode()
    for private in PRIVATE:
        assert private not in text
        assert json.dumps(private)[1:-1] not in text
    assert Photo.objects.get().original_name == PRIVATE[4]


def test_create_with_a_photo_takes_a_bounded_number_of_queries(client, town, django_assert_max_num_queries):
    data = valid(town)
    data["photos"] = SimpleUploadedFile("a.jpg", images.jpeg(), "image/jpeg")
    with django_assert_max_num_queries(16):
        assert post(client, town, data).status_code == 201


def test_create_from_json(client, town):
    payload = {"category": "pothole", "point": [138.99, 36.0], "description": "穴", "title": "大きな穴"}
    response = client.post(
        "/api/v1/reports/", json.dumps(payload), content_type="application/json", HTTP_HOST=town.host
    )
    assert response.status_code == 201, response.content
    assert response.json()["point"] == [138.99, 36.0]
    assert response.json()["title"] == "大きな穴"


@pytest.mark.parametrize(
    ("overrides", "field", "english", "japanese"),
    [
        ({"category": ""}, "category", "choose what kind of problem", "問題の種類を選んでください"),
        ({"category": "volcano"}, "category", "Choose one of the categories", "一覧にある種類"),
        ({"description": ""}, "description", "describe the problem", "問題の内容を書いてください"),
        ({"lat": "北緯36度"}, "lat", "Latitude as a number", "緯度は"),
        ({"lat": "91", "lng": "139"}, "lat", "between -90 and 90", "-90 から 90"),
        ({"lng": ""}, "location", "both the latitude and the longitude", "緯度と経度は両方"),
        ({"lat": "", "lng": ""}, "location", "mark the place on the map", "地図で場所を指定"),
        ({"lat": "36.3", "lng": "139.0"}, "location", "outside Sakura Town", "桜町の外です"),
        ({"contact_email": "hanako@"}, "contact_email", "name@example.jp", "name@example.jp"),
        ({"contact_phone": "call me"}, "contact_phone", "027-000-0000", "027-000-0000"),
    ],
)
def test_bad_input_answers_400_with_translated_field_errors(
    client, town, overrides, field, english, japanese
):
    for language, expected in (("en", english), ("ja", japanese)):
        response = post(client, town, valid(town, **overrides), language=language)
        assert response.status_code == 400
        body = response.json()
        assert expected in " ".join(body["errors"][field]), body
    assert not Report.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "japanese"),
    [
        (images.PDF, "document.pdf", "「document.pdf」は写真ではありません"),
        (images.PDF, "photo.jpg", "「photo.jpg」は写真ではありません"),
        (images.bomb(), "big.png", "「big.png」は40メガピクセルを超えています"),
        (images.gif(), "anim.gif", "受け付けできない画像形式"),
        (b"", "empty.jpg", None),  # Django itself refuses an empty upload
        (images.truncated_jpeg(), "cut.jpg", "壊れているか"),
    ],
)
def test_bad_photos_answer_400_naming_the_file(client, town, content, name, japanese):
    data = valid(town)
    data["photos"] = SimpleUploadedFile(name, content, "image/jpeg")
    response = post(client, town, data, language="ja")
    assert response.status_code == 400
    errors = response.json()["errors"]["photos"]
    if japanese:
        assert japanese in errors[0]
    assert not Report.objects.exists()
    assert not Photo.objects.exists()


def test_an_oversized_photo_is_refused_naming_the_file(client, town, settings):
    settings.REPORT_PHOTO_MAX_BYTES = 2 * 1024 * 1024
    data = valid(town)
    data["photos"] = SimpleUploadedFile("huge.jpg", images.jpeg() + b"\0" * (2 * 1024 * 1024), "image/jpeg")
    for language, expected in (
        ("ja", "「huge.jpg」は2MBより大きい"),
        ("en", "“huge.jpg” is larger than 2 MB"),
    ):
        response = post(client, town, data, language=language)
        assert response.status_code == 400
        assert expected in response.json()["errors"]["photos"][0]
        data["photos"].seek(0)
    assert not Report.objects.exists()
    assert not Photo.objects.exists()


def test_six_photos_are_refused(client, town):
    data = valid(town)
    data["photos"] = [SimpleUploadedFile(f"{n}.jpg", images.jpeg(), "image/jpeg") for n in range(6)]
    response = post(client, town, data, language="ja")
    assert response.status_code == 400
    assert response.json()["errors"]["photos"] == ["写真は5枚まで添付できます。"]
    assert not Report.objects.exists()


def test_a_replay_with_the_same_idempotency_key_returns_the_first_report(client, town):
    first = post(client, town, valid(town), HTTP_IDEMPOTENCY_KEY="phone-42")
    again = post(client, town, valid(town), HTTP_IDEMPOTENCY_KEY="phone-42")
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Report.objects.count() == 1

    different = post(client, town, valid(town, description="別の穴"), HTTP_IDEMPOTENCY_KEY="phone-42")
    assert different.status_code == 422
    assert "different report" in different.json()["errors"]["__all__"][0]
    assert Report.objects.count() == 1


def test_the_same_idempotency_key_in_another_town_is_another_report(client, town, other_town):
    assert post(client, town, valid(town), HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert post(client, other_town, valid(other_town), HTTP_IDEMPOTENCY_KEY="k").status_code == 201
    assert Report.objects.count() == 2


def test_report_creation_is_rate_limited_per_address(client, town, settings):
    settings.REPORT_RATE_LIMIT = (2, 3600)
    for _ in range(2):
        assert post(client, town, valid(town)).status_code == 201
    limited = post(client, town, valid(town), language="ja")
    assert limited.status_code == 429
    assert "分待ってから" in limited.json()["errors"]["__all__"][0]
    assert 0 < int(limited["Retry-After"]) <= 3600
    assert Report.objects.count() == 2
    # Another address is not affected.
    assert post(client, town, valid(town), REMOTE_ADDR="192.0.2.7").status_code == 201


def test_csrf_is_enforced_for_cookie_authenticated_requests_only(town):
    browser = Client(enforce_csrf_checks=True)
    # An app: no cookies, no token needed.
    assert post(browser, town, valid(town)).status_code == 201
    # A signed-in browser without the token is refused, with the token accepted.
    browser.force_login(UserFactory())
    refused = post(browser, town, valid(town))
    assert refused.status_code == 403
    assert Report.objects.count() == 1
    page = browser.get("/reports/new/", HTTP_HOST=town.host)
    token = page.context["csrf_token"]
    accepted = post(browser, town, valid(town), HTTP_X_CSRFTOKEN=str(token))
    assert accepted.status_code == 201


def test_nearby_lists_open_reports_of_the_category_within_50_m(client, town, other_town):
    here = town.point()
    near = report_create(municipality=town.municipality, category=town.pothole, description="a", point=here)
    report_create(  # 30 m north, but fixed
        municipality=town.municipality, category=town.pothole, description="b", point=town.point(dlat=0.00027)
    )
    fixed = Report.objects.exclude(pk=near.pk).get()
    report_transition(report=fixed, status=Report.Status.RESOLVED, actor=None)
    report_create(  # about 90 m east
        municipality=town.municipality, category=town.pothole, description="c", point=town.point(dlng=-0.009)
    )
    report_create(municipality=town.municipality, category=town.tree, description="d", point=here)
    report_create(
        municipality=other_town.municipality, category=other_town.pothole, description="e", point=here
    )

    response = client.get(
        "/api/v1/reports/nearby/",
        {"lat": here.y, "lng": here.x, "category": "pothole"},
        HTTP_HOST=town.host,
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["reference"] for r in results] == [near.reference]
    assert results[0]["distance_m"] < 1
    assert set(results[0]) >= {"url", "category", "status", "description", "support_count"}

    anything = client.get("/api/v1/reports/nearby/", {"lat": here.y, "lng": here.x}, HTTP_HOST=town.host)
    assert len(anything.json()["results"]) == 2


def test_nearby_refuses_bad_parameters(client, town):
    for params in (
        {"lat": "x", "lng": "1"},
        {"lat": "100", "lng": "1"},
        {"lat": "36", "lng": "139", "category": "?"},
    ):
        response = client.get(
            "/api/v1/reports/nearby/", params, HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="ja"
        )
        assert response.status_code == 400
        assert response.json()["errors"]["__all__"]


def test_detail_is_public_only_and_scoped_to_the_town(
    client, town, other_town, django_assert_max_num_queries
):
    report = report_create(
        municipality=town.municipality,
        category=town.pothole,
        description="穴",
        point=town.point(),
        location_text=PRIVATE[3],
    )
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/reports/{report.reference}/", HTTP_HOST=town.host)
    assert response.status_code == 200
    assert PRIVATE[3] not in response.content.decode()
    assert [entry["kind"] for entry in response.json()["timeline"]] == ["created"]
    assert client.get(f"/api/v1/reports/{report.reference}/", HTTP_HOST=other_town.host).status_code == 404


def test_support_once_per_browser_and_once_per_email(client, town):
    report = report_create(
        municipality=town.municipality, category=town.pothole, description="穴", point=town.point()
    )
    url = f"/api/v1/reports/{report.reference}/support/"
    first = client.post(url, HTTP_HOST=town.host)
    assert first.json() == {
        "reference": report.reference,
        "supported": True,
        "new": True,
        "confirmation_sent": False,
        "support_count": 1,
    }
    again = client.post(url, HTTP_HOST=town.host)  # the signed cookie from the first answer is sent back
    assert again.json()["new"] is False
    assert again.json()["support_count"] == 1
    app = Client()
    by_mail = app.post(url, {"email": "Someone@Example.jp"}, HTTP_HOST=town.host)
    same_mail = app.post(url, {"email": "someone@example.jp "}, HTTP_HOST=town.host)
    assert (by_mail.json()["new"], same_mail.json()["new"]) == (True, False)
    report.refresh_from_db()
    assert report.support_count == 2


def test_support_for_a_closed_report_is_refused(client, town):
    report = report_create(
        municipality=town.municipality, category=town.pothole, description="穴", point=town.point()
    )
    report_transition(report=report, status=Report.Status.RESOLVED, actor=None)
    response = client.post(
        f"/api/v1/reports/{report.reference}/support/", HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert response.status_code == 409
    assert "終了" in response.json()["errors"]["__all__"][0]


def test_the_photo_hint_reads_gps_without_keeping_the_file(client, town, media):
    upload = SimpleUploadedFile("IMG_1.jpg", images.jpeg(gps=(36.01, 139.02)), "image/jpeg")
    response = client.post("/api/v1/photos/hint/", {"photo": upload}, HTTP_HOST=town.host)
    assert response.status_code == 200
    body = response.json()
    assert body["gps"] == {"lat": pytest.approx(36.01, abs=1e-5), "lng": pytest.approx(139.02, abs=1e-5)}
    assert body["inside"] is True
    assert not (media / "private").exists() or not any((media / "private").rglob("*.jpg"))

    outside = SimpleUploadedFile("IMG_2.jpg", images.jpeg(gps=(35.0, 135.0)), "image/jpeg")
    assert (
        client.post("/api/v1/photos/hint/", {"photo": outside}, HTTP_HOST=town.host).json()["inside"] is False
    )

    bad = SimpleUploadedFile("a.pdf", images.PDF, "application/pdf")
    refused = client.post(
        "/api/v1/photos/hint/", {"photo": bad}, HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="ja"
    )
    assert refused.status_code == 400
    assert refused.json()["code"] == "not_image"
    assert "写真ではありません" in refused.json()["errors"]["photo"][0]


def test_api_answers_404_on_an_unknown_host(client, town):
    from wagtail.models import Site

    Site.objects.filter(is_default_site=True).update(is_default_site=False)
    response = client.post("/api/v1/reports/", valid(town), HTTP_HOST="nowhere.localhost")
    assert response.status_code == 404
    assert not Report.objects.exists()
