"""Routes of the reports app: resident pages under /reports/ and the JSON API under /api/v1/."""

from django.urls import path

from reports import api, map_urls, views

app_name = "reports"

urlpatterns = [
    *map_urls.urlpatterns,  # the public map, open data, Open311 and the API schema (issue #4)
    path("reports/new/", views.report_new, name="new"),
    path("reports/new/photos/<str:token>/", views.pending_photo, name="pending-photo"),
    path("reports/<str:reference>/", views.report_detail, name="detail"),
    path("reports/<str:reference>/support/", views.report_support_web, name="support"),
    path("reports/<str:reference>/follow/<str:token>/", views.report_follow_web, name="follow"),
    path("reports/<str:reference>/unfollow/<str:token>/", views.report_unfollow_web, name="unfollow"),
    path("api/v1/categories/", api.categories, name="api-categories"),
    path("api/v1/reports/", api.reports_collection, name="api-collection"),
    path("api/v1/reports/nearby/", api.reports_nearby, name="api-nearby"),
    path("api/v1/reports/<str:reference>/", api.report_detail, name="api-detail"),
    path("api/v1/reports/<str:reference>/support/", api.report_support_api, name="api-support"),
    path("api/v1/photos/hint/", api.photo_hint, name="api-photo-hint"),
]
