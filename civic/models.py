"""Tenancy: a municipality bound to a Wagtail site, its departments, and the staff who work for it."""

import zoneinfo

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from civic.roles import Role


def validate_timezone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Bilingual(models.Model):
    """A name kept in Japanese and English; `name` answers in the active language."""

    name_ja = models.CharField(_("name (Japanese)"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)

    class Meta:
        abstract = True

    @property
    def name(self) -> str:
        if (get_language() or "ja").startswith("en") and self.name_en:
            return self.name_en
        return self.name_ja

    def __str__(self) -> str:
        return self.name


class Municipality(Bilingual):
    site = models.OneToOneField(
        "wagtailcore.Site", on_delete=models.PROTECT, related_name="municipality", verbose_name=_("site")
    )
    slug = models.SlugField(_("slug"), unique=True)
    center = models.PointField(_("map centre"), srid=4326)
    default_zoom = models.PositiveSmallIntegerField(
        _("default map zoom"), default=13, validators=[MinValueValidator(1), MaxValueValidator(19)]
    )
    boundary = models.MultiPolygonField(
        _("boundary"), srid=4326, null=True, blank=True, help_text=_("Reports must lie inside it.")
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Tokyo", validators=[validate_timezone]
    )
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact telephone"), max_length=40, blank=True)
    contact_address = models.TextField(_("contact address"), blank=True)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["slug"]


class Department(Bilingual):
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="departments", verbose_name=_("municipality")
    )
    code = models.SlugField(_("code"))
    email = models.EmailField(_("e-mail"), blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["municipality", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="department_code_unique_per_town")
        ]


class StaffMembership(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    municipality = models.ForeignKey(
        Municipality, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("municipality")
    )
    department = models.ForeignKey(
        Department,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
        verbose_name=_("department"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)

    class Meta:
        verbose_name = _("staff membership")
        verbose_name_plural = _("staff memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "municipality"], name="one_membership_per_town"),
            models.CheckConstraint(
                condition=~models.Q(role=Role.DEPARTMENT_STAFF) | models.Q(department__isnull=False),
                name="department_staff_have_department",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.municipality} ({self.get_role_display()})"


# The LINE integration's models live beside their code; importing them here registers them with the app.
from civic.line.models import LineChannel, LineEvent, LineFollower  # noqa: E402

__all__ = ["Department", "LineChannel", "LineEvent", "LineFollower", "Municipality", "StaffMembership"]
