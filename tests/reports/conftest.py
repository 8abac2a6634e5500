"""Fixtures for the reports tests: two towns with departments, categories and districts; media in tmp."""

import pytest
import pytest_asyncio
from asgiref.sync import sync_to_async
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from django.core.cache import caches
from django.db import connections

from reports import tile_db
from reports.models import Category
from reports.services import area_save
from tests.factories import DepartmentFactory, MunicipalityFactory

# MunicipalityFactory towns are squares of half-width 0.05° around (139.0, 36.0).
INSIDE = (36.0, 139.0)  # lat, lng
OUTSIDE = (36.2, 139.0)


@pytest_asyncio.fixture
async def closing_connections():
    """For async tests of tiles: at the end, close this event loop's tile connections, and the Django
    connection that `sync_to_async` opened in its shared thread (a later test without database access would
    otherwise find it open)."""
    yield
    await tile_db.close()
    await sync_to_async(connections.close_all)()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    return tmp_path


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


def half(lng0: float, lat0: float, lng1: float, lat1: float) -> MultiPolygon:
    return MultiPolygon(Polygon.from_bbox((lng0, lat0, lng1, lat1)), srid=4326)


class Town:
    """A town with roads/parks departments, pothole/fallen-tree categories, west and east districts."""

    def __init__(self, **kwargs):
        self.municipality = MunicipalityFactory(**kwargs)
        m = self.municipality
        self.host = m.site.hostname
        self.roads = DepartmentFactory(municipality=m, code="roads", name_ja="道路課", name_en="Roads")
        self.parks = DepartmentFactory(municipality=m, code="parks", name_ja="公園課", name_en="Parks")
        self.pothole = Category.objects.create(
            municipality=m,
            code="pothole",
            name_ja="道路の穴",
            name_en="Pothole",
            icon="pothole",
            department=self.roads,
            sort_order=1,
        )
        self.tree = Category.objects.create(
            municipality=m,
            code="fallen-tree",
            name_ja="倒木",
            name_en="Fallen tree",
            icon="fallen_tree",
            department=self.parks,
            sort_order=2,
        )
        x, y = m.center.x, m.center.y
        self.west, _ = area_save(
            municipality=m,
            code="west",
            name_ja="西地区",
            name_en="West",
            boundary=half(x - 0.05, y - 0.05, x, y + 0.05),
        )
        self.east, _ = area_save(
            municipality=m,
            code="east",
            name_ja="東地区",
            name_en="East",
            boundary=half(x, y - 0.05, x + 0.05, y + 0.05),
        )

    def point(self, dlng: float = -0.01, dlat: float = 0.0) -> Point:
        return Point(self.municipality.center.x + dlng, self.municipality.center.y + dlat, srid=4326)


@pytest.fixture
def town(db):
    return Town(name_ja="桜町", name_en="Sakura Town")


@pytest.fixture
def other_town(db):
    return Town(name_ja="梅町", name_en="Ume Town")
