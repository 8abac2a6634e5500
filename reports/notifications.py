"""Telling a reporter what happened to their report: a LINE push or an e-mail, after commit, with retries.

Reporters of reports merged into another one follow that report, and so do supporters who asked to hear
back: its public events reach them too, with a link to stop for supporters. A supporter's e-mail address is
first confirmed from a link sent to it.
"""

from collections.abc import Callable

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from linebot.v3.messaging.models import Message

from civic.jobs import enqueue_on_commit
from civic.line.models import LineChannel, LineFollower
from civic.line.services import line_push
from civic.tenancy import public_base_url
from reports import line_messages, supporters
from reports.models import Category, Report, Reporter, ReportEvent, ReportSupport


def reporter_notify(event: ReportEvent) -> None:
    """After commit, tell the reporter about a public event (status change, public update), and those who
    follow the report: the reporters of the reports merged into it and the supporters who asked to."""
    from reports.tasks import notify_reporter
    from reports.triage.tasks import notify_follower

    if not event.is_public:
        return
    report = event.report
    if report.reporter_id is not None:
        enqueue_on_commit(notify_reporter, event.pk)
    merged = Report.objects.filter(duplicate_of_id=report.pk, reporter__isnull=False).values_list(
        "reporter_id", flat=True
    )
    supporting = ReportSupport.objects.filter(report=report, follower__isnull=False).values_list(
        "follower_id", flat=True
    )
    for reporter_id in sorted((set(merged) | set(supporting)) - {report.reporter_id}):
        enqueue_on_commit(notify_follower, event.pk, reporter_id)


def reporter_acknowledge(report: Report) -> None:
    """After commit, send the category's automatic acknowledgement to the reporter, if it has one."""
    from reports.triage.tasks import acknowledge_reporter

    category = report.category
    if report.reporter_id is not None and (category.auto_reply_ja.strip() or category.auto_reply_en.strip()):
        enqueue_on_commit(acknowledge_reporter, report.pk)


def follow_confirmation_request(support: ReportSupport) -> None:
    """After commit, e-mail the address a supporter gave the link that confirms it."""
    from reports.triage.tasks import confirm_follower

    enqueue_on_commit(confirm_follower, support.pk)


def follow_confirmation_send(*, support_id: int) -> str:
    """E-mail the address a supporter gave to hear back a link to confirm it; nothing goes there before."""
    support = ReportSupport.objects.select_related("report__municipality__site").filter(pk=support_id).first()
    if support is None or not support.pending_email:
        return "nothing to confirm"
    report = support.report
    token = supporters.follow_token(support.pk, support.pending_email)
    params = {
        "ref": report.reference,
        "days": supporters.FOLLOW_CONFIRM_DAYS,
        "url": f"{public_base_url(report.municipality)}/reports/{report.reference}/follow/{token}/",
    }
    body = [
        _("Someone asked for e-mails about the progress of report %(ref)s at this address.") % params,
        _("To get them, open this link and confirm (it works for %(days)s days): %(url)s") % params,
        "",
        _("If it was not you, ignore this e-mail: nothing more will be sent to you about it."),
    ]
    send_mail(
        _("Please confirm: updates on report %(ref)s") % params,
        "\n".join(body),
        None,
        [support.pending_email],
    )
    return "e-mail sent"


def reporter_notice_send(*, event_id: int, reporter_id: int | None = None) -> str:
    """Send the notice of one event in the reporter's way (to `reporter_id`, a follower, when given); says
    what it did (shown in the jobs list)."""
    event = ReportEvent.objects.select_related("report__reporter", "report__municipality__site").get(
        pk=event_id
    )
    report = event.report
    reporter = report.reporter
    key = f"report-event:{event.pk}"
    following = reporter_id is not None
    if reporter_id is not None:
        reporter = Reporter.objects.filter(pk=reporter_id, municipality_id=report.municipality_id).first()
        key = f"{key}:{reporter_id}"
    supporting = following and ReportSupport.objects.filter(report=report, follower_id=reporter_id).exists()
    params = {"ref": report.reference, "status": report.get_status_display()}
    return _deliver(
        report,
        reporter,
        key=key,
        line=lambda base_url: line_messages.status_update(
            report, message=_event_text(event, following=following), base_url=base_url, following=following
        ),
        subject=lambda: (
            (
                _("Report %(ref)s, which you follow: %(status)s")
                if following
                else _("Your report %(ref)s: %(status)s")
            )
            % params
        ),
        body=lambda base_url: _email_body(
            report,
            _event_text(event, following=following),
            base_url,
            following=following,
            unfollow_url=(
                f"{base_url}/reports/{report.reference}/unfollow/"
                f"{supporters.unfollow_token(report.pk, reporter_id)}/"
                if supporting and reporter_id is not None
                else ""
            ),
        ),
    )


