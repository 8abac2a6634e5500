"""Live board updates: services call `report_changed` inside their transaction; the board hears after commit.

A broadcast carries the report's card (see `reports.triage.selectors.card_json`) and never reporter data.
Each municipality's staff boards listen on one Channels group.
"""

import logging

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.db import transaction
from django.db.models import F

from reports.models import Report

logger = logging.getLogger(__name__)


def board_group(municipality_id: int) -> str:
    return f"triage.{municipality_id}"


def report_changed(report: Report) -> None:
    """Count a change of `report` (its `version` goes up now) and tell the boards once the change commits."""
    Report.objects.filter(pk=report.pk).update(version=F("version") + 1)
    report.version = (report.version or 0) + 1
    report_id, municipality_id = report.pk, report.municipality_id
    transaction.on_commit(lambda: send_card(report_id, municipality_id))


def send_card(report_id: int, municipality_id: int) -> None:
    """Send the report's current card to its municipality's boards; a channel layer outage is logged only."""
    from reports.triage.selectors import board_card, card_json

    report = board_card(report_id)
    if report is None:
        return
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(
            board_group(municipality_id), {"type": "board.card", "card": card_json(report)}
        )
    except Exception:  # the change is saved; a board that misses it catches up on its next load
        logger.exception("could not broadcast report %s", report_id)


def report_created(report: Report) -> None:
    """A new report: the boards hear of it once it commits."""
    report_changed(report)
