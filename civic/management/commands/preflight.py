"""`manage.py preflight`: checks the database (with PostGIS) and Redis before anything starts."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from civic.preflight import PreflightError, run_all


class Command(BaseCommand):
    help = "Check that the database (with PostGIS) and Redis, when configured, are reachable."

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            run_all()
        except PreflightError as error:
            raise CommandError(str(error)) from None
