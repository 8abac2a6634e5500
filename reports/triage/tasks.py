"""Background jobs of the triage board: each loads its object by id and does one thing."""

from civic.jobs import retried_task


@retried_task(max_attempts=6, backoff_seconds=30)
def acknowledge_reporter(report_id: int) -> str:
    """Send the category's automatic acknowledgement of a new report (LINE push or e-mail)."""
    from reports.notifications import reporter_acknowledgement_send

    return reporter_acknowledgement_send(report_id=report_id)


@retried_task(max_attempts=6, backoff_seconds=30)
def notify_follower(event_id: int, reporter_id: int) -> str:
    """Tell the reporter of a report merged into another about a public event of that other report."""
    from reports.notifications import reporter_notice_send

    return reporter_notice_send(event_id=event_id, reporter_id=reporter_id)


@retried_task(max_attempts=6, backoff_seconds=30)
def confirm_follower(support_id: int) -> str:
    """Ask the owner of the e-mail address a supporter gave to confirm it before it hears about the report."""
    from reports.notifications import follow_confirmation_send

    return follow_confirmation_send(support_id=support_id)
