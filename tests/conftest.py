"""Fixtures shared by the whole suite."""

import io

import pytest
from django.core.management import call_command


@pytest.fixture(autouse=True)
def plain_static_files(settings):
    """Serve static files by their source names: the live server finds them without a collectstatic run."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def demo(db, settings):
    """The demo town from `seed_demo`, as a resident or staff member would meet it."""
    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    settings.DEBUG = False
    from civic.models import Municipality

    return Municipality.objects.get(slug="sakuragawa")


@pytest.fixture(scope="session")
def redis_url():
    """A real Redis server's URL (found or started) for tests about the Redis layer."""
    from tests.redis_server import redis_server

    with redis_server() as url:
        yield url


def pytest_collection_modifyitems(items):
    """Transactional tests empty the database when they end, which would also wipe what migrations put
    there (role groups, permissions, Wagtail's root page) for the tests after them: restore it instead."""
    for item in items:
        marker = item.get_closest_marker("django_db")
        if (
            marker is not None
            and marker.kwargs.get("transaction")
            and not marker.kwargs.get("serialized_rollback")
        ):
            item.add_marker(pytest.mark.django_db(**{**marker.kwargs, "serialized_rollback": True}))
