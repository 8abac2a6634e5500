"""The OpenAPI schema at /api/schema/: well formed, every route of the public JSON API (reports.api)
described, and real responses
of every operation matching their schemas (checked by a small validator of the subset the schema uses)."""

import json

import pytest

from reports.services import report_create
from tests.reports.conftest import Town

pytestmark = pytest.mark.django_db

TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "integer": int,
    "number": (int, float),
    "boolean": bool,
    "null": type(None),
}


def validate(value, schema, root, path="$"):
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return validate(value, root["components"]["schemas"][name], root, path)
    for part in schema.get("allOf", []):
        validate(value, part, root, path)
    kinds = schema.get("type")
    if kinds:
        kinds = kinds if isinstance(kinds, list) else [kinds]
        ok = any(
            isinstance(value, TYPES[k]) and not (k in ("integer", "number") and isinstance(value, bool))
            for k in kinds
        )
        assert ok, f"{path}: {value!r} is not {kinds}"
    if "enum" in schema and schema.get("type") != "array":
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{path}: missing {key}"
        for key, item in value.items():
            if key in schema.get("properties", {}):
                validate(item, schema["properties"][key], root, f"{path}.{key}")
            elif isinstance(schema.get("additionalProperties"), dict):
                validate(item, schema["additionalProperties"], root, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            validate(item, schema["items"], root, f"{path}[{i}]")


@pytest.fixture
def town():
    return Town()


@pytest.fixture
def schema(client, town):
    response = client.get("/api/schema/", HTTP_HOST=town.host)
    assert response.status_code == 200
    return response.json()


def response_schema(schema, path, method, status):
    return schema["paths"][path][method]["responses"][str(status)]["content"]["application/json"]["schema"]


def check(schema, path, method, response):
    validate(response.json(), response_schema(schema, path, method, response.status_code), schema)


def test_schema_is_openapi_31_and_every_api_route_is_described(schema):
    assert schema["openapi"] == "3.1.0"
    assert schema["servers"][0]["url"].startswith("http://")
    from reports import urls

    routes = set()
    for pattern in urls.urlpatterns:
        route = str(pattern.pattern)
        if route.startswith("api/v1/") and pattern.callback.__module__ == "reports.api":
            routes.add("/" + route.replace("<str:reference>", "{reference}"))
    routes.add("/api/v1/municipality/")
    assert routes == set(schema["paths"])
    json.dumps(schema)  # serialisable
    for item in schema["paths"].values():
        for operation in item.values():
            assert operation["operationId"] and operation["responses"]


def test_real_responses_match_the_schema(client, town, schema):
    report = report_create(
        municipality=town.municipality, category=town.pothole, description="穴", point=town.point()
    )
    host = {"HTTP_HOST": town.host}
    check(schema, "/api/v1/municipality/", "get", client.get("/api/v1/municipality/", **host))
    check(schema, "/api/v1/categories/", "get", client.get("/api/v1/categories/", **host))
    detail = client.get(f"/api/v1/reports/{report.reference}/", **host)
    check(schema, "/api/v1/reports/{reference}/", "get", detail)
    missing = client.get("/api/v1/reports/R-NOPE/", **host)
    assert missing.status_code == 404
    check(schema, "/api/v1/reports/{reference}/", "get", missing)
    lat, lng = town.point().y, town.point().x
    nearby = client.get("/api/v1/reports/nearby/", {"lat": lat, "lng": lng}, **host)
    check(schema, "/api/v1/reports/nearby/", "get", nearby)
    assert nearby.json()["results"]
    bad = client.get("/api/v1/reports/nearby/", {"lat": "x"}, **host)
    check(schema, "/api/v1/reports/nearby/", "get", bad)
    created = client.post(
        "/api/v1/reports/",
        json.dumps({"category": "pothole", "description": "また穴", "lat": lat, "lng": lng}),
        content_type="application/json",
        **host,
    )
    assert created.status_code == 201
    check(schema, "/api/v1/reports/", "post", created)
    refused = client.post(
        "/api/v1/reports/", json.dumps({"category": "nope"}), content_type="application/json", **host
    )
    check(schema, "/api/v1/reports/", "post", refused)
    supported = client.post(
        f"/api/v1/reports/{report.reference}/support/",
        json.dumps({"email": "a@example.jp"}),
        content_type="application/json",
        **host,
    )
    check(schema, "/api/v1/reports/{reference}/support/", "post", supported)
    hint = client.post("/api/v1/photos/hint/", {}, **host)
    check(schema, "/api/v1/photos/hint/", "post", hint)
