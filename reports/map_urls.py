"""Routes of issue #4, spliced in front of reports/urls.py's (so /reports/open-data/ is not taken for a
report reference): the public map and its tiles, open data, Open311 GeoReport v2, and the OpenAPI schema."""

from django.urls import path, register_converter

from reports import map_views, open_data, openapi
from reports.open311 import views as open311


class SignedIntConverter:
    """Tile coordinates, negative ones included, so an impossible z/x/y gets a 400 rather than a 404."""

    regex = r"-?\d{1,10}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(SignedIntConverter, "signed")

urlpatterns = [
    path("reports/", map_views.report_map, name="map"),
    path("reports/tiles/<signed:z>/<signed:x>/<signed:y>.pbf", map_views.report_tile, name="tile"),
    path("reports/open-data/", open_data.open_data_index, name="open-data"),
    path("reports/open-data/<str:name>", open_data.open_data_file, name="open-data-file"),
    path("api/schema/", openapi.openapi_schema, name="api-schema"),
    path("open311/v2/services.<str:fmt>", open311.services, name="open311-services"),
    path("open311/v2/services/<str:code>.<str:fmt>", open311.service_definition, name="open311-service"),
    path("open311/v2/requests.<str:fmt>", open311.requests, name="open311-requests"),
    path("open311/v2/requests/<str:reference>.<str:fmt>", open311.request_detail, name="open311-request"),
    path("open311/v2/tokens/<str:token>.<str:fmt>", open311.token, name="open311-token"),
]
