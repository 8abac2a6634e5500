"""`manage.py export_open_data [SLUG ...] [--daily]`: export the towns' open data now, or start the daily
job."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.models import Municipality
from civic.tenancy import public_base_url
from reports.open_data import export_open_data, export_open_data_daily


class Command(BaseCommand):
    help = (
        "Export public reports as CSV and GeoJSON now (all towns, or those named), or enqueue the daily job."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("municipalities", nargs="*", help="slugs (default: every municipality)")
        parser.add_argument(
            "--daily",
            action="store_true",
            help="enqueue the background job that exports every town now and then every day at 03:00",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["daily"]:
            export_open_data_daily.enqueue(reschedule=True)
            self.stdout.write("Daily open data export enqueued.")
            return
        towns = Municipality.objects.all()
        if options["municipalities"]:
            towns = towns.filter(slug__in=options["municipalities"])
            missing = set(options["municipalities"]) - set(towns.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"Unknown municipalities: {', '.join(sorted(missing))}")
        for municipality in towns:
            names = export_open_data(municipality=municipality, base_url=public_base_url(municipality))
            for name in names:
                self.stdout.write(name)
