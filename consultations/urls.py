"""Routes of the consultations app: the RSVP pages under /c/rsvp/ and each consultation's audit page."""

from django.urls import path

from consultations import live_views, views

app_name = "consultations"

urlpatterns = [
    path("c/rsvp/", views.rsvp_code, name="rsvp"),
    path("c/rsvp/answer/", views.rsvp_answer_view, name="rsvp-answer"),
    path("c/rsvp/done/", views.rsvp_done, name="rsvp-done"),
    path("c/rsvp/<str:token>/", views.rsvp_token, name="rsvp-token"),
    path("c/<int:pk>/audit/", views.audit, name="audit"),
    path("c/<int:pk>/audit.pdf", views.audit_pdf, name="audit-pdf"),
    path("c/live/<int:session_id>/", live_views.live_room, name="live-room"),
    path("c/live/<int:session_id>/transcript/", live_views.live_transcript, name="live-transcript"),
    path(
        "c/live/<int:session_id>/transcript.csv", live_views.live_transcript_csv, name="live-transcript-csv"
    ),
    path(
        "c/live/<int:session_id>/transcript.json",
        live_views.live_transcript_json,
        name="live-transcript-json",
    ),
    path("c/live/<int:session_id>/summary/", live_views.live_summary, name="live-summary"),
    path("c/live/join/<str:token>/", live_views.join, name="live-join"),
]
