"""Building consultations in each stage for the tests, through the same services the site uses."""

import csv
import io
import random
from typing import cast

import factory

from consultations import services
from consultations.models import Consultation, Draw, Invitation, Respondent
from consultations.services import QuotaRow, RsvpAnswer
from tests.factories import MunicipalityFactory

DISTRICTS = ["本町", "東町", "西町"]
SURNAMES = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林", "加藤"]
GIVEN = ["太郎", "花子", "一郎", "美咲", "健太", "陽子", "翔", "愛", "誠", "由美"]


class ConsultationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Consultation

    municipality = factory.SubFactory(MunicipalityFactory, contact_phone="027-000-0000")
    title = factory.Sequence(lambda n: f"まちの未来会議 {n}")
    question = "駅前広場をどう使うべきか？"
    panel_size = 6
    alternates = 2
    invitations_target = 20
    stratify_by_district = True
    one_per_household = False


def people(count: int, *, seed: int = 1, household_size: int = 1) -> list[dict[str, str]]:
    """Fictional residents as a register export has them (Japanese headings)."""
    rng = random.Random(seed)
    rows = []
    for i in range(count):
        household = i // household_size
        rows.append(
            {
                "住民番号": f"{100000 + i}",
                "氏名": f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}{i}",
                "郵便番号": f"371-{i % 10000:04d}",
                "住所": f"群馬県テスト市{DISTRICTS[household % 3]}{household + 1}-1",
                "地区": DISTRICTS[household % 3],
                "世帯番号": f"H{household:05d}",
            }
        )
    return rows


def csv_bytes(rows: list[dict[str, str]], *, encoding: str = "utf-8") -> bytes:
    output = io.StringIO()
    writer = csv.DictWriter(output, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return output.getvalue().encode(encoding)


def with_roster(consultation: Consultation, count: int = 60, **kwargs) -> Consultation:
    services.roster_import_file(
        consultation=consultation,
        filename="roster.csv",
        content=csv_bytes(people(count, **kwargs)),
        mapping={},
        by=None,
    )
    return consultation


def drawn(consultation: Consultation, *, seed: str = "") -> Draw:
    draw = services.invitations_commit(consultation=consultation, by=None, seed=seed)
    return services.invitations_draw(draw=draw, by=None)


AGE = [("young", "39歳以下"), ("middle", "40〜64歳"), ("old", "65歳以上")]
GENDER = [("f", "女性"), ("m", "男性")]


def standard_quotas(consultation: Consultation) -> None:
    rows = [QuotaRow("age", "年齢", value, label, 1, 3) for value, label in AGE]
    rows += [QuotaRow("gender", "性別", value, label, 2, 4) for value, label in GENDER]
    services.quotas_set(consultation=consultation, rows=rows, by=None)


def accept(invitation: Invitation, answers: dict[str, str], **contact: str) -> Respondent:
    answer = RsvpAnswer(
        accept=True,
        answers=answers,
        display_name=contact.get("display_name", "テスト"),
        email=contact.get("email", ""),
        phone=contact.get("phone", ""),
    )
    services.rsvp_answer(invitation=invitation, answer=answer, via=Invitation.Via.PHONE)
    return Respondent.objects.get(invitation=invitation)


def recruited(
    consultation: Consultation | None = None, *, accepted: int = 14, roster: int = 60
) -> Consultation:
    """A consultation with drawn invitations, quotas, and `accepted` respondents of varied answers."""
    if consultation is None:
        consultation = cast(Consultation, ConsultationFactory())
    with_roster(consultation, roster)
    drawn(consultation)
    standard_quotas(consultation)
    for i, invitation in enumerate(consultation.invitations.order_by("pk")[:accepted]):
        accept(invitation, {"age": AGE[i % 3][0], "gender": GENDER[i % 2][0]}, email=f"p{i}@example.jp")
    return consultation


def selected(consultation: Consultation | None = None, **kwargs) -> Consultation:
    """`recruited`, then the panel computed and drawn (the job run in-process)."""
    consultation = recruited(consultation, **kwargs)
    run = services.selection_start(consultation=consultation, by=None)
    services.selection_run(run_id=run.pk)
    consultation.refresh_from_db()
    return consultation


def replaceable_member(consultation: Consultation) -> Respondent:
    """A panel member whom some alternate can stand in for with every quota kept (the draw records who)."""
    replaces = consultation.draws.get(stage=Draw.Stage.PANEL).result["replaces"]
    keys = [key for members in replaces.values() for key in members]
    assert keys, "the drawn alternates can stand in for nobody"
    return consultation.respondents.get(key=keys[0])


def run_jobs() -> int:
    """Run the queued background jobs here, in order, as the worker would (without ending the test's
    transaction, which `db_worker` does); jobs they enqueue run too. Returns how many ran."""
    from django_tasks_db.models import DBTaskResult

    ran = 0
    while job := DBTaskResult.objects.filter(status="READY").order_by("enqueued_at", "id").first():
        job.delete()
        job.task.call(*job.args_kwargs["args"], **job.args_kwargs["kwargs"])
        ran += 1
    return ran
