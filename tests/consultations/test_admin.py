"""The Wagtail admin pages that run a consultation, for facilitators of the town (and nobody else)."""

import io

import pytest
from django.test import Client

from civic.roles import Role
from civic.services import staff_membership_set
from consultations.live_models import LiveEvent, LiveRoom
from consultations.models import Consultation, ConsultationSession, Draw, Invitation, RosterImport
from consultations.services.live import participant_enter, room_ensure, room_open
from tests.consultations.builders import (
    ConsultationFactory,
    csv_bytes,
    drawn,
    people,
    recruited,
    replaceable_member,
    run_jobs,
    selected,
    with_roster,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("role_groups")]


@pytest.fixture
def consultation():
    return ConsultationFactory()


@pytest.fixture
def staff(consultation):
    user = UserFactory(username="fac")
    staff_membership_set(user=user, municipality=consultation.municipality, role=Role.FACILITATOR)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def manage(consultation: Consultation, path: str = "") -> str:
    return f"/admin/consultation-lottery/{consultation.pk}/{path}"


def test_facilitators_see_only_their_towns_consultations(staff, consultation):
    other = ConsultationFactory(title="よその町の会議")
    listing = staff.get("/admin/consultations/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert consultation.title in html and "よその町の会議" not in html
    assert staff.get(manage(other)).status_code == 404
    refused = staff.get(f"/admin/consultations/edit/{other.pk}/")
    assert (
        refused.status_code == 302 and refused["Location"] == "/admin/"
    )  # Wagtail's answer to PermissionDenied


def test_a_department_clerk_cannot_run_a_lottery(consultation):
    clerk = UserFactory()
    staff_membership_set(user=clerk, municipality=consultation.municipality, role=Role.SUPERVISOR)
    client = Client()
    client.force_login(clerk)
    assert client.get(manage(consultation)).status_code == 404


def test_creating_a_consultation_in_the_admin(staff, consultation):
    response = staff.post(
        "/admin/consultations/new/",
        {
            "municipality": consultation.municipality.pk,
            "title": "公共交通を考える市民会議",
            "question": "バス路線をどう守るか",
            "description": "",
            "invitations_target": 500,
            "rsvp_deadline": "",
            "stratify_by_district": "on",
            "one_per_household": "on",
            "panel_size": 20,
            "alternates": 5,
            "public_may_watch": "on",
            "sessions-TOTAL_FORMS": 1,
            "sessions-INITIAL_FORMS": 0,
            "sessions-MIN_NUM_FORMS": 0,
            "sessions-MAX_NUM_FORMS": 1000,
            "sessions-0-title": "第1回",
            "sessions-0-starts_at": "2027-01-10 10:00",
            "sessions-0-ends_at": "2027-01-10 12:00",
            "sessions-0-location": "市役所",
            "sessions-0-online": "on",
            "sessions-0-ORDER": 1,
            "sessions-0-id": "",
            "sessions-0-DELETE": "",
        },
    )
    created = Consultation.objects.get(title="公共交通を考える市民会議")
    assert response.status_code == 302 and response["Location"] == manage(created)
    assert created.sessions.get().title == "第1回"
    assert created.events.filter(action="consultation_created").exists()


def test_uploading_a_roster_maps_columns_imports_in_the_background_and_reports_rejects(
    staff, consultation, django_capture_on_commit_callbacks
):
    client = staff
    rows = people(25)
    rows[3]["氏名"] = ""
    upload = io.BytesIO(csv_bytes(rows))
    upload.name = "register.csv"
    response = client.post(manage(consultation, "roster/upload/"), {"file": upload})
    roster_import = RosterImport.objects.get()
    assert response["Location"] == manage(consultation, f"roster/{roster_import.pk}/map/")
    mapping_page = client.get(response["Location"]).content.decode()
    assert "住所" in mapping_page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            response["Location"],
            {
                "field_ref": "住民番号",
                "field_name": "氏名",
                "field_address": "住所",
                "field_district": "地区",
                "field_postal_code": "郵便番号",
            },
        )
    assert response.status_code == 302
    status = client.get(manage(consultation, f"roster/{roster_import.pk}/status/")).json()
    assert status["finished"] is False
    overview = client.get(manage(consultation)).content.decode()
    assert "<progress" in overview
    run_jobs()
    status = client.get(manage(consultation, f"roster/{roster_import.pk}/status/")).json()
    assert status == {"percent": 100, "message": "25 of 25 rows checked", "finished": True}
    roster_import.refresh_from_db()
    assert roster_import.accepted == 24 and roster_import.source is None
    rejected = client.get(manage(consultation, f"roster/{roster_import.pk}/rejected.csv")).content.decode(
        "utf-8-sig"
    )
    assert (
        "Name is missing." in rejected
        and ",5," not in rejected.split("\n")[1]
        and rejected.split("\n")[1].startswith("5,")
    )


