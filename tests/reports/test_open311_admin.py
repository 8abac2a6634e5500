"""Site administrators manage their town's Open311 clients in the Wagtail admin: the list, a new client whose
key is shown once (and works), and revoking a key."""

import re

import pytest

from civic.roles import Role
from civic.services import staff_membership_set
from reports.open311.clients import hash_key, open311_client_create
from reports.open311_models import Open311Client
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BASE = "/admin/snippets/reports/open311client/"


@pytest.fixture
def site_admin(town):
    user = UserFactory()
    staff_membership_set(user=user, municipality=town.municipality, role=Role.SITE_ADMIN)
    return user


def open311_post(client, town, key):
    return client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "pothole",
            "lat": str(town.point().y),
            "long": str(town.point().x),
            "description": "穴があります",
        },
        HTTP_HOST=town.host,
    )


def test_the_list_shows_only_the_admins_towns_clients(client, town, other_town, site_admin):
    open311_client_create(municipality=town.municipality, name="Road assets")
    open311_client_create(municipality=other_town.municipality, name="Neighbour app")
    client.force_login(site_admin)
    listing = client.get(BASE)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Road assets" in html
    assert "Neighbour app" not in html


def test_a_new_client_shows_its_key_once_and_the_key_works(client, town, other_town, site_admin):
    client.force_login(site_admin)
    form = client.get(f"{BASE}add/").content.decode()
    assert other_town.municipality.name_ja not in form
    response = client.post(
        f"{BASE}add/", {"municipality": town.municipality.pk, "name": "Road assets", "posts_per_hour": "30"}
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    key = re.search(r'id="open311-key"[^>]*value="([^"]+)"', response.content.decode()).group(1)
    created = Open311Client.objects.get(name="Road assets")
    assert created.key_hash == hash_key(key) and key not in created.key_hash
    assert created.posts_per_hour == 30 and created.municipality == town.municipality
    # The key is never shown again.
    assert key not in client.get(BASE).content.decode()
    assert key not in client.get(f"{BASE}edit/{created.pk}/").content.decode()
    client.logout()
    assert open311_post(client, town, key).status_code == 201


def test_a_client_for_another_town_or_without_a_name_is_refused(client, town, other_town, site_admin):
    client.force_login(site_admin)
    for data in (
        {"municipality": other_town.municipality.pk, "name": "Sneaky"},
        {"municipality": town.municipality.pk, "name": "  "},
    ):
        response = client.post(f"{BASE}add/", data)
        assert response.status_code == 200
        assert 'id="open311-key"' not in response.content.decode()
    assert not Open311Client.objects.exists()


def test_revoking_a_key_refuses_its_requests_at_once(client, town, site_admin):
    made, key = open311_client_create(municipality=town.municipality, name="Road assets")
    client.force_login(site_admin)
    response = client.post(f"{BASE}edit/{made.pk}/", {"name": "Road assets", "posts_per_hour": ""})
    assert response.status_code == 302, response.content.decode()[:2000]
    made.refresh_from_db()
    assert not made.is_active
    client.logout()
    refused = open311_post(client, town, key)
    assert refused.status_code == 403
    assert refused.json()[0]["code"] == 403


def test_another_towns_client_cannot_be_edited(client, other_town, site_admin):
    theirs, _key = open311_client_create(municipality=other_town.municipality, name="Neighbour app")
    client.force_login(site_admin)
    assert client.get(f"{BASE}edit/{theirs.pk}/").status_code in (302, 403)
    client.post(f"{BASE}edit/{theirs.pk}/", {"name": "Taken", "posts_per_hour": ""})
    theirs.refresh_from_db()
    assert theirs.name == "Neighbour app" and theirs.is_active
