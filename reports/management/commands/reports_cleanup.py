"""Delete expired Idempotency-Keys, kept photos of unsent forms and orphan originals; run hourly."""

from typing import Any

from django.core.management.base import BaseCommand

from reports.cleanup import intake_cleanup


class Command(BaseCommand):
    help = (
        "Delete expired Idempotency-Keys, expired kept photos of unsent forms, and orphan original uploads."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = intake_cleanup()
        self.stdout.write(
            f"idempotency keys: {result.idempotency_keys}, kept photos: {result.pending_uploads}, "
            f"orphan originals: {result.orphan_originals}"
        )
