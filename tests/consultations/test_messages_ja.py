"""Every bad input of the issue gets a clear message in Japanese, the site's language, and loses nothing."""

import pytest
from django.test import Client
from django.utils import translation

from civic.errors import ServiceError
from consultations import services
from consultations.models import Invitation, Respondent
from consultations.services import QuotaRow, RsvpAnswer
from tests.consultations.builders import AGE, ConsultationFactory, recruited, selected

pytestmark = pytest.mark.django_db


def refused(call, **kwargs) -> str:
    with translation.override("ja"), pytest.raises(ServiceError) as error:
        call(**kwargs)
    return error.value.message + " ".join(m for ms in error.value.field_errors.values() for m in ms)


def test_quotas_above_the_panel_size():
    consultation = recruited()
    rows = [QuotaRow("age", "年齢", value, label, 3, 6) for value, label in AGE]
    message = refused(services.quotas_set, consultation=consultation, rows=rows, by=None)
    assert "「年齢」の最小の合計が 9 で、パネルの人数 6 を超えています。" in message
    assert consultation.quotas.count() == 5


def test_a_panel_larger_than_the_respondents():
    consultation = recruited(accepted=3)
    message = refused(services.selection_start, consultation=consultation, by=None)
    assert "パネルの人数（6 人）が参加希望者の数（3 人）より多くなっています。" in message


def test_expired_and_reused_codes_and_guessing():
    consultation = recruited(ConsultationFactory(), accepted=0)
    invitation = consultation.invitations.first()
    host = consultation.municipality.site.hostname
    issued = services.code_issue(invitation=invitation)
    used = services.code_issue(invitation=invitation)
    services.rsvp_answer(invitation=invitation, answer=RsvpAnswer(accept=False), code=used.row)
    page = Client(HTTP_HOST=host).get(f"/c/rsvp/{used.token}/").content.decode()
    assert "このコードはすでに使われています。" in page
    other = consultation.invitations.exclude(pk=invitation.pk).first()
    late = services.code_issue(invitation=other)
    Invitation.objects.filter(pk=other.pk).update(expires_at=other.created_at)
    page = Client(HTTP_HOST=host).get(f"/c/rsvp/{late.token}/").content.decode()
    assert "この招待の有効期限は" in page and "インターネットでは回答できません" in page
    guesser = Client(HTTP_HOST=host)
    for _ in range(10):
        guesser.post("/c/rsvp/", {"code": "ZZZZ-ZZZZ-ZZZZ"})
    blocked = guesser.post("/c/rsvp/", {"code": issued.short_code})
    assert blocked.status_code == 429
    assert "短い時間に多くのコードが入力されました。" in blocked.content.decode()


def test_changing_answers_after_the_selection():
    consultation = selected()
    person = consultation.respondents.first()
    before = dict(person.features)
    message = refused(
        services.respondent_update,
        respondent=person,
        answer=RsvpAnswer(accept=True, answers={"age": "old", "gender": "m"}, display_name="x"),
        by=None,
    )
    assert "パネルの選出が始まったため、回答は変更できません" in message
    assert Respondent.objects.get(pk=person.pk).features == before


def test_a_second_draw():
    consultation = selected()
    message = refused(services.invitations_commit, consultation=consultation, by=None)
    assert "抽選はやり直せません" in message
