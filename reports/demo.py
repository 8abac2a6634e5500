"""Demo data for reports in 桜川市: four districts, six categories routed to the demo departments, and about
thirty reports in various states, a few with generated photos (processed here, synchronously, by the same
service the background task calls). Idempotent: reports are only added to a town that has none."""

import io
import random
from datetime import timedelta
from typing import Any

from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.utils import timezone
from PIL import Image, ImageDraw, ImageFilter

from civic.demo import CENTER, DemoContext, town_boundary
from civic.models import Department
from reports.models import Category, Photo, Priority, Report, Reporter, ReportEvent, RoutingRule
from reports.services import (
    PhotoUpload,
    area_save,
    report_add_update,
    report_assign,
    report_create,
    report_merge,
    report_photo_process,
    report_support,
    report_transition,
)

DISTRICTS = [
    # code, Japanese, English, which quarter of the town (west/east, south/north of the centre)
    ("honcho", "本町地区", "Honcho", ("west", "north")),
    ("sakuradai", "桜台地区", "Sakuradai", ("east", "north")),
    ("kawabata", "川端地区", "Kawabata", ("west", "south")),
    ("midorigaoka", "緑が丘地区", "Midorigaoka", ("east", "south")),
]
CATEGORIES = [
    # code, icon, Japanese, English, department, hint (ja), hint (en)
    (
        "pothole",
        "pothole",
        "道路の穴",
        "Pothole",
        "roads",
        "大きさ・深さを教えてください",
        "Tell us how big and deep",
    ),
    (
        "street-light",
        "street_light",
        "街灯の故障",
        "Broken street light",
        "roads",
        "電柱の番号があれば",
        "Pole number if any",
    ),
    ("dumping", "dumping", "不法投棄", "Illegal dumping", "environment", "", ""),
    ("graffiti", "graffiti", "落書き", "Graffiti", "environment", "", ""),
    (
        "fallen-tree",
        "fallen_tree",
        "倒木",
        "Fallen tree",
        "parks",
        "通行できない場合は電話も",
        "Also call if the way is blocked",
    ),
    ("drain", "drain", "側溝の詰まり", "Blocked drain", "roads", "", ""),
]
DESCRIPTIONS = {
    "pothole": [
        "交差点の手前に直径30cmほどの穴があります。",
        "車が通るたびに水がはねます。深さ5cmくらい。",
        "自転車で走ると危ない段差ができています。",
    ],
    "street-light": [
        "夜になっても街灯がつきません。",
        "街灯が点滅していて暗いです。",
        "公園の入口の街灯が消えています。",
    ],
    "dumping": [
        "空き地に家電と粗大ごみが捨てられています。",
        "河川敷にタイヤが数本放置されています。",
        "ごみ袋が何日も置かれたままです。",
    ],
    "graffiti": ["橋の下の壁にスプレーの落書きがあります。", "バス停の屋根に落書きされています。"],
    "fallen-tree": ["強風で木が倒れ、歩道をふさいでいます。", "枝が折れて電線にかかりそうです。"],
    "drain": ["側溝が落ち葉で詰まり、雨の日にあふれます。", "側溝のふたが外れています。"],
}
STATUS_PLAN = (
    [Report.Status.NEW] * 10
    + [Report.Status.ACKNOWLEDGED] * 6
    + [Report.Status.IN_PROGRESS] * 6
    + [Report.Status.RESOLVED] * 5
    + [Report.Status.CLOSED, Report.Status.REFERRED]
)
STATUS_PATHS = {
    Report.Status.NEW: [],
    Report.Status.ACKNOWLEDGED: [Report.Status.ACKNOWLEDGED],
    Report.Status.IN_PROGRESS: [Report.Status.ACKNOWLEDGED, Report.Status.IN_PROGRESS],
    Report.Status.RESOLVED: [Report.Status.ACKNOWLEDGED, Report.Status.IN_PROGRESS, Report.Status.RESOLVED],
    Report.Status.CLOSED: [Report.Status.ACKNOWLEDGED, Report.Status.CLOSED],
    Report.Status.REFERRED: [Report.Status.REFERRED],
}
MESSAGES = {
    Report.Status.ACKNOWLEDGED: "担当課で内容を確認しました。",
    Report.Status.IN_PROGRESS: "現地を確認しました。補修の手配をしています。",
    Report.Status.RESOLVED: "補修が完了しました。ご報告ありがとうございました。",
    Report.Status.CLOSED: "私有地のため、所有者へ連絡しました。",
    Report.Status.REFERRED: "県道のため、県の土木事務所へ引き継ぎました。",
}
QUESTIONS = {
    "pothole": {
        "properties": {
            "size_cm": {
                "type": "integer",
                "title": "穴の大きさ（cm、わかれば）",
                "title_en": "Size in cm, if known",
                "minimum": 1,
                "maximum": 1000,
            },
            "on_sidewalk": {"type": "boolean", "title": "歩道にある", "title_en": "It is on the pavement"},
        },
        "required": [],
        "order": ["size_cm", "on_sidewalk"],
    },
    "street-light": {
        "properties": {
            "pole_number": {
                "type": "string",
                "title": "電柱・街灯の番号（わかれば）",
                "title_en": "Pole number, if you can see it",
                "maxLength": 20,
            },
        },
        "required": [],
    },
}
PHOTO_REPORTS = {0, 1, 7}  # which of the demo reports carry a photo


