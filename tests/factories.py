"""Factories for the shared models: municipalities on their own Wagtail sites, departments and staff."""

import itertools

import factory
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import MultiPolygon, Point, Polygon
from wagtail.models import Site

from civic.demo import page_tree_root
from civic.models import Department, Municipality

_counter = itertools.count(1)


def square(lng: float, lat: float, half: float = 0.05) -> MultiPolygon:
    ring = (
        (lng - half, lat - half),
        (lng + half, lat - half),
        (lng + half, lat + half),
        (lng - half, lat + half),
        (lng - half, lat - half),
    )
    return MultiPolygon(Polygon(ring, srid=4326), srid=4326)


def make_site(hostname: str, title: str) -> Site:
    """A Wagtail site for `hostname` whose root is a published home page titled `title`."""
    from cms.models import HomePage

    home = HomePage(title=title, hero_title=title, slug=f"home-{next(_counter)}")
    page_tree_root().add_child(instance=home)
    home.save_revision().publish()
    return Site.objects.create(hostname=hostname, port=80, root_page=home, site_name=title)


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    slug = factory.Sequence(lambda n: f"town-{n}")
    name_ja = factory.Sequence(lambda n: f"テスト市{n}")
    name_en = factory.Sequence(lambda n: f"Test City {n}")
    site = factory.LazyAttribute(lambda o: make_site(f"{o.slug}.localhost", o.name_ja))
    center = factory.LazyFunction(lambda: Point(139.0, 36.0, srid=4326))
    boundary = factory.LazyAttribute(lambda o: square(o.center.x, o.center.y))


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"dept-{n}")
    name_ja = factory.Sequence(lambda n: f"第{n}課")
    name_en = factory.Sequence(lambda n: f"Division {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.jp")
    password = "pw-for-tests-only"

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        return model_class.objects.create_user(*args, **kwargs)
