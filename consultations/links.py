"""Absolute links that leave the site (letters, e-mail, LINE): RSVP page, audit page, code form."""

from django.conf import settings
from django.urls import reverse

from civic.models import Municipality


def public_base_url(municipality: Municipality) -> str:
    """The town's public address: its Wagtail site's, or the install's base URL for the default site."""
    site = municipality.site
    if site.is_default_site and getattr(settings, "WAGTAILADMIN_BASE_URL", ""):
        return str(settings.WAGTAILADMIN_BASE_URL).rstrip("/")
    return str(site.root_url).rstrip("/")


def rsvp_url(municipality: Municipality, token: str) -> str:
    return public_base_url(municipality) + reverse("consultations:rsvp-token", kwargs={"token": token})


def code_entry_url(municipality: Municipality) -> str:
    return public_base_url(municipality) + reverse("consultations:rsvp")


def audit_url(municipality: Municipality, consultation_id: int) -> str:
    return public_base_url(municipality) + reverse("consultations:audit", kwargs={"pk": consultation_id})
