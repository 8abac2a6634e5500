"""The RSVP pages: by QR link or typed code, answered once, with clear messages and nothing lost on errors."""

import pytest
from django.test import Client

from civic.errors import ServiceError
from consultations import codes, services
from consultations.models import Invitation, InvitationCode, Respondent
from consultations.services import RsvpAnswer
from tests.consultations.builders import (
    ConsultationFactory,
    drawn,
    recruited,
    selected,
    standard_quotas,
    with_roster,
)

pytestmark = pytest.mark.django_db

ANSWER_URL = "/c/rsvp/answer/"


@pytest.fixture
def invitation():
    consultation = with_roster(ConsultationFactory(), 40)
    drawn(consultation)
    standard_quotas(consultation)
    return consultation.invitations.select_related("consultation__municipality").first()


def browser(invitation: Invitation, language: str = "en") -> Client:
    return Client(HTTP_HOST=invitation.consultation.municipality.site.hostname, HTTP_ACCEPT_LANGUAGE=language)


def open_by_link(client: Client, invitation: Invitation):
    issued = services.code_issue(invitation=invitation)
    return issued, client.get(f"/c/rsvp/{issued.token}/")


def yes(**extra: str) -> dict[str, str]:
    return {
        "attending": "yes",
        "q_age": "middle",
        "q_gender": "f",
        "display_name": "はなこ",
        "email": "hanako@example.jp",
        "phone": "",
        "accessibility_needs": "大きな文字の資料",
        "consent": "on",
        **extra,
    }


def test_the_qr_link_binds_the_session_and_moves_to_a_url_without_the_token(invitation):
    client = browser(invitation)
    issued, response = open_by_link(client, invitation)
    assert response.status_code == 302 and response["Location"] == ANSWER_URL
    assert response["Referrer-Policy"] == "no-referrer"
    page = client.get(ANSWER_URL)
    assert page.status_code == 200 and page["Referrer-Policy"] == "same-origin"
    assert "no-store" in page["Cache-Control"]
    html = page.content.decode()
    assert issued.token not in html
    assert invitation.consultation.question in html
    assert "年齢" in html and "65歳以上" in html  # the quota questions, as the operator wrote them


def test_accepting_records_the_answers_and_uses_up_the_code(invitation):
    client = browser(invitation)
    issued, _ = open_by_link(client, invitation)
    response = client.post(ANSWER_URL, yes())
    assert response.status_code == 302 and response["Location"] == "/c/rsvp/done/"
    assert "you would like to take part" in client.get("/c/rsvp/done/").content.decode()
    person = Respondent.objects.get(invitation=invitation)
    # The district comes from the roster, so it is not asked again.
    assert person.features == {"age": "middle", "gender": "f"}
    assert person.display_name == "はなこ" and person.accessibility_needs == "大きな文字の資料"
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED and invitation.answered_via == Invitation.Via.WEB
    assert InvitationCode.objects.get(pk=issued.row.pk).used_at is not None


def test_declining_needs_no_other_answer(invitation):
    client = browser(invitation)
    open_by_link(client, invitation)
    response = client.post(ANSWER_URL, {"attending": "no"})
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.DECLINED
    assert not Respondent.objects.exists()
    assert "you will not take part" in client.get("/c/rsvp/done/").content.decode()


def test_missing_answers_are_listed_and_what_was_typed_is_kept(invitation):
    client = browser(invitation)
    open_by_link(client, invitation)
    response = client.post(ANSWER_URL, yes(q_age="", consent="", display_name="はなこ"))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="error-summary"' in html
    assert "Please answer: 年齢" in html
    assert "Please agree to how your answers are used" in html
    assert 'value="はなこ"' in html and "大きな文字の資料" in html  # nothing lost
    assert 'href="#id_q_age_0"' in html
    assert not Respondent.objects.exists()
    assert Invitation.objects.get(pk=invitation.pk).status == Invitation.Status.PENDING


def test_the_pages_are_japanese_by_default(invitation):
    client = browser(invitation, language="ja")
    open_by_link(client, invitation)
    html = client.get(ANSWER_URL).content.decode()
    assert "参加しますか" in html or "参加を希望" in html
    response = client.post(ANSWER_URL, yes(q_age=""))
    assert "次の質問に答えてください：年齢" in response.content.decode()


