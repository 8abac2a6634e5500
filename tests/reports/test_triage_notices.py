"""What reporters hear from the board: the category's automatic acknowledgement on create, and the notice of a
merge (after which they follow the report theirs was merged into), by e-mail and by LINE through the real
worker, the real SDK and the LINE simulator."""

import json

import pytest
from django.core import mail

from civic.line.models import LineFollower
from civic.line.services import line_channel_set
from civic.line.simulator import running
from reports.models import Report, Reporter, ReportSupport
from reports.services import report_create, report_merge, report_transition
from tests.line_support import run_worker
from tests.reports.triage_support import make_report, staff

pytestmark = pytest.mark.django_db(transaction=True)

LINE_USER = "Ufollower00000000000000000000001"


@pytest.fixture
def simulator(town):
    with running() as sim:
        line_channel_set(
            municipality=town.municipality, channel_secret="secret", access_token="t", api_base=sim.url
        )
        yield sim


def line_report(town, *, language="ja", **kwargs):
    """A report sent by a LINE follower who reads LINE in `language`."""
    channel = town.municipality.line_channel
    LineFollower.objects.update_or_create(channel=channel, user_id=LINE_USER, defaults={"language": language})
    return report_create(
        municipality=town.municipality,
        category=kwargs.pop("category", town.pothole),
        description="LINEからの報告です",
        point=town.point(kwargs.pop("dlng", -0.01)),
        reporter=Reporter(line_user_id=LINE_USER),
        source=Report.Source.LINE,
        **kwargs,
    )


def pushed(sim) -> list[str]:
    """Everything pushed so far, as JSON text (message texts and flex contents)."""
    return [
        json.dumps(item["messages"], ensure_ascii=False) for item in sim.state.sent if item["kind"] == "push"
    ]


def work() -> None:
    run_worker()
    run_worker()  # a notice job enqueues the LINE push job


def set_auto_reply(category, ja="", en=""):
    category.auto_reply_ja, category.auto_reply_en = ja, en
    category.save()


def test_the_automatic_acknowledgement_goes_by_e_mail_in_japanese(town):
    set_auto_reply(town.pothole, ja="受付番号 {reference} で受け付けました。", en="We received {reference}.")
    report = make_report(town)
    work()
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["hanako@example.jp"]
    assert report.reference in sent.subject
    assert f"受付番号 {report.reference} で受け付けました。" in sent.body
    assert f"/reports/{report.reference}/" in sent.body


def test_no_acknowledgement_without_a_message_or_without_contact(town):
    make_report(town)
    set_auto_reply(town.tree, ja="受け付けました。")
    make_report(town, category=town.tree, contact=False)
    work()
    assert mail.outbox == []


def test_the_automatic_acknowledgement_goes_by_line_in_the_followers_language(town, simulator):
    set_auto_reply(
        town.pothole, ja="{reference} を受け付けました。", en="Thank you: {reference} is received."
    )
    english = line_report(town, language="en")
    work()
    assert any(f"Thank you: {english.reference} is received." in text for text in pushed(simulator))

    set_auto_reply(town.tree, ja="{reference} を受け付けました。")  # no English text: Japanese it is
    japanese = line_report(town, language="en", category=town.tree, dlng=0.02)
    work()
    assert any(f"{japanese.reference} を受け付けました。" in text for text in pushed(simulator))


def test_a_merge_carries_supporters_and_tells_the_reporter_by_e_mail(town):
    original = make_report(town, contact=False)
    duplicate = make_report(town, dlng=-0.0101)
    ReportSupport.objects.create(report=duplicate, supporter_key="browser:abc")
    earlier = make_report(town, dlng=-0.0102)  # merged into the duplicate before: follows along
    report_merge(report=earlier, into=duplicate, actor=None)
    work()
    mail.outbox.clear()

    report_merge(report=duplicate, into=original, actor=staff(town))
    work()
    original.refresh_from_db()
    keys = set(original.supports.values_list("supporter_key", flat=True))
    assert {"browser:abc", f"report:{duplicate.pk}", f"report:{earlier.pk}"} <= keys
    assert original.support_count == len(keys)
    assert Report.objects.get(pk=earlier.pk).duplicate_of_id == original.pk
    assert len(mail.outbox) == 1  # the same reporter made both: told once
    assert duplicate.reference in mail.outbox[0].body and original.reference in mail.outbox[0].body

    # From now on the reporter of the duplicate hears about the original.
    mail.outbox.clear()
    report_transition(
        report=original, status=Report.Status.ACKNOWLEDGED, actor=None, message="現地を確認します"
    )
    work()
    assert len(mail.outbox) == 1
    assert original.reference in mail.outbox[0].subject and "現地を確認します" in mail.outbox[0].body


def test_a_merge_is_told_by_line_in_english(town, simulator):
    original = make_report(town, contact=False)
    duplicate = line_report(town, language="en", dlng=-0.0101)
    work()
    report_merge(report=duplicate, into=original, actor=None)
    work()
    told = [text for text in pushed(simulator) if "merged" in text]
    assert told and duplicate.reference in told[-1] and original.reference in told[-1]

    report_transition(
        report=original, status=Report.Status.IN_PROGRESS, actor=None, message="Work starts today"
    )
    work()
    assert any("Work starts today" in text and original.reference in text for text in pushed(simulator))