def reporter_acknowledgement_send(*, report_id: int) -> str:
    """Send the category's automatic acknowledgement of a new report to its reporter."""
    report = (
        Report.objects.select_related("category", "reporter", "municipality__site")
        .filter(pk=report_id)
        .first()
    )
    if report is None:
        return "the report is gone"
    return _deliver(
        report,
        report.reporter,
        key=f"report-ack:{report.pk}",
        line=lambda base_url: line_messages.text(_auto_reply(report.category, report.reference)),
        subject=lambda: _("We received your report %(reference)s") % {"reference": report.reference},
        body=lambda base_url: "\n".join(
            [
                _auto_reply(report.category, report.reference),
                "",
                _("Follow your report: %(url)s") % {"url": f"{base_url}/reports/{report.reference}/"},
            ]
        ),
    )


def _deliver(
    report: Report,
    reporter: Reporter | None,
    *,
    key: str,
    line: Callable[[str], Message],
    subject: Callable[[], str],
    body: Callable[[str], str],
) -> str:
    """Push `line` by LINE (in the follower's language) or e-mail `subject` and `body`, as the reporter
    asked; the builders take the public base URL and run in the language of the message."""
    if reporter is None or reporter.notify == Reporter.Notify.NONE:
        return "no notice wanted"
    base_url = public_base_url(report.municipality)
    if reporter.notify == Reporter.Notify.LINE and reporter.line_user_id:
        channel = LineChannel.objects.filter(municipality=report.municipality, enabled=True).first()
        if channel is None:
            return "the town has no LINE channel"
        follower = LineFollower.objects.filter(channel=channel, user_id=reporter.line_user_id).first()
        with translation.override(follower.language if follower else settings.LANGUAGE_CODE):
            message = line(base_url)
        line_push(channel=channel, user_id=reporter.line_user_id, messages=[message], key=key)
        return "LINE push enqueued"
    if reporter.notify == Reporter.Notify.EMAIL and reporter.email:
        send_mail(subject(), body(base_url), None, [reporter.email])
        return "e-mail sent"
    return "no way to reach the reporter"


def _event_text(event: ReportEvent, *, following: bool = False) -> str:
    """What the notice says beyond the status: the staff's message, or why the report was merged."""
    if event.kind == ReportEvent.Kind.MERGED and event.after.get("into"):
        params = {"ref": event.report.reference, "into": event.after["into"]}
        if following:
            return (
                _(
                    "Report %(ref)s is about the same problem as report %(into)s, so we have merged them. "
                    "You will hear about the progress of %(into)s."
                )
                % params
            )
        return (
            _(
                "Your report %(ref)s is about the same problem as report %(into)s, so we have merged them. "
                "Your support now counts for %(into)s, and you will hear about its progress."
            )
            % params
        )
    return event.message


def _auto_reply(category: Category, reference: str) -> str:
    """The category's automatic acknowledgement in the active language (else the other one)."""
    ja, en = category.auto_reply_ja.strip(), category.auto_reply_en.strip()
    text = (en or ja) if (get_language() or "ja").startswith("en") else (ja or en)
    return text.replace("{reference}", reference)


def _email_body(
    report: Report, message: str, base_url: str, *, following: bool = False, unfollow_url: str = ""
) -> str:
    params = {"ref": report.reference, "status": report.get_status_display()}
    lines = [
        _("The status of report %(ref)s, which you follow, is now: %(status)s.") % params
        if following
        else _("The status of your report %(ref)s is now: %(status)s.") % params
    ]
    if message:
        lines += ["", message]
    url = {"url": f"{base_url}/reports/{report.reference}/"}
    lines += ["", (_("See the report: %(url)s") if following else _("Follow your report: %(url)s")) % url]
    if unfollow_url:
        lines += ["", _("To get no more e-mails about it: %(url)s") % {"url": unfollow_url}]
    return "\n".join(lines)
