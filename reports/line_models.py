"""The state of a resident's report conversation with the town's LINE account (kept in the database)."""

from django.contrib.gis.db import models
from django.core.files.storage import Storage
from django.utils.translation import gettext_lazy as _


def _private_storage() -> Storage:
    from reports.models import private_storage

    return private_storage()


class LineConversation(models.Model):
    class Step(models.TextChoices):
        IDLE = "idle", _("idle")
        LOCATION = "location", _("waiting for the location")
        CATEGORY = "category", _("waiting for the category")
        OTHER_CATEGORY = "other_category", _("waiting for a category by name")
        DUPLICATES = "duplicates", _("offering nearby reports")
        DESCRIPTION = "description", _("waiting for the description")
        PHOTOS = "photos", _("waiting for more photos")
        CONFIRM = "confirm", _("waiting for confirmation")

    follower = models.OneToOneField(
        "civic.LineFollower", on_delete=models.CASCADE, related_name="report_conversation"
    )
    step = models.CharField(max_length=20, choices=Step.choices, default=Step.IDLE)
    point = models.PointField(srid=4326, null=True, blank=True)
    category = models.ForeignKey("reports.Category", on_delete=models.SET_NULL, null=True, blank=True)
    description = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("LINE report conversation")


class LineConversationPhoto(models.Model):
    """A photo sent during the conversation, fetched at once (LINE keeps content only for a while)."""

    conversation = models.ForeignKey(LineConversation, on_delete=models.CASCADE, related_name="photos")
    file = models.FileField(storage=_private_storage, upload_to="line-photos/")
    name = models.CharField(max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