def district_polygon(quarter: tuple[str, str]) -> MultiPolygon:
    """A quarter of the town: its boundary clipped at the centre lines, so the four tile it exactly."""
    lng, lat = CENTER
    west, south, east, north = town_boundary().extent
    x0, x1 = (west - 1, lng) if quarter[0] == "west" else (lng, east + 1)
    y0, y1 = (south - 1, lat) if quarter[1] == "south" else (lat, north + 1)
    box = Polygon.from_bbox((x0, y0, x1, y1))
    box.srid = 4326
    part = town_boundary().intersection(box)
    if isinstance(part, Polygon):
        part = MultiPolygon(part, srid=4326)
    part.srid = 4326
    assert isinstance(part, MultiPolygon)
    return part


def demo_photo(kind: str, seed: int) -> bytes:
    """A plausible street photo drawn with Pillow (sky, asphalt, and the problem in the middle)."""
    rng = random.Random(seed)  # noqa: S311 - demo pictures, not secrets
    width, height = 1280, 960
    image = Image.new("RGB", (width, height), (150, 190, 230))
    draw = ImageDraw.Draw(image)
    horizon = int(height * 0.4)
    draw.rectangle((0, horizon, width, height), fill=(95, 95, 98))
    for _ in range(2500):
        x, y = rng.randrange(width), rng.randrange(horizon, height)
        shade = rng.randrange(70, 130)
        draw.point((x, y), fill=(shade, shade, shade))
    for i in range(6):  # houses on the horizon
        left = 40 + i * 210
        draw.rectangle(
            (left, horizon - rng.randrange(120, 260), left + 170, horizon), fill=(200, 180 - i * 10, 160)
        )
    draw.line((width // 2, height, width // 2, horizon), fill=(235, 235, 235), width=8)
    if kind == "pothole":
        draw.ellipse((480, 620, 860, 760), fill=(40, 38, 36), outline=(70, 70, 70), width=6)
    elif kind == "dumping":
        for i in range(5):
            draw.rectangle((380 + i * 90, 560 - i * 12, 470 + i * 90, 700), fill=(60 + i * 30, 90, 140))
    else:
        draw.rectangle((600, 300, 640, 800), fill=(80, 60, 40))
        draw.ellipse((480, 180, 760, 420), fill=(40, 120, 50))
    image = image.filter(ImageFilter.GaussianBlur(0.8))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def random_point(rng: random.Random) -> Point:
    boundary = town_boundary()
    west, south, east, north = boundary.extent
    while True:
        point = Point(rng.uniform(west, east), rng.uniform(south, north), srid=4326)
        if boundary.contains(point):
            return point


def seed(context: DemoContext) -> None:
    town = context.town()
    departments = {d.code: d for d in Department.objects.filter(municipality=town)}

    areas = {}
    for code, name_ja, name_en, quarter in DISTRICTS:
        areas[code], _created = area_save(
            municipality=town, code=code, name_ja=name_ja, name_en=name_en, boundary=district_polygon(quarter)
        )
    categories = {}
    for order, (code, icon, name_ja, name_en, department, hint_ja, hint_en) in enumerate(CATEGORIES):
        categories[code], _created = Category.objects.update_or_create(
            municipality=town,
            code=code,
            defaults={
                "icon": icon,
                "name_ja": name_ja,
                "name_en": name_en,
                "department": departments[department],
                "hint_ja": hint_ja,
                "hint_en": hint_en,
                "sort_order": order,
                "extra_questions": QUESTIONS.get(code, {}),
                "default_priority": Priority.HIGH if code == "fallen-tree" else Priority.NORMAL,
                "target_hours": 24 if code == "fallen-tree" else 72,
            },
        )
    # Midorigaoka is mostly park land: dumping there is the parks division's job.
    RoutingRule.objects.get_or_create(
        municipality=town,
        category=categories["dumping"],
        area=areas["midorigaoka"],
        defaults={"department": departments["parks"]},
    )
    context.log(f"{len(areas)} areas, {len(categories)} categories, 1 routing rule")

    if Report.objects.filter(municipality=town).exists():
        context.log(f"reports: {Report.objects.filter(municipality=town).count()} already there")
        return

    rng = random.Random(2026)  # noqa: S311 - repeatable demo data
    now = timezone.now()
    codes = list(categories)
    staff: dict[str, Any] = {code: context.users.get(code) for code in ("roads", "environment", "parks")}
    made: list[Report] = []
    for number, status in enumerate(STATUS_PLAN):
        code = codes[number % len(codes)]
        point = random_point(rng)
        if (
            number == 6 and made[0].point is not None
        ):  # a pothole 20 m from the first: "already reported nearby"
            point = Point(made[0].point.x + 0.0002, made[0].point.y + 0.0001, srid=4326)
            code = "pothole"
        photos = []
        if number in PHOTO_REPORTS:
            data = demo_photo(categories[code].icon, number)
            photos.append(PhotoUpload(name=f"IMG_{1000 + number}.jpg", file=io.BytesIO(data)))
        report = report_create(
            municipality=town,
            category=categories[code],
            description=rng.choice(DESCRIPTIONS[code]),
            point=point,
            photos=photos,
            reporter=Reporter(name="デモ 太郎", email=f"resident{number}@example.jp")
            if number % 3 == 0
            else None,
        )
        for photo in Photo.objects.filter(report=report):
            report_photo_process(photo_id=photo.pk)
        created_at = now - timedelta(days=rng.uniform(1, 60))
        Report.objects.filter(pk=report.pk).update(created_at=created_at)
        ReportEvent.objects.filter(report=report).update(at=created_at)
        report.refresh_from_db()
        step_at = created_at
        actor = staff.get(report.department.code) if report.department else None
        if status != Report.Status.NEW and actor is not None:
            report_assign(report=report, assignee=actor, actor=actor)
        for step in STATUS_PATHS[status]:
            report_transition(report=report, status=step, actor=actor, message=MESSAGES.get(step, ""))
            step_at += timedelta(hours=rng.uniform(4, 72))
            ReportEvent.objects.filter(
                report=report, kind=ReportEvent.Kind.STATUS_CHANGED, after__status=step
            ).update(at=min(step_at, now))
        if report.is_open:
            for supporter in range(rng.randrange(0, 4)):
                report_support(report=report, supporter_key=f"demo:{number}:{supporter}")
        if status == Report.Status.IN_PROGRESS and number % 2 == 0:
            report_add_update(
                report=report,
                actor=actor,
                message="業者の手配が済みました。今週中に作業します。",
                public=True,
            )
        made.append(report)
    # Someone reported the first pothole again; staff merged it.
    again = report_create(
        municipality=town,
        category=categories["pothole"],
        description="さっきの交差点の穴、まだあります。",
        point=made[0].point,
    )
    report_merge(report=again, into=made[0], actor=staff["roads"])
    ready = Photo.objects.filter(report__municipality=town, state=Photo.State.READY).count()
    context.log(f"{len(made) + 1} reports, {ready} photos")
