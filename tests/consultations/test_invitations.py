"""Invitations: drawn once from a committed seed, one-time hashed codes, by letter, e-mail or LINE."""

import re

import pytest
from django.core import mail
from django.utils import translation

from civic.errors import ServiceError
from civic.line.models import LineFollower
from civic.line.services import line_channel_set
from civic.line.simulator import running
from consultations import codes, lottery, services
from consultations.models import Consultation, Draw, Invitation, InvitationCode
from tests.consultations.builders import ConsultationFactory, csv_bytes, drawn, people, run_jobs, with_roster

pytestmark = pytest.mark.django_db


def test_the_commitment_is_recorded_before_the_seed_is_revealed():
    consultation = with_roster(ConsultationFactory(invitations_target=12), 40)
    draw = services.invitations_commit(consultation=consultation, by=None)
    assert draw.status == Draw.Status.COMMITTED and not draw.seed_revealed and draw.public_seed == ""
    assert draw.seed_hash == lottery.seed_hash(draw.seed)
    assert len(draw.inputs["entries"]) == 40
    made = services.invitations_draw(draw=draw, by=None)
    assert made.seed_revealed and made.revealed_at >= made.committed_at
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.RECRUITING
    assert consultation.invitations.count() == 12
    by_district = {row["entry__district"] for row in consultation.invitations.values("entry__district")}
    assert by_district == {"本町", "東町", "西町"}


def test_a_second_draw_is_refused_until_the_first_is_voided_with_a_reason():
    consultation = with_roster(ConsultationFactory(), 40)
    first = drawn(consultation)
    with translation.override("en"), pytest.raises(ServiceError, match="never re-run"):
        services.invitations_commit(consultation=consultation, by=None)
    with translation.override("en"), pytest.raises(ServiceError, match="full sentence"):
        services.draw_void(draw=first, reason="oops", by=None)
    services.draw_void(draw=first, reason="The roster export missed one district; re-imported.", by=None)
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.DRAFT
    assert set(first.invitations.values_list("status", flat=True)) == {Invitation.Status.REVOKED}
    second = drawn(consultation)
    assert consultation.draws.count() == 2
    assert second.status == Draw.Status.DRAWN
    assert consultation.invitations.exclude(status=Invitation.Status.REVOKED).count() == 20


def test_an_operator_seed_kept_off_the_server_must_match_its_commitment():
    consultation = with_roster(ConsultationFactory(), 40)
    seed = "dice 3 5 1 6 6 2 4 1 3 5 at the town hall"
    draw = services.invitations_commit(consultation=consultation, by=None, seed=seed, keep_seed=True)
    assert draw.seed == ""
    with translation.override("en"), pytest.raises(ServiceError, match="Type in the seed"):
        services.invitations_draw(draw=draw, by=None)
    with (
        translation.override("en"),
        pytest.raises(ServiceError, match="does not match the published commitment"),
    ):
        services.invitations_draw(draw=draw, by=None, seed=seed + "!")
    made = services.invitations_draw(draw=draw, by=None, seed=seed)
    assert made.seed == seed and made.status == Draw.Status.DRAWN


def test_asking_for_more_invitations_than_households_is_refused_before_anything_is_published():
    consultation = ConsultationFactory(invitations_target=30, one_per_household=True)
    services.roster_import_file(
        consultation=consultation,
        filename="r.csv",
        content=csv_bytes(people(60, household_size=3)),
        mapping={},
        by=None,
    )
    with translation.override("en"), pytest.raises(ServiceError, match="only 20 households"):
        services.invitations_commit(consultation=consultation, by=None)
    assert not consultation.draws.exists()


def test_each_invitee_gets_the_channel_they_can_be_reached_on(django_capture_on_commit_callbacks):
    rows = people(30)
    rows[0]["メール"] = "first@example.jp"
    rows[1]["lineid"] = "U" + "a" * 32
    for row in rows[2:]:
        row["メール"] = ""
        row["lineid"] = ""
    rows[0]["lineid"] = ""
    rows[1]["メール"] = ""
    consultation = ConsultationFactory(invitations_target=30, stratify_by_district=False)
    services.roster_import_file(
        consultation=consultation, filename="r.csv", content=csv_bytes(rows), mapping={}, by=None
    )
    with running() as simulator:
        channel = line_channel_set(
            municipality=consultation.municipality,
            channel_secret="s",
            access_token="t",
            api_base=simulator.url,
        )
        LineFollower.objects.create(channel=channel, user_id="U" + "a" * 32, language="ja")
        with django_capture_on_commit_callbacks(execute=True):
            drawn(consultation)
        channels = dict(consultation.invitations.values_list("entry__ref", "channel"))
        assert channels["100000"] == Invitation.Channel.EMAIL
        assert channels["100001"] == Invitation.Channel.LINE
        assert set(channels.values()) == {"email", "line", "letter"}
        run_jobs()
        pushed = [m for m in simulator.state.sent if m["to"] == "U" + "a" * 32]
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["first@example.jp"]
    token = re.search(r"/c/rsvp/([A-Za-z0-9_-]+)/", message.body)[1]
    assert len(token) >= 22  # at least 128 bits
    opened = services.invitation_open(token=token)
    assert opened.invitation.entry.email == "first@example.jp"
    # Only hashes are stored: the token appears nowhere in the database.
    assert not InvitationCode.objects.filter(token_hash=token).exists()
    assert InvitationCode.objects.filter(token_hash=codes.token_hash(token)).exists()
    assert len(pushed) == 1 and "/c/rsvp/" in pushed[0]["messages"][0]["text"]
    assert consultation.invitations.filter(sent_at__isnull=False).count() == 2


