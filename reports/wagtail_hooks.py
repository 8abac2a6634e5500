"""Wagtail admin for site administrators: report categories, areas and routing rules of their municipality.

Staff see and edit only their own towns' rows (superusers see all); the choices in each form are limited the
same way. Area boundaries usually come from `manage.py import_areas`; the map widget here is for touch-ups.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from leaflet.forms.widgets import LeafletWidget
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, FieldRowPanel, ObjectList
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import DeleteView, EditView, SnippetViewSet, SnippetViewSetGroup

from civic.models import Department, Municipality
from civic.tenancy import municipalities_for_user
from reports.models import Area, Category, ResponseTemplate, RoutingRule
from reports.open311.admin import Open311ClientAdmin
from reports.triage.access import board_municipality
from reports.triage.views import urlpatterns as triage_urlpatterns


def own_towns(user: Any) -> QuerySet[Municipality]:
    return municipalities_for_user(user)


class TownScopedForm(WagtailAdminModelForm):
    """Limits every municipality-owned choice to the towns the editing user works for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        towns = own_towns(self.for_user)
        choices = {
            "municipality": towns,
            "department": Department.objects.filter(municipality__in=towns),
            "category": Category.objects.filter(municipality__in=towns),
            "area": Area.objects.filter(municipality__in=towns).defer("boundary"),
            "parent": Area.objects.filter(municipality__in=towns).defer("boundary"),
        }
        for name, queryset in choices.items():
            if name in self.fields:
                self.fields[name].queryset = queryset
        if "municipality" in self.fields and towns.count() == 1 and not self.instance.pk:
            self.fields["municipality"].initial = towns.first()


class TownScopedObjectMixin:
    """Answers 403 for another town's object reached by its URL."""

    request: HttpRequest

    def get_object(self, queryset: Any = None) -> Model:
        found = super().get_object(queryset)  # type: ignore[misc]
        if not own_towns(self.request.user).filter(pk=found.municipality_id).exists():
            raise PermissionDenied
        return found


class ScopedEditView(TownScopedObjectMixin, EditView):
    pass


class ScopedDeleteView(TownScopedObjectMixin, DeleteView):
    pass


class TownScopedViewSet(SnippetViewSet):
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return self.model.objects.filter(municipality__in=own_towns(request.user))


class CategoryViewSet(TownScopedViewSet):
    model = Category
    icon = "tag"
    menu_label = _("Categories")
    list_display = ["name_ja", "name_en", "code", "department", "icon", "is_active", "sort_order"]
    list_filter = ["is_active"]
    search_fields = ["name_ja", "name_en", "code"]
    edit_handler = ObjectList(
        [
            FieldPanel("municipality"),
            FieldRowPanel([FieldPanel("name_ja"), FieldPanel("name_en")]),
            FieldRowPanel([FieldPanel("code"), FieldPanel("icon")]),
            FieldPanel("department"),
            FieldRowPanel([FieldPanel("hint_ja"), FieldPanel("hint_en")]),
            FieldRowPanel([FieldPanel("is_active"), FieldPanel("sort_order")]),
            FieldRowPanel([FieldPanel("default_priority"), FieldPanel("target_hours")]),
            FieldPanel("auto_reply_ja"),
            FieldPanel("auto_reply_en"),
        ],
        base_form_class=TownScopedForm,
    )


class AreaViewSet(TownScopedViewSet):
    model = Area
    icon = "site"
    menu_label = _("Areas")
    list_display = ["name_ja", "name_en", "code", "parent"]
    search_fields = ["name_ja", "name_en", "code"]
    edit_handler = ObjectList(
        [
            FieldPanel("municipality"),
            FieldRowPanel([FieldPanel("name_ja"), FieldPanel("name_en")]),
            FieldRowPanel([FieldPanel("code"), FieldPanel("parent")]),
            FieldPanel("boundary", widget=LeafletWidget()),
        ],
        base_form_class=TownScopedForm,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).defer("boundary")


class RoutingRuleViewSet(TownScopedViewSet):
    model = RoutingRule
    icon = "resubmit"
    menu_label = _("Routing rules")
    list_display = ["category", "area", "department"]
    edit_handler = ObjectList(
        [FieldPanel("municipality"), FieldPanel("category"), FieldPanel("area"), FieldPanel("department")],
        base_form_class=TownScopedForm,
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return (
            super()
            .get_queryset(request)
            .select_related("category", "area", "department")
            .defer("area__boundary")
        )


class ResponseTemplateViewSet(TownScopedViewSet):
    model = ResponseTemplate
    icon = "doc-full"
    menu_label = _("Response templates")
    list_display = ["title", "category"]
    search_fields = ["title", "body"]
    edit_handler = ObjectList(
        [FieldPanel("municipality"), FieldPanel("category"), FieldPanel("title"), FieldPanel("body")],
        base_form_class=TownScopedForm,
    )


class Open311ClientViewSet(Open311ClientAdmin, TownScopedViewSet):
    base_form_class = TownScopedForm


class ReportsSettingsGroup(SnippetViewSetGroup):
    items = (CategoryViewSet, AreaViewSet, RoutingRuleViewSet, ResponseTemplateViewSet, Open311ClientViewSet)
    menu_icon = "warning"
    menu_label = _("Report settings")
    menu_name = "report-settings"


register_snippet(ReportsSettingsGroup)


# The staff triage board (issue #6): /admin/triage/, its dashboard, and a menu item for board roles.
@hooks.register("register_admin_urls")
def register_triage_urls() -> list[Any]:
    return [path("triage/", include((triage_urlpatterns, "triage")))]


class TriageMenuItem(MenuItem):
    def is_shown(self, request: HttpRequest) -> bool:
        return board_municipality(request.user, current=getattr(request, "municipality", None)) is not None


@hooks.register("register_admin_menu_item")
def register_triage_menu_item() -> MenuItem:
    return TriageMenuItem(_("Triage board"), reverse("triage:board"), icon_name="warning", order=150)
