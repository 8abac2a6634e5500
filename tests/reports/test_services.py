"""report_create and friends: validation, routing, references, idempotency, photos, support, status."""

import io
import threading

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import translation
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult
from PIL import Image

from civic.errors import ServiceError
from reports.models import IdempotencyKey, Photo, Report, Reporter, ReportEvent, ReportSupport, RoutingRule
from reports.services import (
    PhotoUpload,
    report_create,
    report_photo_process,
    report_support,
    report_transition,
)
from tests.reports import images

pytestmark = pytest.mark.django_db


def create(town, **kwargs):
    arguments = {
        "municipality": town.municipality,
        "category": town.pothole,
        "description": "交差点の手前に穴があります。",
        "point": town.point(),
    }
    arguments.update(kwargs)
    return report_create(**arguments)


def photo(data: bytes, name: str = "IMG_0001.jpg") -> PhotoUpload:
    return PhotoUpload(name=name, file=io.BytesIO(data))


def photo_tasks():
    return DBTaskResult.objects.filter(task_path="reports.tasks.process_report_photo")


def refused(town, **kwargs) -> ServiceError:
    before = Report.objects.count()
    with pytest.raises(ServiceError) as caught:
        create(town, **kwargs)
    assert Report.objects.count() == before, "a refused report must leave nothing behind"
    return caught.value


def test_a_report_is_routed_referenced_and_recorded(town):
    report = create(town, reporter=Reporter(name="山田花子", email="hanako@example.jp", phone="027-000-0000"))
    assert report.reference == f"R-{report.created_at.year}-000001"
    assert report.department == town.roads
    assert report.area == town.west
    assert report.status == Report.Status.NEW
    assert (report.reporter.name, report.reporter.email, report.reporter.municipality) == (
        "山田花子",
        "hanako@example.jp",
        town.municipality,
    )
    assert report.reporter.notify == Reporter.Notify.EMAIL
    event = ReportEvent.objects.get(report=report)
    assert event.kind == ReportEvent.Kind.CREATED
    assert event.is_public
    assert event.after["department"] == "roads"


def test_a_routing_rule_for_the_area_overrides_the_category_department(town):
    RoutingRule.objects.create(
        municipality=town.municipality, category=town.pothole, area=town.east, department=town.parks
    )
    assert create(town, point=town.point(dlng=0.01)).department == town.parks
    assert create(town, point=town.point(dlng=-0.01)).department == town.roads


def test_references_count_per_town_and_year(town, other_town):
    first, second = create(town), create(town)
    elsewhere = create(other_town)
    number = int(first.reference.rsplit("-", 1)[1])
    assert second.reference.endswith(f"{number + 1:06d}")
    assert elsewhere.reference.endswith("000001")
    assert first.reference[2:6] == str(first.created_at.year)


@pytest.mark.parametrize(
    ("arguments", "field", "english", "japanese"),
    [
        (
            {"description": "   "},
            "description",
            "Please describe the problem.",
            "問題の内容を書いてください。",
        ),
        ({"description": "あ" * 2001}, "description", "under 2,000 characters", "2,000文字以内"),
        ({"point": None}, "location", "mark the place on the map", "地図で場所"),
        (
            {"reporter": Reporter(email="not-an-address")},
            "contact_email",
            "name@example.jp",
            "name@example.jp",
        ),
    ],
)
def test_bad_input_is_refused_with_a_translated_message(town, arguments, field, english, japanese):
    with translation.override("en"):
        error = refused(town, **arguments)
    assert english in " ".join(error.field_errors[field])
    with translation.override("ja"):
        error = refused(town, **arguments)
    assert japanese in " ".join(error.field_errors[field])


def test_a_place_outside_the_town_is_refused(town):
    with translation.override("ja"):
        error = refused(town, point=town.point(dlat=0.2))
    assert "桜町の外" in error.field_errors["location"][0]


