"""Wagtail admin for the shared models: municipalities, departments, staff memberships, background jobs."""

from django import forms
from django.contrib.auth.models import User
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.views.generic.models import CreateView, DeleteView, EditView
from wagtail.admin.viewsets.model import ModelViewSet, ModelViewSetGroup

from civic.errors import ServiceError
from civic.line.services import line_channel_set
from civic.models import Department, LineChannel, Municipality, StaffMembership
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


class ServiceFormMixin:
    """Admin create/edit views whose `save_instance` calls a service; its refusal becomes a form message."""

    def form_valid(self, form):
        try:
            return super().form_valid(form)  # type: ignore[misc]
        except ServiceError as error:
            self.produced_error_message = error.message
            return self.form_invalid(form)  # type: ignore[attr-defined]


class MembershipSaveMixin(ServiceFormMixin):
    """Memberships change through the service, so the user's admin groups always follow their roles."""

    def save_instance(self) -> StaffMembership:
        data = self.form.cleaned_data  # type: ignore[attr-defined]
        return staff_membership_set(
            user=data["user"],
            municipality=data["municipality"],
            role=Role(data["role"]),
            department=data["department"],
        )


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


class SecretInput(forms.PasswordInput):
    """Secrets are written, never shown back: the field is empty on every edit."""

    def __init__(self) -> None:
        super().__init__(render_value=False, attrs={"autocomplete": "off"})


class LineChannelForm(WagtailAdminModelForm):
    channel_secret = forms.CharField(
        label=_("channel secret"),
        widget=SecretInput(),
        required=False,
        help_text=_("Leave empty to keep it."),
    )
    access_token = forms.CharField(
        label=_("channel access token"),
        widget=SecretInput(),
        required=False,
        help_text=_("Leave empty to keep it."),
    )

    class Meta:
        model = LineChannel
        fields = ["municipality", "channel_secret", "access_token", "api_base", "enabled"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        for name in ("channel_secret", "access_token"):
            data[name] = data.get(name) or getattr(self.instance, name, "")
            if not data[name]:
                self.add_error(name, _("This field is required."))
        return data


class LineChannelSaveMixin(ServiceFormMixin):
    def save_instance(self) -> LineChannel:
        data = self.form.cleaned_data  # type: ignore[attr-defined]
        return line_channel_set(
            municipality=data["municipality"],
            channel_secret=data["channel_secret"],
            access_token=data["access_token"],
            api_base=data["api_base"],
            enabled=data["enabled"],
        )


class LineChannelCreateView(LineChannelSaveMixin, CreateView):
    pass


class LineChannelEditView(LineChannelSaveMixin, EditView):
    pass


class LineChannelViewSet(ModelViewSet):
    model = LineChannel
    icon = "mail"
    menu_label = _("LINE channels")
    list_display = ["municipality", "api_base", "enabled", "updated_at"]
    form_fields = ["municipality", "channel_secret", "access_token", "api_base", "enabled"]
    add_view_class = LineChannelCreateView
    edit_view_class = LineChannelEditView

    def get_form_class(self, for_update: bool = False) -> type[LineChannelForm]:
        return LineChannelForm


class TenancyGroup(ModelViewSetGroup):
    menu_label = _("Municipality")
    menu_icon = "site"
    menu_order = 900
    items = (MunicipalityViewSet, DepartmentViewSet, StaffMembershipViewSet, LineChannelViewSet)


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
