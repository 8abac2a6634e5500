"""Services for tenancy and staff: the only code that changes municipalities' staff memberships."""

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils.translation import gettext as _

from civic.errors import ServiceError
from civic.models import Department, Municipality, StaffMembership
from civic.roles import GROUP_NAMES, Role


@transaction.atomic
def staff_membership_set(
    *, user: User, municipality: Municipality, role: Role, department: Department | None = None
) -> StaffMembership:
    """Give `user` one role in `municipality` (replacing any earlier one there) and the role's admin group."""
    if department is not None and department.municipality_id != municipality.pk:
        raise ServiceError(_("That department belongs to another municipality."))
    if role == Role.DEPARTMENT_STAFF and department is None:
        raise ServiceError(_("Department staff need a department."))
    membership, _created = StaffMembership.objects.update_or_create(
        user=user, municipality=municipality, defaults={"role": role, "department": department}
    )
    _sync_role_groups(user)
    return membership


@transaction.atomic
def staff_membership_remove(*, membership: StaffMembership) -> None:
    """End a staff member's role in one municipality; the admin groups follow the roles left."""
    user = membership.user
    membership.delete()
    _sync_role_groups(user)


def _sync_role_groups(user: User) -> None:
    """Make the user's role groups exactly those of the roles they hold in any municipality."""
    wanted = {
        GROUP_NAMES[role] for role in StaffMembership.objects.filter(user=user).values_list("role", flat=True)
    }
    role_groups = Group.objects.filter(name__in=GROUP_NAMES.values())
    user.groups.remove(*[group for group in role_groups if group.name not in wanted])
    user.groups.add(*[group for group in role_groups if group.name in wanted])
