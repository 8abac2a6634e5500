"""Mark open reports that became due soon or overdue and e-mail their departments; run every few minutes."""

from typing import Any

from django.core.management.base import BaseCommand

from reports.triage.services import sla_sweep


class Command(BaseCommand):
    help = "Mark reports due soon / overdue against their category's target time and notify departments."

    def handle(self, *args: Any, **options: Any) -> None:
        result = sla_sweep()
        self.stdout.write(f"due soon: {result.due_soon}, overdue: {result.overdue}, e-mails: {result.emails}")
