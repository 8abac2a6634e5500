"""Routes of the consultations app: the RSVP pages under /c/rsvp/ and each consultation's audit page."""

from django.urls import path

from consultations import views

app_name = "consultations"

urlpatterns = [
    path("c/rsvp/", views.rsvp_code, name="rsvp"),
    path("c/rsvp/answer/", views.rsvp_answer_view, name="rsvp-answer"),
    path("c/rsvp/done/", views.rsvp_done, name="rsvp-done"),
    path("c/rsvp/<str:token>/", views.rsvp_token, name="rsvp-token"),
    path("c/<int:pk>/audit/", views.audit, name="audit"),
    path("c/<int:pk>/audit.pdf", views.audit_pdf, name="audit-pdf"),
]
