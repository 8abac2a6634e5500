"""The OpenAPI 3.1 description of the public JSON API (/api/v1/...), served at /api/schema/.

Written by hand (the API is plain Django views, not DRF) and kept honest by tests/reports/test_openapi.py,
which checks real responses of every operation against these schemas.
"""

from typing import Any

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

VERSION = "1.0.0"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str) -> list[str]:
    return [kind, "null"]


STRING = {"type": "string"}
DATETIME = {"type": "string", "format": "date-time"}
LNG_LAT = {
    "type": _nullable("array"),
    "items": {"type": "number"},
    "minItems": 2,
    "maxItems": 2,
    "description": "[longitude, latitude] in WGS 84, as in GeoJSON",
}

SCHEMAS: dict[str, Any] = {
    "Errors": {
        "type": "object",
        "required": ["errors"],
        "properties": {
            "errors": {
                "type": "object",
                "description": 'Messages by field; "__all__" is about the whole request.',
                "additionalProperties": {"type": "array", "items": STRING},
            }
        },
    },
    "Question": {
        "type": "object",
        "required": ["name", "key", "type", "title", "required", "enum"],
        "properties": {
            "name": STRING,
            "key": STRING,
            "type": {"type": "string", "enum": ["string", "integer", "number", "boolean"]},
            "title": STRING,
            "required": {"type": "boolean"},
            "enum": {"type": "array"},
        },
    },
    "Category": {
        "type": "object",
        "required": ["code", "name", "name_ja", "name_en", "icon", "hint", "extra_questions", "questions"],
        "properties": {
            "code": STRING,
            "name": STRING,
            "name_ja": STRING,
            "name_en": STRING,
            "icon": STRING,
            "hint": STRING,
            "extra_questions": {"type": "object", "description": "The JSON schema of the extra questions"},
            "questions": {"type": "array", "items": _ref("Question")},
        },
    },
    "CategoryRef": {
        "type": "object",
        "required": ["code", "name", "icon"],
        "properties": {"code": STRING, "name": STRING, "icon": STRING},
    },
    "ReportSummary": {
        "type": "object",
        "required": [
            "id",
            "reference",
            "url",
            "status",
            "status_label",
            "category",
            "title",
            "description",
            "point",
            "support_count",
            "created_at",
        ],
        "properties": {
            "id": {"type": "integer"},
            "reference": STRING,
            "url": {"type": "string", "format": "uri"},
            "status": {
                "type": "string",
                "enum": ["new", "acknowledged", "in_progress", "resolved", "closed", "duplicate", "referred"],
            },
            "status_label": STRING,
            "category": _ref("CategoryRef"),
            "title": STRING,
            "description": STRING,
            "point": LNG_LAT,
            "support_count": {"type": "integer"},
            "created_at": DATETIME,
            "distance_m": {"type": "number"},
        },
    },
    "Report": {
        "allOf": [
            _ref("ReportSummary"),
            {
                "type": "object",
                "required": ["area", "is_open", "updated_at", "photos", "photos_processing", "timeline"],
                "properties": {
                    "area": {"type": _nullable("string")},
                    "is_open": {"type": "boolean"},
                    "updated_at": DATETIME,
                    "photos": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["url", "thumbnail_url", "width", "height"],
                            "properties": {
                                "url": STRING,
                                "thumbnail_url": STRING,
                                "width": {"type": "integer"},
                                "height": {"type": "integer"},
                            },
                        },
                    },
                    "photos_processing": {"type": "integer"},
                    "timeline": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["at", "kind", "title", "status", "message"],
                            "properties": {
                                "at": DATETIME,
                                "kind": STRING,
                                "title": STRING,
                                "status": STRING,
                                "message": STRING,
                            },
                        },
                    },
                },
            },
        ]
    },
    "NewReport": {
        "type": "object",
        "required": ["category", "description"],
        "properties": {
            "category": {"type": "string", "description": "A category code from /api/v1/categories/"},
            "description": {"type": "string", "maxLength": 2000},
            "title": {"type": "string", "maxLength": 120},
            "lat": {"type": "number"},
            "lng": {"type": "number"},
            "point": LNG_LAT,
            "location_text": {"type": "string", "description": "Where it is, in words (kept private)"},
            "contact_name": {"type": "string", "description": "Private"},
            "contact_email": {"type": "string", "description": "Private"},
            "contact_phone": {"type": "string", "description": "Private"},
            "extra": {"type": "object", "description": "Answers to the category's extra questions"},
        },
    },
    "Support": {
        "type": "object",
        "required": ["reference", "supported", "new", "confirmation_sent", "support_count"],
        "properties": {
            "reference": STRING,
            "supported": {"type": "boolean"},
            "new": {"type": "boolean"},
            "confirmation_sent": {
                "type": "boolean",
                "description": (
                    "Following was asked for: an e-mail asks the address's owner to confirm, then updates "
                    "come. No new e-mail goes to an address that follows the report already or has a link "
                    "for it that still works; the answer is the same, so it tells nobody who follows"
                ),
            },
            "support_count": {"type": "integer"},
        },
    },
    "PhotoHint": {
        "type": "object",
        "required": ["gps", "inside", "taken_at", "format", "width", "height"],
        "properties": {
            "gps": {
                "type": _nullable("object"),
                "properties": {"lat": {"type": "number"}, "lng": {"type": "number"}},
            },
            "inside": {"type": "boolean"},
            "taken_at": {"type": _nullable("string"), "format": "date-time"},
            "format": STRING,
            "width": {"type": "integer"},
            "height": {"type": "integer"},
        },
    },
    "Municipality": {
        "type": "object",
        "required": ["name", "name_ja", "name_en", "slug", "center", "zoom", "bbox"],
        "properties": {
            "name": STRING,
            "name_ja": STRING,
            "name_en": STRING,
            "slug": STRING,
            "center": {"type": "array", "items": {"type": "number"}},
            "zoom": {"type": "integer"},
            "bbox": {"type": _nullable("array"), "items": {"type": "number"}},
        },
    },
}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = _json(_ref("Errors"), "Refused; the messages say why")
REFERENCE = {"name": "reference", "in": "path", "required": True, "schema": STRING}

