"""Template context shared by every public page."""

from typing import Any

from django.http import HttpRequest

from civic.tenancy import municipality_for_request


def municipality(request: HttpRequest) -> dict[str, Any]:
    found = getattr(request, "municipality", None)
    if found is None:
        found = municipality_for_request(request)
    # A lazy object wrapping None is truthy; unwrap it so templates can test {% if municipality %}.
    return {"municipality": found if found else None}
