"""Public JSON endpoints about the municipality that serves the request."""

from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from civic.tenancy import municipality_for_request


@require_GET
def municipality_detail(request: HttpRequest) -> JsonResponse:
    municipality = municipality_for_request(request)
    if municipality is None:
        raise Http404
    bbox = list(municipality.boundary.extent) if municipality.boundary else None
    return JsonResponse(
        {
            "name": municipality.name,
            "name_ja": municipality.name_ja,
            "name_en": municipality.name_en,
            "slug": municipality.slug,
            "center": [municipality.center.x, municipality.center.y],
            "zoom": municipality.default_zoom,
            "bbox": bbox,
        }
    )
