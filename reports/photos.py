"""Turn a resident's uploaded photo into metadata-free public derivatives plus a private location/time hint.

This module is pure (Pillow and pillow-heif only, no Django) so it can be tested and benchmarked alone.

Public API::

    sniff_format(data) -> "JPEG" | "PNG" | "WEBP" | "HEIF"            # by content only; raises PhotoError
    read_hint(source, *, max_bytes, max_pixels) -> PhotoHint            # header + EXIF only, no pixel decode
    process_photo(source, *, max_bytes, max_pixels, output_format, sizes) -> ProcessedPhoto

``source`` is ``bytes`` (or another bytes-like object) or a binary file object such as a Django
``UploadedFile``; at most ``max_bytes + 1`` bytes are read from a file object.

Every rejection is a :class:`PhotoError` whose ``code`` is one of ``PHOTO_ERROR_CODES``:

* ``empty`` - no bytes at all;
* ``too_large`` - more than ``max_bytes`` bytes;
* ``not_image`` - the content is not a known image (a PDF or text file, whatever its name says);
* ``unsupported_format`` - a real image in a format we do not accept (GIF, BMP, TIFF, AVIF, ...);
* ``too_many_pixels`` - the header declares more than ``max_pixels`` pixels (decompression bombs);
* ``truncated`` - the header looked right but the file is cut short or its data is damaged.

``message`` is an English sentence for logs and tests; the Django layer translates by ``code``.

What ``process_photo`` guarantees:

* the format is decided from magic bytes and the file is opened only with that format's Pillow plugin;
* pixel counts are checked from the header before any pixel is decoded; Pillow's own bomb guard is mapped too;
* JPEGs are decoded once, at the smallest DCT scale (1/2, 1/4, 1/8) that still covers the largest derivative;
  other formats are box-reduced by an integer factor after decoding to the same effect;
* the decoded image is resized to the largest size, transposed once by its EXIF orientation (HEIF: libheif
  applies the container's rotation and pillow-heif resets EXIF to 1), converted from an embedded ICC profile
  to sRGB, and each smaller derivative is made from the next larger one (never upscaled);
* derivatives are re-encoded from bare pixels with no EXIF, XMP, ICC, comment or GPS; the first frame of a
  multi-frame file (MPO, animated WebP) is used; everything runs on the calling thread;
* GPS (lat, lng) and the time taken come back only as private fields of the result: ``taken_at`` is naive
  local time, or aware when OffsetTimeOriginal is present; garbage, void or 0,0 GPS gives ``None``.
"""

from __future__ import annotations

import io
import math
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from numbers import Real
from typing import Any, BinaryIO, Final, Literal, cast

import pillow_heif
from PIL import ExifTags, Image, ImageFile, UnidentifiedImageError

try:
    from PIL import ImageCms
except ImportError:  # Pillow built without LittleCMS: embedded profiles are then dropped, not converted.
    ImageCms = None  # type: ignore[assignment]

# Registering is idempotent; HEIC/HEIF is how iPhones save photos by default.
pillow_heif.register_heif_opener()

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_PIXELS",
    "DEFAULT_SIZES",
    "PHOTO_ERROR_CODES",
    "Derivative",
    "PhotoError",
    "PhotoErrorCode",
    "PhotoHint",
    "ProcessedPhoto",
    "process_photo",
    "read_hint",
    "sniff_format",
]

DEFAULT_MAX_BYTES: Final = 15 * 1024 * 1024
# 48 MP phone sensors save 12 MP by default; 40 MP leaves room for panoramas and bounds memory (~160 MB RGBA).
DEFAULT_MAX_PIXELS: Final = 40_000_000
DEFAULT_SIZES: Final[tuple[tuple[str, int], ...]] = (("large", 1600), ("thumb", 400))
QUALITY: Final = 80
# libwebp's effort knob (0 fastest .. 6 smallest). Measured on a 12 MP phone photo at 1600 px: method 2
# encodes 2.6x faster than libwebp's default 4 for +4.7 % bytes and -0.5 dB PSNR; encoding was 60 % of the
# pipeline. JPEG at the same quality is faster still but 70 % larger, which residents pay on mobile data.
WEBP_METHOD: Final = 2

