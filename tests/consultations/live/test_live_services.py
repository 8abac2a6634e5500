"""The live services: numbered events written before they are broadcast, and every refusal changes nothing."""

import threading
import time

import pytest
from django.db import connection
from django.test import Client

from consultations.live_models import (
    HandRaise,
    LiveEvent,
    LiveFlag,
    LiveMessage,
    LivePass,
    LiveReaction,
    LiveRoom,
    PollVote,
    Statement,
    StatementVote,
)
from consultations.live_selectors import events_after, room_snapshot
from consultations.models import ConsultationSession, Respondent
from consultations.services import live, respondent_confirm
from consultations.services.live import LiveError
from tests.consultations.builders import selected
from tests.consultations.live.support import make_room, member, window_left

pytestmark = pytest.mark.django_db


@pytest.fixture
def room(role_groups):
    return make_room()


def written(room: LiveRoom) -> tuple[int, ...]:
    """How many rows of each kind the room has: a refusal must leave these as they were."""
    return (
        LiveEvent.objects.filter(room=room).count(),
        LiveMessage.objects.filter(room=room).count(),
        PollVote.objects.filter(poll__room=room).count(),
        StatementVote.objects.filter(statement__room=room).count(),
        LiveReaction.objects.filter(message__room=room).count(),
        HandRaise.objects.filter(room=room).count(),
    )


def refused(code: str, call, *args, **kwargs) -> str:
    with pytest.raises(LiveError) as caught:
        call(*args, **kwargs)
    assert caught.value.code == code
    return caught.value.message


def test_each_change_writes_its_row_and_the_next_numbered_event_before_broadcasting(
    room, django_capture_on_commit_callbacks
):
    hanako = member(room, "はなこ")
    start = room.next_seq
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        message = live.message_post(room=room, participant=hanako, text="  こんにちは  ")
        # Written, numbered, and the broadcast is only queued for after the commit.
        event = LiveEvent.objects.get(room=room, seq=start + 1)
        assert event.type == "message" and event.data["text"] == "こんにちは" and event.actor == hanako
    assert len(callbacks) == 1
    assert message.text == "こんにちは"
    live.message_react(message=message, participant=hanako, emoji="👍")
    assert list(LiveEvent.objects.filter(room=room).values_list("seq", flat=True)) == list(
        range(1, start + 3)
    )
    assert LiveRoom.objects.get(pk=room.pk).next_seq == start + 2


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_get_distinct_consecutive_numbers(role_groups):
    room = make_room()
    people = [member(room, f"参加者{i}") for i in range(4)]
    start = room.next_seq
    errors: list[BaseException] = []

    def post(person):
        try:
            for i in range(5):
                live.message_post(room=LiveRoom.objects.get(pk=room.pk), participant=person, text=f"{i}")
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    seqs = list(LiveEvent.objects.filter(room=room).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, start + 21))


def test_bad_messages_are_refused_and_nothing_is_written(room, settings):
    settings.LANGUAGE_CODE = "en"
    hanako = member(room, "はなこ")
    before = written(room)
    assert "1000 characters" in refused(
        "too_long", live.message_post, room=room, participant=hanako, text="x" * 1001
    )
    refused("invalid", live.message_post, room=room, participant=hanako, text="   ")
    stranger = member(make_room(), "よそのひと")
    refused("forbidden", live.message_post, room=room, participant=stranger, text="こんにちは")
    refused("invalid", live.message_react, message=_message(room), participant=hanako, emoji="💩")
    assert written(room) == (before[0] + 1, before[1] + 1, *before[2:])  # only _message's own post


def _message(room: LiveRoom) -> LiveMessage:
    author = member(room, f"書き手{LiveMessage.objects.count()}")
    return live.message_post(room=room, participant=author, text="ひとこと")


def test_the_rate_limit_refuses_the_eleventh_message_in_ten_seconds(room):
    hanako = member(room, "はなこ")
    time.sleep(window_left())
    for i in range(10):
        live.message_post(room=room, participant=hanako, text=f"{i}")
    before = written(room)
    refused("rate_limited", live.message_post, room=room, participant=hanako, text="もうひとつ")
    assert written(room) == before
    live.message_post(room=room, participant=member(room, "たろう"), text="別の人は話せます")


