"""Helpers for the triage tests: staff in each role, and reports made through the services."""

from civic.roles import Role
from civic.services import staff_membership_set
from reports.models import Reporter
from reports.services import report_create
from tests.factories import UserFactory


def staff(town, role=Role.SUPERVISOR, department=None, **kwargs):
    user = UserFactory(**kwargs)
    if role == Role.DEPARTMENT_STAFF and department is None:
        department = town.roads
    staff_membership_set(user=user, municipality=town.municipality, role=role, department=department)
    return user


def make_report(
    town, *, category=None, dlng=-0.01, dlat=0.0, description="道路に穴があります", contact=True, **kwargs
):
    reporter = (
        Reporter(name="山田花子", email="hanako@example.jp", phone="090-0000-0000") if contact else None
    )
    return report_create(
        municipality=town.municipality,
        category=category or town.pothole,
        description=description,
        point=town.point(dlng, dlat),
        reporter=reporter,
        **kwargs,
    )
