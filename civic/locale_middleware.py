"""Language choice: /en/… URLs are English; unprefixed page URLs follow the visitor (cookie, then
Accept-Language).

Django's own LocaleMiddleware serves every unprefixed URL in the default language when
`prefix_default_language=False`. A resident whose phone asks for English should get English pages at "/"
without a redirect, so an unprefixed Wagtail page URL is routed internally to its /en/ twin; links on that
page then carry the /en/ prefix, and the response varies on Accept-Language and the language cookie.
"""

from django.conf import settings
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.middleware.locale import LocaleMiddleware as DjangoLocaleMiddleware
from django.urls import Resolver404, resolve
from django.utils import translation
from django.utils.cache import patch_vary_headers

PAGE_VIEW = "wagtail_serve"


class LocaleMiddleware(DjangoLocaleMiddleware):
    def process_request(self, request: HttpRequest) -> None:
        language = translation.get_language_from_request(request, check_path=True)
        if (
            language != settings.LANGUAGE_CODE
            and translation.get_language_from_path(request.path_info) is None
        ):
            with translation.override(settings.LANGUAGE_CODE):
                try:
                    is_page = resolve(request.path_info).url_name == PAGE_VIEW
                except Resolver404:
                    is_page = False
            if is_page:
                request.path_info = f"/{language}{request.path_info}"
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()

    def process_response(self, request: HttpRequest, response: HttpResponseBase) -> HttpResponseBase:
        response = super().process_response(request, response)
        if translation.get_language_from_path(request.path) is None:
            patch_vary_headers(response, ("Accept-Language", "Cookie"))
        return response
