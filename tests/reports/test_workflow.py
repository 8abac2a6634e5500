"""The staff-side services: transitions, assignment, updates, merging, photo moderation; reporters;
and the categories' extra questions through the API and the form."""

import io
import json

import pytest
from django.utils import translation

from civic.errors import ServiceError
from civic.roles import Role
from civic.services import staff_membership_set
from reports.models import Photo, Report, Reporter, ReportEvent, ReportSupport
from reports.selectors import reports_of_line_user
from reports.services import (
    PhotoUpload,
    photo_moderate,
    report_add_update,
    report_assign,
    report_create,
    report_merge,
    report_photo_process,
    report_support,
    report_transition,
)
from tests.factories import UserFactory
from tests.reports import images

pytestmark = pytest.mark.django_db

QUESTIONS = {
    "properties": {
        "size_cm": {"type": "integer", "title": "穴の大きさ (cm)", "title_en": "Size (cm)", "minimum": 1},
        "lane": {"type": "string", "title": "車線", "enum": ["上り", "下り"]},
        "on_sidewalk": {"type": "boolean", "title": "歩道にある"},
    },
    "required": ["size_cm"],
    "order": ["size_cm", "lane", "on_sidewalk"],
}


def create(town, **kwargs):
    arguments = {
        "municipality": town.municipality,
        "category": town.pothole,
        "description": "穴",
        "point": town.point(),
    }
    arguments.update(kwargs)
    return report_create(**arguments)


@pytest.fixture
def clerk(town):
    user = UserFactory()
    staff_membership_set(
        user=user, municipality=town.municipality, role=Role.DEPARTMENT_STAFF, department=town.roads
    )
    return user


def test_the_transition_table_is_enforced_and_timestamps_kept(town, clerk):
    report = create(town)
    report_transition(report=report, status=Report.Status.IN_PROGRESS, actor=clerk)
    assert report.acknowledged_at is not None
    report_transition(report=report, status=Report.Status.RESOLVED, actor=clerk, message="補修しました")
    assert report.resolved_at is not None
    with (
        translation.override("en"),
        pytest.raises(ServiceError, match="cannot go from “Resolved” to “Duplicate”"),
    ):
        report_transition(report=report, status=Report.Status.DUPLICATE, actor=clerk)
    report_transition(report=report, status=Report.Status.IN_PROGRESS, actor=clerk, message="再発しました")
    assert report.resolved_at is None, "reopening clears the resolution time"
    kinds = list(ReportEvent.objects.filter(report=report).values_list("kind", "actor"))
    assert kinds[-1] == (ReportEvent.Kind.STATUS_CHANGED, clerk.pk)


def test_assignment_only_to_staff_of_the_town(town, other_town, clerk):
    report = create(town)
    report_assign(report=report, assignee=clerk, actor=clerk, department=town.parks)
    report.refresh_from_db()
    assert (report.assignee, report.department) == (clerk, town.parks)
    event = ReportEvent.objects.get(report=report, kind=ReportEvent.Kind.ASSIGNED)
    assert not event.is_public
    with pytest.raises(ServiceError):
        report_assign(report=report, assignee=UserFactory(), actor=clerk)
    with pytest.raises(ServiceError):
        report_assign(report=report, assignee=clerk, actor=clerk, department=other_town.roads)


def test_updates_and_notes_and_what_the_public_sees(client, town, clerk):
    report = create(town)
    report_add_update(report=report, actor=clerk, message="来週補修します。", public=True)
    report_add_update(report=report, actor=clerk, message="業者A社に依頼済み", public=False)
    with pytest.raises(ServiceError):
        report_add_update(report=report, actor=clerk, message="  ", public=True)
    html = client.get(f"/reports/{report.reference}/", HTTP_HOST=town.host).content.decode()
    assert "市からのお知らせ" in html
    assert "来週補修します。" in html
    assert "業者A社" not in html


def test_merging_moves_supporters_to_the_original(client, town, clerk):
    original = create(town)
    duplicate = create(town)
    report_support(report=original, supporter_key="email:a")
    report_support(report=duplicate, supporter_key="email:a")
    report_support(report=duplicate, supporter_key="email:b")
    report_merge(report=duplicate, into=original, actor=clerk)
    original.refresh_from_db()
    duplicate.refresh_from_db()
    assert (duplicate.status, duplicate.duplicate_of) == (Report.Status.DUPLICATE, original)
    # a, b, and the duplicate's own reporter
    assert original.support_count == 3 == ReportSupport.objects.filter(report=original).count()
    html = client.get(f"/reports/{duplicate.reference}/", HTTP_HOST=town.host).content.decode()
    assert f"報告 {original.reference} に統合しました" in html
    third = create(town)
    report_merge(report=third, into=duplicate, actor=clerk)
    third.refresh_from_db()
    assert third.duplicate_of == original, "merging into a duplicate merges into its original"
    with pytest.raises(ServiceError):
        report_merge(report=original, into=original, actor=clerk)


