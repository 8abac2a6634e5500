"""URL routes: the apps' views, the Wagtail admin, and Wagtail's page tree (with /en/ for English pages)."""

from django.conf import settings
from django.conf.urls.i18n import i18n_patterns
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.documents import urls as wagtaildocs_urls

from civic import api
from civic.line import views as line_views
from cms import views as cms_views

urlpatterns = [
    path("django-admin/", admin.site.urls),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/municipality/", api.municipality_detail, name="api-municipality"),
    path("line/<slug:slug>/webhook", line_views.webhook, name="line-webhook"),
    path("search/", cms_views.search, name="search"),
    path("", include("reports.urls")),
    path("", include("consultations.urls")),
]

if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

urlpatterns += i18n_patterns(path("", include(wagtail_urls)), prefix_default_language=False)
