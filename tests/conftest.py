"""Fixtures shared by the whole suite."""

import io

import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db, settings):
    """The demo town from `seed_demo`, as a resident or staff member would meet it."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    from civic.models import Municipality

    return Municipality.objects.get(slug="sakuragawa")