def test_a_hidden_photo_leaves_the_public_page(client, town, clerk):
    report = create(town, photos=[PhotoUpload(name="a.jpg", file=io.BytesIO(images.jpeg()))])
    photo = Photo.objects.get(report=report)
    report_photo_process(photo_id=photo.pk)
    photo.refresh_from_db()
    url = f"/reports/{report.reference}/"
    assert photo.thumb.url in client.get(url, HTTP_HOST=town.host).content.decode()
    photo_moderate(photo=photo, visible=False, actor=clerk, reason="顔が写っている")
    assert photo.thumb.url not in client.get(url, HTTP_HOST=town.host).content.decode()
    assert ReportEvent.objects.filter(
        report=report, kind=ReportEvent.Kind.PHOTO_HIDDEN, is_public=False
    ).exists()
    api = client.get(f"/api/v1/reports/{report.reference}/", HTTP_HOST=town.host).json()
    assert api["photos"] == []


def test_one_reporter_per_email_or_line_user_and_never_across_towns(town, other_town):
    first = create(town, reporter=Reporter(name="山田", email="Yamada@Example.jp"))
    second = create(town, reporter=Reporter(email="yamada@example.jp", phone="090-0000-0000"))
    assert first.reporter == second.reporter
    second.reporter.refresh_from_db()
    assert (second.reporter.name, second.reporter.phone) == ("山田", "090-0000-0000")
    elsewhere = create(other_town, reporter=Reporter(email="yamada@example.jp"))
    assert elsewhere.reporter != first.reporter

    line = create(town, reporter=Reporter(line_user_id="U123"), source=Report.Source.LINE)
    again = create(town, reporter=Reporter(line_user_id="U123"), source=Report.Source.LINE)
    assert line.reporter == again.reporter
    assert line.reporter.notify == Reporter.Notify.LINE
    assert list(reports_of_line_user(municipality=town.municipality, line_user_id="U123")) == [again, line]
    assert create(town, reporter=Reporter()).reporter is None, "no contact is an anonymous report"


def test_categories_are_listed_with_their_questions(client, town, other_town):
    town.pothole.extra_questions = QUESTIONS
    town.pothole.save()
    body = client.get("/api/v1/categories/", HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="en").json()
    codes = [category["code"] for category in body["results"]]
    assert codes == ["pothole", "fallen-tree"]
    pothole = body["results"][0]
    assert pothole["name"] == "Pothole"
    assert pothole["extra_questions"] == QUESTIONS
    assert pothole["questions"][0] == {
        "name": "extra_size_cm",
        "key": "size_cm",
        "type": "integer",
        "title": "Size (cm)",
        "required": True,
        "enum": [],
    }


@pytest.mark.parametrize(
    ("answers", "field", "japanese"),
    [
        ({}, "extra_size_cm", "「穴の大きさ (cm)」に答えてください"),
        ({"size_cm": "大きい"}, "extra_size_cm", "「穴の大きさ (cm)」は数字で"),
        ({"size_cm": "0"}, "extra_size_cm", "1以上"),
        ({"size_cm": "30", "lane": "左"}, "extra_lane", "上り、下り"),
    ],
)
def test_extra_answers_are_checked_in_the_api(client, town, answers, field, japanese):
    town.pothole.extra_questions = QUESTIONS
    town.pothole.save()
    data = {"category": "pothole", "lat": "36.0", "lng": "138.99", "description": "穴"}
    data.update({f"extra_{key}": value for key, value in answers.items()})
    response = client.post("/api/v1/reports/", data, HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 400
    assert japanese in response.json()["errors"][field][0]
    assert not Report.objects.exists()


def test_extra_answers_are_stored_typed(client, town):
    town.pothole.extra_questions = QUESTIONS
    town.pothole.save()
    payload = {
        "category": "pothole",
        "point": [138.99, 36.0],
        "description": "穴",
        "extra": {"size_cm": "３０", "on_sidewalk": True, "unknown": "dropped"},
    }
    response = client.post(
        "/api/v1/reports/", json.dumps(payload), content_type="application/json", HTTP_HOST=town.host
    )
    assert response.status_code == 201, response.content
    assert Report.objects.get().extra == {"size_cm": 30, "on_sidewalk": True}


def test_the_web_form_asks_the_questions_and_keeps_the_answers(client, town):
    town.pothole.extra_questions = QUESTIONS
    town.pothole.save()
    page = client.get("/reports/new/", HTTP_HOST=town.host).content.decode()
    assert 'data-extra-for="pothole"' in page
    assert 'name="extra-pothole-size_cm"' in page
    data = {
        "category": "pothole",
        "lat": "36.0",
        "lng": "138.99",
        "description": "穴",
        "extra-pothole-size_cm": "とても",
        "extra-pothole-lane": "下り",
    }
    response = client.post("/reports/new/", data, HTTP_HOST=town.host)
    html = response.content.decode()
    assert response.status_code == 400
    assert '<a href="#id_extra-pothole-size_cm">' in html
    assert 'value="とても"' in html
    assert '<option value="下り" selected>' in html
    data["extra-pothole-size_cm"] = "40"
    assert client.post("/reports/new/", data, HTTP_HOST=town.host).status_code == 302
    assert Report.objects.get().extra == {"size_cm": 40, "lane": "下り"}
