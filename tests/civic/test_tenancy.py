"""Two municipalities on two hostnames never see each other's data."""

import pytest

from civic.errors import ServiceError
from civic.roles import Role
from civic.services import staff_membership_set
from civic.tenancy import municipalities_for_user
from tests.factories import DepartmentFactory, MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def towns():
    return MunicipalityFactory(name_ja="東町", name_en="Higashi"), MunicipalityFactory(
        name_ja="西町", name_en="Nishi"
    )


def test_each_hostname_serves_its_own_municipality(client, towns):
    east, west = towns
    for town, other in ((east, west), (west, east)):
        page = client.get("/", HTTP_HOST=town.site.hostname)
        assert page.status_code == 200
        html = page.content.decode()
        assert town.name_ja in html
        assert other.name_ja not in html

        api = client.get("/api/v1/municipality/", HTTP_HOST=town.site.hostname).json()
        assert api["slug"] == town.slug
        assert api["center"] == [town.center.x, town.center.y]
        assert api["bbox"] == pytest.approx(list(town.boundary.extent))


def test_unknown_hostname_without_default_site_has_no_municipality(client, towns):
    from wagtail.models import Site

    Site.objects.filter(is_default_site=True).update(is_default_site=False)
    assert client.get("/api/v1/municipality/", HTTP_HOST="elsewhere.localhost").status_code == 404


def test_staff_see_only_their_municipalities(towns):
    east, _west = towns
    clerk = UserFactory()
    staff_membership_set(user=clerk, municipality=east, role=Role.SUPERVISOR)
    assert list(municipalities_for_user(clerk)) == [east]
    assert list(municipalities_for_user(UserFactory(is_superuser=True))) == sorted(
        towns, key=lambda t: t.slug
    )


def test_membership_refuses_a_department_of_another_town(towns):
    east, west = towns
    west_roads = DepartmentFactory(municipality=west)
    clerk = UserFactory()
    with pytest.raises(ServiceError, match="別の自治体に属しています"):
        staff_membership_set(user=clerk, municipality=east, role=Role.DEPARTMENT_STAFF, department=west_roads)
    assert not clerk.memberships.exists()


def test_membership_gives_exactly_the_role_group(towns):
    east, _west = towns
    clerk = UserFactory()
    staff_membership_set(user=clerk, municipality=east, role=Role.FACILITATOR)
    staff_membership_set(user=clerk, municipality=east, role=Role.SUPERVISOR)
    assert list(clerk.groups.values_list("name", flat=True)) == ["Civic supervisors"]
    assert clerk.has_perm("wagtailadmin.access_admin")
