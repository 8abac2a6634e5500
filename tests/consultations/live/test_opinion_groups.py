"""Opinion groups of a live room: recomputed in the background after votes, stored, logged and broadcast."""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from consultations.live_models import LiveEvent, Statement
from consultations.services import live
from consultations.services.opinions import opinion_groups_refresh, opinion_groups_schedule
from tests.consultations.builders import run_jobs
from tests.consultations.live.client_support import Panel, live_panel

pytestmark = pytest.mark.django_db

# Two camps: the first two members against the other two and the facilitator; all agree on the last statement.
TEXTS = ["駅前に広場を", "駐車場を増やす", "夜は静かに", "ベンチを置く"]
CAMP_A = [(1, 1, -1, 1), (1, 1, -1, 1)]
CAMP_B = [(-1, -1, 1, 1), (-1, -1, 1, 1), (-1, 0, 1, 1)]


def refresh_jobs() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path="consultations.tasks.refresh_opinion_groups"))


@pytest.fixture
def panel(role_groups) -> Panel:
    return live_panel(members=4)


@pytest.fixture
def statements(panel) -> list[Statement]:
    return [live.statement_post(room=panel.room, participant=panel.participants[0], text=t) for t in TEXTS]


def vote_all(panel: Panel, statements: list[Statement]) -> None:
    voters = [*panel.participants, panel.facilitator]
    for voter, votes in zip(voters, CAMP_A + CAMP_B, strict=True):
        for statement, vote in zip(statements, votes, strict=True):
            live.statement_vote(statement=statement, participant=voter, vote=vote)


def test_refresh_stores_the_groups_and_logs_them_as_an_event(panel, statements):
    vote_all(panel, statements)

    event = opinion_groups_refresh(room=panel.room)

    panel.room.refresh_from_db()
    assert event is not None
    assert event.type == "opinion_groups"
    assert event.seq == panel.room.next_seq
    assert event.actor is None
    assert event.data == panel.room.opinion_groups
    groups = panel.room.opinion_groups
    assert groups["groups"] == [{"id": 0, "size": 3}, {"id": 1, "size": 2}]
    assert groups["consensus"][0] == statements[3].pk
    assert set(groups["divisive"]) == {s.pk for s in statements[:3]}
    assert groups["last_vote"] > 0
    by_id = {s["id"]: s for s in groups["statements"]}
    assert by_id[statements[3].pk]["agree"] == 5
    assert by_id[statements[0].pk]["groups"] == [
        {"agree": 0, "disagree": 3, "pass": 0},
        {"agree": 2, "disagree": 0, "pass": 0},
    ]


def test_the_event_names_nobody_and_says_who_is_in_which_group_nowhere(panel, statements):
    vote_all(panel, statements)

    event = opinion_groups_refresh(room=panel.room)

    text = str(event.data)
    assert "members" not in event.data
    for participant in [*panel.participants, panel.facilitator]:
        assert participant.display_name not in text


def test_the_event_is_broadcast_to_the_room_when_the_refresh_commits(
    panel, statements, django_capture_on_commit_callbacks
):
    vote_all(panel, statements)

    def refresh() -> LiveEvent | None:
        with django_capture_on_commit_callbacks(execute=True):
            return opinion_groups_refresh(room=panel.room)

    async def listen() -> tuple[LiveEvent | None, dict]:
        layer = get_channel_layer()
        channel = await layer.new_channel()
        await layer.group_add(live.room_group(panel.room.pk), channel)
        event = await sync_to_async(refresh)()
        return event, await layer.receive(channel)

    event, message = async_to_sync(listen)()

    assert message["type"] == "live.event"
    assert message["event"]["event"] == "opinion_groups"
    assert message["event"]["seq"] == event.seq
    assert message["event"]["data"]["groups"] == [{"id": 0, "size": 3}, {"id": 1, "size": 2}]


def test_a_refresh_without_new_votes_logs_nothing(panel, statements):
    vote_all(panel, statements)
    opinion_groups_refresh(room=panel.room)
    events = LiveEvent.objects.count()

    assert opinion_groups_refresh(room=panel.room) is None
    assert LiveEvent.objects.count() == events


def test_an_older_computation_never_replaces_a_newer_one(panel, statements):
    vote_all(panel, statements)
    opinion_groups_refresh(room=panel.room)
    panel.room.refresh_from_db()
    newer = {**panel.room.opinion_groups, "last_vote": panel.room.opinion_groups["last_vote"] + 1}
    type(panel.room).objects.filter(pk=panel.room.pk).update(opinion_groups=newer)
    events = LiveEvent.objects.count()

    assert opinion_groups_refresh(room=panel.room) is None

    panel.room.refresh_from_db()
    assert panel.room.opinion_groups == newer
    assert LiveEvent.objects.count() == events


def test_votes_on_hidden_statements_are_left_out(panel, statements):
    vote_all(panel, statements)
    Statement.objects.filter(pk=statements[0].pk).update(hidden_at=timezone.now())

    opinion_groups_refresh(room=panel.room)

    panel.room.refresh_from_db()
    assert statements[0].pk not in {s["id"] for s in panel.room.opinion_groups["statements"]}


def test_a_room_without_votes_gets_empty_groups(panel):
    event = opinion_groups_refresh(room=panel.room)

    assert event is not None
    assert event.data["groups"] == []
    assert event.data["statements"] == []


def test_votes_schedule_one_refresh_a_moment_later_and_it_runs(
    panel, statements, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        vote_all(panel, statements)

    jobs = refresh_jobs()
    assert len(jobs) == 1  # twenty votes, one job waiting
    assert jobs[0].args_kwargs["kwargs"] == {"room_id": panel.room.pk}
    assert jobs[0].run_after > timezone.now() + timedelta(seconds=1)

    run_jobs()

    assert refresh_jobs() == []
    panel.room.refresh_from_db()
    assert panel.room.opinion_groups["groups"] == [{"id": 0, "size": 3}, {"id": 1, "size": 2}]
    assert LiveEvent.objects.filter(room=panel.room, type="opinion_groups").count() == 1


def test_a_vote_after_the_refresh_started_schedules_another(panel, statements):
    assert opinion_groups_schedule(room_id=panel.room.pk) is True
    assert opinion_groups_schedule(room_id=panel.room.pk) is False
    DBTaskResult.objects.update(status="RUNNING")

    assert opinion_groups_schedule(room_id=panel.room.pk) is True
    assert [j.status for j in refresh_jobs()].count("READY") == 1


def test_each_room_has_its_own_refresh(panel, statements):
    other = live_panel(members=1)

    assert opinion_groups_schedule(room_id=panel.room.pk) is True
    assert opinion_groups_schedule(room_id=other.room.pk) is True
    assert len(refresh_jobs()) == 2