def test_commit_draw_and_print_letters_from_the_overview(staff, consultation):
    with_roster(consultation, 40)
    staff.post(manage(consultation, "lottery/commit/"), {"seed": ""})
    draw = consultation.draws.get()
    overview = staff.get(manage(consultation)).content.decode()
    assert draw.seed_hash in overview and "Reveal the seed and draw the invitations" in overview
    staff.post(manage(consultation, "lottery/draw/"), {"seed": ""})
    draw.refresh_from_db()
    assert draw.status == Draw.Status.DRAWN
    response = staff.post(manage(consultation, "letters/invitation/"))
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert "no-store" in response["Cache-Control"]
    inputs = staff.get(manage(consultation, f"draws/{draw.pk}/inputs.json")).json()
    assert inputs["inputs_fingerprint"] == draw.inputs_fingerprint and len(inputs["inputs"]["entries"]) == 40
    assert not any("name" in str(row) for row in inputs["inputs"]["entries"][:3])


def test_quotas_that_cannot_fit_are_refused_and_the_form_keeps_them(staff, consultation):
    recruited(consultation)
    data = {
        "quotas-TOTAL_FORMS": 2,
        "quotas-INITIAL_FORMS": 0,
        "quotas-MIN_NUM_FORMS": 0,
        "quotas-MAX_NUM_FORMS": 1000,
    }
    for i, (value, label) in enumerate([("young", "若い"), ("old", "高齢")]):
        data |= {
            f"quotas-{i}-category": "age",
            f"quotas-{i}-category_label": "年齢",
            f"quotas-{i}-value": value,
            f"quotas-{i}-value_label": label,
            f"quotas-{i}-min": 4,
            f"quotas-{i}-max": 6,
        }
    response = staff.post(manage(consultation, "quotas/"), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert "The minimums of “年齢” add up to 8, more than the panel size 6." in html
    assert 'value="高齢"' in html
    assert consultation.quotas.count() == 5  # the earlier quotas are untouched


def test_the_facilitator_runs_the_selection_and_sees_the_panel_and_probabilities(
    staff, consultation, django_capture_on_commit_callbacks
):
    recruited(consultation)
    client = staff
    overview = client.get(manage(consultation)).content.decode()
    assert "The quotas can be met" in overview
    with django_capture_on_commit_callbacks(execute=True):
        client.post(manage(consultation, "selection/start/"), {"seed": ""})
    assert "Computing the LEXIMIN selection" in client.get(manage(consultation)).content.decode()
    run_jobs()
    assert client.get(manage(consultation, "selection/status/")).json()["finished"] is True
    overview = client.get(manage(consultation)).content.decode()
    assert "data-panel" in overview
    selected = consultation.respondents.filter(outcome="selected")
    assert selected.count() == 6
    for person in selected:
        assert person.display_name in overview
    probabilities = client.get(manage(consultation, "respondents/")).content.decode()
    assert probabilities.count("0.") >= consultation.respondents.count()


def test_staff_record_an_answer_given_by_telephone(staff, consultation):
    recruited(consultation, accepted=0)
    invitation = consultation.invitations.first()
    found = staff.get(manage(consultation, "invitees/"), {"q": invitation.entry.name}).content.decode()
    assert invitation.entry.address in found
    response = staff.post(
        manage(consultation, f"invitees/{invitation.pk}/answer/"),
        {"attending": "yes", "q_age": "old", "q_gender": "m", "display_name": "佐藤", "via": "phone"},
    )
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.status == Invitation.Status.ACCEPTED and invitation.answered_via == "phone"


def test_changing_answers_after_the_selection_shows_why_not(staff, consultation):
    from tests.consultations.builders import selected

    selected(consultation)
    person = consultation.respondents.first()
    response = staff.post(
        manage(consultation, f"respondents/{person.pk}/"),
        {"q_age": "young", "q_gender": "f", "display_name": "changed"},
    )
    assert "answers can no longer change" in response.content.decode()
    person.refresh_from_db()
    assert person.display_name != "changed"


def test_closing_and_deleting_personal_data(staff, consultation):
    from tests.consultations.builders import selected

    selected(consultation)
    for status in ("live", "closed"):
        staff.post(manage(consultation, "status/"), {"status": status})
    consultation.refresh_from_db()
    assert consultation.status == Consultation.Status.CLOSED
    staff.post(manage(consultation, "purge/"), {"confirm": "yes"})
    consultation.refresh_from_db()
    assert consultation.roster_purged_at is not None
    assert not consultation.roster.exclude(name="").exists()
    assert not consultation.respondents.exclude(email="").exists()


def test_drawn_invitations_for_a_town_without_staff_are_not_reachable(consultation):
    with_roster(consultation, 20)
    drawn(consultation)
    client = Client()
    assert client.get(manage(consultation)).status_code == 302  # to the admin login


def held_live(consultation: Consultation) -> tuple[ConsultationSession, ConsultationSession, LiveRoom]:
    """Two sessions: the first held live (its room has a record), the second with a room nobody used."""
    held, planned = (
        ConsultationSession.objects.create(
            consultation=consultation,
            title=title,
            starts_at="2027-01-10T10:00+09:00",
            ends_at="2027-01-10T12:00+09:00",
            sort_order=order,
        )
        for order, title in enumerate(("第1回", "第2回"))
    )
    room = room_ensure(session=held)
    room_open(room=room, actor=participant_enter(room=room, user=UserFactory()))
    room_ensure(session=planned)
    return held, planned, room


def test_a_session_held_live_cannot_be_removed_and_its_record_stays(staff, consultation):
    held, planned, room = held_live(consultation)
    form = {
        "municipality": consultation.municipality.pk,
        "title": consultation.title,
        "question": consultation.question,
        "description": "",
        "invitations_target": consultation.invitations_target,
        "rsvp_deadline": "",
        "panel_size": consultation.panel_size,
        "alternates": consultation.alternates,
        "sessions-TOTAL_FORMS": 2,
        "sessions-INITIAL_FORMS": 2,
        "sessions-MIN_NUM_FORMS": 0,
        "sessions-MAX_NUM_FORMS": 1000,
    }
    for i, session in enumerate((held, planned)):
        form |= {
            f"sessions-{i}-id": session.pk,
            f"sessions-{i}-title": session.title,
            f"sessions-{i}-starts_at": "2027-01-10 10:00",
            f"sessions-{i}-ends_at": "2027-01-10 12:00",
            f"sessions-{i}-location": "",
            f"sessions-{i}-ORDER": i + 1,
            f"sessions-{i}-DELETE": "on",
        }
    url = f"/admin/consultations/edit/{consultation.pk}/"
    refused = staff.post(url, form)
    assert refused.status_code == 200
    assert "was held live and its record is kept" in refused.content.decode()
    assert consultation.sessions.count() == 2 and LiveEvent.objects.filter(room=room).exists()

    form["sessions-0-DELETE"] = ""
    assert staff.post(url, form).status_code == 302
    assert list(consultation.sessions.values_list("title", flat=True)) == ["第1回"]
    assert LiveRoom.objects.filter(session=held).exists()
    assert not LiveRoom.objects.filter(session=planned).exists()  # it held no record


@pytest.mark.parametrize("record", ["draw", "live session"])
def test_a_consultation_with_a_record_is_not_deleted_and_the_facilitator_is_told_why(
    staff, consultation, record
):
    if record == "draw":
        with_roster(consultation, 30)
        drawn(consultation)
        reason = "This consultation has a lottery draw, which stays on the public record."
    else:
        held_live(consultation)
        reason = "A session of this consultation was held live, and its record is kept."
    refused = staff.post(f"/admin/consultations/delete/{consultation.pk}/", follow=True)
    assert reason in refused.content.decode()
    assert Consultation.objects.filter(pk=consultation.pk).exists()
    assert LiveEvent.objects.filter(room__session__consultation=consultation).exists() == (record != "draw")


def test_a_consultation_without_a_record_is_deleted(staff, consultation):
    held_live(consultation)
    LiveEvent.objects.all().delete()  # as if the room had never been opened
    response = staff.post(f"/admin/consultations/delete/{consultation.pk}/")
    assert response.status_code == 302
    assert not Consultation.objects.filter(pk=consultation.pk).exists()
    assert not LiveRoom.objects.exists()


def test_a_facilitator_gives_a_withdrawn_members_seat_to_an_alternate(staff, consultation):
    selected(consultation)
    member = replaceable_member(consultation)
    page = manage(consultation, f"respondents/{member.pk}/")
    assert "Give the seat to the next alternate" not in staff.get(page).content.decode()
    staff.post(page, {"attend": "no"})  # withdrew, by telephone
    assert "Give the seat to the next alternate" in staff.get(page).content.decode()

    done = staff.post(page, {"refill": "1"}, follow=True).content.decode()
    alternates = consultation.draws.get(stage=Draw.Stage.PANEL).result["alternates"]
    called = consultation.respondents.get(outcome="selected", key__in=alternates)
    assert f"Alternate {called.key} takes the seat" in done
    again = staff.post(page, {"refill": "1"}, follow=True).content.decode()
    assert "already been given to an alternate" in again
