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


@pytest.fixture(autouse=True)
def fresh_memories():
    """Towns remembered per host name (civic.memo) start empty: tests use host names again for other towns."""
    from civic.memo import forget_everything

    forget_everything()


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


# The data migrations whose rows a transactional test's flush removes, and the function that makes them.
DATA_MIGRATIONS = [
    ("civic.migrations.0002_role_groups", "create_groups"),
    ("reports.migrations.0002_site_admin_permissions", "grant"),
    ("reports.migrations.0004_triage_board", "grant_response_templates"),
    ("reports.migrations.0007_map_grid_and_open311_limits", "grant_open311_clients"),
    ("consultations.migrations.0002_facilitator_permissions", "grant"),
]


@pytest.fixture(autouse=True)
def migration_data(request):
    """Transactional tests empty every table when they end, including the role groups and permissions that
    data migrations made; make them again, the same way, before each such test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    import importlib

    from django.apps import apps

    request.getfixturevalue("transactional_db")
    for module, function in DATA_MIGRATIONS:
        getattr(importlib.import_module(module), function)(apps, None)


@pytest.fixture
def asgi_server(redis_url, tmp_path):
    """uvicorn serving Civic (HTTP and WebSockets) on the test database and a real Redis; yields its port.
    Use from `django_db(transaction=True)` tests, so the server sees the rows they made."""
    from tests.server_processes import AsgiServer

    server = AsgiServer(
        redis_url,
        CIVIC_DEBUG="1",  # static files from the build folder through WhiteNoise's finders
        CIVIC_MEDIA_ROOT=str(tmp_path / "media"),
        CIVIC_PRIVATE_MEDIA_ROOT=str(tmp_path / "private"),
    )
    server.start()
    try:
        yield server.port
    finally:
        server.stop()
