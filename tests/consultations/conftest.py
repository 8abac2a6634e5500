"""Fixtures for the consultations tests: a town with a facilitator, fresh rate limits, English or Japanese."""

import pytest
from django.core.cache import caches

from civic.roles import Role
from civic.services import staff_membership_set
from tests.factories import MunicipalityFactory, UserFactory


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    caches["ratelimit"].clear()
    yield
    caches["ratelimit"].clear()


@pytest.fixture
def town(db):
    return MunicipalityFactory(
        contact_phone="027-000-0000", contact_email="info@town.example.jp", contact_address="本町1-1"
    )


@pytest.fixture
def facilitator(town, role_groups):
    user = UserFactory(username="facilitator")
    staff_membership_set(user=user, municipality=town, role=Role.FACILITATOR)
    return user


@pytest.fixture
def role_groups(db):
    """The role groups and their admin permissions, which data migrations make (and a transactional test's
    flush removes): made again the same way."""
    import importlib

    from django.apps import apps

    importlib.import_module("civic.migrations.0002_role_groups").create_groups(apps, None)
    importlib.import_module("consultations.migrations.0002_facilitator_permissions").grant(apps, None)
