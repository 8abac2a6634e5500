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


@retried_task(max_attempts=3, backoff_seconds=600)
def rebuild_map_grid(reschedule: bool = True) -> None:
    """Recount every town's map grid (repairing changes made outside the report services) and render its
    tiles again, then (by default) enqueue the next run for 04:00 tomorrow (Tokyo), after the open data
    export."""
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from reports.map_grid import map_grid_rebuild
    from reports.tile_store import map_tiles_render

    map_grid_rebuild()
    map_tiles_render()
    if reschedule:
        zone = ZoneInfo("Asia/Tokyo")
        tomorrow = timezone.now().astimezone(zone).date() + timedelta(days=1)
        rebuild_map_grid.using(run_after=datetime.combine(tomorrow, time(4, 0), tzinfo=zone)).enqueue(
            reschedule=True
        )


@retried_task(max_attempts=3, backoff_seconds=60)
def render_map_tiles(municipality_id: int) -> int:
    """Render the town's map tiles that a change has marked (most often none left: a visitor asked first)."""
    from reports.tile_store import map_tiles_render

    return map_tiles_render(municipality_id=municipality_id)
