"""The Django side of the photo pipeline: cheap checks at intake, translated messages for PhotoError codes.

At intake a photo is only size-checked and header-parsed (`read_hint`, no pixel decode), so the resident hears
about a wrong file on the form at once; decoding and resizing happen later in a background task.
"""

from typing import IO, BinaryIO, cast

from django.conf import settings
from django.utils.translation import gettext as _

from reports.photos import PhotoError, PhotoHint, read_hint


def max_bytes() -> int:
    return int(getattr(settings, "REPORT_PHOTO_MAX_BYTES", 15 * 1024 * 1024))


def max_pixels() -> int:
    return int(getattr(settings, "REPORT_PHOTO_MAX_PIXELS", 40_000_000))


def max_photos() -> int:
    return int(getattr(settings, "REPORT_PHOTOS_PER_REPORT", 5))


def photo_error_message(code: str, *, name: str) -> str:
    """One translated sentence that names the file and says what to do instead."""
    params = {
        "name": name or _("The photo"),
        "mb": max_bytes() // (1024 * 1024),
        "mp": max_pixels() // 1_000_000,
    }
    messages = {
        "empty": _("“%(name)s” is empty. Please choose the photo again."),
        "too_large": _("“%(name)s” is larger than %(mb)s MB. Please send a smaller photo."),
        "not_image": _("“%(name)s” is not a photo. Please send a JPEG, PNG, WebP or HEIC photo."),
        "unsupported_format": _(
            "“%(name)s” is in a picture format we cannot accept. Please send a JPEG, PNG, WebP or HEIC photo."
        ),
        "too_many_pixels": _(
            "“%(name)s” has more than %(mp)s megapixels. Please send a smaller photo or a screenshot of it."
        ),
        "truncated": _("“%(name)s” is damaged or incomplete. Please take or choose the photo again."),
    }
    return messages.get(code, messages["not_image"]) % params


def too_many_photos_message() -> str:
    return _("You can attach up to %(count)s photos.") % {"count": max_photos()}


def check_photo(upload: IO[bytes], *, name: str) -> PhotoHint:
    """Size and header check of one upload; raises PhotoError. Leaves the file at its start for saving."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > max_bytes():
        raise PhotoError("too_large", f"{size} bytes")
    upload.seek(0)
    try:
        return read_hint(cast(BinaryIO, upload), max_bytes=max_bytes(), max_pixels=max_pixels())
    finally:
        upload.seek(0)
