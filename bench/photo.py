"""Benchmark: reports.photos.process_photo beside a naive Pillow pipeline on a 12 MP phone JPEG and a HEIC."""

from __future__ import annotations

import argparse
import io
import json
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from PIL import ExifTags, Image, ImageDraw, ImageFilter, ImageOps
from PIL.TiffImagePlugin import IFDRational

from bench._support import log
from reports import photos

SENSOR = (4032, 3024)  # 12 MP, 4:3: what most phones save by default
UPRIGHT = (SENSOR[1], SENSOR[0])  # the phone was held upright
SIZES = (("large", 1600), ("thumb", 400))


# ----------------------------------------------------------------------------------------------------------
# Inputs


def phone_scene(size: tuple[int, int], seed: int = 12) -> Image.Image:
    """A street scene with phone-photo statistics: smooth sky, textured asphalt, edges, sensor noise."""
    width, height = size
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    horizon = height * 0.42
    sky = np.stack([150 + 60 * y / horizon, 185 + 40 * y / horizon, 235 + 10 * y / horizon], axis=-1)
    ground = np.stack([95 + 0 * y, 92 + 0 * y, 88 + 0 * y], axis=-1) + (y / height * 30)[..., None]
    pixels = np.where((y < horizon)[..., None], sky, ground)
    # Asphalt grain and light falloff: mid-frequency texture that JPEG has to spend bits on.
    grain = rng.normal(0, 1, (height // 8, width // 8)).astype(np.float32)
    grain_im = Image.fromarray(np.clip(grain * 40 + 128, 0, 255).astype(np.uint8)).resize(
        size, Image.Resampling.BICUBIC
    )
    texture = (np.asarray(grain_im, dtype=np.float32) - 128) * 0.35
    pixels += np.where((y >= horizon)[..., None], texture[..., None], texture[..., None] * 0.1)
    vignette = 1 - 0.25 * (((x - width / 2) / width) ** 2 + ((y - height / 2) / height) ** 2)
    pixels *= vignette[..., None]
    im = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))

    draw = ImageDraw.Draw(im)
    for _ in range(18):  # buildings on the horizon
        left = int(rng.integers(0, width))
        top = int(horizon - rng.integers(150, 900))
        colour = tuple(int(c) for c in rng.integers(60, 220, 3))
        draw.rectangle((left, top, left + int(rng.integers(200, 700)), int(horizon)), fill=colour)
        for wy in range(top + 40, int(horizon) - 40, 90):  # windows
            for wx in range(left + 30, left + 180, 70):
                draw.rectangle((wx, wy, wx + 35, wy + 50), fill=(40, 50, 70))
    draw.line((0, height, width * 0.45, horizon), fill=(235, 235, 235), width=28)  # road markings
    draw.line((width, height, width * 0.55, horizon), fill=(235, 235, 235), width=28)
    draw.ellipse((width * 0.38, height * 0.68, width * 0.66, height * 0.86), fill=(45, 42, 40))  # the pothole
    im = im.filter(ImageFilter.GaussianBlur(1.2))  # lens softness, so edges are not aliased steps

    noisy = np.asarray(im, dtype=np.float32) + rng.normal(0, 4.0, (height, width, 3)).astype(np.float32)
    return Image.fromarray(np.clip(noisy, 0, 255).astype(np.uint8))


def phone_exif(orientation: int) -> Image.Exif:
    def dms(value: float) -> tuple[IFDRational, ...]:
        degrees, rest = int(value), (value - int(value)) * 60
        return IFDRational(degrees, 1), IFDRational(int(rest), 1), IFDRational(round((rest % 1) * 6000), 100)

    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "BenchPhone"
    exif[ExifTags.Base.Model] = "BP-12"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.DateTimeOriginal: "2025:06:14 09:41:07",
        ExifTags.Base.OffsetTimeOriginal: "+09:00",
        ExifTags.Base.ExposureTime: IFDRational(1, 120),
    }
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: dms(35.658581),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: dms(139.745433),
    }
    return exif