def test_a_category_of_another_town_or_inactive_one_is_refused(town, other_town):
    assert "category" in refused(town, category=other_town.pothole).field_errors
    town.tree.is_active = False
    town.tree.save()
    assert "category" in refused(town, category=town.tree).field_errors


@pytest.mark.parametrize(
    ("data", "name", "code_message"),
    [
        (b"", "empty.jpg", "is empty"),
        (images.PDF, "scan.jpg", "is not a photo"),
        (images.gif(), "anim.gif", "format we cannot accept"),
        (images.truncated_jpeg(), "cut.jpg", "damaged or incomplete"),
        (images.bomb(), "bomb.png", "more than 40 megapixels"),
    ],
)
def test_bad_photos_are_refused_by_name(town, data, name, code_message):
    with translation.override("en"):
        error = refused(town, photos=[photo(data, name)])
    assert name in error.field_errors["photos"][0]
    assert code_message in error.field_errors["photos"][0]
    assert not Photo.objects.exists()


def test_too_large_and_too_many_pixels(town, settings):
    settings.REPORT_PHOTO_MAX_BYTES = 10_000
    with translation.override("ja"):
        error = refused(town, photos=[photo(images.jpeg((2000, 1500), colour=(1, 2, 3)) + b"\0" * 10_000)])
    assert "MB" in error.field_errors["photos"][0]
    settings.REPORT_PHOTO_MAX_BYTES = 15 * 1024 * 1024
    settings.REPORT_PHOTO_MAX_PIXELS = 100_000
    with translation.override("en"):
        error = refused(town, photos=[photo(images.jpeg((640, 480)))])
    assert "megapixels" in error.field_errors["photos"][0]


def test_six_photos_are_one_too_many(town):
    with translation.override("ja"):
        error = refused(town, photos=[photo(images.jpeg()) for _ in range(6)])
    assert error.field_errors["photos"] == ["写真は5枚まで添付できます。"]


def test_too_many_photos(town, settings):
    settings.REPORT_PHOTOS_PER_REPORT = 2
    with translation.override("en"):
        error = refused(town, photos=[photo(images.jpeg()) for _ in range(3)])
    assert error.field_errors["photos"] == ["You can attach up to 2 photos."]


def test_a_photo_with_gps_places_a_report_sent_without_a_place(town):
    lat, lng = 36.01, 139.02
    report = create(town, point=None, photos=[photo(images.jpeg(gps=(lat, lng)))])
    assert report.point.y == pytest.approx(lat, abs=1e-5)
    assert report.point.x == pytest.approx(lng, abs=1e-5)
    assert report.area == town.east


def test_an_address_alone_is_enough(town):
    report = create(town, point=None, location_text="本町2丁目バス停前")
    assert report.point is None
    assert report.location_text == "本町2丁目バス停前"
    assert report.department == town.roads


