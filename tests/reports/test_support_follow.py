"""Supporters who leave an e-mail address hear about the report's progress, like its reporter, with a link to
stop, once the address's owner has confirmed it from the e-mail sent there; by the page (no script needed) and
by the API, through the real job worker."""

import re

import pytest
from django.core import mail
from django.test import Client

from reports.models import Report, ReportSupport
from reports.services import report_merge, report_transition
from tests.line_support import run_worker
from tests.reports.triage_support import make_report

pytestmark = pytest.mark.django_db(transaction=True)

UNFOLLOW = re.compile(r"https?://\S+(/reports/[^/\s]+/unfollow/[^/\s]+/)")
FOLLOW = re.compile(r"https?://\S+(/reports/[^/\s]+/follow/[^/\s]+/)")


def work() -> None:
    run_worker()


def mailed_to(address: str) -> list[mail.EmailMessage]:
    return [m for m in mail.outbox if address in m.to]


def confirm_link(address: str) -> str:
    """The confirmation link in the last e-mail sent to `address` (its path)."""
    found = FOLLOW.search(str(mailed_to(address)[-1].body))
    assert found is not None
    return found.group(1)


def support_and_confirm(client: Client, town, report: Report, address: str) -> None:
    """Support `report` from its page with `address`, and confirm the address from the e-mail sent there."""
    client.post(f"/reports/{report.reference}/support/", {"email": address}, HTTP_HOST=town.host)
    work()
    assert client.post(confirm_link(address), HTTP_HOST=town.host).status_code == 302


def progress(report: Report, message: str = "現地を確認します") -> None:
    mail.outbox.clear()
    status = Report.Status.ACKNOWLEDGED if report.status == Report.Status.NEW else Report.Status.IN_PROGRESS
    report_transition(report=report, status=status, actor=None, message=message)
    work()


def test_a_supporter_with_an_address_hears_of_progress_and_can_stop_without_losing_the_support(client, town):
    report = make_report(town)  # its reporter is hanako@example.jp
    work()
    response = client.post(
        f"/reports/{report.reference}/support/", {"email": " Taro@Example.jp "}, HTTP_HOST=town.host
    )
    assert response.status_code == 302
    support = ReportSupport.objects.get(report=report)
    assert support.follower is None and support.pending_email == "taro@example.jp"  # not before they confirm
    work()
    (asking,) = mailed_to("taro@example.jp")
    assert report.reference in asking.subject and UNFOLLOW.search(asking.body) is None
    page = client.get(confirm_link("taro@example.jp"), HTTP_HOST=town.host)  # a mail scanner confirms nothing
    assert page.status_code == 200 and b'method="post"' in page.content
    assert ReportSupport.objects.get(pk=support.pk).follower is None
    confirmed = client.post(confirm_link("taro@example.jp"), HTTP_HOST=town.host)
    assert confirmed.status_code == 302
    support.refresh_from_db()
    assert support.follower is not None and support.follower.email == "taro@example.jp"
    assert support.pending_email == "" and support.pending_since is None

    progress(report)
    to_supporter, to_reporter = mailed_to("taro@example.jp"), mailed_to("hanako@example.jp")
    assert len(to_supporter) == 1 and len(to_reporter) == 1
    assert report.reference in to_supporter[0].subject and "現地を確認します" in to_supporter[0].body
    assert to_supporter[0].subject != to_reporter[0].subject  # "which you follow", not "your report"
    assert UNFOLLOW.search(to_reporter[0].body) is None  # the reporter has no support to stop
    link = UNFOLLOW.search(to_supporter[0].body)
    assert link is not None

    page = client.get(link.group(1), HTTP_HOST=town.host)  # a mail scanner opening the link stops nothing
    assert page.status_code == 200 and b'method="post"' in page.content
    assert ReportSupport.objects.get(pk=support.pk).follower_id == support.follower_id
    stopped = client.post(link.group(1), HTTP_HOST=town.host)
    assert stopped.status_code == 302
    assert ReportSupport.objects.get(pk=support.pk).follower_id is None
    report.refresh_from_db()
    assert report.support_count == 1

    progress(report, "作業を始めます")
    assert mailed_to("taro@example.jp") == [] and len(mailed_to("hanako@example.jp")) == 1