def test_a_muted_participant_cannot_speak_and_a_paused_room_takes_nothing(room):
    hanako = member(room, "はなこ")
    live.participant_mute(room=room, actor=room.facilitator, participant=hanako, muted=True)
    before = written(room)
    refused("muted", live.message_post, room=room, participant=hanako, text="話したい")
    refused("muted", live.statement_post, room=room, participant=hanako, text="意見")
    live.participant_mute(room=room, actor=room.facilitator, participant=hanako, muted=False)
    live.room_pause(room=room, actor=room.facilitator)
    before = written(room)
    refused("paused", live.message_post, room=room, participant=hanako, text="話したい")
    refused("paused", live.hand_raise, room=room, participant=hanako)
    assert written(room) == before
    live.room_close(room=room, actor=room.facilitator)
    refused("invalid", live.room_open, room=room, actor=room.facilitator)


def test_facilitator_actions_are_forbidden_to_participants(room):
    hanako = member(room, "はなこ")
    message = _message(room)
    poll = live.poll_open(
        room=room, actor=room.facilitator, question="どう?", kind="single", options=["a", "b"]
    )
    before = written(room)
    for call, kwargs in [
        (live.room_pause, {"room": room}),
        (live.room_close, {"room": room}),
        (live.agenda_move, {"room": room, "item": None}),
        (live.message_hide, {"message": message, "reason": "x"}),
        (live.message_pin, {"room": room, "message": message}),
        (live.floor_give, {"room": room, "participant": hanako}),
        (live.floor_end, {"room": room}),
        (live.participant_mute, {"room": room, "participant": message.author, "muted": True}),
        (live.participant_remove, {"room": room, "participant": message.author}),
        (live.poll_open, {"room": room, "question": "?", "kind": "single", "options": ["a", "b"]}),
        (live.poll_close, {"poll": poll}),
        (live.video_set, {"room": room, "url": "https://example.jp/"}),
        (live.summary_publish, {"room": room, "text": "まとめ"}),
    ]:
        refused("forbidden", call, actor=hanako, **kwargs)
    assert written(room) == before


def test_a_poll_takes_one_valid_vote_per_participant_until_it_closes(room):
    hanako, taro = member(room, "はなこ"), member(room, "たろう")
    poll = live.poll_open(
        room=room,
        actor=room.facilitator,
        question="どれ?",
        kind="multiple",
        options=["公園", "駐車場", "広場"],
    )
    before = written(room)
    for bad in ([], [3], [0, 0], ["0"], [True], "0", None):
        refused("invalid", live.poll_vote, poll=poll, participant=hanako, choices=bad)
    assert written(room) == before
    event = live.poll_vote(poll=poll, participant=hanako, choices=[2, 0])
    assert event.data == {"poll": poll.pk, "votes": 1, "counts": [1, 0, 1]}
    before = written(room)
    refused("already_voted", live.poll_vote, poll=poll, participant=hanako, choices=[1])
    live.poll_close(poll=poll, actor=room.facilitator)
    before = written(room)
    refused("closed_poll", live.poll_vote, poll=poll, participant=taro, choices=[1])
    assert written(room) == before
    assert PollVote.objects.get(poll=poll).choices == [0, 2]


def test_results_after_closing_stay_hidden_until_the_poll_closes(room):
    hanako = member(room, "はなこ")
    poll = live.poll_open(
        room=room,
        actor=room.facilitator,
        question="満足度",
        kind="scale",
        options=[],
        show_results="after_close",
    )
    assert poll.options == ["1", "2", "3", "4", "5"]
    assert live.poll_vote(poll=poll, participant=hanako, choices=[4]).data["counts"] is None
    assert live.poll_close(poll=poll, actor=room.facilitator).data["counts"] == [0, 0, 0, 0, 1]


