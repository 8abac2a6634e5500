"""ASGI entry point: HTTP goes to Django (the map's tiles through a lean handler of their own), WebSockets to
the apps' consumers behind origin and auth checks."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civic.settings")
django_application = get_asgi_application()

# Imported after Django is set up: consumers import models.
from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from civic.consumers import HealthConsumer  # noqa: E402
from consultations.consumers import LiveSessionConsumer  # noqa: E402
from reports.consumers import BoardConsumer  # noqa: E402
from reports.map_views import TileHandler  # noqa: E402

websocket_urlpatterns = [
    path("ws/health/", HealthConsumer.as_asgi()),
    path("ws/triage/", BoardConsumer.as_asgi()),
    path("ws/sessions/<int:session_id>/", LiveSessionConsumer.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": TileHandler(django_application),
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)
