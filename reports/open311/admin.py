"""The Wagtail admin of Open311 clients: a list, a form that makes a client through the service and shows its
key once, and an edit form whose "active" box revokes the key. reports.wagtail_hooks mixes this into its
town-scoped snippet view set."""

from typing import Any

from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel, ObjectList, Panel
from wagtail.snippets.views.snippets import CreateView

from civic.errors import ServiceError
from reports.open311.clients import open311_client_create
from reports.open311_models import Open311Client


class ClientCreateView(CreateView):
    """Makes the client with `open311_client_create` and answers with its key, which is never shown again."""

    def form_valid(self, form: Any) -> HttpResponse:
        data = form.cleaned_data
        try:
            client, key = open311_client_create(
                municipality=data["municipality"],
                name=data["name"],
                posts_per_hour=data.get("posts_per_hour"),
            )
        except ServiceError as refused:
            form.add_error(None, refused.message)
            return self.form_invalid(form)
        response = TemplateResponse(
            self.request,
            "reports/open311/client_key.html",
            {"client": client, "key": key, "index_url": reverse(self.index_url_name)},
        )
        response["Cache-Control"] = "no-store"  # the key must not stay in any cache
        return response


class Open311ClientAdmin:
    """What the view set of Open311 clients shows; `base_form_class` limits the towns offered."""

    model = Open311Client
    icon = "link"
    menu_label = _("Open311 clients")
    add_view_class = ClientCreateView
    list_display = ["name", "municipality", "is_active", "posts_per_hour", "created_at", "last_used_at"]
    list_filter = ["is_active"]
    search_fields = ["name"]
    base_form_class: Any = None

    def get_edit_handler(self) -> Panel:
        return ObjectList(
            [
                FieldPanel("name"),
                FieldPanel("posts_per_hour"),
                FieldPanel(
                    "is_active", help_text=_("Untick to revoke the key: its requests are refused at once.")
                ),
            ],
            base_form_class=self.base_form_class,
        ).bind_to_model(self.model)

    def get_add_view_kwargs(self, **kwargs: Any) -> dict[str, Any]:
        panel = ObjectList(
            [FieldPanel("municipality"), FieldPanel("name"), FieldPanel("posts_per_hour")],
            base_form_class=self.base_form_class,
        ).bind_to_model(self.model)
        return super().get_add_view_kwargs(  # type: ignore[misc]
            **{"panel": panel, "form_class": panel.get_form_class(), **kwargs}
        )
