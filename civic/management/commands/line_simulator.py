"""`manage.py line_simulator --port P`: the local LINE Messaging API simulator, with a chat page at /."""

from typing import Any

from aiohttp import web
from django.core.management.base import BaseCommand, CommandParser

from civic.line.simulator import SimulatorState, build_app


class Command(BaseCommand):
    help = "Run a local LINE Messaging API simulator (reply, push, content, profile) for development."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=8901)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--webhook", default="", help="Civic's webhook URL to post signed events to.")
        parser.add_argument("--secret", default="", help="The channel secret used to sign those events.")

    def handle(self, *args: Any, **options: Any) -> None:
        state = SimulatorState(webhook_url=options["webhook"], channel_secret=options["secret"])
        self.stdout.write(f"LINE simulator at http://{options['host']}:{options['port']}/ (chat page)")
        web.run_app(build_app(state), host=options["host"], port=options["port"], print=None)
