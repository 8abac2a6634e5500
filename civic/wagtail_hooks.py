"""Wagtail admin for the shared models: municipalities, departments, staff memberships, background jobs."""

from django.contrib.auth.models import User
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.views.generic.models import CreateView, DeleteView, EditView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from civic.errors import ServiceError
from civic.models import Department, Municipality, StaffMembership
from civic.roles import Role
from civic.services import staff_membership_remove, staff_membership_set


class MunicipalityViewSet(ModelViewSet):
    model = Municipality
    icon = "site"
    menu_label = _("Municipalities")
    list_display = ["name_ja", "name_en", "slug", "site"]
    panels = [
        FieldPanel("name_ja"),
        FieldPanel("name_en"),
        FieldPanel("slug"),
        FieldPanel("site"),
        FieldPanel("center", widget=LeafletWidget()),
        FieldPanel("default_zoom"),
        FieldPanel("timezone"),
        FieldPanel("contact_email"),
        FieldPanel("contact_phone"),
        FieldPanel("contact_address"),
    ]


class DepartmentViewSet(ModelViewSet):
    model = Department
    icon = "group"
    menu_label = _("Departments")
    list_display = ["name_ja", "name_en", "code", "municipality"]
    list_filter = ["municipality"]
    form_fields = ["municipality", "code", "name_ja", "name_en", "email"]


class MembershipSaveMixin:
    """Memberships change through the service, so the user's admin groups always follow their roles."""

    def save_instance(self) -> StaffMembership:
        data = self.form.cleaned_data  # type: ignore[attr-defined]
        return staff_membership_set(
            user=data["user"],
            municipality=data["municipality"],
            role=Role(data["role"]),
            department=data["department"],
        )

    def form_valid(self, form):
        try:
            return super().form_valid(form)  # type: ignore[misc]
        except ServiceError as error:
            self.produced_error_message = error.message
            return self.form_invalid(form)  # type: ignore[attr-defined]


class MembershipCreateView(MembershipSaveMixin, CreateView):
    pass


class MembershipEditView(MembershipSaveMixin, EditView):
    pass


class MembershipDeleteView(DeleteView):
    def delete_action(self) -> None:
        staff_membership_remove(membership=self.object)


class StaffMembershipViewSet(ModelViewSet):
    model = StaffMembership
    icon = "user"
    menu_label = _("Staff")
    list_display = ["user", "municipality", "department", "role"]
    list_filter = ["municipality", "role"]
    form_fields = ["user", "municipality", "role", "department"]
    add_view_class = MembershipCreateView
    edit_view_class = MembershipEditView
    delete_view_class = MembershipDeleteView


class TenancyGroup(ModelViewSetGroup):
    menu_label = _("Municipality")
    menu_icon = "site"
    menu_order = 900
    items = (MunicipalityViewSet, DepartmentViewSet, StaffMembershipViewSet)


@hooks.register("register_admin_viewset")
def register_tenancy_viewsets() -> TenancyGroup:
    return TenancyGroup()


class SuperuserMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        user = request.user
        return isinstance(user, User) and user.is_superuser


@hooks.register("register_settings_menu_item")
def register_background_jobs_menu_item() -> MenuItem:
    return SuperuserMenuItem(
        _("Background jobs"),
        reverse("admin:django_tasks_database_dbtaskresult_changelist"),
        icon_name="cogs",
        order=900,
    )