def test_typed_codes_are_forgiving_about_how_they_are_typed_but_not_about_what():
    assert codes.normalise_short_code("abcd-efgh-jkmn") == "ABCDEFGHJKMN"
    assert codes.normalise_short_code("ＡＢＣＤ ＥＦＧＨ ＪＫＭＮ") == "ABCDEFGHJKMN"
    assert codes.normalise_short_code("O0IL-1111-2222") == "001111112222"
    assert codes.normalise_short_code("ABCD-EFGH-JKM") is None
    assert codes.normalise_short_code("ABCD-EFGH-JKMU") is None
    code = codes.new_short_code()
    assert len(code) == 12 and set(code) <= set(codes.ALPHABET)  # 12 x 5 bits = 60 bits


def test_codes_are_single_use_and_expire():
    consultation = with_roster(ConsultationFactory(), 40)
    drawn(consultation)
    invitation = consultation.invitations.first()
    issued = services.code_issue(invitation=invitation)
    assert services.invitation_open(short_code=codes.format_short_code(issued.short_code)).pk == issued.row.pk
    issued.row.used_at = invitation.created_at
    issued.row.save(update_fields=["used_at"])
    with translation.override("en"), pytest.raises(ServiceError, match="already been used"):
        services.invitation_open(token=issued.token)
    fresh = services.code_issue(invitation=invitation)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=invitation.created_at)
    with translation.override("en"), pytest.raises(ServiceError, match="expired on"):
        services.invitation_open(token=fresh.token)
    with translation.override("en"), pytest.raises(ServiceError, match="could not find that code"):
        services.invitation_open(short_code="ZZZZ-ZZZZ-ZZZZ")


def test_reminders_go_once_to_those_who_have_not_answered(django_capture_on_commit_callbacks):
    rows = people(20)
    for i, row in enumerate(rows):
        row["メール"] = f"r{i}@example.jp"
    consultation = ConsultationFactory(invitations_target=20, stratify_by_district=False)
    services.roster_import_file(
        consultation=consultation, filename="r.csv", content=csv_bytes(rows), mapping={}, by=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        drawn(consultation)
    run_jobs()
    assert len(mail.outbox) == 20
    answered = consultation.invitations.first()
    services.rsvp_answer(
        invitation=answered, answer=services.RsvpAnswer(accept=False), via=Invitation.Via.PHONE
    )
    with django_capture_on_commit_callbacks(execute=True):
        result = services.invitations_remind(consultation=consultation, by=None)
        assert (result.sent, result.letters) == (19, 0)
        assert services.invitations_remind(consultation=consultation, by=None).sent == 0
    run_jobs()
    reminders = mail.outbox[20:]
    assert len(reminders) == 19
    assert answered.entry.email not in {m.to[0] for m in reminders}


def test_an_invitee_who_left_the_line_account_gets_a_letter_instead(django_capture_on_commit_callbacks):
    rows = people(10)
    rows[0]["lineid"] = "U" + "b" * 32
    for row in rows[1:]:
        row["lineid"] = ""
    consultation = ConsultationFactory(invitations_target=10, stratify_by_district=False)
    services.roster_import_file(
        consultation=consultation, filename="r.csv", content=csv_bytes(rows), mapping={}, by=None
    )
    channel = line_channel_set(
        municipality=consultation.municipality,
        channel_secret="s",
        access_token="t",
        api_base="http://127.0.0.1:9",
    )
    follower = LineFollower.objects.create(channel=channel, user_id="U" + "b" * 32)
    with django_capture_on_commit_callbacks(execute=True):
        drawn(consultation)
    line_invitation = consultation.invitations.get(channel=Invitation.Channel.LINE)
    follower.following = False
    follower.save(update_fields=["following"])
    run_jobs()
    line_invitation.refresh_from_db()
    assert line_invitation.channel == Invitation.Channel.LETTER
    assert services.letters_waiting(consultation, "invitation").count() == 10
