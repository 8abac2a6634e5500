"""A municipality's LINE channel, the webhook events it received (stored before processing), and followers."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LineChannel(models.Model):
    municipality = models.OneToOneField(
        "civic.Municipality",
        on_delete=models.CASCADE,
        related_name="line_channel",
        verbose_name=_("municipality"),
    )
    channel_secret = models.CharField(_("channel secret"), max_length=128)
    access_token = models.TextField(_("channel access token"))
    api_base = models.URLField(
        _("API base URL"),
        blank=True,
        help_text=_("Leave empty for LINE's servers; a local simulator's URL for development."),
    )
    enabled = models.BooleanField(_("enabled"), default=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("LINE channel")
        verbose_name_plural = _("LINE channels")

    def __str__(self) -> str:
        return f"LINE: {self.municipality}"


class LineEvent(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        PROCESSED = "processed", _("processed")
        FAILED = "failed", _("failed")

    channel = models.ForeignKey(LineChannel, on_delete=models.CASCADE, related_name="events")
    webhook_event_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=32)
    user_id = models.CharField(max_length=64, blank=True)
    timestamp_ms = models.BigIntegerField()
    is_redelivery = models.BooleanField(default=False)
    payload = models.JSONField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    received_at = models.DateTimeField(auto_now_add=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        verbose_name = _("LINE event")
        verbose_name_plural = _("LINE events")
        indexes = [models.Index(fields=["channel", "user_id", "status", "timestamp_ms"])]

    def __str__(self) -> str:
        return f"{self.event_type} {self.webhook_event_id}"


class LineFollower(models.Model):
    """A LINE user who talks to a municipality's account; personal data, never public."""

    channel = models.ForeignKey(LineChannel, on_delete=models.CASCADE, related_name="followers")
    user_id = models.CharField(max_length=64)
    language = models.CharField(max_length=16, default="ja")
    following = models.BooleanField(default=True)
    followed_at = models.DateTimeField(null=True, blank=True)
    unfollowed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("LINE follower")
        verbose_name_plural = _("LINE followers")
        constraints = [
            models.UniqueConstraint(fields=["channel", "user_id"], name="one_follower_per_channel")
        ]

    def __str__(self) -> str:
        return self.user_id
