"""Template tags for CMS pages: the town's consultations that are open to the public."""

from typing import Any

from django import template

from consultations.models import Consultation, ConsultationPage

register = template.Library()

PUBLIC_STATUSES = [
    Consultation.Status.RECRUITING,
    Consultation.Status.SELECTING,
    Consultation.Status.LIVE,
    Consultation.Status.CLOSED,
    Consultation.Status.REPORTED,
]


@register.inclusion_tag("consultations/includes/open_consultations.html", takes_context=True)
def open_consultations(context: dict[str, Any], limit: int = 3) -> dict[str, Any]:
    """`{% open_consultations %}`: the latest published consultation pages of the request's municipality."""
    municipality = context.get("municipality")
    pages = ConsultationPage.objects.none()
    if municipality:
        pages = (
            ConsultationPage.objects.live()
            .public()
            .filter(consultation__municipality=municipality, consultation__status__in=PUBLIC_STATUSES)
            .select_related("consultation")
            .order_by("-first_published_at")[:limit]
        )
    return {"consultation_pages": list(pages)}
