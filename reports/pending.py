"""Photos kept for a web form that has not been sent yet: each form carries a signed id, and the valid photos
it uploaded wait under that id (across a form error or the "already reported nearby?" step) until the report
is sent, the resident removes them, or they expire."""

import hashlib
import secrets
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.files import File
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from civic.models import Municipality
from reports.models import PendingUpload
from reports.photos import PhotoError
from reports.services import EXTENSIONS, PhotoUpload
from reports.uploads import check_photo, max_photos

SALT = "reports.report-form"


def lifetime() -> timedelta:
    """How long a form's photos wait; after that the signed form id is refused too."""
    return timedelta(hours=int(getattr(settings, "REPORT_PENDING_UPLOAD_HOURS", 24)))


def form_token(form_id: str) -> str:
    """The signed value of the form's hidden `submission` input."""
    return signing.TimestampSigner(salt=SALT).sign(form_id)


def new_form_id() -> str:
    return secrets.token_urlsafe(16)


def form_id_from_token(token: str) -> str | None:
    """The form id a page carried, or None when the token is forged, altered or expired."""
    try:
        return signing.TimestampSigner(salt=SALT).unsign(token[:200], max_age=lifetime())
    except signing.BadSignature:
        return None


def _form_hash(form_id: str) -> str:
    return hashlib.sha256(form_id.encode()).hexdigest()


def _live() -> datetime:
    return timezone.now() - lifetime()


def pending_uploads(*, municipality: Municipality, form_id: str) -> list[PendingUpload]:
    """The form's photos that have not expired, oldest first."""
    return list(
        PendingUpload.objects.filter(
            municipality=municipality, form_hash=_form_hash(form_id), created_at__gt=_live()
        )
    )


def pending_upload_get(*, municipality: Municipality, token: str) -> PendingUpload | None:
    live = PendingUpload.objects.filter(municipality=municipality, created_at__gt=_live())
    return live.filter(token=token).first()


def pending_uploads_keep(
    *, municipality: Municipality, form_id: str, uploads: Sequence[UploadedFile], kept: int
) -> list[PendingUpload]:
    """Keep each valid upload for the form (bad ones are named by the form's errors); at most twice the photo
    limit wait per form, so that a resident who chose too many can remove some instead of choosing again."""
    saved: list[PendingUpload] = []
    room = 2 * max_photos() - kept
    for upload in uploads:
        if len(saved) >= room:
            break
        try:
            hint = check_photo(upload, name=upload.name or "")
        except PhotoError:
            continue
        pending = PendingUpload(
            municipality=municipality,
            form_hash=_form_hash(form_id),
            token=secrets.token_hex(16),
            original_name=(upload.name or "")[:200],
            original_format=hint.format,
        )
        pending.file.save(f"{pending.token}.{EXTENSIONS.get(hint.format, 'bin')}", File(upload), save=False)
        pending.save()
        saved.append(pending)
    return saved


def pending_upload_discard(*, municipality: Municipality, form_id: str, token: str) -> bool:
    """Remove one of the form's photos (the resident pressed its remove button); False if it was not there."""
    found = PendingUpload.objects.filter(
        municipality=municipality, form_hash=_form_hash(form_id), token=token
    ).first()
    if found is None:
        return False
    pending_uploads_delete([found])
    return True


def pending_uploads_delete(uploads: Sequence[PendingUpload]) -> None:
    """Delete rows now and their files once that is committed (a rolled-back delete keeps its file)."""
    names = [upload.file.name for upload in uploads if upload.file.name]
    PendingUpload.objects.filter(pk__in=[upload.pk for upload in uploads]).delete()
    if names:
        storage = PendingUpload._meta.get_field("file").storage

        def delete_files() -> None:
            for name in names:
                storage.delete(name)

        transaction.on_commit(delete_files)


@contextmanager
def opened(uploads: Sequence[PendingUpload]) -> Iterator[list[PhotoUpload]]:
    """The kept photos as `PhotoUpload`s for `report_create`, closed afterwards."""
    with ExitStack() as stack:
        opened_files = []
        for upload in uploads:
            handle = stack.enter_context(upload.file.storage.open(upload.file.name, "rb"))
            opened_files.append(PhotoUpload(name=upload.original_name, file=handle))
        yield opened_files
