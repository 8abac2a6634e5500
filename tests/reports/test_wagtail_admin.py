"""Site administrators manage categories, areas and routing rules of their own town in the Wagtail admin."""

import pytest

from civic.roles import Role
from civic.services import staff_membership_set
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def site_admin(town):
    user = UserFactory()
    staff_membership_set(user=user, municipality=town.municipality, role=Role.SITE_ADMIN)
    return user


def test_a_site_admin_sees_and_edits_only_their_towns_categories(client, town, other_town, site_admin):
    client.force_login(site_admin)
    other_town.pothole.name_ja = "よその穴"
    other_town.pothole.save()
    listing = client.get("/admin/snippets/reports/category/")
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "道路の穴" in html
    assert "よその穴" not in html
    assert client.get(f"/admin/snippets/reports/category/edit/{town.pothole.pk}/").status_code == 200
    assert client.get(f"/admin/snippets/reports/category/edit/{other_town.pothole.pk}/").status_code in (
        302,
        403,
    )

    form = client.get("/admin/snippets/reports/category/add/").content.decode()
    assert other_town.roads.name_ja not in form or other_town.roads.name_ja == town.roads.name_ja
    assert town.municipality.name_ja in form
    assert other_town.municipality.name_ja not in form


def test_areas_and_routing_rules_are_listed(client, town, site_admin):
    client.force_login(site_admin)
    areas = client.get("/admin/snippets/reports/area/")
    assert areas.status_code == 200
    assert "西地区" in areas.content.decode()
    assert client.get(f"/admin/snippets/reports/area/edit/{town.west.pk}/").status_code == 200
    assert client.get("/admin/snippets/reports/routingrule/").status_code == 200
