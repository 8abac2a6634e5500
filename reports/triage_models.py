"""Models of the staff triage board: reusable response templates per category and saved board filters."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from civic.models import Municipality


class ResponseTemplate(models.Model):
    """A reusable public update or closing message, offered on the board for reports of its category."""

    municipality = models.ForeignKey(
        Municipality,
        on_delete=models.CASCADE,
        related_name="response_templates",
        verbose_name=_("municipality"),
    )
    category = models.ForeignKey(
        "reports.Category",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="response_templates",
        verbose_name=_("category"),
        help_text=_("Leave empty to offer it for every category."),
    )
    title = models.CharField(pgettext_lazy("subject", "title"), max_length=100)
    body = models.TextField(_("message"), max_length=2000)

    class Meta:
        verbose_name = _("response template")
        verbose_name_plural = _("response templates")
        ordering = ["municipality", "category", "title"]

    def __str__(self) -> str:
        return self.title


class SavedFilter(models.Model):
    """A staff member's named board filter (the board's query string)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="+", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=80)
    query = models.CharField(_("filter"), max_length=1000)

    class Meta:
        verbose_name = _("saved filter")
        verbose_name_plural = _("saved filters")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality", "name"], name="saved_filter_name_unique")
        ]

    def __str__(self) -> str:
        return self.name
