"""The LINE conversation's state changes: answers kept with each step, photos removed with their files on a
fresh start, and a conversation left alone for half an hour starting afresh."""

from datetime import timedelta

import pytest
from django.contrib.gis.geos import Point
from django.utils import timezone

from civic.line.models import LineFollower
from civic.line.services import line_channel_set
from reports.line_models import LineConversation
from reports.line_services import (
    INACTIVITY,
    line_conversation_add_photo,
    line_conversation_advance,
    line_conversation_open,
    line_conversation_reset,
)
from tests.reports import images
from tests.reports.conftest import Town

pytestmark = pytest.mark.django_db

Step = LineConversation.Step


@pytest.fixture
def conversation() -> LineConversation:
    town = Town(slug="minami")
    channel = line_channel_set(municipality=town.municipality, channel_secret="s", access_token="t")
    follower = LineFollower.objects.create(channel=channel, user_id="U" + "1" * 32)
    conversation = line_conversation_open(follower=follower)
    line_conversation_advance(
        conversation=conversation,
        step=Step.PHOTOS,
        point=Point(town.municipality.center.x, town.municipality.center.y, srid=4326),
        category=town.tree,
        description="Fallen",
    )
    line_conversation_add_photo(conversation=conversation, name="line-1.jpeg", data=images.jpeg())
    return conversation


def test_answers_are_kept_with_the_step(conversation: LineConversation) -> None:
    stored = LineConversation.objects.get(pk=conversation.pk)
    assert (stored.step, stored.description, stored.category_id) == (
        Step.PHOTOS,
        "Fallen",
        conversation.category_id,
    )
    assert stored.point is not None and stored.photos.get().file.read() == images.jpeg()


def test_a_fresh_start_forgets_answers_and_deletes_the_photo_files_once_committed(
    conversation: LineConversation, django_capture_on_commit_callbacks
) -> None:
    photo = conversation.photos.get()
    storage, name = photo.file.storage, photo.file.name
    with django_capture_on_commit_callbacks(execute=True):
        line_conversation_reset(conversation=conversation)

    stored = LineConversation.objects.get(pk=conversation.pk)
    assert (stored.step, stored.point, stored.category, stored.description) == (Step.IDLE, None, None, "")
    assert stored.photos.count() == 0
    assert not storage.exists(name)


def test_a_conversation_left_alone_starts_afresh_and_a_recent_one_does_not(
    conversation: LineConversation,
) -> None:
    assert line_conversation_open(follower=conversation.follower).step == Step.PHOTOS

    LineConversation.objects.filter(pk=conversation.pk).update(
        updated_at=timezone.now() - INACTIVITY - timedelta(seconds=1)
    )
    reopened = line_conversation_open(follower=conversation.follower)
    assert (reopened.pk, reopened.step, reopened.photos.count()) == (conversation.pk, Step.IDLE, 0)
