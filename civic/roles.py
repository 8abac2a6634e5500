"""Staff roles: each is a Django group whose members may use the Wagtail admin for their municipality."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    SITE_ADMIN = "site_admin", _("Site administrator")
    SUPERVISOR = "supervisor", _("Supervisor")
    DEPARTMENT_STAFF = "department_staff", _("Department staff")
    FACILITATOR = "facilitator", _("Facilitator")


# The group that carries each role's permissions; names are stable identifiers, shown translated in the UI.
GROUP_NAMES: dict[str, str] = {
    Role.SITE_ADMIN: "Civic site administrators",
    Role.SUPERVISOR: "Civic supervisors",
    Role.DEPARTMENT_STAFF: "Civic department staff",
    Role.FACILITATOR: "Civic facilitators",
}
