"""Demo data for consultations in 桜川市: a citizens' panel at the "live" stage, made through the services.

A roster of about 3,000 fictional residents (names from a fixed seed) is imported, 600 households are invited
by a committed-then-revealed lottery, 170 answer (by telephone, as the demo has no mail), the quotas are set
and the panel of 24 is selected by LEXIMIN and drawn. `manage.py verify_lottery` passes on it. Idempotent: the
consultation is only created in a town that has none.
"""

import csv
import io
import random
from datetime import datetime, time, timedelta

from django.utils import timezone
from wagtail.models import Page, Site

from civic.demo import DemoContext
from consultations import services
from consultations.models import Consultation, ConsultationPage, ConsultationSession, Invitation
from consultations.services import QuotaRow, RsvpAnswer

TITLE = "駅前広場の使い方を考える市民会議"
DISTRICTS = [("本町地区", 0.32), ("桜台地区", 0.26), ("川端地区", 0.22), ("緑が丘地区", 0.20)]
SURNAMES = [
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "佐々木",
    "山口",
    "松本",
    "井上",
    "木村",
    "林",
    "斎藤",
    "清水",
    "山崎",
    "森",
    "池田",
    "橋本",
    "阿部",
    "石川",
    "山下",
    "中島",
    "石井",
    "小川",
    "前田",
    "岡田",
    "長谷川",
    "藤田",
    "後藤",
    "近藤",
    "村上",
    "遠藤",
    "青木",
    "坂本",
]
GIVEN = [
    "翔太",
    "蓮",
    "大翔",
    "陽翔",
    "悠真",
    "湊",
    "健一",
    "誠",
    "博",
    "浩二",
    "一郎",
    "正雄",
    "茂",
    "勇",
    "大輔",
    "拓也",
    "結衣",
    "陽菜",
    "葵",
    "さくら",
    "美咲",
    "花子",
    "恵子",
    "洋子",
    "幸子",
    "和子",
    "由美",
    "真由美",
    "久美子",
    "愛",
    "彩",
    "優子",
    "明美",
    "智子",
    "直子",
    "千尋",
    "凛",
    "芽依",
    "美月",
    "琴音",
]
AGES = [
    ("u30", "18〜29歳", 2, 5),
    ("30s", "30〜44歳", 4, 7),
    ("45s", "45〜64歳", 6, 9),
    ("65p", "65歳以上", 6, 9),
]
GENDERS = [("f", "女性", 11, 13), ("m", "男性", 11, 13)]
DISTRICT_CODES = ["honcho", "sakuradai", "kawabata", "midorigaoka"]
DISTRICT_BOUNDS = {"honcho": (6, 9), "sakuradai": (5, 8), "kawabata": (4, 7), "midorigaoka": (4, 6)}


def residents(rng: random.Random, count: int = 3000) -> bytes:
    """A register export in CSV, as a town's system writes one (Japanese headings)."""
    output = io.StringIO()
    writer = csv.writer(output)
    writer.writerow(["住民番号", "氏名", "郵便番号", "住所", "地区", "世帯番号"])
    number, household = 0, 0
    while number < count:
        household += 1
        district = rng.choices([d for d, _w in DISTRICTS], weights=[w for _d, w in DISTRICTS])[0]
        surname = rng.choice(SURNAMES)
        town_part = district.removesuffix("地区")
        address = f"群馬県桜川市{town_part}{rng.randint(1, 9)}丁目{rng.randint(1, 30)}-{rng.randint(1, 20)}"
        postal = f"371-{rng.randint(1, 9999):04d}"
        for given in rng.sample(GIVEN, rng.choice([1, 1, 2, 2, 2, 3, 3, 4])):
            number += 1
            writer.writerow(
                [f"{200000 + number}", f"{surname} {given}", postal, address, district, f"{household:06d}"]
            )
    return output.getvalue().encode()


def quota_rows() -> list[QuotaRow]:
    rows = [QuotaRow("age", "年齢", value, label, lo, hi) for value, label, lo, hi in AGES]
    rows += [QuotaRow("gender", "性別", value, label, lo, hi) for value, label, lo, hi in GENDERS]
    rows += [
        QuotaRow("district", "お住まいの地区", code, name, *DISTRICT_BOUNDS[code])
        for code, (name, _weight) in zip(DISTRICT_CODES, DISTRICTS, strict=True)
    ]
    return rows


