"""The LINE webhook: verify the signature first, store the events durably, enqueue, answer 200 at once."""

import json

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from civic.line.models import LineChannel
from civic.line.services import line_events_receive
from civic.line.signature import signature_is_valid

MAX_BODY_BYTES = 1024 * 1024  # LINE batches small JSON events; images are fetched later, not posted here


@csrf_exempt  # LINE's servers cannot send a CSRF token; the signature authenticates the request
@require_POST
def webhook(request: HttpRequest, slug: str) -> HttpResponse:
    channel = get_object_or_404(
        LineChannel.objects.only("pk", "channel_secret"), municipality__slug=slug, enabled=True
    )
    if int(request.headers.get("Content-Length") or 0) > MAX_BODY_BYTES:
        return JsonResponse({"message": "Request body too large"}, status=413)
    body = request.body
    if not signature_is_valid(channel.channel_secret, body, request.headers.get("X-Line-Signature", "")):
        return JsonResponse({"message": "Invalid signature"}, status=400)
    try:
        payload = json.loads(body)
        events = payload["events"]
        if not isinstance(events, list):
            raise TypeError
    except (ValueError, KeyError, TypeError):
        return JsonResponse({"message": "Body must be a JSON object with an events list"}, status=400)
    line_events_receive(channel=channel, events=events)
    return HttpResponse("OK")
