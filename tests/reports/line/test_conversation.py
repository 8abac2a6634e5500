"""Reporting by LINE, end to end: signed webhook events → the real worker → the real SDK → the simulator."""

import json
import urllib.request

import pytest
from linebot.v3.messaging import TextMessage  # noqa: F401 - the SDK is what the simulator's payloads are checked against

from civic.line.models import LineEvent
from civic.line.services import line_channel_set
from civic.line.simulator import make_event, running
from reports.line_models import LineConversation
from reports.models import Report, ReportSupport
from reports.services import report_create, report_transition
from tests.line_support import run_worker, signature
from tests.reports import images
from tests.reports.conftest import INSIDE, OUTSIDE, Town

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "conversation-secret"
USER = "Uresident000000000000000000000001"


@pytest.fixture
def town():
    return Town(slug="kita")


@pytest.fixture
def line(client, town):
    """Send events as a LINE user; returns what the bot answered to them (texts and quick-reply labels)."""
    with running() as sim:
        line_channel_set(
            municipality=town.municipality, channel_secret=SECRET, access_token="t", api_base=sim.url
        )

        class Chat:
            simulator = sim

            def send(self, event: dict, *, process: bool = True) -> list[dict]:
                body = json.dumps({"destination": "U0", "events": [event]}).encode()
                response = client.post(
                    "/line/kita/webhook",
                    body,
                    content_type="application/json",
                    HTTP_X_LINE_SIGNATURE=signature(body, SECRET),
                )
                assert response.status_code == 200
                before = len(sim.state.sent)
                if process:
                    run_worker()
                return [m for item in sim.state.sent[before:] for m in item["messages"]]

            def text(self, text: str) -> list[dict]:
                return self.send(make_event(USER, {"type": "text", "text": text}))

            def location(self, lat: float, lng: float) -> list[dict]:
                return self.send(
                    make_event(
                        USER,
                        {"type": "location", "latitude": lat, "longitude": lng, "title": "", "address": ""},
                    )
                )

            def postback(self, data: str) -> list[dict]:
                return self.send(make_event(USER, type="postback", postback={"data": data}))

            def image(self, data: bytes) -> list[dict]:
                event = make_event(USER, {"type": "image", "contentProvider": {"type": "line"}})
                put = urllib.request.Request(
                    f"{sim.url}/__sim/content/{event['message']['id']}", data=data, method="PUT"
                )
                urllib.request.urlopen(put, timeout=60).close()
                return self.send(event)

        yield Chat()


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or m.get("altText", "") for m in messages)


def quick_labels(messages: list[dict]) -> list[str]:
    return [
        item["action"].get("label", "") for m in messages for item in m.get("quickReply", {}).get("items", [])
    ]


def test_from_a_photo_to_a_report_and_a_status_push(line, town):
    answer = line.image(images.jpeg())
    assert "写真" in texts(answer)
    assert next(i["action"]["type"] for i in answer[-1]["quickReply"]["items"]) == "location"

    answer = line.location(*INSIDE)
    assert quick_labels(answer)[:2] == ["道路の穴", "倒木"]
    answer = line.postback("category=pothole")
    assert "説明" in texts(answer)
    answer = line.text("歩道の手前に大きな穴があります")
    assert "写真" in texts(answer)
    answer = line.postback("photos-done")
    assert answer[0]["type"] == "flex"
    assert "道路の穴" in json.dumps(answer[0], ensure_ascii=False)

    answer = line.postback("send")
    report = Report.objects.get()
    assert (report.source, report.category, report.description) == (
        Report.Source.LINE,
        town.pothole,
        "歩道の手前に大きな穴があります",
    )
    assert report.reporter.line_user_id == USER
    assert report.photos.count() == 1
    assert report.reference in texts(answer)
    assert f"/reports/{report.reference}/" in texts(answer)
    assert LineConversation.objects.get().step == LineConversation.Step.IDLE

    report_transition(report=report, status=Report.Status.ACKNOWLEDGED, actor=None, message="確認しました")
    run_worker()
    run_worker()  # the notice task enqueues the push task
    pushed = [item for item in line.simulator.state.sent if item["kind"] == "push"]
    assert pushed and pushed[-1]["to"] == USER
    assert "確認しました" in json.dumps(pushed[-1]["messages"], ensure_ascii=False)


