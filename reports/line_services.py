"""The only code that changes a resident's LINE report conversation (reports.line_models): open it, move
it to a step with the answers given so far, keep a photo, and start afresh. The conversation
(reports.line_conversation) decides what to ask; these functions write."""

import io
from datetime import timedelta
from functools import partial
from typing import TypedDict, Unpack

from django.contrib.gis.geos import Point
from django.db import transaction
from django.utils import timezone

from civic.line.models import LineFollower
from reports.line_models import LineConversation, LineConversationPhoto
from reports.models import Category

INACTIVITY = timedelta(minutes=30)


class Answers(TypedDict, total=False):
    point: Point
    category: Category
    description: str


def line_conversation_open(*, follower: LineFollower) -> LineConversation:
    """The follower's conversation, made on first contact; one left alone for `INACTIVITY` starts afresh."""
    conversation, _created = LineConversation.objects.get_or_create(follower=follower)
    if (
        conversation.step != LineConversation.Step.IDLE
        and conversation.updated_at < timezone.now() - INACTIVITY
    ):
        line_conversation_reset(conversation=conversation)
    return conversation


def line_conversation_advance(
    *, conversation: LineConversation, step: str, **answers: Unpack[Answers]
) -> None:
    """Move the conversation to `step`, keeping the answers given with it."""
    for field, value in answers.items():
        setattr(conversation, field, value)
    conversation.step = step
    conversation.save()


def line_conversation_add_photo(*, conversation: LineConversation, name: str, data: bytes) -> None:
    """Keep a checked photo until the report is sent (LINE keeps content only for a while)."""
    photo = LineConversationPhoto(conversation=conversation, name=name)
    photo.file.save(name, io.BytesIO(data), save=False)
    photo.save()


@transaction.atomic
def line_conversation_reset(*, conversation: LineConversation) -> None:
    """Forget every answer and photo (the files go once this commits) and wait for a new report."""
    for photo in conversation.photos.all():
        transaction.on_commit(partial(photo.file.storage.delete, photo.file.name))
    conversation.photos.all().delete()
    conversation.point, conversation.category, conversation.description = None, None, ""
    line_conversation_advance(conversation=conversation, step=LineConversation.Step.IDLE)
