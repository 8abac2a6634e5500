"""Background jobs of the triage board: each loads its object by id and does one thing."""

from civic.jobs import retried_task


@retried_task(max_attempts=5, backoff_seconds=30)
def send_auto_reply(report_id: int) -> None:
    """E-mail the category's automatic acknowledgement to a reporter who asked for updates by e-mail."""
    from django.core.mail import send_mail
    from django.utils.translation import gettext as _

    from reports.models import Report, Reporter

    report = Report.objects.select_related("category", "reporter").filter(pk=report_id).first()
    if report is None or report.reporter is None:
        return
    reporter = report.reporter
    message = report.category.auto_reply.strip()
    if not message or reporter.notify != Reporter.Notify.EMAIL or not reporter.email:
        return
    send_mail(
        subject=_("We received your report %(reference)s") % {"reference": report.reference},
        message=message.replace("{reference}", report.reference),
        from_email=None,
        recipient_list=[reporter.email],
    )
