"""Template helpers for the report pages: accessible field widgets and category icons."""

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

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
