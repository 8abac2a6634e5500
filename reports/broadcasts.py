"""Live board updates: services call `report_changed` inside their transaction; the board hears after commit.

A broadcast carries the report's card (see `reports.triage.selectors.card_json`) and the status it had before
the change (`was`), never reporter data.
Each municipality's staff boards listen on one Channels group.
"""

from django.db import transaction
from django.db.models import F

from civic.broadcasts import group_send
from reports.models import Report


def board_group(municipality_id: int) -> str:
    return f"triage.{municipality_id}"


def report_changed(report: Report, *, was_status: str | None = None) -> None:
    """Count a change of `report` (its `version` goes up now) and tell the boards once the change commits;
    `was_status` is its status before the change when the change moved it."""
    _announce(report, was_status or report.status)


def report_created(report: Report) -> None:
    """A new report: the boards hear of it once it commits."""
    _announce(report, None)


def _announce(report: Report, was: str | None) -> None:
    Report.objects.filter(pk=report.pk).update(version=F("version") + 1)
    report.version = (report.version or 0) + 1
    report_id, municipality_id = report.pk, report.municipality_id
    transaction.on_commit(lambda: send_card(report_id, municipality_id, was))


def send_card(report_id: int, municipality_id: int, was: str | None) -> None:
    """Send the report's current card to its municipality's boards, with the status it had before (`was`;
    None for a new report: a board counts a report it has not loaded in the right column); a channel layer
    outage is logged only."""
    from reports.triage.selectors import board_card, card_json

    report = board_card(report_id)
    if report is None:
        return
    # The change is saved; a board that misses the card catches up on its next load.
    group_send(
        board_group(municipality_id), {"type": "board.card", "card": {**card_json(report), "was": was}}
    )