def test_photos_are_kept_private_and_processed_after_commit(town, media, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        report = create(town, photos=[photo(images.jpeg(gps=(36.0, 139.0)), "家の前.jpg")])
    # the photo job, the map tiles' render (issue #4) and the triage board's broadcast (issue #6)
    assert len(callbacks) == 3
    stored = Photo.objects.get(report=report)
    assert stored.state == Photo.State.PROCESSING
    assert stored.original_name == "家の前.jpg"
    assert (media / "private").joinpath(stored.original.name).exists()
    assert not (media / "media").joinpath(stored.original.name).exists()
    assert photo_tasks().count() == 1


def test_processing_makes_metadata_free_public_derivatives(town, media):
    report = create(town, photos=[photo(images.jpeg((2400, 1800), gps=(36.0, 139.0)))])
    stored = Photo.objects.get(report=report)
    report_photo_process(photo_id=stored.pk)
    stored.refresh_from_db()
    assert stored.state == Photo.State.READY
    assert (stored.large_width, stored.thumb_width) == (1600, 400)
    assert stored.gps.y == pytest.approx(36.0, abs=1e-5)
    for field in (stored.large, stored.thumb):
        path = media / "media" / field.name
        with Image.open(path) as image:
            assert image.format == "WEBP"
            assert not image.getexif()
        assert field.url.startswith("/media/reports/photos/")
        assert len(field.name.split("/")[-1].split("-")[0]) >= 20, "public names must not be guessable"
    # Running again (the task after the demo processed it, or a retry) changes nothing.
    names = (stored.large.name, stored.thumb.name)
    report_photo_process(photo_id=stored.pk)
    stored.refresh_from_db()
    assert (stored.large.name, stored.thumb.name) == names


def test_a_photo_that_cannot_be_decoded_is_marked_failed_not_retried(town):
    report = create(town, photos=[photo(images.jpeg())])
    stored = Photo.objects.get(report=report)
    with stored.original.open("wb") as original:  # damaged on disk after intake
        original.write(images.jpeg()[:400])
    result = report_photo_process(photo_id=stored.pk)
    assert result is not None
    assert result.state == Photo.State.FAILED
    assert result.error_code == "truncated"


def test_support_is_counted_once_per_supporter_and_only_while_open(town):
    report = create(town)
    assert report_support(report=report, supporter_key="email:a") is True
    assert report_support(report=report, supporter_key="email:a") is False
    assert report_support(report=report, supporter_key="browser:b") is True
    report.refresh_from_db()
    assert report.support_count == 2
    assert ReportSupport.objects.filter(report=report).count() == 2
    report_transition(report=report, status=Report.Status.RESOLVED, actor=None, message="直しました")
    with pytest.raises(ServiceError, match="終了しているため"):
        report_support(report=report, supporter_key="email:c")


def test_status_changes_are_public_events(town):
    report = create(town)
    report_transition(report=report, status=Report.Status.IN_PROGRESS, actor=None, message="来週補修します")
    event = ReportEvent.objects.filter(report=report).last()
    assert (event.before, event.after, event.message, event.is_public) == (
        {"status": "new"},
        {"status": "in_progress"},
        "来週補修します",
        True,
    )


def test_an_idempotency_key_returns_the_first_report(town):
    first = create(town, idempotency_key="abc-123", request_hash="same")
    again = create(town, idempotency_key="abc-123", request_hash="same")
    assert again.pk == first.pk
    assert Report.objects.count() == 1
    assert IdempotencyKey.objects.get().key_hash != "abc-123", "keys are stored hashed"
    with translation.override("en"), pytest.raises(ServiceError, match="different report"):
        create(town, idempotency_key="abc-123", request_hash="other")


@pytest.mark.django_db(transaction=True)
def test_concurrent_reports_get_distinct_consecutive_references():
    from tests.reports.conftest import Town

    town = Town()
    errors = []
    references = []
    barrier = threading.Barrier(6)

    def worker():
        try:
            barrier.wait()
            references.append(create(town).reference)
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(int(r.rsplit("-", 1)[1]) for r in references) == [1, 2, 3, 4, 5, 6]


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_with_one_idempotency_key_make_one_report():
    from tests.reports.conftest import Town

    town = Town()
    found = []
    barrier = threading.Barrier(4)

    def worker():
        try:
            barrier.wait()
            found.append(create(town, idempotency_key="same-key", request_hash="h").pk)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == 4
    assert len(set(found)) == 1
    assert Report.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_worker_processes_photos_after_commit():
    from tests.reports.conftest import Town

    town = Town()
    with transaction.atomic():
        report = create(town, photos=[photo(images.jpeg((1000, 800)))])
        assert not photo_tasks().exists()
    call_command("db_worker", batch=True, no_startup_delay=True, interval=0, stdout=io.StringIO())
    assert photo_tasks().get().status == TaskResultStatus.SUCCESSFUL
    assert Photo.objects.get(report=report).state == Photo.State.READY
