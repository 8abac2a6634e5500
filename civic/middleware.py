"""Puts the municipality of the request's site on `request.municipality` (looked up once, when first used)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.functional import SimpleLazyObject

from civic.tenancy import municipality_for_request


class MunicipalityMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.municipality = SimpleLazyObject(lambda: municipality_for_request(request))  # type: ignore[attr-defined]
        return self.get_response(request)
