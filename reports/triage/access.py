"""Who may do what on the triage board, from the staff member's role in one municipality.

Supervisors see and act on the whole municipality; department staff on their department's reports; site
administrators configure (routing rules, response templates) and read the board and dashboard, but do not
work reports. Reporter contact is shown to those who work the report. Superusers may do everything.
"""

from dataclasses import dataclass
from typing import Protocol

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Case, Q, QuerySet, Value, When

from civic.models import Municipality, StaffMembership
from civic.roles import Role
from reports.models import Report

BOARD_ROLES = (Role.SITE_ADMIN, Role.SUPERVISOR, Role.DEPARTMENT_STAFF)


class Scoped(Protocol):
    """A report, or a card of one: where it belongs."""

    @property
    def municipality_id(self) -> int: ...

    @property
    def department_id(self) -> int | None: ...


@dataclass(frozen=True, slots=True)
class TriageAccess:
    user_id: int
    municipality: Municipality
    role: str  # a Role, or "superuser"
    department_id: int | None

    @property
    def whole_town(self) -> bool:
        return self.role != Role.DEPARTMENT_STAFF

    @property
    def may_configure(self) -> bool:
        return self.role in ("superuser", Role.SITE_ADMIN)

    @property
    def may_work(self) -> bool:
        return self.role in ("superuser", Role.SUPERVISOR, Role.DEPARTMENT_STAFF)

    @property
    def may_export(self) -> bool:
        return self.role in ("superuser", Role.SITE_ADMIN, Role.SUPERVISOR)

    @property
    def may_see_contact(self) -> bool:
        return self.may_work

    def scope(self) -> Q:
        """The reports this person sees, as a filter on Report."""
        q = Q(municipality_id=self.municipality.pk)
        if not self.whole_town:
            q &= Q(department_id=self.department_id)
        return q

    def reports(self) -> QuerySet[Report]:
        return Report.objects.filter(self.scope())

    def sees(self, report: Scoped) -> bool:
        if report.municipality_id != self.municipality.pk:
            return False
        return self.whole_town or report.department_id == self.department_id

    def works(self, report: Report) -> bool:
        return self.may_work and self.sees(report)

    def sees_department(self, department_id: int | None) -> bool:
        return self.whole_town or department_id == self.department_id


def triage_access(user: User | AnonymousUser, municipality: Municipality | None) -> TriageAccess | None:
    """The user's access to `municipality`'s board, or None if they have none."""
    if municipality is None or not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return TriageAccess(user.pk, municipality, "superuser", None)
    membership = (
        StaffMembership.objects.filter(user=user, municipality=municipality, role__in=BOARD_ROLES)
        .only("role", "department_id")
        .first()
    )
    if membership is None:
        return None
    department_id = membership.department_id if membership.role == Role.DEPARTMENT_STAFF else None
    return TriageAccess(user.pk, municipality, membership.role, department_id)


def board_municipality(
    user: User | AnonymousUser, *, slug: str = "", current: Municipality | None = None
) -> Municipality | None:
    """Which town's board to show: the one asked for, else the request's town, else the user's first town."""
    if not user.is_authenticated:
        return None
    towns = (
        Municipality.objects.all()
        if user.is_superuser
        else Municipality.objects.filter(memberships__user=user, memberships__role__in=BOARD_ROLES)
    )
    if slug:
        return towns.filter(slug=slug).first()
    current_pk = getattr(current, "pk", None)  # the request's town is a lazy object, maybe of None
    if current_pk is not None and towns.filter(pk=current_pk).exists():
        return current
    return towns.order_by("slug").first()


def board_access(
    user: User | AnonymousUser, *, slug: str = "", current: Municipality | None = None
) -> TriageAccess | None:
    """`triage_access` to the town that `board_municipality` picks, in one query: every board view asks."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_superuser:
        return triage_access(user, board_municipality(user, slug=slug, current=current))
    memberships = StaffMembership.objects.filter(user=user, role__in=BOARD_ROLES)
    if slug:
        memberships = memberships.filter(municipality__slug=slug)
    else:
        current_pk = getattr(current, "pk", None)  # the request's town is a lazy object, maybe of None
        memberships = memberships.order_by(
            Case(When(municipality_id=current_pk, then=Value(0)), default=Value(1)), "municipality__slug"
        )
    membership = memberships.select_related("municipality").first()
    if membership is None:
        return None
    department_id = membership.department_id if membership.role == Role.DEPARTMENT_STAFF else None
    return TriageAccess(user.pk, membership.municipality, membership.role, department_id)
