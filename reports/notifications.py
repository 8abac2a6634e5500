"""Telling a reporter what happened to their report: a LINE push or an e-mail, after commit, with retries."""

from django.conf import settings
from django.core.mail import send_mail
from django.utils import translation
from django.utils.translation import gettext as _

from civic.jobs import enqueue_on_commit
from civic.line.models import LineChannel, LineFollower
from civic.line.services import line_push
from civic.tenancy import public_base_url
from reports import line_messages
from reports.models import Report, Reporter, ReportEvent


def reporter_notify(event: ReportEvent) -> None:
    """After commit, tell the reporter about a public event (status change, public update)."""
    from reports.tasks import notify_reporter

    if event.is_public and event.report.reporter_id is not None:
        enqueue_on_commit(notify_reporter, event.pk)


def reporter_notice_send(*, event_id: int) -> str:
    """Send the notice of one event in the reporter's way; says what it did (shown in the jobs list)."""
    event = ReportEvent.objects.select_related("report__reporter", "report__municipality__site").get(
        pk=event_id
    )
    report, reporter = event.report, event.report.reporter
    if reporter is None or reporter.notify == Reporter.Notify.NONE:
        return "no notice wanted"
    base_url = public_base_url(report.municipality)
    if reporter.notify == Reporter.Notify.LINE and reporter.line_user_id:
        channel = LineChannel.objects.filter(municipality=report.municipality, enabled=True).first()
        if channel is None:
            return "the town has no LINE channel"
        follower = LineFollower.objects.filter(channel=channel, user_id=reporter.line_user_id).first()
        with translation.override(follower.language if follower else settings.LANGUAGE_CODE):
            message = line_messages.status_update(report, message=event.message, base_url=base_url)
        line_push(
            channel=channel, user_id=reporter.line_user_id, messages=[message], key=f"report-event:{event.pk}"
        )
        return "LINE push enqueued"
    if reporter.notify == Reporter.Notify.EMAIL and reporter.email:
        send_mail(
            _("Your report %(ref)s: %(status)s")
            % {"ref": report.reference, "status": report.get_status_display()},
            _email_body(report, event, base_url),
            None,
            [reporter.email],
        )
        return "e-mail sent"
    return "no way to reach the reporter"


def _email_body(report: Report, event: ReportEvent, base_url: str) -> str:
    lines = [
        _("The status of your report %(ref)s is now: %(status)s.")
        % {"ref": report.reference, "status": report.get_status_display()}
    ]
    if event.message:
        lines += ["", event.message]
    lines += ["", _("Follow your report: %(url)s") % {"url": f"{base_url}/reports/{report.reference}/"}]
    return "\n".join(lines)