def test_a_place_outside_the_town_is_explained_and_asked_again(line):
    line.text("通報")
    answer = line.location(*OUTSIDE)
    assert "外" in texts(answer)
    assert LineConversation.objects.get().step == LineConversation.Step.LOCATION
    assert quick_labels(line.location(*INSIDE))[0] == "道路の穴"


@pytest.mark.parametrize(
    ("data", "phrase"),
    [(b"%PDF-1.4 not a photo" * 10, "写真ではありません"), (b"\0" * (16 * 1024 * 1024), "MB")],
)
def test_a_file_that_is_no_photo_or_too_large_is_refused_and_nothing_kept(line, data, phrase):
    line.text("通報")
    answer = line.image(data)
    assert phrase in texts(answer)
    assert LineConversation.objects.get().photos.count() == 0


def test_unknown_input_re_asks_cancel_resets_help_explains(line):
    line.text("通報")
    line.location(*INSIDE)
    answer = line.text("えーと")
    assert quick_labels(answer)[0] == "道路の穴"  # the category question again
    assert "報告のしかた" in texts(line.text("ヘルプ"))
    answer = line.text("キャンセル")
    assert "キャンセル" in texts(answer)
    assert LineConversation.objects.get().step == LineConversation.Step.IDLE
    assert not Report.objects.exists()


def test_other_category_by_number_and_my_reports(line, town):
    line.text("通報")
    line.location(*INSIDE)
    assert "1. 道路の穴" in texts(line.postback("category="))
    assert "説明" in texts(line.text("2"))
    assert LineConversation.objects.get().category == town.tree
    line.text("スキップ")
    line.postback("photos-done")
    line.postback("send")
    answer = line.text("マイレポート")
    assert Report.objects.get().reference in texts(answer)


def test_a_nearby_open_report_is_offered_for_support(line, town):
    existing = report_create(
        municipality=town.municipality, category=town.pothole, description="穴", point=town.point(0, 0)
    )
    line.text("通報")
    line.location(*INSIDE)
    answer = line.postback("category=pothole")
    assert existing.reference in texts(answer)
    answer = line.postback(f"support={existing.reference}")
    existing.refresh_from_db()
    assert existing.support_count == 1
    assert Report.objects.count() == 1
    assert USER not in ReportSupport.objects.get().supporter_key  # a keyed hash, like every supporter's


def pushes(line) -> list[str]:
    return [
        json.dumps(i["messages"], ensure_ascii=False)
        for i in line.simulator.state.sent
        if i["kind"] == "push"
    ]


def test_a_supporter_asks_for_pushes_of_the_progress_and_stops_them_from_the_push(line, town):
    existing = report_create(
        municipality=town.municipality, category=town.pothole, description="穴", point=town.point(0, 0)
    )
    line.text("通報")
    line.location(*INSIDE)
    line.postback("category=pothole")
    answer = line.postback(f"support={existing.reference}")
    offered = [i["action"].get("data") for m in answer for i in m.get("quickReply", {}).get("items", [])]
    assert f"follow={existing.reference}" in offered
    line.postback(f"follow={existing.reference}")
    assert ReportSupport.objects.get().follower.line_user_id == USER
    assert Report.objects.get(pk=existing.pk).support_count == 1  # asking to hear back is no second support

    report_transition(report=existing, status=Report.Status.ACKNOWLEDGED, actor=None, message="確認しました")
    run_worker()
    run_worker()  # the notice task enqueues the push task
    told = pushes(line)
    assert len(told) == 1 and "確認しました" in told[0] and f"unfollow={existing.reference}" in told[0]

    line.postback(f"unfollow={existing.reference}")
    assert ReportSupport.objects.get().follower is None
    report_transition(report=existing, status=Report.Status.IN_PROGRESS, actor=None, message="作業中です")
    run_worker()
    run_worker()
    assert len(pushes(line)) == 1
    assert Report.objects.get(pk=existing.pk).support_count == 1


def test_the_same_event_three_times_answers_once(line):
    event = make_event(USER, {"type": "text", "text": "通報"})
    line.send(event, process=False)
    line.send({**event, "deliveryContext": {"isRedelivery": True}}, process=False)
    answer = line.send(event)
    assert LineEvent.objects.count() == 1
    assert len(answer) == 1


def test_an_english_speaking_resident_gets_english(line):
    line.simulator.state.profiles[USER] = {"userId": USER, "displayName": "Ann", "language": "en"}
    answer = line.send(make_event(USER, type="follow"))
    assert "Thank you for following" in texts(answer)
    assert "Where is the problem?" in texts(line.text("report"))
