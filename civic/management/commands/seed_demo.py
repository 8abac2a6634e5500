"""`manage.py seed_demo`: a believable demo town, built by each installed app's `demo` module; idempotent."""

from importlib import import_module
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils.module_loading import module_has_submodule

from civic.demo import DemoContext


class Command(BaseCommand):
    help = "Create (or complete) the demo municipality with its pages, staff and sample data."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Seed even though CIVIC_DEBUG is off (never do this on a real municipality's site).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                "seed_demo adds fictional people and reports; it runs only with CIVIC_DEBUG=1 "
                "unless you pass --allow-production."
            )
        context = DemoContext(password=settings.DEMO_PASSWORD, log=self.log)
        modules = [
            import_module(f"{config.name}.demo")
            for config in apps.get_app_configs()
            if module_has_submodule(config.module, "demo")
        ]
        for step, module in enumerate(modules, start=1):
            self.stdout.write(f"[{step}/{len(modules)}] {module.__name__}")
            with transaction.atomic():
                module.seed(context)
        names = ", ".join(sorted(context.users))
        self.stdout.write(self.style.SUCCESS(f"Demo ready. Users: {names}; password: {context.password}"))

    def log(self, message: str) -> None:
        self.stdout.write(f"      {message}")
