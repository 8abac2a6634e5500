"""Photos a resident has already uploaded on the web form that has not been sent yet (kept across a form error
or the "already reported nearby?" step), keyed to that form and deleted when they expire."""

from django.contrib.gis.db import models
from django.core.files.storage import Storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def _private_storage() -> Storage:
    from reports.models import private_storage

    return private_storage()


class PendingUpload(models.Model):
    """One valid photo waiting for its form to be sent; private like an original, never public."""

    municipality = models.ForeignKey("civic.Municipality", on_delete=models.CASCADE, related_name="+")
    # sha256 of the form's id: the signed token on the page proves the form, the hash finds its files.
    form_hash = models.CharField(max_length=64, db_index=True)
    # Random and unguessable: names the upload in the remove button and the thumbnail address.
    token = models.CharField(max_length=32, unique=True)
    file = models.FileField(storage=_private_storage, upload_to="reports/pending/%Y/%m/")
    original_name = models.CharField(_("file name"), max_length=200, blank=True)
    original_format = models.CharField(_("format"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("photo waiting for its report")
        verbose_name_plural = _("photos waiting for their report")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.original_name or self.token
