"""Template helpers for the report pages (accessible field widgets) and the home page's recent reports."""

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from reports.selectors import recent_public_reports

register = template.Library()


@register.simple_tag
def field_widget(field: BoundField, *extra_ids: str) -> SafeString:
    """The field's input, described by its help text, its errors and `extra_ids`, and marked invalid."""
    described = []
    if field.help_text:
        described.append(f"{field.auto_id}-help")
    if field.errors:
        described.append(f"{field.auto_id}-error")
    described.extend(ident for ident in extra_ids if ident)
    attrs: dict[str, str | bool] = {}
    if described:
        attrs["aria-describedby"] = " ".join(described)
    if field.errors or "location-error" in extra_ids:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.inclusion_tag("reports/includes/recent_reports.html", takes_context=True)
def recent_reports(context: dict[str, Any], limit: int = 5) -> dict[str, Any]:
    """`{% recent_reports %}`: the request's municipality's latest public reports, linking to the map."""
    municipality = context.get("municipality")
    reports = recent_public_reports(municipality=municipality, limit=limit) if municipality else []
    return {"recent": reports}
