"""Delete expired Idempotency-Keys, kept photos of unsent forms, orphan originals and contact details past
their retention period; run hourly."""

from typing import Any

from django.core.management.base import BaseCommand

from reports.cleanup import intake_cleanup


class Command(BaseCommand):
    help = (
        "Delete expired Idempotency-Keys, expired kept photos of unsent forms, orphan original uploads, and "
        "reporters' contact details kept past the retention period, and unconfirmed addresses of supporters."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = intake_cleanup()
        self.stdout.write(
            f"idempotency keys: {result.idempotency_keys}, kept photos: {result.pending_uploads}, "
            f"orphan originals: {result.orphan_originals}, "
            f"forgotten reporters: {result.forgotten_reporters}, "
            f"unconfirmed addresses: {result.unconfirmed_addresses}"
        )