def test_statements_take_one_vote_each(room):
    hanako, taro = member(room, "はなこ"), member(room, "たろう")
    statement = live.statement_post(room=room, participant=hanako, text="駅前に緑を増やすべき")
    refused("too_long", live.statement_post, room=room, participant=hanako, text="あ" * 281)
    event = live.statement_vote(statement=statement, participant=taro, vote=1)
    assert event.data == {"statement": statement.pk, "agree": 1, "disagree": 0, "pass": 0}
    before = written(room)
    refused("already_voted", live.statement_vote, statement=statement, participant=taro, vote=-1)
    refused("invalid", live.statement_vote, statement=statement, participant=hanako, vote=2)
    refused("invalid", live.statement_vote, statement=statement, participant=hanako, vote=True)
    assert written(room) == before
    assert Statement.objects.get().votes.get().vote == 1


def test_hidden_messages_leave_the_snapshot_and_the_replay(room):
    message = _message(room)
    live.message_pin(room=room, message=message, actor=room.facilitator)
    event = live.message_hide(message=message, actor=room.facilitator, reason="個人情報")
    assert event.data == {"id": message.pk}
    message.refresh_from_db()
    assert message.hidden_by == room.facilitator and message.hidden_reason == "個人情報"
    frames = events_after(room.pk, 0)
    assert "ひとこと" not in str(frames)
    kinds = [frame["event"] for frame in frames]
    assert kinds[-3:] == ["message", "message_pinned", "message_hidden"]
    room.refresh_from_db()
    snapshot = room_snapshot(room)
    assert snapshot["messages"] == [] and snapshot["pinned"] is None
    refused("not_found", live.message_react, message=message, participant=message.author, emoji="👍")


def test_flags_are_recorded_once_and_not_broadcast(room):
    message = _message(room)
    taro = member(room, "たろう")
    before = written(room)
    live.message_flag(message=message, participant=taro, reason="失礼です")
    refused("already_voted", live.message_flag, message=message, participant=taro, reason="もう一度")
    assert written(room) == before and LiveFlag.objects.count() == 1


def test_the_speaking_queue(room):
    hanako, taro = member(room, "はなこ"), member(room, "たろう")
    live.hand_raise(room=room, participant=hanako)
    event = live.hand_raise(room=room, participant=taro)
    assert [p["name"] for p in event.data["queue"]] == ["はなこ", "たろう"]
    refused("invalid", live.hand_raise, room=room, participant=taro)
    given = live.floor_give(room=room, actor=room.facilitator, participant=hanako)
    assert given.data["participant"]["name"] == "はなこ" and given.data["since"]
    assert [p["name"] for p in given.data["queue"]] == ["たろう"]
    assert live.floor_give(room=room, actor=room.facilitator, participant=taro).data["queue"] == []
    ended = live.floor_end(room=room, actor=room.facilitator)
    assert ended.data["participant"] is None
    refused("invalid", live.floor_end, room=room, actor=room.facilitator)
    refused("invalid", live.hand_lower, room=room, participant=hanako)


def test_room_controls_agenda_video_and_summary(room, settings):
    settings.LANGUAGE_CODE = "en"
    item = room.agenda.create(order=1, title="駅前広場の使い方")
    assert (
        live.agenda_move(room=room, actor=room.facilitator, item=item).data["item"]["title"]
        == "駅前広場の使い方"
    )
    message = _message(room)
    assert message.item == item
    assert "https://" in refused(
        "invalid", live.video_set, room=room, actor=room.facilitator, url="http://x.jp/"
    )
    refused("invalid", live.video_set, room=room, actor=room.facilitator, url="javascript:alert(1)")
    assert live.video_set(room=room, actor=room.facilitator, url="https://video.example.jp/live").data == {
        "url": "https://video.example.jp/live"
    }
    live.summary_publish(room=room, actor=room.facilitator, text="まとめです")
    room.refresh_from_db()
    assert room.summary == "まとめです" and room.summary_published_at is not None
    hanako = message.author
    live.participant_remove(room=room, actor=room.facilitator, participant=hanako)
    refused("forbidden", live.message_post, room=room, participant=hanako, text="戻りました")
    refused(
        "invalid",
        live.participant_mute,
        room=room,
        actor=room.facilitator,
        participant=room.facilitator,
        muted=True,
    )


