"""The LINE webhook: signature first, every event stored once, 200 at once; one test per event type."""

import json

import pytest

from civic.line import registry
from civic.line.models import LineEvent, LineFollower
from tests.civic.line.conftest import fixture_body, run_worker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def seen(monkeypatch):
    """A handler, registered like an app's, that records what reached it."""
    calls: list[tuple[str, str]] = []

    def record(incoming: registry.IncomingEvent) -> bool:
        calls.append((incoming.event.event_type, incoming.event.webhook_event_id))
        return True

    monkeypatch.setattr(registry, "_handlers", [record])
    return calls


@pytest.mark.parametrize("name", ["text", "image", "location", "postback", "follow", "unfollow"])
def test_each_event_type_is_stored_and_handled_once(post_webhook, seen, name):
    response = post_webhook(fixture_body(name))
    assert response.status_code == 200
    event = LineEvent.objects.get()
    assert event.status == LineEvent.Status.PENDING
    run_worker()
    event.refresh_from_db()
    assert event.status == LineEvent.Status.PROCESSED
    assert seen == [(event.event_type, event.webhook_event_id)]


def test_follow_and_unfollow_are_recorded(post_webhook, seen):
    post_webhook(fixture_body("follow"))
    run_worker()
    assert LineFollower.objects.get().following is True
    post_webhook(fixture_body("unfollow"))
    run_worker()
    assert LineFollower.objects.get().following is False


def test_the_same_event_delivered_three_times_is_processed_once(post_webhook, seen):
    for name in ("text", "text", "redelivery"):
        assert post_webhook(fixture_body(name)).status_code == 200
    run_worker()
    assert LineEvent.objects.count() == 1
    assert len(seen) == 1


def test_a_redelivered_event_seen_first_is_marked(post_webhook, seen):
    post_webhook(fixture_body("redelivery"))
    assert LineEvent.objects.get().is_redelivery is True


def test_unknown_event_types_are_stored_and_nothing_crashes(post_webhook, seen):
    assert post_webhook(fixture_body("unknown_type")).status_code == 200
    run_worker()
    assert set(LineEvent.objects.values_list("status", flat=True)) == {LineEvent.Status.PROCESSED}


@pytest.mark.parametrize(
    ("body", "how"),
    [
        (fixture_body("text"), "forged"),
        (fixture_body("text"), "other body"),
        (fixture_body("text"), "missing"),
    ],
)
def test_bad_signatures_get_400_and_touch_nothing(post_webhook, client, seen, body, how):
    if how == "forged":
        response = post_webhook(body, secret="not-the-secret")
    elif how == "other body":
        signed_for = fixture_body("image")
        from tests.civic.line.conftest import signature

        response = client.post(
            "/line/kawa/webhook",
            body,
            content_type="application/json",
            HTTP_X_LINE_SIGNATURE=signature(signed_for),
        )
    else:
        response = post_webhook(body, sign=False)
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid signature"}
    assert not LineEvent.objects.exists()


@pytest.mark.parametrize(
    "body", [b"this is not json", b'{"no": "events"}', b'{"events": "x"}', "\xff".encode("latin-1")]
)
def test_a_signed_body_that_is_not_an_events_object_gets_400(post_webhook, body):
    response = post_webhook(body)
    assert response.status_code == 400
    assert not LineEvent.objects.exists()


def test_an_unknown_municipality_or_get_is_refused(post_webhook, client):
    assert post_webhook(fixture_body("text"), slug="nowhere").status_code == 404
    assert client.get("/line/kawa/webhook").status_code == 405


def test_a_handler_error_marks_the_event_and_later_messages_still_run(post_webhook, monkeypatch):
    handled: list[str] = []

    def fragile(incoming: registry.IncomingEvent) -> bool:
        text = incoming.payload.get("message", {}).get("text")
        if text == "boom":
            raise RuntimeError("handler bug")
        handled.append(text)
        return True

    monkeypatch.setattr(registry, "_handlers", [fragile])
    first = json.loads(fixture_body("text"))
    first["events"][0]["message"]["text"] = "boom"
    second = json.loads(fixture_body("text"))
    second["events"][0].update(webhookEventId="01SECOND", timestamp=first["events"][0]["timestamp"] + 1)
    second["events"][0]["message"]["text"] = "after"
    post_webhook(json.dumps(first))
    post_webhook(json.dumps(second))
    run_worker()
    statuses = dict(LineEvent.objects.values_list("webhook_event_id", "status"))
    assert statuses["01SECOND"] == LineEvent.Status.PROCESSED
    assert statuses[first["events"][0]["webhookEventId"]] == LineEvent.Status.FAILED
    assert handled == ["after"]


def test_two_messages_of_one_user_are_handled_in_their_order(post_webhook, seen):
    later = json.loads(fixture_body("text"))
    later["events"][0].update(webhookEventId="01LATER", timestamp=later["events"][0]["timestamp"] + 5)
    post_webhook(json.dumps(later))  # arrives first
    post_webhook(fixture_body("text"))
    run_worker()
    assert [event_id for _type, event_id in seen] == ["01H810YECXQQZ37VAXPF6H9E6T", "01LATER"]