def test_the_reporter_supporting_their_own_report_is_told_once(client, town):
    report = make_report(town)
    work()
    support_and_confirm(client, town, report, "hanako@example.jp")
    progress(report)
    assert len(mailed_to("hanako@example.jp")) == 1


def test_the_api_follows_with_an_address_and_an_earlier_supporter_can_ask_later(town):
    report = make_report(town, contact=False)
    url = f"/api/v1/reports/{report.reference}/support/"
    app = Client()
    first = app.post(url, {"email": "jiro@example.jp"}, HTTP_HOST=town.host)
    assert (first.json()["new"], first.json()["confirmation_sent"]) == (True, False)
    later = app.post(
        url,
        {"email": "jiro@example.jp", "follow": True},
        content_type="application/json",
        HTTP_HOST=town.host,
    )
    answer = later.json()
    assert (answer["new"], answer["confirmation_sent"], answer["support_count"]) == (False, True, 1)
    work()
    assert Client().post(confirm_link("jiro@example.jp"), HTTP_HOST=town.host).status_code == 302
    progress(report)
    assert len(mailed_to("jiro@example.jp")) == 1


@pytest.mark.parametrize(
    ("data", "phrase"),
    [
        ({"follow": "true"}, "Give an e-mail address"),
        ({"email": "not-an-address", "follow": "true"}, "name@example.jp"),
    ],
)
def test_the_api_refuses_to_follow_without_a_good_address_and_adds_nothing(town, data, phrase):
    report = make_report(town, contact=False)
    response = Client().post(
        f"/api/v1/reports/{report.reference}/support/", data, HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert phrase in response.json()["errors"]["email"][0]
    assert not ReportSupport.objects.filter(report=report).exists()


def test_a_bad_address_on_the_page_is_explained_and_adds_nothing(client, town):
    report = make_report(town, contact=False)
    response = client.post(
        f"/reports/{report.reference}/support/",
        {"email": "taro@"},
        HTTP_HOST=town.host,
        HTTP_ACCEPT_LANGUAGE="en",
        follow=True,
    )
    assert "name@example.jp" in response.content.decode()
    assert not ReportSupport.objects.filter(report=report).exists()


def test_a_forged_or_misplaced_unfollow_link_is_not_found(client, town):
    report, other = make_report(town), make_report(town, dlng=-0.02)
    work()
    support_and_confirm(client, town, report, "taro@example.jp")
    progress(report)
    path = UNFOLLOW.search(mailed_to("taro@example.jp")[0].body).group(1)
    token = path.rstrip("/").rsplit("/", 1)[1]
    for wrong in (
        path.replace(token, token[:-2] + "xx"),
        path.replace(report.reference, other.reference),
    ):
        assert client.post(wrong, HTTP_HOST=town.host).status_code == 404
    assert ReportSupport.objects.get(report=report).follower is not None


def test_a_following_supporter_of_a_merged_report_hears_of_the_merge_and_then_of_the_other_report(
    client, town
):
    original, duplicate = make_report(town, contact=False), make_report(town, dlng=-0.0101, contact=False)
    support_and_confirm(client, town, duplicate, "taro@example.jp")
    mail.outbox.clear()
    report_merge(report=duplicate, into=original, actor=None)
    work()
    told = mailed_to("taro@example.jp")
    assert len(told) == 1 and original.reference in told[0].body

    progress(original, "作業を始めます")
    told = mailed_to("taro@example.jp")
    assert len(told) == 1 and original.reference in told[0].subject and "作業を始めます" in told[0].body
    assert UNFOLLOW.search(told[0].body) is not None


def test_the_migration_hashes_line_supporters_plain_keys_as_the_conversation_now_does(town):
    import importlib

    from django.apps import apps

    from reports import supporters

    migration = importlib.import_module("reports.migrations.0009_support_follower")
    report = make_report(town, contact=False)
    user_id = "U" + "0123456789abcdef" * 2
    ReportSupport.objects.create(report=report, supporter_key=f"line:{user_id}")
    ReportSupport.objects.create(report=report, supporter_key="browser:kept")
    migration.hash_line_keys(apps, None)
    assert set(ReportSupport.objects.values_list("supporter_key", flat=True)) == {
        supporters.key_for_line_user(user_id),
        "browser:kept",
    }


def test_an_address_nobody_confirms_hears_nothing_and_is_forgotten_after_the_link_expires(client, town):
    from datetime import timedelta

    from django.utils import timezone

    from reports.cleanup import intake_cleanup

    report = make_report(town, contact=False)
    client.post(f"/reports/{report.reference}/support/", {"email": "victim@example.jp"}, HTTP_HOST=town.host)
    work()
    link = confirm_link("victim@example.jp")
    progress(report)
    assert mailed_to("victim@example.jp") == []  # only the request to confirm, never the report's news

    assert intake_cleanup(now=timezone.now() + timedelta(days=8)).unconfirmed_addresses == 1
    support = ReportSupport.objects.get(report=report)
    assert support.pending_email == "" and support.follower is None
    late = client.post(link, HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="en")
    assert late.status_code == 400 and "does not work any more" in late.content.decode()
    assert ReportSupport.objects.get(report=report).follower is None


def test_a_confirmation_link_confirms_only_the_address_it_was_sent_to(client, town):
    report = make_report(town, contact=False)
    client.post(f"/reports/{report.reference}/support/", {"email": "first@example.jp"}, HTTP_HOST=town.host)
    work()
    first_link = confirm_link("first@example.jp")
    client.post(f"/reports/{report.reference}/support/", {"email": "second@example.jp"}, HTTP_HOST=town.host)
    work()
    token = first_link.rstrip("/").rsplit("/", 1)[1]
    for wrong in (first_link, first_link.replace(token, token[:-2] + "xx")):
        answer = client.post(wrong, HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status_code == 400 and "does not work any more" in answer.content.decode()
    assert ReportSupport.objects.get(report=report).follower is None
    assert client.post(confirm_link("second@example.jp"), HTTP_HOST=town.host).status_code == 302
    assert ReportSupport.objects.get(report=report).follower.email == "second@example.jp"


def test_an_address_gets_one_request_to_confirm_per_report_however_often_it_is_given(town):
    report = make_report(town, contact=False)
    said = []
    for _ in range(3):  # three browsers, one address
        page = Client().post(
            f"/reports/{report.reference}/support/",
            {"email": "x@example.jp"},
            HTTP_HOST=town.host,
            HTTP_ACCEPT_LANGUAGE="en",
            follow=True,
        )
        said.append([str(m) for m in page.context["messages"] if "x@example.jp" in str(m)])
    work()
    assert len(mailed_to("x@example.jp")) == 1
    # Each browser is told the same, which is true for each and tells nobody that the address follows.
    assert said[0] == said[2] and "unless it follows this report already" in said[0][0]
    report.refresh_from_db()
    assert report.support_count == 3  # each browser's support still counts


def test_one_client_may_have_only_a_few_addresses_asked_to_confirm_an_hour(client, town):
    from reports.supporters import CONFIRMATIONS_PER_HOUR

    report = make_report(town, contact=False)
    url = f"/reports/{report.reference}/support/"
    for i in range(CONFIRMATIONS_PER_HOUR):
        Client().post(url, {"email": f"p{i}@example.jp"}, HTTP_HOST=town.host)
    refused = client.post(
        url, {"email": "one-more@example.jp"}, HTTP_HOST=town.host, HTTP_ACCEPT_LANGUAGE="en", follow=True
    )
    assert "Too many requests" in refused.content.decode()
    api = Client().post(
        f"/api/v1/reports/{report.reference}/support/",
        {"email": "api@example.jp", "follow": "true"},
        HTTP_HOST=town.host,
    )
    assert api.status_code == 429
    work()
    assert mailed_to("one-more@example.jp") == [] and mailed_to("api@example.jp") == []
    assert not ReportSupport.objects.filter(
        pending_email__in=["one-more@example.jp", "api@example.jp"]
    ).exists()
    report.refresh_from_db()
    assert report.support_count == CONFIRMATIONS_PER_HOUR
