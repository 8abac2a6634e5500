"""Tests for the pure photo pipeline: sniffing, bounded decoding, orientation, metadata and derivatives."""

from __future__ import annotations

import io
import resource
import struct
import time
import zlib
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
import pytest
from PIL import ExifTags, Image, ImageFile
from PIL.TiffImagePlugin import IFDRational

from reports import photos
from reports.photos import PhotoError, process_photo, read_hint, sniff_format

# ----------------------------------------------------------------------------------------------------------
# Sample builders

RED, BLUE, GREEN, YELLOW = (220, 20, 20), (20, 20, 220), (20, 200, 20), (230, 230, 20)

# Orientation -> the transpose that undoes it when *building* a sample, so the upright picture is what a
# correct pipeline must give back.
_STORE_FOR_ORIENTATION = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def quadrants(width: int = 64, height: int = 48) -> Image.Image:
    """An upright picture whose four quadrants differ, so any wrong rotation or flip is visible."""
    im = Image.new("RGB", (width, height), RED)
    im.paste(BLUE, (width // 2, 0, width, height // 2))
    im.paste(GREEN, (0, height // 2, width // 2, height))
    im.paste(YELLOW, (width // 2, height // 2, width, height))
    return im


def dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = (value - degrees - minutes / 60) * 3600
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(round(seconds * 1000), 1000)


def make_exif(
    *,
    orientation: int | None = None,
    lat: float | None = None,
    lng: float | None = None,
    taken: str | None = None,
    offset: str | None = None,
    gps: dict[int, Any] | None = None,
) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    if orientation is not None:
        exif[ExifTags.Base.Orientation] = orientation
    if gps is None and lat is not None and lng is not None:
        gps = {
            ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
            ExifTags.GPS.GPSLatitude: dms(lat),
            ExifTags.GPS.GPSLongitudeRef: "E" if lng >= 0 else "W",
            ExifTags.GPS.GPSLongitude: dms(lng),
        }
    if gps is not None:
        exif[ExifTags.IFD.GPSInfo] = gps
    sub: dict[int, Any] = {}
    if taken is not None:
        sub[ExifTags.Base.DateTimeOriginal] = taken
    if offset is not None:
        sub[ExifTags.Base.OffsetTimeOriginal] = offset
    if sub:
        exif[ExifTags.IFD.Exif] = sub
    return exif


def encode(im: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    im.save(buffer, fmt, **params)
    return buffer.getvalue()


def noisy(width: int, height: int, seed: int = 0) -> Image.Image:
    """Photo-like noise, which JPEG cannot compress away, so cutting the file really loses image data."""
    rng = np.random.default_rng(seed)
    return Image.fromarray(rng.integers(0, 256, (height, width, 3), dtype=np.uint8))


def png_header_only(width: int, height: int) -> bytes:
    """A valid-looking 1-bit PNG that declares ``width`` x ``height`` but carries almost no data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + chunk(b"IEND", b"")
    )


def jpeg_declaring(width: int, height: int) -> bytes:
    """A tiny JPEG whose frame header is patched to claim a huge size."""
    data = bytearray(encode(Image.new("RGB", (16, 16), RED), "JPEG"))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


def assert_no_metadata(derivative: photos.Derivative) -> None:
    with Image.open(io.BytesIO(derivative.data)) as im:
        assert not dict(im.getexif())
        for key in ("exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment"):
            assert key not in im.info
    assert b"Exif\x00" not in derivative.data
    assert b"xmpmeta" not in derivative.data
    assert b"TestPhone" not in derivative.data
    if derivative.content_type == "image/webp":
        assert b"EXIF" not in derivative.data[12:] and b"XMP " not in derivative.data[12:]


def pixel(derivative: photos.Derivative, xy: tuple[float, float]) -> tuple[int, ...]:
    with Image.open(io.BytesIO(derivative.data)) as im:
        rgb = im.convert("RGB")
        return tuple(rgb.getpixel((int(xy[0] * (im.width - 1)), int(xy[1] * (im.height - 1)))))  # type: ignore[arg-type]


def close_to(actual: tuple[int, ...], expected: tuple[int, ...], tolerance: int = 40) -> bool:
    return all(abs(a - e) <= tolerance for a, e in zip(actual, expected, strict=False))


# ----------------------------------------------------------------------------------------------------------
# Orientation and metadata stripping


@pytest.mark.parametrize("output_format", ["WEBP", "JPEG"])
def test_jpeg_with_gps_and_orientation_6_is_rotated_and_stripped(output_format: str) -> None:
    upright = quadrants(48, 64)  # portrait, as the phone was held
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # landscape sensor data
    exif = make_exif(orientation=6, lat=35.6812, lng=139.7671, taken="2024:05:01 10:20:30")
    data = encode(stored, "JPEG", quality=95, exif=exif, xmp=b"<x:xmpmeta>secret</x:xmpmeta>", comment=b"hi")

    result = process_photo(data, output_format=output_format)

    assert (result.format, result.width, result.height) == ("JPEG", 48, 64)
    assert result.gps == pytest.approx((35.6812, 139.7671), abs=1e-5)
    assert result.taken_at == datetime(2024, 5, 1, 10, 20, 30)  # EXIF time without an offset is naive
    assert [d.name for d in result.derivatives] == ["large", "thumb"]
    for derivative in result.derivatives:
        assert (derivative.width, derivative.height) == (48, 64)
        assert derivative.content_type == f"image/{output_format.lower()}"
        assert_no_metadata(derivative)
        assert close_to(pixel(derivative, (0.1, 0.1)), RED)
        assert close_to(pixel(derivative, (0.9, 0.1)), BLUE)
        assert close_to(pixel(derivative, (0.1, 0.9)), GREEN)


@pytest.mark.parametrize("orientation", range(1, 9))
def test_every_exif_orientation_gives_the_upright_picture(orientation: int) -> None:
    upright = quadrants(64, 48)
    transpose = _STORE_FOR_ORIENTATION[orientation]
    stored = upright.transpose(transpose) if transpose is not None else upright
    data = encode(stored, "JPEG", quality=95, exif=make_exif(orientation=orientation))

    result = process_photo(data)
    large = result.derivative("large")

    assert (result.width, result.height) == (64, 48)
    assert (large.width, large.height) == (64, 48)
    for corner, colour in (((0.1, 0.1), RED), ((0.9, 0.1), BLUE), ((0.1, 0.9), GREEN), ((0.9, 0.9), YELLOW)):
        assert close_to(pixel(large, corner), colour), (orientation, corner)
    assert read_hint(data).width == 64 and read_hint(data).height == 48


def test_png_webp_and_heic_metadata_is_stripped_too() -> None:
    exif = make_exif(lat=-33.8688, lng=151.2093)
    for fmt in ("PNG", "WEBP", "HEIF"):
        result = process_photo(encode(quadrants(), fmt, exif=exif))
        assert result.gps == pytest.approx((-33.8688, 151.2093), abs=1e-5), fmt
        for derivative in result.derivatives:
            assert_no_metadata(derivative)


def test_icc_profile_is_not_carried_over() -> None:
    from PIL import ImageCms

    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    result = process_photo(encode(quadrants(), "JPEG", icc_profile=srgb))
    for derivative in result.derivatives:
        assert_no_metadata(derivative)


# ----------------------------------------------------------------------------------------------------------
# GPS and time taken


@pytest.mark.parametrize(
    ("lat", "lng"),
    [(35.6812, 139.7671), (-33.8688, 151.2093), (40.7128, -74.006), (-22.9068, -43.1729)],
)
def test_gps_hemispheres(lat: float, lng: float) -> None:
    data = encode(quadrants(), "JPEG", exif=make_exif(lat=lat, lng=lng))
    assert read_hint(data).gps == pytest.approx((lat, lng), abs=1e-5)
    assert process_photo(data).gps == pytest.approx((lat, lng), abs=1e-5)


def test_gps_in_plain_rational_pairs_and_decimal_degrees() -> None:
    pairs = {1: b"S\x00", 2: ((33, 1), (52, 1), (792, 100)), 3: "W", 4: ((151, 1), (1225, 100), (0, 1))}
    assert photos._parse_gps(pairs) == pytest.approx((-33.8688667, -151.2041667), abs=1e-6)
    decimal = {1: "N", 2: (IFDRational(356812, 10000),), 3: "E", 4: 139.7671}
    assert photos._parse_gps(decimal) == pytest.approx((35.6812, 139.7671))


@pytest.mark.parametrize(
    "gps",
    [
        {},
        {1: "N", 2: dms(0), 3: "E", 4: dms(0)},  # zeros written by a phone without a fix
        {2: dms(35.0), 4: dms(139.0)},  # no hemisphere refs
        {1: "X", 2: dms(35.0), 3: "E", 4: dms(139.0)},
        {1: "N", 2: (IFDRational(35, 0), IFDRational(0, 1), IFDRational(0, 1)), 3: "E", 4: dms(139.0)},
        {1: "N", 2: (IFDRational(35, 1), IFDRational(75, 1), IFDRational(0, 1)), 3: "E", 4: dms(139.0)},
        {1: "N", 2: dms(95.0), 3: "E", 4: dms(139.0)},
        {1: "N", 2: "garbage", 3: "E", 4: dms(139.0)},
        {1: "N", 2: dms(35.0), 3: "E", 4: dms(139.0), 9: "V"},  # receiver said the fix is void
    ],
)
def test_garbage_gps_is_ignored(gps: dict[int, Any]) -> None:
    assert photos._parse_gps(gps) is None


def test_garbage_gps_in_a_real_file_is_ignored_without_failing() -> None:
    data = encode(quadrants(), "JPEG", exif=make_exif(gps={1: "N", 2: dms(0), 3: "E", 4: dms(0)}))
    result = process_photo(data)
    assert result.gps is None
    assert len(result.derivatives) == 2


def test_taken_at_naive_aware_and_garbage() -> None:
    naive = read_hint(encode(quadrants(), "JPEG", exif=make_exif(taken="2023:12:31 23:59:58")))
    assert naive.taken_at == datetime(2023, 12, 31, 23, 59, 58)
    assert naive.taken_at.tzinfo is None

    aware = read_hint(
        encode(quadrants(), "JPEG", exif=make_exif(taken="2024:05:01 10:20:30", offset="+09:00"))
    )
    assert aware.taken_at == datetime(2024, 5, 1, 10, 20, 30, tzinfo=timezone(timedelta(hours=9)))

    west = read_hint(
        encode(quadrants(), "WEBP", exif=make_exif(taken="2024:05:01 10:20:30", offset="-05:30"))
    )
    assert west.taken_at is not None and west.taken_at.utcoffset() == -timedelta(hours=5, minutes=30)

    for garbage in ("0000:00:00 00:00:00", "    :  :     :  :  ", "yesterday"):
        assert read_hint(encode(quadrants(), "JPEG", exif=make_exif(taken=garbage))).taken_at is None


def test_hint_without_exif() -> None:
    hint = read_hint(encode(quadrants(30, 20), "PNG"))
    assert hint == photos.PhotoHint(format="PNG", width=30, height=20, taken_at=None, gps=None)


def test_read_hint_does_not_decode_pixels() -> None:
    data = encode(noisy(256, 256), "JPEG", quality=95, exif=make_exif(lat=35.0, lng=139.0))
    cut = data[: len(data) // 2]
    # Decoding would fail on the missing half; the header and EXIF are all intact.
    hint = read_hint(cut)
    assert (hint.format, hint.width, hint.height) == ("JPEG", 256, 256)
    assert hint.gps == pytest.approx((35.0, 139.0))


# ----------------------------------------------------------------------------------------------------------
# Formats, accepted and rejected by content


def test_sniff_format_by_magic_bytes() -> None:
    assert sniff_format(encode(quadrants(), "JPEG")) == "JPEG"
    assert sniff_format(encode(quadrants(), "PNG")) == "PNG"
    assert sniff_format(encode(quadrants(), "WEBP")) == "WEBP"
    assert sniff_format(encode(quadrants(), "HEIF")) == "HEIF"
    for fmt in ("GIF", "BMP", "TIFF"):
        with pytest.raises(PhotoError) as caught:
            sniff_format(encode(quadrants(), fmt))
        assert caught.value.code == "unsupported_format"
        assert fmt in caught.value.message


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "HEIF"])
def test_other_formats_are_accepted(fmt: str) -> None:
    params = {} if fmt == "PNG" else {"quality": 90}
    result = process_photo(encode(quadrants(64, 48), fmt, **params))
    assert (result.format, result.width, result.height) == (fmt, 64, 48)
    assert close_to(pixel(result.derivative("thumb"), (0.9, 0.1)), BLUE)


def test_heic_with_gps_from_a_phone() -> None:
    data = encode(quadrants(64, 48), "HEIF", quality=80, exif=make_exif(lat=34.6937, lng=135.5023))
    hint = read_hint(data)
    assert (hint.format, hint.width, hint.height) == ("HEIF", 64, 48)
    assert hint.gps == pytest.approx((34.6937, 135.5023), abs=1e-5)


class NamedBytes(io.BytesIO):
    """A file object with a misleading name, like an upload called photo.jpg."""

    name = "photo.jpg"
    content_type = "image/jpeg"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer\n%%EOF\n", "not_image"),
        (b"Hello, this is a plain text file pretending to be a photo.\n", "not_image"),
        (b"<html><body>not a picture</body></html>", "not_image"),
        (b"", "empty"),
        (b"\x00" * 100, "not_image"),
    ],
)
def test_non_images_are_rejected_whatever_their_name(data: bytes, code: str) -> None:
    for call in (process_photo, read_hint):
        with pytest.raises(PhotoError) as caught:
            call(NamedBytes(data))
        assert caught.value.code == code
        assert caught.value.message.endswith(".")


def test_truncated_jpeg_png_and_heic_are_rejected() -> None:
    jpeg = encode(noisy(256, 256), "JPEG", quality=95)
    png = encode(noisy(256, 256), "PNG")
    heic = encode(noisy(256, 256), "HEIF", quality=90)
    for data in (jpeg, png, heic):
        with pytest.raises(PhotoError) as caught:
            process_photo(data[: len(data) // 2])
        assert caught.value.code == "truncated"
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


def test_magic_bytes_with_garbage_behind_them_are_rejected() -> None:
    for data in (b"\xff\xd8\xff\xe0" + b"\x00" * 40, b"\x89PNG\r\n\x1a\n" + b"garbage" * 10):
        with pytest.raises(PhotoError) as caught:
            process_photo(data)
        assert caught.value.code == "truncated"


# ----------------------------------------------------------------------------------------------------------
# Bounds


@pytest.mark.parametrize(
    "data",
    [
        png_header_only(8_000, 6_000),  # 48 MP: over our 40 MP default, under Pillow's own warning
        png_header_only(50_000, 50_000),  # 2.5 GP: Pillow's DecompressionBombError fires first
        jpeg_declaring(65_000, 65_000),
    ],
)
def test_decompression_bombs_are_refused_before_allocating(data: bytes) -> None:
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    for call in (process_photo, read_hint):
        with pytest.raises(PhotoError) as caught:
            call(data)
        assert caught.value.code == "too_many_pixels"
    assert time.perf_counter() - started < 1.0
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000  # KiB


def test_pixel_limit_is_a_parameter() -> None:
    data = encode(Image.new("RGB", (2000, 1000)), "PNG")
    with pytest.raises(PhotoError) as caught:
        process_photo(data, max_pixels=1_000_000)
    assert caught.value.code == "too_many_pixels"
    assert process_photo(data, max_pixels=2_000_000).width == 2000


def test_byte_limit_for_bytes_and_file_objects() -> None:
    data = encode(noisy(64, 64), "PNG")
    for source in (data, io.BytesIO(data)):
        with pytest.raises(PhotoError) as caught:
            process_photo(source, max_bytes=len(data) - 1)
        assert caught.value.code == "too_large"
    assert process_photo(io.BytesIO(data), max_bytes=len(data)).width == 64


# ----------------------------------------------------------------------------------------------------------
# Derivatives


@pytest.mark.parametrize(
    ("size", "large", "thumb"),
    [
        ((300, 200), (300, 200), (300, 200)),
        ((1000, 500), (1000, 500), (400, 200)),
        ((2000, 1000), (1600, 800), (400, 200)),
        ((1000, 3000), (533, 1600), (133, 400)),
        ((3300, 1000), (1600, 485), (400, 121)),
    ],
)
def test_derivative_sizes_never_upscale(
    size: tuple[int, int], large: tuple[int, int], thumb: tuple[int, int]
) -> None:
    for fmt in ("JPEG", "PNG"):  # DCT-scaled decode, and box-reduce by hand
        result = process_photo(encode(Image.new("RGB", size, GREEN), fmt))
        assert (result.derivative("large").width, result.derivative("large").height) == large
        assert (result.derivative("thumb").width, result.derivative("thumb").height) == thumb
        for derivative in result.derivatives:
            with Image.open(io.BytesIO(derivative.data)) as im:
                assert im.size == (derivative.width, derivative.height)


def test_custom_sizes_keep_the_callers_order() -> None:
    result = process_photo(encode(quadrants(800, 600), "PNG"), sizes=(("tiny", 50), ("medium", 300)))
    assert [(d.name, d.width) for d in result.derivatives] == [("tiny", 50), ("medium", 300)]
    with pytest.raises(ValueError, match="unique"):
        process_photo(encode(quadrants(), "PNG"), sizes=(("a", 10), ("a", 20)))
    with pytest.raises(ValueError, match="output_format"):
        process_photo(encode(quadrants(), "PNG"), output_format="GIF")


def test_jpeg_is_decoded_at_the_smallest_covering_dct_scale() -> None:
    data = encode(Image.new("RGB", (4000, 3000), BLUE), "JPEG", quality=70)
    for longest, expected in (
        (1600, (2000, 1500)),
        (1000, (1000, 750)),
        (400, (500, 375)),
        (4000, (4000, 3000)),
    ):
        with photos._open(data, "JPEG", photos.DEFAULT_MAX_PIXELS) as im:
            assert photos._decode(im, "JPEG", longest).size == expected, longest


def test_transparency_kept_for_webp_and_flattened_on_white_for_jpeg() -> None:
    im = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    im.paste((200, 0, 0, 255), (0, 0, 20, 40))
    data = encode(im, "PNG")

    webp = process_photo(data).derivative("large")
    with Image.open(io.BytesIO(webp.data)) as out:
        assert out.mode == "RGBA"
        assert out.getpixel((35, 20))[3] == 0  # type: ignore[index]

    jpeg = process_photo(data, output_format="JPEG").derivative("large")
    assert close_to(pixel(jpeg, (0.95, 0.5)), (255, 255, 255), 10)
    assert close_to(pixel(jpeg, (0.1, 0.5)), (200, 0, 0))

    palette = im.convert("P", palette=Image.Palette.ADAPTIVE)
    palette.info["transparency"] = palette.getpixel((35, 20))
    with Image.open(io.BytesIO(process_photo(encode(palette, "PNG")).derivative("large").data)) as out:
        assert out.mode == "RGBA" and out.getpixel((35, 20))[3] == 0  # type: ignore[index]


def test_opaque_alpha_is_dropped() -> None:
    large = process_photo(encode(quadrants().convert("RGBA"), "PNG")).derivative("large")
    with Image.open(io.BytesIO(large.data)) as out:
        assert out.mode == "RGB"


def test_cmyk_grey_and_16_bit_modes_are_converted_sensibly() -> None:
    cmyk = process_photo(encode(Image.new("CMYK", (32, 32), (0, 255, 255, 0)), "JPEG"), output_format="JPEG")
    assert close_to(pixel(cmyk.derivative("large"), (0.5, 0.5)), (255, 0, 0))

    grey = process_photo(encode(Image.new("L", (32, 32), 90), "JPEG"), output_format="JPEG")
    with Image.open(io.BytesIO(grey.derivative("large").data)) as out:
        assert out.mode == "L" and abs(int(out.getpixel((5, 5))) - 90) < 5  # type: ignore[arg-type]

    sixteen = Image.new("I;16", (32, 32), 32768)  # half of full scale: must become mid-grey, not white
    result = process_photo(encode(sixteen, "PNG"), output_format="JPEG")
    assert close_to(pixel(result.derivative("large"), (0.5, 0.5)), (128, 128, 128), 6)


def test_multi_picture_jpeg_and_animated_webp_use_the_first_frame() -> None:
    first, second = Image.new("RGB", (3200, 2400), RED), Image.new("RGB", (3200, 2400), BLUE)
    mpo = encode(first, "MPO", save_all=True, append_images=[second])  # what some phones save
    with photos._open(mpo, "JPEG", photos.DEFAULT_MAX_PIXELS) as im:
        assert photos._decode(im, "JPEG", 1600).size == (1600, 1200)  # DCT scaling still applies
    result = process_photo(mpo)
    assert (result.format, result.derivative("large").width) == ("JPEG", 1600)
    assert close_to(pixel(result.derivative("thumb"), (0.5, 0.5)), RED)

    frames = [Image.new("RGB", (50, 40), colour) for colour in (GREEN, BLUE)]
    animated = encode(frames[0], "WEBP", save_all=True, append_images=frames[1:], lossless=True)
    assert close_to(pixel(process_photo(animated).derivative("large"), (0.5, 0.5)), GREEN)
