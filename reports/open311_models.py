"""Open311 API clients: one key per client system (a road department's asset system, a civic-tech app), stored
hashed; the key itself is shown once, when `manage.py open311_client_create` or the admin makes it. Each
client may post a limited number of requests an hour (reports.open311.clients)."""

from django.contrib.gis.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from civic.models import Municipality


class Open311Client(models.Model):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="open311_clients", verbose_name=_("municipality")
    )
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(_("key (hashed)"), max_length=64, unique=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    posts_per_hour = models.PositiveIntegerField(
        _("requests per hour"),
        null=True,
        blank=True,
        help_text=_("How many service requests this client may post in an hour. Empty: the site's default."),
    )

    class Meta:
        verbose_name = _("Open311 client")
        verbose_name_plural = _("Open311 clients")
        ordering = ["municipality", "name"]

    def __str__(self) -> str:
        return self.name
