"""Helpers for tests that talk LINE: signing bodies as LINE does, and running the jobs worker."""

import base64
import hashlib
import hmac
import io

from django.core.management import call_command


def signature(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


def run_worker() -> None:
    call_command("db_worker", batch=True, no_startup_delay=True, interval=0, stdout=io.StringIO())
