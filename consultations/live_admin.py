"""Admin pages that set up a consultation's live rooms: the agenda, the video link, and panel members' join
links (to send or print for members who confirmed by telephone). Views authorise, parse and call services.
"""

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from civic.errors import ServiceError
from consultations.admin_views import manage_view
from consultations.links import public_base_url
from consultations.live_models import LiveRoom
from consultations.models import Consultation, ConsultationSession
from consultations.services import live


class RoomSetupForm(forms.Form):
    agenda = forms.CharField(
        label=gettext_lazy("Agenda"),
        help_text=gettext_lazy("One item per line, in order."),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
    )
    video_url = forms.URLField(
        label=gettext_lazy("Video stream or call link"),
        help_text=gettext_lazy("Optional. Starts with https://; shown beside the room."),
        required=False,
        assume_scheme="https",
    )


def _room(consultation: Consultation, session_pk: int) -> LiveRoom:
    session = get_object_or_404(ConsultationSession, pk=session_pk, consultation=consultation)
    return live.room_ensure(session=session)


@require_http_methods(["GET", "POST"])
@manage_view
def room_setup(request: HttpRequest, consultation: Consultation, session_pk: int) -> HttpResponse:
    room = _room(consultation, session_pk)
    initial = {"agenda": "\n".join(item.title for item in room.agenda.all()), "video_url": room.video_url}
    form = RoomSetupForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        actor = live.participant_enter(room=room, user=request.user)
        try:
            live.agenda_set(room=room, actor=actor, titles=form.cleaned_data["agenda"].splitlines())
            if form.cleaned_data["video_url"] != room.video_url:
                live.video_set(room=room, actor=actor, url=form.cleaned_data["video_url"])
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("The session room was saved."))
            return HttpResponseRedirect(
                reverse("consultations_live_admin:room", args=[consultation.pk, session_pk])
            )
    context = {
        "consultation": consultation,
        "session": room.session,
        "room": room,
        "form": form,
        "page_title": room.session.title,
    }
    return render(request, "consultations/admin/live_room.html", context, status=400 if form.errors else 200)


@require_POST
@manage_view
def passes(request: HttpRequest, consultation: Consultation, session_pk: int) -> HttpResponse:
    """New join links for every confirmed panel member, shown once (only their hashes are kept)."""
    room = _room(consultation, session_pk)
    base = public_base_url(consultation.municipality)
    links = [
        (respondent, base + reverse("consultations:live-join", args=[token]))
        for respondent, token in live.live_passes_issue(room=room)
    ]
    context = {
        "consultation": consultation,
        "session": room.session,
        "room": room,
        "form": None,
        "links": links,
        "page_title": room.session.title,
    }
    response = render(request, "consultations/admin/live_room.html", context)
    response["Cache-Control"] = "no-store"
    return response


urlpatterns = [
    path("<int:pk>/sessions/<int:session_pk>/", room_setup, name="room"),
    path("<int:pk>/sessions/<int:session_pk>/passes/", passes, name="passes"),
]
