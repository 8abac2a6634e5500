"""A report's public page: public fields, visible photos, timeline, Open Graph; never reporter data."""

import io

import pytest

from reports.models import Photo, Report, Reporter
from reports.services import PhotoUpload, report_create, report_photo_process, report_transition
from tests.reports import images

pytestmark = pytest.mark.django_db

PRIVATE = ("山田花子", "hanako@example.jp", "090-1234-5678", "自宅の玄関前", "IMG_山田家.jpg")


@pytest.fixture
def report(town):
    return report_create(
        municipality=town.municipality,
        category=town.pothole,
        description="交差点の手前に直径30cmの穴があります。",
        point=town.point(),
        location_text=PRIVATE[3],
        reporter=Reporter(name=PRIVATE[0], email=PRIVATE[1], phone=PRIVATE[2]),
        photos=[
            PhotoUpload(name=PRIVATE[4], file=io.BytesIO(images.jpeg((1200, 900), gps=(36.0, 139.0)))),
            PhotoUpload(name="two.jpg", file=io.BytesIO(images.jpeg((800, 600)))),
        ],
    )


def page(client, town, report, language="ja"):
    return client.get(f"/reports/{report.reference}/", HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE=language)


def test_a_fresh_report_shows_public_fields_and_a_processing_placeholder(client, town, report):
    response = page(client, town, report)
    assert response.status_code == 200
    html = response.content.decode()
    assert report.reference in html
    assert "道路の穴" in html
    assert "交差点の手前に直径30cmの穴があります。" in html
    assert "西地区" in html
    assert "受付" in html
    assert "写真2枚を準備中です" in html
    assert "報告を受け付けました" in html
    for private in PRIVATE:
        assert private not in html


def test_processed_visible_photos_are_shown_hidden_ones_are_not(
    client, town, report, django_assert_max_num_queries
):
    first, second = Photo.objects.filter(report=report).order_by("position")
    for photo in (first, second):
        report_photo_process(photo_id=photo.pk)
    second.refresh_from_db()
    Photo.objects.filter(pk=second.pk).update(moderation=Photo.Moderation.HIDDEN)
    first.refresh_from_db()
    page(client, town, report)  # the first view of a site creates its branding settings row
    with django_assert_max_num_queries(7):
        response = page(client, town, report)
    html = response.content.decode()
    assert first.thumb.url in html
    assert first.large.url in html
    assert second.thumb.url not in html
    assert second.large.url not in html
    assert "準備中" not in html
    assert f"報告 {report.reference} の写真 1" in html
    assert f'<meta property="og:image" content="http://{town.host}{first.large.url}">' in html
    assert first.original.name not in html


def test_open_graph_and_canonical_tags(client, town, report):
    html = page(client, town, report, language="en").content.decode()
    url = f"http://{town.host}/reports/{report.reference}/"
    assert f'<meta property="og:url" content="{url}">' in html
    assert f'<link rel="canonical" href="{url}">' in html
    assert f'<meta property="og:title" content="Pothole ({report.reference})' in html
    assert 'property="og:description" content="Received: ' in html


def test_the_public_timeline_shows_status_changes_with_messages(client, town, report):
    report_transition(report=report, status=Report.Status.IN_PROGRESS, actor=None, message="来週補修します。")
    report_transition(
        report=report, status=Report.Status.ACKNOWLEDGED, actor=None, message="内部メモ", public=False
    )
    html = page(client, town, report).content.decode()
    assert "状況が「対応中」になりました" in html
    assert "来週補修します。" in html
    assert "内部メモ" not in html


def test_another_towns_report_and_hidden_reports_are_404(client, town, other_town, report):
    assert page(client, other_town, report).status_code == 404
    assert (
        client.get("/api/v1/reports/" + report.reference + "/", HTTP_HOST=other_town.host).status_code == 404
    )
    Report.objects.filter(pk=report.pk).update(is_public=False)
    assert page(client, town, report).status_code == 404
    assert client.get("/reports/R-2026-999999/", HTTP_HOST=town.host).status_code == 404


def test_support_from_the_page_works_without_a_script_and_counts_once(client, town, report):
    url = f"/reports/{report.reference}/support/"
    first = client.post(url, HTTP_HOST=town.host)
    assert first.status_code == 302
    assert first["Location"] == f"/reports/{report.reference}/"
    client.post(url, HTTP_HOST=town.host)
    report.refresh_from_db()
    assert report.support_count == 1
    html = page(client, town, report).content.decode()
    assert "この報告に賛同しました" in html
    assert "この報告にはすでに賛同しています。" in html


def test_a_closed_report_takes_no_support(client, town, report):
    report_transition(report=report, status=Report.Status.RESOLVED, actor=None)
    html = page(client, town, report).content.decode()
    assert "賛同する" not in html
    response = client.post(f"/reports/{report.reference}/support/", HTTP_HOST=town.host, follow=True)
    assert "終了しているため" in response.content.decode()


def test_the_original_upload_is_not_served(client, town, report, settings):
    photo = Photo.objects.filter(report=report).first()
    assert not str(settings.PRIVATE_MEDIA_ROOT).startswith(str(settings.MEDIA_ROOT))
    assert client.get(f"/media/{photo.original.name}", HTTP_HOST=town.host).status_code == 404
    with pytest.raises(ValueError, match="no public URL"):
        _ = photo.original.url