def seed(context: DemoContext) -> None:
    town = context.town()
    existing = Consultation.objects.filter(municipality=town, title=TITLE).first()
    if existing is not None:
        context.log(f"consultation “{existing.title}” already there ({existing.get_status_display()})")
        return
    rng = random.Random(2026)  # noqa: S311 - fictional residents from a fixed seed, not secrets
    facilitator = context.users.get("facilitator")
    today = timezone.localdate()
    consultation = Consultation(
        municipality=town,
        title=TITLE,
        question="駅前広場を、これからどのように使っていくべきでしょうか？",
        description="市民会議で話し合い、市長への提言をまとめます。謝礼として1回につき5,000円をお支払いします。",
        panel_size=24,
        alternates=6,
        invitations_target=600,
        stratify_by_district=True,
        one_per_household=True,
        rsvp_deadline=timezone.make_aware(datetime.combine(today + timedelta(days=21), time(23, 59))),
        public_may_watch=True,
    )
    for number, days in enumerate((35, 42, 49), start=1):
        start = timezone.make_aware(datetime.combine(today + timedelta(days=days), time(10, 0)))
        consultation.sessions.add(
            ConsultationSession(
                title=f"第{number}回 会議",
                starts_at=start,
                ends_at=start + timedelta(hours=3),
                location="桜川市役所 大会議室",
                online=True,
            )
        )
    consultation = services.consultation_save(consultation=consultation, by=facilitator)  # type: ignore[arg-type]
    imported = services.roster_import_file(
        consultation=consultation,
        filename="住民基本台帳_抽出.csv",
        content=residents(rng),
        mapping={},
        by=None,
    )
    draw = services.invitations_commit(consultation=consultation, by=facilitator)  # type: ignore[arg-type]
    services.invitations_draw(draw=draw, by=facilitator)  # type: ignore[arg-type]
    services.quotas_set(consultation=consultation, rows=quota_rows(), by=facilitator)  # type: ignore[arg-type]
    invitations = list(consultation.invitations.select_related("entry").order_by("pk"))
    rng.shuffle(invitations)
    accepted = 0
    for index, invitation in enumerate(invitations[:170]):
        if index % 13 == 0:
            services.rsvp_answer(
                invitation=invitation, answer=RsvpAnswer(accept=False), via=Invitation.Via.PHONE
            )
            continue
        age = rng.choices([a[0] for a in AGES], weights=[2, 3, 4, 5])[0]
        services.rsvp_answer(
            invitation=invitation,
            answer=RsvpAnswer(
                accept=True,
                answers={"age": age, "gender": rng.choice(["f", "m"])},
                display_name=invitation.entry.name.split()[-1],
                phone=f"090-{rng.randint(1000, 9999)}-{rng.randint(1000, 9999)}",
            ),
            via=rng.choice([Invitation.Via.PHONE, Invitation.Via.COUNTER]),
        )
        accepted += 1
    run = services.selection_start(consultation=consultation, by=facilitator)  # type: ignore[arg-type]
    run = services.selection_run(run_id=run.pk)
    services.consultation_set_status(consultation=consultation, status="live", by=facilitator)  # type: ignore[arg-type]
    _page(consultation)
    context.log(
        f"consultation “{TITLE}”: {imported.accepted} residents on the roster, {len(invitations)} invited, "
        f"{accepted} said yes, panel of {consultation.panel_size} drawn ({run.status}); id {consultation.pk}"
    )


def _page(consultation: Consultation) -> None:
    if ConsultationPage.objects.filter(consultation=consultation).exists():
        return
    # The site is read afresh: the CMS demo set its home page after the town object was loaded.
    root = Site.objects.get(pk=consultation.municipality.site_id).root_page
    page = ConsultationPage(
        title="市民会議：駅前広場の使い方",
        slug="shimin-kaigi",
        consultation=consultation,
        introduction="無作為に選ばれた市民が、駅前広場の将来について話し合います。会議の様子はどなたでも視聴できます。",
        materials=[
            ("heading", "話し合いの前提"),
            (
                "text",
                "<p>駅前広場は1998年に整備され、現在はバスの乗り換えと駐輪に使われています。"
                "再整備の費用と、市民の皆さんが望む使い方を比べて検討します。</p>",
            ),
        ],
    )
    parent = Page.objects.get(pk=root.pk)
    parent.add_child(instance=page)
    page.save_revision().publish()
