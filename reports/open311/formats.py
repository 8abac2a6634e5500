"""Open311 answers as Python structures, and their JSON and XML forms (element names per GeoReport v2)."""

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

from django.http import HttpResponse

FORMATS = ("json", "xml")
# The XML element of each item in a list, by the list's root element.
ITEM = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
}


def w3_datetime(moment: datetime | None, zone: Any) -> str | None:
    """ISO 8601 with the offset, to the second (the spec's "w3" format), in the town's time zone."""
    if moment is None:
        return None
    return moment.astimezone(zone).replace(microsecond=0).isoformat()


def _xml_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _xml(name: str, value: Any) -> str:
    if isinstance(value, Mapping):
        inner = "".join(_xml(key, item) for key, item in value.items())
        return f"<{name}>{inner}</{name}>"
    if isinstance(value, Sequence) and not isinstance(value, str):
        item = ITEM.get(name, "item")
        return f"<{name}>{''.join(_xml(item, entry) for entry in value)}</{name}>"
    return f"<{name}>{_xml_value(value)}</{name}>"


def to_xml(root: str, body: Any) -> str:
    return '<?xml version="1.0" encoding="utf-8"?>' + _xml(root, body)


def respond(body: Any, *, root: str, fmt: str, status: int = 200) -> HttpResponse:
    """`body` (a list or an object) as JSON, or as XML under `root`."""
    if fmt == "xml":
        return HttpResponse(to_xml(root, body), content_type="text/xml; charset=utf-8", status=status)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/json; charset=utf-8", status=status
    )


def error(description: str, *, status: int, fmt: str) -> HttpResponse:
    """The spec's error list: `[{"code": 400, "description": "..."}]` or `<errors><error>...`."""
    return respond(
        [{"code": status, "description": description}],
        root="errors",
        fmt=fmt if fmt in FORMATS else "json",
        status=status,
    )