def test_join_passes_are_only_for_confirmed_panel_members_and_open_the_room():
    consultation = selected()
    person = consultation.respondents.filter(outcome=Respondent.Outcome.SELECTED).first()
    session = ConsultationSession.objects.create(
        consultation=consultation, title="第1回", starts_at="2030-01-01T10:00Z", ends_at="2030-01-01T12:00Z"
    )
    room = live.room_ensure(session=session)
    refused("forbidden", live.live_pass_issue, room=room, respondent=person)
    person = respondent_confirm(respondent=person, attend=True)
    token = live.live_pass_issue(room=room, respondent=person)
    assert len(token) >= 22 and not LivePass.objects.filter(token_hash=token).exists()

    client = Client()
    response = client.get(f"/c/live/join/{token}/")
    assert response.status_code == 302 and response["Referrer-Policy"] == "no-referrer"
    assert response["Location"].endswith(f"/c/live/{session.pk}/")
    participant = room.participants.get()
    assert participant.respondent == person and participant.display_name == person.display_name
    assert client.session["civic_live"] == {str(room.pk): participant.pk}
    assert Client().get(f"/c/live/join/{token}/").status_code == 302  # the link works again, same participant
    assert room.participants.count() == 1

    assert Client().get("/c/live/join/not-a-real-token-at-all-123/").status_code == 400
    respondent_confirm(respondent=person, attend=False)
    assert Client().get(f"/c/live/join/{token}/").status_code == 400


def test_a_member_who_confirms_online_gets_their_join_links():
    from consultations.models import InvitationCode
    from consultations.services import code_issue

    consultation = selected()
    person = consultation.respondents.filter(outcome=Respondent.Outcome.SELECTED).first()
    session = ConsultationSession.objects.create(
        consultation=consultation,
        title="第1回 全体会",
        starts_at="2030-01-01T10:00Z",
        ends_at="2030-01-01T12:00Z",
    )
    issued = code_issue(invitation=person.invitation, purpose=InvitationCode.Purpose.CONFIRM)
    client = Client(HTTP_HOST=consultation.municipality.site.hostname)
    client.get(f"/c/rsvp/{issued.token}/")
    assert client.post("/c/rsvp/answer/", {"attend": "yes"}).status_code == 302
    page = client.get("/c/rsvp/done/").content.decode()
    assert "第1回 全体会" in page
    link = page.split('<ul data-live-links><li><a href="')[1].split('"')[0]
    assert link.startswith("/c/live/join/")
    response = Client().get(link)
    assert response.status_code == 302 and response["Location"].endswith(f"/c/live/{session.pk}/")


def test_the_agenda_is_replaced_in_order_and_kept_items_keep_their_identity(room):
    first = live.agenda_set(room=room, actor=room.facilitator, titles=["はじめに", "駅前広場", ""])
    assert [item["title"] for item in first.data["items"]] == ["はじめに", "駅前広場"]
    square = room.agenda.get(title="駅前広場")
    live.agenda_move(room=room, actor=room.facilitator, item=square)
    event = live.agenda_set(room=room, actor=room.facilitator, titles=["駅前広場", "まとめ"])
    assert [item["title"] for item in event.data["items"]] == ["駅前広場", "まとめ"]
    assert event.data["item"]["id"] == square.pk
    before = written(room)
    refused("too_long", live.agenda_set, room=room, actor=room.facilitator, titles=["あ" * 201])
    refused("forbidden", live.agenda_set, room=room, actor=member(room, "はなこ"), titles=["x"])
    assert written(room) == before


def test_facilitators_set_up_the_room_and_make_join_links_in_the_admin(room):
    consultation = room.session.consultation
    client = Client()
    client.force_login(room.facilitator_user)
    url = f"/admin/consultation-live/{consultation.pk}/sessions/{room.session_id}/"
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"agenda": "はじめに\n意見交換", "video_url": "https://video.example.jp/room"}
    )
    assert response.status_code == 302
    room.refresh_from_db()
    assert room.video_url == "https://video.example.jp/room"
    assert list(room.agenda.values_list("title", flat=True)) == ["はじめに", "意見交換"]
    assert client.post(url, {"agenda": "", "video_url": "http://plain.example.jp/"}).status_code == 400
    response = client.post(url + "passes/")
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]
    assert response.content.decode().count("data-live-pass") == 0  # nobody confirmed yet

    stranger = make_room()
    outsider = Client()
    outsider.force_login(stranger.facilitator_user)
    assert outsider.get(url).status_code == 404