def make_inputs() -> dict[str, bytes]:
    started = time.perf_counter()
    scene = phone_scene(UPRIGHT)
    # The sensor is landscape and the phone was held upright: pixels are stored sideways and EXIF
    # orientation 6 says to turn them, as phone JPEGs do.
    stored = scene.transpose(Image.Transpose.ROTATE_90)
    jpeg = io.BytesIO()
    stored.save(jpeg, "JPEG", quality=90, exif=phone_exif(6), subsampling="4:2:0")
    heic = io.BytesIO()
    # pillow-heif turns EXIF orientation into a HEIF rotation box; keep it upright to compare like for like.
    # x265's "ultrafast" preset encodes in seconds instead of a minute; the file is still a 12 MP HEVC
    # image of phone-like size (2-3 MB).
    scene.save(heic, "HEIF", quality=60, exif=phone_exif(1), enc_params={"preset": "ultrafast"})
    log(
        f"inputs: JPEG {len(jpeg.getvalue()) / 1e6:.1f} MB, HEIC {len(heic.getvalue()) / 1e6:.1f} MB, "
        f"{SENSOR[0]}x{SENSOR[1]}, made in {time.perf_counter() - started:.1f} s"
    )
    return {"jpeg": jpeg.getvalue(), "heic": heic.getvalue()}


# ----------------------------------------------------------------------------------------------------------
# Pipelines


def ours(data: bytes) -> list[bytes]:
    result = photos.process_photo(data, output_format="WEBP", sizes=SIZES)
    return [derivative.data for derivative in result.derivatives]


def naive(data: bytes) -> list[bytes]:
    """What a first version usually does: full decode, exif_transpose, thumbnail twice, save without EXIF."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        upright = ImageOps.exif_transpose(im)
    upright.info = {}  # strip EXIF, XMP and ICC
    outputs = []
    for _, side in SIZES:
        upright.thumbnail((side, side))
        buffer = io.BytesIO()
        upright.save(buffer, "WEBP", quality=photos.QUALITY, method=photos.WEBP_METHOD, exif=b"")
        outputs.append(buffer.getvalue())
    return outputs


def jpeg_floor(data: bytes) -> None:
    """The least any pipeline must do: parse and decode at the DCT scale the large derivative needs."""
    with Image.open(io.BytesIO(data)) as im:
        im.draft("RGB", (1600, 1200))
        im.load()


def heic_floor(data: bytes) -> None:
    with Image.open(io.BytesIO(data)) as im:
        im.load()


# ----------------------------------------------------------------------------------------------------------
# Measurement


def timed(func: Callable[[bytes], Any], data: bytes) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    func(data)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def measure(name: str, data: bytes, floor: Callable[[bytes], None], repeat: int) -> dict[str, Any]:
    contenders: dict[str, Callable[[bytes], Any]] = {"ours": ours, "naive": naive, "floor": floor}
    for func in contenders.values():  # warm caches and lazy plugin imports
        func(data)
    walls: dict[str, list[float]] = {key: [] for key in contenders}
    cpus: dict[str, list[float]] = {key: [] for key in contenders}
    for round_ in range(repeat):
        # Interleaved, so background load on a shared machine hits all three alike.
        for key, func in contenders.items():
            wall, cpu = timed(func, data)
            walls[key].append(wall)
            cpus[key].append(cpu)
        log(
            f"{name} round {round_ + 1}/{repeat}: "
            + ", ".join(f"{k} {v[-1]:.0f} ms" for k, v in walls.items())
        )

    ours_out, naive_out = ours(data), naive(data)
    med = {key: statistics.median(values) for key, values in walls.items()}
    return {
        "name": name,
        "ours_ms": round(med["ours"], 1),
        "naive_ms": round(med["naive"], 1),
        "floor_ms": round(med["floor"], 1),
        "ratio": round(med["ours"] / med["naive"], 3),
        "floor_ratio": round(med["ours"] / med["floor"], 3),
        # Best-of-N is less swayed by other processes on a shared machine than the median.
        "ratio_best": round(min(walls["ours"]) / min(walls["naive"]), 3),
        # Process CPU time: both pipelines are single-threaded, and CPU time shrugs off time-slicing.
        "ours_cpu_ms": round(statistics.median(cpus["ours"]), 1),
        "naive_cpu_ms": round(statistics.median(cpus["naive"]), 1),
        "input_bytes": len(data),
        "ours_bytes": [len(item) for item in ours_out],
        "naive_bytes": [len(item) for item in naive_out],
        "repeat": repeat,
    }


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench photo", description=__doc__)
    parser.add_argument("--repeat", type=int, default=7, help="timed rounds per case (median is reported)")
    args = parser.parse_args(argv)

    inputs = make_inputs()
    cases = (("photo-jpeg-12mp", inputs["jpeg"], jpeg_floor), ("photo-heic", inputs["heic"], heic_floor))
    for name, data, floor in cases:
        hint = photos.read_hint(data)
        log(f"{name}: {hint.format} {hint.width}x{hint.height}, gps {hint.gps}, taken {hint.taken_at}")
        assert hint.gps is not None and hint.taken_at is not None and hint.width < hint.height
        print(json.dumps(measure(name, data, floor, args.repeat)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
