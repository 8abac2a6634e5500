"""The report form without JavaScript: accessible markup, clear translated errors, nothing typed is lost."""

import io
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from reports.models import PendingUpload, Photo, Report
from reports.services import report_create
from tests.reports import images

pytestmark = pytest.mark.django_db

TYPED = {
    "description": "側溝のふたがずれています。",
    "location_text": "本町2丁目バス停の前",
    "contact_name": "山田花子",
    "contact_email": "hanako@example.jp",
    "contact_phone": "090-1234-5678",
}


def form_data(town, **overrides):
    data = {"category": "pothole", "lat": str(town.point().y), "lng": str(town.point().x), **TYPED}
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def submit(client, town, data, language="ja"):
    return client.post("/reports/new/", data, HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE=language)


def test_the_form_is_labelled_grouped_and_works_without_a_script(client, town):
    response = client.get("/reports/new/", HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert html.count("<fieldset") >= 4
    assert "<legend>どんな問題ですか？</legend>" in html
    for category in ("道路の穴", "倒木"):
        assert category in html
    assert html.count('type="radio" name="category"') == 2
    assert html.count('class="category-icon"') == 2
    for field in (
        "id_lat",
        "id_lng",
        "id_location_text",
        "id_title",
        "id_description",
        "id_photos",
        "id_contact_email",
    ):
        assert f'for="{field}"' in html, field
    assert 'aria-describedby="id_description-help"' in html
    assert "data-map-tools hidden" in html, "the map appears only when the script can run it"


def test_a_good_report_redirects_to_its_page_with_the_reference(client, town):
    data = form_data(town)
    data["photos"] = [
        SimpleUploadedFile("a.jpg", images.jpeg(), "image/jpeg"),
        SimpleUploadedFile("b.jpg", images.jpeg(colour=(10, 200, 10)), "image/jpeg"),
    ]
    response = submit(client, town, data)
    report = Report.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/reports/{report.reference}/"
    assert report.source == Report.Source.WEB
    assert Photo.objects.filter(report=report).count() == 2
    page = client.get(response["Location"], HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="ja")
    assert f"受付番号は {report.reference} です" in page.content.decode()


def test_full_width_digits_are_understood(client, town):
    response = submit(client, town, form_data(town, lat="３６．００１", lng="１３８．９９"))
    assert response.status_code == 302
    assert Report.objects.get().point.y == pytest.approx(36.001)


BAD_INPUTS = [
    (
        "no category",
        {"category": None},
        "id_category_0",
        "問題の種類を選んでください。",
        "Please choose what kind",
    ),
    (
        "unknown category",
        {"category": "volcano"},
        "id_category_0",
        "一覧にある種類",
        "Choose one of the categories",
    ),
    (
        "no description",
        {"description": ""},
        "id_description",
        "問題の内容を書いてください。",
        "Please describe",
    ),
    (
        "long description",
        {"description": "あ" * 2001},
        "id_description",
        "2000文字以内",
        "under 2000 characters",
    ),
    (
        "latitude in words",
        {"lat": "北緯36度"},
        "id_lat",
        "緯度は 36.3895 のような数値",
        "Latitude as a number",
    ),
    ("only a longitude", {"lat": ""}, "id_location_text", "緯度と経度は両方", "both the latitude and"),
    (
        "no place at all",
        {"lat": "", "lng": "", "location_text": ""},
        "id_location_text",
        "地図で場所",
        "mark the place",
    ),
    (
        "outside the town",
        {"lat": "35.5", "lng": "139.0"},
        "id_location_text",
        "桜町の外です",
        "outside Sakura Town",
    ),
    (
        "bad e-mail",
        {"contact_email": "hanako@"},
        "id_contact_email",
        "name@example.jp のような形",
        "like name@example.jp",
    ),
    (
        "bad telephone",
        {"contact_phone": "電話して"},
        "id_contact_phone",
        "027-000-0000 のような形",
        "such as 027-000-0000",
    ),
]


@pytest.mark.parametrize(
    ("case", "overrides", "anchor", "japanese", "english"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS]
)
def test_each_bad_input_shows_a_linked_translated_error_and_keeps_what_was_typed(
    client, town, case, overrides, anchor, japanese, english
):
    data = form_data(town, **overrides)
    for language, expected in (("ja", japanese), ("en", english)):
        response = submit(client, town, data, language=language)
        assert response.status_code == 400
        html = response.content.decode()
        assert expected in html, (case, language)
        # The error summary links to the input, and is focused first.
        assert re.search(rf'<a href="#{anchor}">[^<]*{re.escape(expected)}', html), (case, language)
        assert 'id="error-summary"' in html
        assert "autofocus" in html
        # Every typed value is still there.
        for name, value in TYPED.items():
            if name in overrides:
                continue
            assert value in html, (case, name)
    assert not Report.objects.exists()


def test_the_error_is_tied_to_its_input_for_screen_readers(client, town):
    html = submit(client, town, form_data(town, contact_email="x@")).content.decode()
    field = re.search(r'<input[^>]*name="contact_email"[^>]*>', html).group(0)
    assert 'aria-describedby="id_contact_email-error"' in field
    assert 'aria-invalid="true"' in field
    assert 'id="id_contact_email-error"' in html


@pytest.mark.parametrize(
    ("content", "name", "japanese"),
    [
        (images.PDF, "見積書.pdf", "「見積書.pdf」は写真ではありません"),
        (images.PDF, "IMG_0002.jpg", "「IMG_0002.jpg」は写真ではありません"),
        (images.gif(), "anim.gif", "「anim.gif」は受け付けできない画像形式"),
        (images.truncated_jpeg(), "cut.jpg", "「cut.jpg」は壊れているか"),
        (images.bomb(), "bomb.png", "「bomb.png」は40メガピクセルを超えています"),
    ],
)
def test_a_bad_photo_is_named_and_the_good_one_is_kept(client, town, content, name, japanese):
    data = form_data(town)
    data["photos"] = [
        SimpleUploadedFile("good.jpg", images.jpeg(), "image/jpeg"),
        SimpleUploadedFile(name, content),
    ]
    response = submit(client, town, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert japanese in html
    assert TYPED["description"] in html
    assert not Report.objects.exists()
    assert not Photo.objects.exists()
    # The good photo waits for the form, shown with a remove button; the bad one does not.
    assert [upload.original_name for upload in PendingUpload.objects.all()] == ["good.jpg"]
    assert html.count('name="remove_photo"') == 1


def test_too_large_and_too_many_photos(client, town, settings):
    settings.REPORT_PHOTO_MAX_BYTES = 2 * 1024 * 1024
    data = form_data(town)
    data["photos"] = [SimpleUploadedFile("huge.jpg", images.jpeg() + b"\0" * (2 * 1024 * 1024))]
    response = submit(client, town, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "「huge.jpg」は2MBより大きい" in html
    assert TYPED["description"] in html
    assert not Report.objects.exists()


def test_six_photos_are_refused_and_kept_so_one_can_be_removed(client, town):
    data = form_data(town)
    data["photos"] = [SimpleUploadedFile(f"{n}.jpg", images.jpeg(), "image/jpeg") for n in range(6)]
    response = submit(client, town, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert "写真は5枚まで添付できます。" in html
    assert TYPED["description"] in html
    assert not Report.objects.exists()
    assert html.count('name="remove_photo"') == 6

    # Removing one (the button re-sends the form without the script) leaves five, and no error yet.
    removed = PendingUpload.objects.get(original_name="3.jpg")
    again = form_data(town, submission=token_of(html), remove_photo=removed.token)
    html = submit(client, town, again).content.decode()
    assert html.count('name="remove_photo"') == 5
    assert "error-summary" not in html
    assert TYPED["description"] in html

    response = submit(client, town, form_data(town, submission=token_of(html)))
    assert response.status_code == 302
    report = Report.objects.get()
    names = list(report.photos.values_list("original_name", flat=True))
    assert names == ["0.jpg", "1.jpg", "2.jpg", "4.jpg", "5.jpg"]
    assert not PendingUpload.objects.exists()


def token_of(html: str) -> str:
    found = re.search(r'name="submission" value="([^"]+)"', html)
    assert found, "the form carries its signed submission token"
    return found.group(1)


def test_photos_survive_a_form_error_and_are_attached_on_the_correct_resubmit(
    client, town, media, django_capture_on_commit_callbacks
):
    data = form_data(town, description="")
    data["photos"] = [
        SimpleUploadedFile("a.jpg", images.jpeg(), "image/jpeg"),
        SimpleUploadedFile("b.jpg", images.jpeg(colour=(10, 200, 10)), "image/jpeg"),
    ]
    response = submit(client, town, data, language="en")
    assert response.status_code == 400
    html = response.content.decode()
    assert "Please describe the problem." in html
    assert "Your 2 photos are kept" in html
    kept = list(PendingUpload.objects.all())
    assert [upload.original_name for upload in kept] == ["a.jpg", "b.jpg"]
    # Each is shown as a metadata-free thumbnail with a remove button.
    for upload in kept:
        assert f'value="{upload.token}"' in html
        preview = client.get(f"/reports/new/photos/{upload.token}/", HTTP_HOST=town.host)
        assert preview.status_code == 200
        assert preview["Content-Type"] == "image/jpeg"
        assert "exif" not in Image.open(io.BytesIO(preview.content)).info

    # The resubmit carries no files, only the signed form token.
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, town, form_data(town, submission=token_of(html)))
    assert response.status_code == 302
    report = Report.objects.get()
    assert list(report.photos.values_list("original_name", flat=True)) == ["a.jpg", "b.jpg"]
    assert not PendingUpload.objects.exists()
    assert not list((media / "private" / "reports" / "pending").rglob("*.jpg"))


def test_kept_photos_belong_to_their_form_only(client, town):
    data = form_data(town, description="")
    data["photos"] = [SimpleUploadedFile("a.jpg", images.jpeg(), "image/jpeg")]
    submit(client, town, data)
    stranger = form_data(town, submission="forged-form-id")
    response = submit(client, town, stranger)
    assert response.status_code == 302
    assert not Report.objects.get().photos.exists()
    assert PendingUpload.objects.count() == 1
    # A made-up or expired preview address is not found.
    assert client.get("/reports/new/photos/nothing/", HTTP_HOST=town.host).status_code == 404


def test_keeping_photos_is_rate_limited_and_says_so(client, town, settings):
    settings.REPORT_PENDING_RATE_LIMIT = (1, 3600)
    for attempt in range(2):
        data = form_data(town, description="")
        data["photos"] = [SimpleUploadedFile(f"{attempt}.jpg", images.jpeg(), "image/jpeg")]
        html = submit(client, town, data).content.decode()
    assert "写真は保存されていません" in html
    assert TYPED["location_text"] in html
    assert [upload.original_name for upload in PendingUpload.objects.all()] == ["0.jpg"]


def test_kept_photos_expire(client, town, settings):
    data = form_data(town, description="")
    data["photos"] = [SimpleUploadedFile("a.jpg", images.jpeg(), "image/jpeg")]
    html = submit(client, town, data).content.decode()
    PendingUpload.objects.update(created_at=timezone.now() - timedelta(hours=25))
    response = submit(client, town, form_data(town, submission=token_of(html)))
    assert response.status_code == 302
    assert not Report.objects.get().photos.exists()


def test_a_double_tap_on_send_makes_one_report(client, town):
    page = client.get("/reports/new/", HTTP_HOST=town.host).content.decode()
    data = form_data(town, submission=token_of(page))
    first = submit(client, town, data)
    second = submit(client, town, data)
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Report.objects.count() == 1


def test_without_a_script_nearby_reports_are_offered_before_sending(client, town):
    earlier = report_create(
        municipality=town.municipality, category=town.pothole, description="前からある穴", point=town.point()
    )
    report_create(  # another kind of problem at the same place is not offered
        municipality=town.municipality, category=town.tree, description="倒れた木", point=town.point()
    )
    data = form_data(town, **{"extra-pothole-depth": "10"})
    data["photos"] = [SimpleUploadedFile("a.jpg", images.jpeg(), "image/jpeg")]
    response = submit(client, town, data, language="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Already reported nearby?" in html
    assert earlier.reference in html
    assert "倒れた木" not in html
    assert f'action="/reports/{earlier.reference}/support/"' in html
    assert "Your photo is kept with your report." in html
    assert Report.objects.count() == 2
    # Everything typed is carried in the page, ready to send.
    for value in TYPED.values():
        assert value in html
    assert 'name="extra-pothole-depth" value="10"' in html

    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    carried.pop("csrfmiddlewaretoken", None)
    assert carried["nearby_checked"] == "1"
    response = submit(client, town, carried)
    assert response.status_code == 302
    report = Report.objects.latest("pk")
    assert report.description == TYPED["description"]
    assert report.reporter.email == TYPED["contact_email"]
    assert list(report.photos.values_list("original_name", flat=True)) == ["a.jpg"]


def test_the_nearby_step_can_go_back_or_support_instead(client, town):
    earlier = report_create(
        municipality=town.municipality, category=town.pothole, description="前からある穴", point=town.point()
    )
    html = submit(client, town, form_data(town)).content.decode()
    carried = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', html))
    back = submit(client, town, {**carried, "step": "edit"})
    assert back.status_code == 200
    html = back.content.decode()
    assert TYPED["description"] in html
    assert re.search(r'<input type="radio" name="category" value="pothole"[^>]* checked', html)
    assert f'value="{town.point().y}"' in html
    assert "error-summary" not in html

    supported = client.post(f"/reports/{earlier.reference}/support/", HTTP_HOST=town.host)
    assert supported.status_code == 302
    earlier.refresh_from_db()
    assert earlier.support_count == 1
    assert Report.objects.count() == 1


def test_the_web_form_is_rate_limited_too(client, town, settings):
    settings.REPORT_RATE_LIMIT = (1, 3600)
    assert submit(client, town, form_data(town)).status_code == 302
    response = submit(client, town, form_data(town, nearby_checked="1"))  # "mine is new"
    assert response.status_code == 429
    html = response.content.decode()
    assert "分待ってから" in html
    assert TYPED["description"] in html
    assert Report.objects.count() == 1


def test_the_form_offers_only_this_towns_categories(client, town, other_town):
    other_town.pothole.name_ja = "よその穴"
    other_town.pothole.save()
    html = client.get("/reports/new/", HTTP_HOST=town.host).content.decode()
    assert "よその穴" not in html
