"""`manage.py map_grid_rebuild [SLUG ...] [--daily]`: recount the public map's grid and render its tiles now,
or start the nightly job."""

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from civic.models import Municipality
from reports.map_grid import map_grid_rebuild
from reports.tasks import rebuild_map_grid
from reports.tile_store import map_tiles_render


class Command(BaseCommand):
    help = (
        "Recount the public map's grid of every town (or of those named) and render its tiles now, "
        "or enqueue the nightly job."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("municipalities", nargs="*", help="slugs (default: every municipality)")
        parser.add_argument(
            "--daily",
            action="store_true",
            help="enqueue the background job that recounts every town now and then every night at 04:00",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["daily"]:
            rebuild_map_grid.enqueue(reschedule=True)
            self.stdout.write("Nightly map grid recount enqueued.")
            return
        started = time.monotonic()
        town_ids: list[int | None] = [None]
        if options["municipalities"]:
            towns = Municipality.objects.filter(slug__in=options["municipalities"])
            missing = set(options["municipalities"]) - set(towns.values_list("slug", flat=True))
            if missing:
                raise CommandError(f"Unknown municipalities: {', '.join(sorted(missing))}")
            town_ids = [town.pk for town in towns]
        for town_id in town_ids:
            map_grid_rebuild(municipality_id=town_id)
        self.stdout.write(f"Map grid recounted in {time.monotonic() - started:.1f} s.")
        started = time.monotonic()
        for town_id in town_ids:
            map_tiles_render(municipality_id=town_id, progress=self.rendered)
        self.stdout.write(f"Map tiles rendered in {time.monotonic() - started:.1f} s.")

    def rendered(self, done: int, total: int) -> None:
        self.stdout.write(f"Map tiles: {done:,} / {total:,} rendered")
