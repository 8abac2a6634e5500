"""`manage.py open311_client_create MUNICIPALITY_SLUG NAME`: a new Open311 API client; prints its key once."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.errors import ServiceError
from civic.models import Municipality
from reports.open311.clients import open311_client_create


class Command(BaseCommand):
    help = "Create an Open311 API client for a municipality and print its API key (shown only this once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("municipality", help="the municipality's slug")
        parser.add_argument("name", help="who the client is, e.g. 'Road asset system'")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            municipality = Municipality.objects.get(slug=options["municipality"])
        except Municipality.DoesNotExist:
            raise CommandError(f"No municipality with the slug {options['municipality']!r}.") from None
        try:
            client, key = open311_client_create(municipality=municipality, name=options["name"])
        except ServiceError as refused:
            raise CommandError(refused.message) from None
        self.stderr.write(f"Open311 client {client.name!r} (#{client.pk}) for {municipality.slug}. API key:")
        self.stdout.write(key)