PATHS: dict[str, Any] = {
    "/api/v1/municipality/": {
        "get": {
            "operationId": "municipality",
            "summary": "The municipality that serves this hostname",
            "responses": {"200": _json(_ref("Municipality"), "The municipality")},
        }
    },
    "/api/v1/categories/": {
        "get": {
            "operationId": "categories",
            "summary": "Categories residents can report in, with their extra questions",
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["results"],
                        "properties": {"results": {"type": "array", "items": _ref("Category")}},
                    },
                    "The categories",
                )
            },
        }
    },
    "/api/v1/reports/": {
        "post": {
            "operationId": "reportCreate",
            "summary": "Send a report",
            "parameters": [
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": False,
                    "schema": {"type": "string", "maxLength": 255},
                    "description": "A repeat with the same key and content returns the first report (200)",
                }
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": _ref("NewReport")},
                    "multipart/form-data": {
                        "schema": {
                            "allOf": [
                                _ref("NewReport"),
                                {
                                    "type": "object",
                                    "properties": {
                                        "photos": {
                                            "type": "array",
                                            "items": {"type": "string", "format": "binary"},
                                        }
                                    },
                                },
                            ]
                        }
                    },
                },
            },
            "responses": {
                "201": _json(_ref("Report"), "Created; Location is the report's page"),
                "200": _json(_ref("Report"), "An idempotent replay"),
                "400": ERRORS,
                "403": ERRORS,
                "422": ERRORS,
                "429": ERRORS,
            },
        }
    },
    "/api/v1/reports/nearby/": {
        "get": {
            "operationId": "reportsNearby",
            "summary": "Open reports near a place",
            "parameters": [
                {"name": "lat", "in": "query", "required": True, "schema": {"type": "number"}},
                {"name": "lng", "in": "query", "required": True, "schema": {"type": "number"}},
                {"name": "radius", "in": "query", "schema": {"type": "number", "maximum": 200}},
                {"name": "category", "in": "query", "schema": STRING},
            ],
            "responses": {
                "200": _json(
                    {
                        "type": "object",
                        "required": ["radius_m", "results"],
                        "properties": {
                            "radius_m": {"type": "number"},
                            "results": {"type": "array", "items": _ref("ReportSummary")},
                        },
                    },
                    "Open reports, nearest first",
                ),
                "400": ERRORS,
            },
        }
    },
    "/api/v1/reports/{reference}/": {
        "get": {
            "operationId": "reportDetail",
            "summary": "A public report",
            "parameters": [REFERENCE],
            "responses": {"200": _json(_ref("Report"), "The report"), "404": ERRORS},
        }
    },
    "/api/v1/reports/{reference}/support/": {
        "post": {
            "operationId": "reportSupport",
            "summary": "'Me too': support a report (once per e-mail address or browser)",
            "parameters": [REFERENCE],
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "properties": {
                                "email": {"type": "string", "description": "Private"},
                                "follow": {
                                    "type": "boolean",
                                    "description": "E-mail this address about its progress",
                                },
                            },
                        }
                    }
                }
            },
            "responses": {
                "200": _json(_ref("Support"), "Supported"),
                "400": ERRORS,
                "404": ERRORS,
                "409": ERRORS,
            },
        }
    },
    "/api/v1/photos/hint/": {
        "post": {
            "operationId": "photoHint",
            "summary": "Where and when a photo was taken (nothing is stored)",
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["photo"],
                            "properties": {"photo": {"type": "string", "format": "binary"}},
                        }
                    }
                },
            },
            "responses": {"200": _json(_ref("PhotoHint"), "The hint"), "400": ERRORS, "429": ERRORS},
        }
    },
}


def schema(server_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Civic reports API",
            "version": VERSION,
            "description": (
                "Public JSON API of Civic: report town problems and read public reports. Answers carry "
                "public fields only. Other systems may also use the Open311 GeoReport v2 API at /open311/v2/."
            ),
        },
        "servers": [{"url": server_url}],
        "paths": PATHS,
        "components": {"schemas": SCHEMAS},
    }


@require_GET
def openapi_schema(request: HttpRequest) -> JsonResponse:
    return JsonResponse(schema(request.build_absolute_uri("/").rstrip("/")), json_dumps_params={"indent": 1})
