"""The Wagtail admin for staff memberships goes through the service, so admin groups follow roles."""

import pytest
from django.contrib.auth.models import Group

from civic.models import StaffMembership
from civic.roles import Role
from tests.factories import DepartmentFactory, MunicipalityFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "root@example.jp", "pw"))
    return client


def test_adding_a_membership_in_the_admin_grants_the_role_group(admin_client):
    town = MunicipalityFactory()
    clerk = UserFactory()
    response = admin_client.post(
        "/admin/staffmembership/new/",
        {"user": clerk.pk, "municipality": town.pk, "role": Role.SUPERVISOR, "department": ""},
    )
    assert response.status_code == 302
    assert list(clerk.groups.values_list("name", flat=True)) == ["Civic supervisors"]


def test_a_department_of_another_town_is_refused_with_a_message(admin_client):
    town, other = MunicipalityFactory(), MunicipalityFactory()
    clerk = UserFactory()
    response = admin_client.post(
        "/admin/staffmembership/new/",
        {
            "user": clerk.pk,
            "municipality": town.pk,
            "role": Role.DEPARTMENT_STAFF,
            "department": DepartmentFactory(municipality=other).pk,
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    assert "That department belongs to another municipality." in response.content.decode()
    assert not StaffMembership.objects.exists()
    assert not clerk.groups.exists()


def test_deleting_a_membership_removes_the_role_group(admin_client):
    town = MunicipalityFactory()
    clerk = UserFactory()
    admin_client.post(
        "/admin/staffmembership/new/",
        {"user": clerk.pk, "municipality": town.pk, "role": Role.FACILITATOR, "department": ""},
    )
    membership = StaffMembership.objects.get()
    response = admin_client.post(f"/admin/staffmembership/delete/{membership.pk}/")
    assert response.status_code == 302
    assert not StaffMembership.objects.exists()
    assert not clerk.groups.filter(name__in=[g.name for g in Group.objects.all()]).exists()


def test_background_jobs_are_listed_for_superusers_only(admin_client, client):
    assert "Background jobs" in admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    clerk = UserFactory()
    from civic.services import staff_membership_set

    staff_membership_set(user=clerk, municipality=MunicipalityFactory(), role=Role.SUPERVISOR)
    client.force_login(clerk)
    assert "Background jobs" not in client.get("/admin/", HTTP_ACCEPT_LANGUAGE="en").content.decode()


def test_line_channel_secrets_are_saved_never_shown_and_kept_when_left_empty(admin_client):
    from civic.models import LineChannel

    town = MunicipalityFactory()
    response = admin_client.post(
        "/admin/linechannel/new/",
        {
            "municipality": town.pk,
            "channel_secret": "s3cret-value",
            "access_token": "t0ken-value",
            "enabled": "on",
        },
    )
    assert response.status_code == 302
    channel = LineChannel.objects.get()
    edit = admin_client.get(f"/admin/linechannel/edit/{channel.pk}/").content.decode()
    assert "s3cret-value" not in edit and "t0ken-value" not in edit
    admin_client.post(
        f"/admin/linechannel/edit/{channel.pk}/",
        {
            "municipality": town.pk,
            "channel_secret": "",
            "access_token": "",
            "api_base": "http://127.0.0.1:9",
            "enabled": "on",
        },
    )
    channel.refresh_from_db()
    assert (channel.channel_secret, channel.access_token, channel.api_base) == (
        "s3cret-value",
        "t0ken-value",
        "http://127.0.0.1:9",
    )


def test_a_new_line_channel_needs_its_secrets(admin_client):
    from civic.models import LineChannel

    town = MunicipalityFactory()
    response = admin_client.post("/admin/linechannel/new/", {"municipality": town.pk, "enabled": "on"})
    assert response.status_code == 200
    assert not LineChannel.objects.exists()
