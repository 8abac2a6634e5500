"""Delete what report intake leaves behind: expired Idempotency-Keys, photos kept for forms that were never
sent, and original uploads that no photo points to (a crash between saving the file and committing its row);
and forget reporters' and following supporters' contact details once nothing of theirs has been open for the
retention period (the reports stay, without them), and addresses given to hear back that were never confirmed.

Run it every hour or so (`python manage.py reports_cleanup`, from cron or a systemd timer beside the worker).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import islice

from django.conf import settings
from django.core.files.storage import Storage
from django.db.models import Q
from django.utils import timezone

from reports import pending, supporters
from reports.models import IdempotencyKey, PendingUpload, Photo, Report, Reporter, ReportSupport

ORIGINALS = "reports/originals"
PENDING = "reports/pending"
# A file younger than this may belong to a report whose transaction has not committed yet.
ORPHAN_AGE = timedelta(days=1)
BATCH = 500


@dataclass(frozen=True, slots=True)
class CleanupResult:
    idempotency_keys: int
    pending_uploads: int
    orphan_originals: int
    forgotten_reporters: int
    unconfirmed_addresses: int


def idempotency_key_lifetime() -> timedelta:
    """How long a retried POST still finds its first report (clients retry within minutes, not days)."""
    return timedelta(hours=int(getattr(settings, "REPORT_IDEMPOTENCY_KEY_HOURS", 24)))


def reporter_retention() -> timedelta:
    """How long a reporter's contact details are kept after the last of their reports was closed."""
    return timedelta(days=settings.REPORTER_RETENTION_DAYS)


def reporters_forget(*, now: datetime) -> int:
    """Delete the contact details (`Reporter` rows) of residents with no open report, no report changed
    within the retention period, and no followed report that is open or recent; residents with an account
    keep theirs. Their reports stay, anonymous. Returns how many were forgotten."""
    cutoff = now - reporter_retention()
    open_statuses = Report.OPEN_STATUSES
    in_use = Report.objects.filter(
        Q(status__in=open_statuses) | Q(updated_at__gte=cutoff) | Q(duplicate_of__status__in=open_statuses),
        reporter__isnull=False,
    ).values("reporter_id")
    following = ReportSupport.objects.filter(
        Q(report__status__in=open_statuses) | Q(created_at__gte=cutoff), follower__isnull=False
    ).values("follower_id")
    stale = (
        Reporter.objects.filter(user__isnull=True, created_at__lt=cutoff)
        .exclude(pk__in=in_use)
        .exclude(pk__in=following)
    )
    _total, deleted = stale.delete()
    return deleted.get(Reporter._meta.label, 0)


def unconfirmed_forget(*, now: datetime) -> int:
    """Forget the e-mail addresses supporters gave to hear back that nobody confirmed while the link worked;
    how many."""
    cutoff = now - timedelta(days=supporters.FOLLOW_CONFIRM_DAYS)
    return ReportSupport.objects.filter(pending_since__lt=cutoff).update(pending_email="", pending_since=None)


def intake_cleanup(*, now: datetime | None = None) -> CleanupResult:
    """Delete expired keys and kept photos, original files with no photo row older than a day, and the
    contact details kept past the retention period."""
    now = now or timezone.now()
    keys, _ = IdempotencyKey.objects.filter(created_at__lt=now - idempotency_key_lifetime()).delete()
    expired = list(PendingUpload.objects.filter(created_at__lt=now - pending.lifetime()))
    pending.pending_uploads_delete(expired)
    return CleanupResult(
        idempotency_keys=keys,
        pending_uploads=len(expired),
        orphan_originals=_delete_orphan_originals(now - ORPHAN_AGE),
        forgotten_reporters=reporters_forget(now=now),
        unconfirmed_addresses=unconfirmed_forget(now=now),
    )


def _delete_orphan_originals(older_than: datetime) -> int:
    """Original files, and kept-photo files left behind by their deleted row, that no row points to."""
    return _delete_orphans(Photo, "original", ORIGINALS, older_than) + _delete_orphans(
        PendingUpload, "file", PENDING, older_than
    )


def _delete_orphans(model: type[Photo | PendingUpload], field: str, folder: str, older_than: datetime) -> int:
    storage: Storage = model._meta.get_field(field).storage  # type: ignore[union-attr]
    deleted = 0
    old_files = (name for name in _walk(storage, folder) if storage.get_modified_time(name) < older_than)
    while batch := list(islice(old_files, BATCH)):
        used = set(model.objects.filter(**{f"{field}__in": batch}).values_list(field, flat=True))
        for name in batch:
            if name not in used:
                storage.delete(name)
                deleted += 1
    return deleted


def _walk(storage: Storage, folder: str) -> Iterator[str]:
    if not storage.exists(folder):
        return
    folders, files = storage.listdir(folder)
    for name in files:
        yield f"{folder}/{name}"
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}")