def test_a_reused_code_is_refused_and_the_first_answer_kept(invitation):
    client = browser(invitation)
    issued, _ = open_by_link(client, invitation)
    client.post(ANSWER_URL, yes())
    again = browser(invitation).get(f"/c/rsvp/{issued.token}/")
    assert again.status_code == 400
    assert "This code has already been used" in again.content.decode()
    assert "027-000-0000" in again.content.decode()  # where to call
    assert Respondent.objects.get(invitation=invitation).features["age"] == "middle"


def test_a_typed_code_works_like_the_link(invitation):
    client = browser(invitation)
    issued = services.code_issue(invitation=invitation)
    typed = codes.format_short_code(issued.short_code).lower()
    response = client.post("/c/rsvp/", {"code": typed})
    assert response.status_code == 302 and response["Location"] == ANSWER_URL
    assert client.get(ANSWER_URL).status_code == 200


def test_an_expired_invitation_says_so(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    client = browser(invitation)
    _issued, response = open_by_link(client, invitation)
    assert response.status_code == 400
    assert "expired on" in response.content.decode()


def test_guessing_codes_is_rate_limited(invitation, settings):
    settings.CONSULTATION_CODE_RATE_LIMIT = (5, 900)
    client = browser(invitation)
    for _ in range(5):
        response = client.post("/c/rsvp/", {"code": "ZZZZ-ZZZZ-ZZZZ"})
        assert response.status_code == 400
        assert "could not find that code" in response.content.decode()
    issued = services.code_issue(invitation=invitation)
    blocked = client.post("/c/rsvp/", {"code": issued.short_code})
    assert blocked.status_code == 429
    assert "Too many codes were tried" in blocked.content.decode()
    assert int(blocked["Retry-After"]) > 0
    assert browser(invitation).get(f"/c/rsvp/{issued.token}/").status_code == 429  # same address, link too
    assert InvitationCode.objects.get(pk=issued.row.pk).used_at is None


def test_the_answer_page_needs_a_code_first(invitation):
    response = browser(invitation).get(ANSWER_URL)
    assert response.status_code == 302 and response["Location"] == "/c/rsvp/"


def test_staff_take_answers_by_telephone_after_the_deadline_too(invitation):
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    services.rsvp_answer(
        invitation=invitation,
        answer=RsvpAnswer(accept=True, answers={"age": "old", "gender": "m"}, display_name="田中"),
        via=Invitation.Via.PHONE,
    )
    assert Respondent.objects.get(invitation=invitation).features == {"age": "old", "gender": "m"}


def test_answers_cannot_change_after_the_selection_and_stay_as_they_were():
    consultation = selected()
    person = consultation.respondents.first()
    before = dict(person.features)
    with pytest.raises(ServiceError, match="answers can no longer change"):
        services.respondent_update(
            respondent=person,
            answer=RsvpAnswer(accept=True, answers={"age": "old", "gender": "m"}, display_name="x"),
            by=None,
        )
    person.refresh_from_db()
    assert person.features == before


def test_a_selected_member_confirms_their_place_with_their_code():
    consultation = selected()
    person = consultation.respondents.filter(outcome=Respondent.Outcome.SELECTED).first()
    issued = services.code_issue(invitation=person.invitation, purpose=InvitationCode.Purpose.CONFIRM)
    client = browser(person.invitation)
    client.get(f"/c/rsvp/{issued.token}/")
    page = client.get(ANSWER_URL)
    assert "You were selected for the panel" in page.content.decode()
    assert client.post(ANSWER_URL, {"attend": "yes"}).status_code == 302
    person.refresh_from_db()
    assert person.attendance == Respondent.Attendance.CONFIRMED
    again = browser(person.invitation).get(f"/c/rsvp/{issued.token}/")
    assert "already been used" in again.content.decode()


def test_answers_are_closed_once_the_selection_starts():
    consultation = recruited()
    services.selection_start(consultation=consultation, by=None)
    waiting = consultation.invitations.filter(status=Invitation.Status.PENDING).first()
    issued = services.code_issue(invitation=waiting)
    response = browser(waiting).get(f"/c/rsvp/{issued.token}/")
    assert response.status_code == 400
    assert "Answers are closed" in response.content.decode()
