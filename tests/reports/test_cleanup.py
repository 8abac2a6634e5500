"""The intake cleanup: expired Idempotency-Keys, kept photos, orphan originals and contact details past their
retention period go; the rest stays."""

import io
import os
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.core.management import call_command
from django.utils import timezone

from reports.cleanup import intake_cleanup
from reports.models import IdempotencyKey, PendingUpload, Photo, Report, Reporter, ReportSupport
from reports.services import PhotoUpload, report_create
from tests.factories import UserFactory
from tests.reports import images

pytestmark = pytest.mark.django_db


def age(path, days: float) -> None:
    when = (timezone.now() - timedelta(days=days)).timestamp()
    os.utime(path, (when, when))


def test_cleanup_deletes_only_what_expired(town, media, django_capture_on_commit_callbacks):
    old = timezone.now() - timedelta(days=2)
    report = report_create(
        municipality=town.municipality,
        category=town.pothole,
        description="穴",
        point=town.point(),
        idempotency_key="fresh",
        photos=[PhotoUpload(name="a.jpg", file=io.BytesIO(images.jpeg()))],
    )
    stale = report_create(
        municipality=town.municipality,
        category=town.pothole,
        description="古い穴",
        point=town.point(),
        idempotency_key="stale",
    )
    IdempotencyKey.objects.filter(report=stale).update(created_at=old)
    private = storages["private"]
    kept_file = Photo.objects.get().original
    age(private.path(kept_file.name), 3)  # an old original that a photo still points to

    def pending(name: str, created_at) -> PendingUpload:
        upload = PendingUpload(
            municipality=town.municipality, form_hash="f" * 64, token=name, created_at=created_at
        )
        upload.file.save(f"{name}.jpg", ContentFile(images.jpeg()), save=False)
        upload.save()
        return upload

    expired, waiting = pending("expired", old), pending("waiting", timezone.now())
    orphan = private.save("reports/originals/2026/01/orphan.jpg", ContentFile(images.jpeg()))
    age(private.path(orphan), 2)
    young = private.save("reports/originals/2026/01/young.jpg", ContentFile(images.jpeg()))
    left_behind = private.save("reports/pending/2026/01/left-behind.jpg", ContentFile(images.jpeg()))
    age(private.path(left_behind), 2)
    age(private.path(waiting.file.name), 2)  # old file, but its row has not expired (a clock skew, say)

    with django_capture_on_commit_callbacks(execute=True):
        result = intake_cleanup()

    assert (result.idempotency_keys, result.pending_uploads, result.orphan_originals) == (1, 1, 2)
    assert list(IdempotencyKey.objects.values_list("report", flat=True)) == [report.pk]
    assert list(PendingUpload.objects.all()) == [waiting]
    assert not private.exists(expired.file.name)
    assert private.exists(waiting.file.name)
    assert not private.exists(orphan)
    assert not private.exists(left_behind)
    assert private.exists(young)
    assert private.exists(kept_file.name)


def test_the_command_reports_what_it_deleted(town, media):
    out = io.StringIO()
    call_command("reports_cleanup", stdout=out)
    assert out.getvalue().strip() == (
        "idempotency keys: 0, kept photos: 0, orphan originals: 0, forgotten reporters: 0, "
        "unconfirmed addresses: 0"
    )


def contact(town, email: str, *, days_ago: float) -> Reporter:
    return Reporter.objects.create(
        municipality=town.municipality,
        email=email,
        notify=Reporter.Notify.EMAIL,
        created_at=timezone.now() - timedelta(days=days_ago),
    )


def filed(town, reporter: Reporter, *, status: str, days_ago: float) -> Report:
    report = report_create(
        municipality=town.municipality,
        category=town.pothole,
        description="穴",
        point=town.point(),
        reporter=reporter,
    )
    Report.objects.filter(pk=report.pk).update(
        status=status, updated_at=timezone.now() - timedelta(days=days_ago)
    )
    return report


def test_contact_details_are_forgotten_after_the_retention_period_and_the_reports_stay(town, settings):
    settings.REPORTER_RETENTION_DAYS = 30
    closed = Report.Status.CLOSED
    gone = contact(town, "gone@example.jp", days_ago=400)
    old_report = filed(town, gone, status=closed, days_ago=40)
    still_open = contact(town, "open@example.jp", days_ago=400)
    filed(town, still_open, status=Report.Status.IN_PROGRESS, days_ago=40)
    recent = contact(town, "recent@example.jp", days_ago=400)
    filed(town, recent, status=closed, days_ago=10)
    merged = contact(town, "merged@example.jp", days_ago=400)
    newcomer = contact(town, "o@example.jp", days_ago=1)
    open_original = filed(town, newcomer, status=Report.Status.NEW, days_ago=1)
    Report.objects.filter(pk=filed(town, merged, status=closed, days_ago=40).pk).update(
        status=Report.Status.DUPLICATE, duplicate_of=open_original
    )
    follower = contact(town, "follows@example.jp", days_ago=400)
    ReportSupport.objects.create(report=open_original, supporter_key="browser:x", follower=follower)
    account = contact(town, "account@example.jp", days_ago=400)
    account.user = UserFactory()
    account.save()
    filed(town, account, status=closed, days_ago=40)

    assert intake_cleanup().forgotten_reporters == 1
    assert not Reporter.objects.filter(pk=gone.pk).exists()
    assert set(Reporter.objects.values_list("email", flat=True)) == {
        "open@example.jp",
        "recent@example.jp",
        "merged@example.jp",
        "o@example.jp",
        "follows@example.jp",
        "account@example.jp",
    }
    old_report.refresh_from_db()
    assert old_report.reporter_id is None and old_report.status == closed  # the report stays, anonymous

    Report.objects.filter(pk=open_original.pk).update(
        status=closed, updated_at=timezone.now() - timedelta(days=40)
    )
    ReportSupport.objects.filter(follower=follower).update(created_at=timezone.now() - timedelta(days=40))
    assert intake_cleanup().forgotten_reporters == 2  # merged@ and follows@; o@ gave theirs a day ago
    assert Reporter.objects.filter(pk=newcomer.pk).exists()