PhotoErrorCode = Literal[
    "empty", "too_large", "not_image", "unsupported_format", "too_many_pixels", "truncated"
]
PHOTO_ERROR_CODES: Final[frozenset[str]] = frozenset(
    {"empty", "too_large", "not_image", "unsupported_format", "too_many_pixels", "truncated"}
)
PhotoSource = bytes | bytearray | memoryview | BinaryIO
OutputFormat = Literal["WEBP", "JPEG"]

_CONTENT_TYPES: Final = {"WEBP": "image/webp", "JPEG": "image/jpeg"}
_ACCEPTED: Final = "JPEG, PNG, WebP or HEIC"
_HEIF_BRANDS: Final = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_AVIF_BRANDS: Final = frozenset({b"avif", b"avis"})
_TRANSPOSE: Final = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Exceptions Pillow and pillow-heif raise for damaged or cut-short data.
_DECODE_ERRORS: Final = (OSError, EOFError, SyntaxError, ValueError, RuntimeError, IndexError, struct.error)
_OFFSET_RE: Final = re.compile(r"^([+-])(\d{2}):?(\d{2})$")
_DATETIME_FORMATS: Final = ("%Y:%m:%d %H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y:%m:%d %H:%M")


class PhotoError(Exception):
    """A rejected upload; ``code`` is stable for translation, ``message`` is for people reading logs."""

    def __init__(self, code: PhotoErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: PhotoErrorCode = code
        self.message = message

    def __repr__(self) -> str:
        return f"PhotoError({self.code!r}, {self.message!r})"


@dataclass(frozen=True, slots=True)
class Derivative:
    """One public, metadata-free rendition of a photo."""

    name: str
    data: bytes
    width: int
    height: int
    content_type: str


@dataclass(frozen=True, slots=True)
class PhotoHint:
    """What a photo's header says, for suggesting a location before the report is submitted."""

    format: str
    width: int
    height: int
    taken_at: datetime | None
    gps: tuple[float, float] | None


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    """The result of processing: private metadata (gps, taken_at) plus public derivatives."""

    format: str
    width: int
    height: int
    taken_at: datetime | None
    gps: tuple[float, float] | None
    derivatives: tuple[Derivative, ...]

    def derivative(self, name: str) -> Derivative:
        """Return the derivative called ``name``."""
        for item in self.derivatives:
            if item.name == name:
                return item
        raise KeyError(name)


# ------------------------------------------------------------------------------------------------------------
# Public functions


def sniff_format(data: bytes | bytearray | memoryview) -> str:
    """Return "JPEG", "PNG", "WEBP" or "HEIF" judged from the leading bytes, or raise PhotoError."""
    head = bytes(data[:64])
    if not head:
        raise PhotoError("empty", "The file is empty.")
    if head.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    if head[4:8] == b"ftyp" and len(head) >= 12:
        major = head[8:12]
        box_size = int.from_bytes(head[:4], "big")
        compatible = {head[i : i + 4] for i in range(16, min(box_size, len(head)) - 3, 4)}
        if major in _HEIF_BRANDS:
            return "HEIF"
        if major in _AVIF_BRANDS:
            raise _unsupported("AVIF")
        if major in {b"mif1", b"msf1", b"mif2"}:
            if compatible & _HEIF_BRANDS:
                return "HEIF"
            if compatible & _AVIF_BRANDS:
                raise _unsupported("AVIF")
            return "HEIF"  # a generic HEIF still image; pillow-heif decides whether it can read it
        if major in {b"jxl ", b"crx "} or major.startswith((b"qt", b"3g", b"mp4", b"iso", b"M4")):
            raise _unsupported("video or camera raw" if major not in {b"jxl "} else "JPEG XL")
    other = _other_image_format(head)
    if other:
        raise _unsupported(other)
    raise PhotoError("not_image", f"The file is not an image; please send a {_ACCEPTED} photo.")


def read_hint(
    source: PhotoSource,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
) -> PhotoHint:
    """Read format, oriented size, GPS and time taken from the header without decoding any pixels."""
    data = _read_bytes(source, max_bytes)
    fmt = sniff_format(data)
    with _open(data, fmt, max_pixels) as im:
        # The base-class getexif reads only what the header parse found; PNG's override would decode pixels
        # to look for an eXIf chunk after the image data.
        exif = Image.Image.getexif(im)
        orientation, gps, taken_at = _read_metadata(exif)
        width, height = _oriented_size(im.size, orientation)
        return PhotoHint(format=fmt, width=width, height=height, taken_at=taken_at, gps=gps)


def process_photo(
    source: PhotoSource,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_pixels: int = DEFAULT_MAX_PIXELS,
    output_format: str = "WEBP",
    sizes: Sequence[tuple[str, int]] = DEFAULT_SIZES,
) -> ProcessedPhoto:
    """Validate, decode once, and return metadata-free derivatives plus the private GPS and time taken."""
    out_format = _check_output_format(output_format)
    ordered = _check_sizes(sizes)
    data = _read_bytes(source, max_bytes)
    fmt = sniff_format(data)
    with _open(data, fmt, max_pixels) as im:
        stored_size = im.size
        decoded = _decode(im, fmt, ordered[0][1])
        # Read after decoding so that PNG's eXIf chunk after the image data is seen too.
        orientation, gps, taken_at = _read_metadata(im.getexif())
        icc_profile = im.info.get("icc_profile")
        # Every step returns a new image, so leaving this block frees the decoded buffer.
        work = _normalise_mode(decoded)
        largest = _fit(stored_size, ordered[0][1])
        if work.size != largest:
            work = _shrink_decoded(work, largest)
        elif work is decoded:
            work = decoded.copy()

    oriented = _oriented_size(stored_size, orientation)
    if orientation in _TRANSPOSE:
        work = work.transpose(_TRANSPOSE[orientation])
    work = _to_srgb(work, icc_profile if isinstance(icc_profile, bytes) else None)
    work = _prepare_for_output(work, out_format)
    # Pixels only from here on: resize and transpose copied the source's info (exif, xmp, icc_profile,
    # comment, dpi), and the JPEG writer still reads a comment from it.
    work.info = {}

    made: dict[str, Derivative] = {}
    for name, max_side in ordered:
        target = _fit(oriented, max_side)
        if work.size != target:
            work = _shrink_derivative(work, target)
        made[name] = _encode(name, work, out_format)
    return ProcessedPhoto(
        format=fmt,
        width=oriented[0],
        height=oriented[1],
        taken_at=taken_at,
        gps=gps,
        derivatives=tuple(made[name] for name, _ in sizes),
    )


# ------------------------------------------------------------------------------------------------------------
# Input, sniffing and bounded opening


def _read_bytes(source: PhotoSource, max_bytes: int) -> bytes:
    if isinstance(source, bytes | bytearray | memoryview):
        size = memoryview(source).nbytes
        if size > max_bytes:
            raise _too_large(max_bytes)
        data = bytes(source)
    else:
        # Read one byte past the limit so an oversize upload is refused without reading all of it.
        data = source.read(max_bytes + 1)
        if len(data) > max_bytes:
            raise _too_large(max_bytes)
    if not data:
        raise PhotoError("empty", "The file is empty.")
    return data


def _too_large(max_bytes: int) -> PhotoError:
    return PhotoError("too_large", f"The file is larger than {max_bytes / (1024 * 1024):.0f} MB.")


def _unsupported(kind: str) -> PhotoError:
    message = f"{kind} images are not accepted; please send a {_ACCEPTED} photo."
    return PhotoError("unsupported_format", message)


def _other_image_format(head: bytes) -> str | None:
    """Name image formats we recognise but refuse, so the resident hears 'convert it', not 'not an image'."""
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "GIF"
    if head.startswith((b"II*\x00", b"MM\x00*", b"II+\x00", b"MM\x00+")):
        return "TIFF"
    if head.startswith(b"BM") and int.from_bytes(head[14:18], "little") in {12, 40, 52, 56, 108, 124}:
        return "BMP"
    if head.startswith((b"\x00\x00\x00\x0cjP  \r\n\x87\n", b"\xff\x4f\xff\x51")):
        return "JPEG 2000"
    if head.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")):
        return "JPEG XL"
    if head.startswith(b"8BPS"):
        return "Photoshop"
    if head.startswith(b"\x00\x00\x01\x00") and len(head) >= 6 and head[4:6] != b"\x00\x00":
        return "ICO"
    return None


def _open(data: bytes, fmt: str, max_pixels: int) -> ImageFile.ImageFile:
    """Parse only the header, with just the sniffed format's plugin, and enforce the pixel limit."""
    try:
        im = Image.open(io.BytesIO(data), formats=[fmt])
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own guard (2x MAX_IMAGE_PIXELS, or its warning when warnings are errors) fired first.
        raise _too_many_pixels(max_pixels) from exc
    except (UnidentifiedImageError, *_DECODE_ERRORS) as exc:
        raise PhotoError("truncated", f"The {fmt} file is damaged or incomplete.") from exc
    width, height = im.size
    if width <= 0 or height <= 0:
        im.close()
        raise PhotoError("truncated", f"The {fmt} file is damaged or incomplete.")
    if width * height > max_pixels:
        im.close()
        raise _too_many_pixels(max_pixels)
    return im


def _too_many_pixels(max_pixels: int) -> PhotoError:
    return PhotoError("too_many_pixels", f"The image has more than {max_pixels / 1e6:.0f} megapixels.")


def _decode(im: ImageFile.ImageFile, fmt: str, longest: int) -> Image.Image:
    """Decode the first frame once; JPEG at the smallest DCT scale whose result still covers ``longest``."""
    width, height = im.size
    long_side = max(width, height)
    if fmt == "JPEG" and long_side > longest:
        # Ceiling division so Pillow's integer scale choice never lands below the derivative we need.
        im.draft("RGB", (-(-width * longest // long_side), -(-height * longest // long_side)))
    try:
        im.load()
    except _DECODE_ERRORS as exc:
        raise PhotoError("truncated", f"The {fmt} file is damaged or incomplete.") from exc
    return im


# ------------------------------------------------------------------------------------------------------------
# Metadata (private): orientation, GPS, time taken


def _read_metadata(exif: Image.Exif) -> tuple[int, tuple[float, float] | None, datetime | None]:
    try:
        orientation = int(exif.get(ExifTags.Base.Orientation, 1))
    except (TypeError, ValueError):
        orientation = 1
    if orientation not in range(1, 9):
        orientation = 1
    gps = taken_at = None
    # A corrupt sub-IFD must not cost the resident their photo; it only costs the hint.
    try:
        gps = _parse_gps(exif.get_ifd(ExifTags.IFD.GPSInfo))
    except Exception:
        gps = None
    try:
        taken_at = _parse_taken_at(exif.get_ifd(ExifTags.IFD.Exif))
    except Exception:
        taken_at = None
    return orientation, gps, taken_at


def _parse_gps(gps_ifd: Mapping[int, Any]) -> tuple[float, float] | None:
    """Return (lat, lng) in decimal degrees, or None for missing, void, out-of-range or 0,0 positions."""
    if not gps_ifd:
        return None
    status = _text(gps_ifd.get(ExifTags.GPS.GPSStatus))
    if status == "V":  # receiver reported the fix as void
        return None
    tags = ExifTags.GPS
    lat = _degrees(gps_ifd.get(tags.GPSLatitude), _text(gps_ifd.get(tags.GPSLatitudeRef)), "NS")
    lng = _degrees(gps_ifd.get(tags.GPSLongitude), _text(gps_ifd.get(tags.GPSLongitudeRef)), "EW")
    if lat is None or lng is None or abs(lat) > 90 or abs(lng) > 180:
        return None
    if abs(lat) < 1e-9 and abs(lng) < 1e-9:  # unset fields written as zeros, not a photo off West Africa
        return None
    return round(lat, 7), round(lng, 7)


def _degrees(value: Any, ref: str | None, refs: str) -> float | None:
    """Degrees from (deg, min, sec) rationals, (num, den) pairs or decimal degrees, signed by the ref."""
    if ref is None or ref[:1] not in refs:
        return None  # without a hemisphere the sign is a guess, and a wrong hint is worse than none
    if isinstance(value, list | tuple) and 1 <= len(value) <= 3 and not _is_pair(value):
        parts = [_number(part) for part in value]
    else:
        parts = [_number(value)]
    if any(part is None or part < 0 for part in parts):
        return None
    nums = [*cast(list[float], parts), 0.0, 0.0]
    degrees, minutes, seconds = nums[0], nums[1], nums[2]
    if minutes >= 60 or seconds >= 60:
        return None
    total = degrees + minutes / 60 + seconds / 3600
    return -total if ref[:1] == refs[1] else total


def _is_pair(value: Sequence[Any]) -> bool:
    """True for an old-style (numerator, denominator) rational rather than a (deg, min, sec) triple."""
    return len(value) == 2 and all(isinstance(v, int) for v in value)


def _number(value: Any) -> float | None:
    if isinstance(value, list | tuple) and _is_pair(value):
        numerator, denominator = value
        return numerator / denominator if denominator else None
    if isinstance(value, Real) and not isinstance(value, bool):
        try:
            number = float(value)
        except (ZeroDivisionError, ValueError, OverflowError):
            return None
        return number if math.isfinite(number) else None
    return None


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    cleaned = value.strip("\x00 \t\r\n").upper()
    return cleaned or None


def _parse_taken_at(exif_ifd: Mapping[int, Any]) -> datetime | None:
    """DateTimeOriginal as a naive datetime, made aware when OffsetTimeOriginal is present and valid."""
    raw = _text(exif_ifd.get(ExifTags.Base.DateTimeOriginal))
    if raw is None:
        return None
    taken: datetime | None = None
    for pattern in _DATETIME_FORMATS:
        try:
            taken = datetime.strptime(raw, pattern)  # noqa: DTZ007 - EXIF local time; the offset is separate
            break
        except ValueError:
            continue
    if taken is None or not 1900 <= taken.year <= 2200:
        return None
    subsec = _text(exif_ifd.get(ExifTags.Base.SubsecTimeOriginal))
    if subsec and subsec.isdigit():
        taken = taken.replace(microsecond=int(subsec[:6].ljust(6, "0")))
    offset = _text(exif_ifd.get(ExifTags.Base.OffsetTimeOriginal))
    match = _OFFSET_RE.match(offset) if offset else None
    if match:
        sign, hours, minutes = match.group(1), int(match.group(2)), int(match.group(3))
        if hours <= 14 and minutes < 60:
            delta = timedelta(hours=hours, minutes=minutes)
            taken = taken.replace(tzinfo=timezone(-delta if sign == "-" else delta))
    return taken


def _oriented_size(size: tuple[int, int], orientation: int) -> tuple[int, int]:
    return (size[1], size[0]) if orientation in (5, 6, 7, 8) else size


# ------------------------------------------------------------------------------------------------------------
# Pixels


def _check_output_format(output_format: str) -> OutputFormat:
    upper = output_format.upper()
    if upper == "JPG":
        upper = "JPEG"
    if upper not in _CONTENT_TYPES:
        raise ValueError(f"output_format must be WEBP or JPEG, not {output_format!r}")
    return cast(OutputFormat, upper)


def _check_sizes(sizes: Iterable[tuple[str, int]]) -> list[tuple[str, int]]:
    """Validate the sizes and order them largest first, so each derivative is made from the one before."""
    checked = [(str(name), int(side)) for name, side in sizes]
    if not checked:
        raise ValueError("sizes must name at least one derivative")
    if len({name for name, _ in checked}) != len(checked):
        raise ValueError("derivative names must be unique")
    if any(side < 1 for _, side in checked):
        raise ValueError("derivative sizes must be positive")
    return sorted(checked, key=lambda item: item[1], reverse=True)


def _fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    """Scale ``size`` so its longest side is at most ``max_side``; never enlarge."""
    width, height = size
    long_side = max(width, height)
    if long_side <= max_side:
        return size
    if width >= height:
        return max_side, max(1, round(height * max_side / width))
    return max(1, round(width * max_side / height)), max_side


def _normalise_mode(im: Image.Image) -> Image.Image:
    """Bring any decoded mode to L, RGB, RGBA or CMYK (CMYK waits for its ICC profile after resizing)."""
    mode = im.mode
    if mode in ("RGB", "L", "RGBA", "CMYK"):
        return im
    if mode == "P":
        return im.convert("RGBA" if "transparency" in im.info else "RGB")
    if mode in ("LA", "La", "PA", "RGBa"):
        return im.convert("RGBA")
    if mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        # Pillow clips rather than scales when converting 16-bit to 8-bit, which would turn most pixels white.
        scaled = im.convert("I") if mode != "F" else im
        scale = 1 / 256 if mode.startswith("I;16") else 1.0
        return scaled.point(lambda value: value * scale).convert("L")
    if mode == "1":
        return im.convert("L")
    return im.convert("RGB")


def _shrink_decoded(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Make the largest derivative from the decoded image: integer box-reduce to under 2x, then bicubic."""
    # JPEGs arrive already DCT-scaled; other formats get the same treatment by hand, so the filter runs on
    # at most twice the output size. Bicubic is what Pillow's own thumbnail() uses; at under 2x it matches
    # Lanczos (about 50 dB PSNR against a full-resolution Lanczos pass) at 3/4 of the cost.
    factor = min(im.width // size[0], im.height // size[1])
    if factor >= 2:
        im = im.reduce(factor)
    return im.resize(size, Image.Resampling.BICUBIC)


def _shrink_derivative(im: Image.Image, size: tuple[int, int]) -> Image.Image:
    """Make a smaller derivative from the next larger one, with Lanczos for crisp thumbnails."""
    # reducing_gap=2 box-reduces by an integer factor first when shrinking 4x or more, which Pillow documents
    # as indistinguishable from a full Lanczos pass, and is several times faster.
    return im.resize(size, Image.Resampling.LANCZOS, reducing_gap=2.0)


def _to_srgb(im: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """Convert colours from an embedded ICC profile to sRGB, since derivatives carry no profile."""
    if im.mode == "CMYK":
        converted = _apply_profile(im, icc_profile, "RGB")
        return converted if converted is not None else im.convert("RGB")
    if im.mode in ("RGB", "RGBA"):
        converted = _apply_profile(im, icc_profile, im.mode)
        return converted if converted is not None else im
    return im  # grey images with a grey profile are close enough to sRGB's grey


def _apply_profile(im: Image.Image, icc_profile: bytes | None, out_mode: str) -> Image.Image | None:
    if not icc_profile or ImageCms is None:
        return None
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        color_space = source.profile.xcolor_space.strip()
        if color_space != ("CMYK" if im.mode == "CMYK" else "RGB"):
            return None
        if im.mode != "CMYK" and "srgb" in ImageCms.getProfileDescription(source).lower():
            return None  # already sRGB: skip a no-op transform
        srgb = ImageCms.createProfile("sRGB")
        return ImageCms.profileToProfile(
            im, source, srgb, renderingIntent=ImageCms.Intent.PERCEPTUAL, outputMode=out_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
        return None  # a broken profile is dropped; the pixels are still usable


def _prepare_for_output(im: Image.Image, out_format: OutputFormat) -> Image.Image:
    """Drop an all-opaque alpha channel; flatten real transparency on white for JPEG, keep it for WebP."""
    if im.mode != "RGBA":
        return im
    if im.getchannel("A").getextrema() == (255, 255):
        return im.convert("RGB")
    if out_format == "WEBP":
        return im
    flat = Image.new("RGB", im.size, (255, 255, 255))
    flat.paste(im, mask=im.getchannel("A"))
    return flat


def _encode(name: str, im: Image.Image, out_format: OutputFormat) -> Derivative:
    # The caller emptied im.info; the writers take metadata only from explicit arguments, and none are given.
    buffer = io.BytesIO()
    if out_format == "WEBP":
        im.save(buffer, "WEBP", quality=QUALITY, method=WEBP_METHOD)
    else:
        im.save(buffer, "JPEG", quality=QUALITY, optimize=True)
    width, height = im.size
    return Derivative(
        name=name, data=buffer.getvalue(), width=width, height=height, content_type=_CONTENT_TYPES[out_format]
    )
