"""Small photo files for the reports tests: JPEGs with or without GPS, and files that are not photos."""

import io

from PIL import ExifTags, Image
from PIL.TiffImagePlugin import IFDRational


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600 * 1000)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(seconds, 1000)


def jpeg(
    size: tuple[int, int] = (640, 480), gps: tuple[float, float] | None = None, colour=(120, 130, 140)
) -> bytes:
    """A JPEG; `gps` is (lat, lng) written into its EXIF, as a phone camera does."""
    image = Image.new("RGB", size, colour)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    if gps is not None:
        lat, lng = gps
        exif[ExifTags.IFD.GPSInfo] = {
            ExifTags.GPS.GPSLatitudeRef: "N" if lat >= 0 else "S",
            ExifTags.GPS.GPSLatitude: _dms(lat),
            ExifTags.GPS.GPSLongitudeRef: "E" if lng >= 0 else "W",
            ExifTags.GPS.GPSLongitude: _dms(lng),
        }
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, exif=exif)
    return out.getvalue()


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (20, 20)).save(out, "GIF")
    return out.getvalue()


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def truncated_jpeg() -> bytes:
    return jpeg()[:200]


def bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose header declares 900 megapixels; a few hundred bytes that would need gigabytes decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )
