"""Background jobs of reports: each loads its object by id and calls a service."""

from civic.jobs import retried_task


@retried_task(max_attempts=5, backoff_seconds=30)
def process_report_photo(photo_id: int) -> None:
    """Make the public derivatives of a photo; one that cannot be decoded is marked failed, not retried."""
    from reports.services import report_photo_process  # services enqueue this task, so import late

    report_photo_process(photo_id=photo_id)


@retried_task(max_attempts=6, backoff_seconds=30)
def notify_reporter(event_id: int) -> str:
    """Tell a reporter about a public event of their report (LINE push or e-mail)."""
    from reports.notifications import reporter_notice_send

    return reporter_notice_send(event_id=event_id)
