"""Wagtail admin for facilitators: their town's consultations, and the pages that run each one's lotteries."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, FieldRowPanel, InlinePanel, MultiFieldPanel, ObjectList
from wagtail.admin.ui.tables import Column, TitleColumn
from wagtail.admin.views.generic.models import CreateView, DeleteView, EditView, IndexView
from wagtail.admin.viewsets.model import ModelViewSet

from civic.errors import ServiceError
from civic.models import Municipality
from civic.roles import Role
from consultations import admin_views, live_admin
from consultations.models import Consultation
from consultations.selectors import managed_consultations
from consultations.services.consultations import consultation_delete_check, consultation_save


def managed_towns(user: Any) -> QuerySet[Municipality]:
    if getattr(user, "is_superuser", False):
        return Municipality.objects.all()
    return Municipality.objects.filter(
        memberships__user=user, memberships__role__in=[Role.FACILITATOR, Role.SITE_ADMIN]
    ).distinct()


class ConsultationForm(WagtailAdminModelForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        towns = managed_towns(self.for_user)
        field = self.fields["municipality"]
        field.queryset = towns
        if towns.count() == 1 and not self.instance.pk:
            field.initial = towns.first()


class ScopedObjectMixin:
    request: HttpRequest

    def get_object(self, queryset: Any = None) -> Model:
        found = super().get_object(queryset)  # type: ignore[misc]
        if not managed_consultations(self.request.user).filter(pk=found.pk).exists():
            raise PermissionDenied
        return found


class ServiceSaveMixin:
    """Consultations are saved through `consultation_save`; its refusal becomes the form's message."""

    request: HttpRequest

    def save_instance(self) -> Consultation:
        instance = self.form.save(commit=False)  # type: ignore[attr-defined]
        return consultation_save(consultation=instance, by=self.request.user)

    def form_valid(self, form: Any) -> HttpResponse:
        try:
            return super().form_valid(form)  # type: ignore[misc]
        except ServiceError as error:
            self.produced_error_message = error.message
            return self.form_invalid(form)  # type: ignore[attr-defined]


class ConsultationIndexView(IndexView):
    def get_base_queryset(self) -> QuerySet[Consultation]:
        return managed_consultations(self.request.user).select_related("municipality")


class ConsultationCreateView(ServiceSaveMixin, CreateView):
    def get_success_url(self) -> str:
        return reverse("consultations_admin:overview", args=[self.object.pk])


class ConsultationEditView(ScopedObjectMixin, ServiceSaveMixin, EditView):
    pass


class ConsultationDeleteView(ScopedObjectMixin, DeleteView):
    def form_valid(self, form: Any) -> HttpResponse:
        try:
            consultation_delete_check(consultation=self.object)
        except ServiceError as refused:
            messages.error(self.request, refused.message)
            return redirect("consultations_admin:overview", self.object.pk)
        return super().form_valid(form)


class ConsultationViewSet(ModelViewSet):
    model = Consultation
    icon = "group"
    menu_label = _("Consultations")
    menu_order = 250
    add_to_admin_menu = True
    url_prefix = "consultations"
    name = "consultation_settings"
    index_view_class = ConsultationIndexView
    add_view_class = ConsultationCreateView
    edit_view_class = ConsultationEditView
    delete_view_class = ConsultationDeleteView
    list_display = [
        TitleColumn(
            "title",
            label=_("title"),
            get_url=lambda obj: reverse("consultations_admin:overview", args=[obj.pk]),
        ),
        Column("status", label=_("status"), accessor="get_status_display"),
        "municipality",
        "panel_size",
    ]
    list_filter = ["status"]
    edit_handler = ObjectList(
        [
            FieldPanel("municipality"),
            FieldPanel("title"),
            FieldPanel("question"),
            FieldPanel("description"),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("invitations_target"), FieldPanel("rsvp_deadline")]),
                    FieldRowPanel([FieldPanel("stratify_by_district"), FieldPanel("one_per_household")]),
                ],
                heading=_("Invitation lottery"),
            ),
            MultiFieldPanel(
                [
                    FieldRowPanel([FieldPanel("panel_size"), FieldPanel("alternates")]),
                    FieldPanel("public_may_watch"),
                ],
                heading=_("Panel"),
            ),
            InlinePanel("sessions", heading=_("Sessions"), label=_("session")),
        ],
        base_form_class=ConsultationForm,
    )


@hooks.register("register_admin_viewset")
def register_consultation_viewset() -> ConsultationViewSet:
    return ConsultationViewSet()


@hooks.register("register_admin_urls")
def register_consultation_admin_urls() -> list[Any]:
    return [path("consultation-lottery/", include((admin_views.urlpatterns, "consultations_admin")))]


@hooks.register("register_admin_urls")
def register_live_admin_urls() -> list[Any]:
    return [path("consultation-live/", include((live_admin.urlpatterns, "consultations_live_admin")))]
