"""`manage.py set_line_channel SLUG --secret S --token T [--api-base URL]`: a town's LINE channel."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.errors import ServiceError
from civic.line.services import line_channel_set
from civic.models import Municipality


class Command(BaseCommand):
    help = "Set a municipality's LINE channel secret and access token (and an API base URL for a simulator)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="The municipality's slug.")
        parser.add_argument("--secret", required=True, help="The channel secret (Basic settings in LINE).")
        parser.add_argument("--token", required=True, help="A long-lived channel access token.")
        parser.add_argument(
            "--api-base", default="", help="Base URL of a LINE simulator; empty for LINE itself."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        municipality = Municipality.objects.filter(slug=options["slug"]).first()
        if municipality is None:
            raise CommandError(f"No municipality has the slug {options['slug']!r}.")
        try:
            line_channel_set(
                municipality=municipality,
                channel_secret=options["secret"],
                access_token=options["token"],
                api_base=options["api_base"],
            )
        except ServiceError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(f"LINE channel of {municipality.name_ja} saved."))
        self.stdout.write(f"Webhook URL: <your site>/line/{municipality.slug}/webhook")
