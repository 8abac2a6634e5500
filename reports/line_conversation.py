"""Reporting a problem by chatting with the town's LINE account: a small state machine per resident.

photo or "report" → location (inside the town) → category (quick replies; "other" by name) → nearby open
reports of that category offered for support → short description (skippable) → up to five photos → summary →
send, which calls `report_create` like every other channel. "cancel" resets, "help" explains, anything
unexpected re-asks the current question; a conversation left alone for 30 minutes starts afresh.
The civic LINE integration calls `handle` for each stored event, one user's events in order under a lock.
"""

import io
import logging
import re
from typing import Unpack

from django.contrib.gis.geos import Point
from django.utils import translation
from django.utils.translation import gettext as _
from linebot.v3.messaging import ApiException, MessagingApi
from linebot.v3.messaging.models import Message

from civic.errors import ServiceError
from civic.line import client
from civic.line.models import LineChannel, LineFollower
from civic.line.registry import IncomingEvent
from civic.line.services import line_follower_set_language, line_reply
from civic.tenancy import public_base_url
from reports import line_messages as say
from reports import supporters
from reports.line_models import LineConversation
from reports.line_services import (
    Answers,
    line_conversation_add_photo,
    line_conversation_advance,
    line_conversation_open,
    line_conversation_reset,
)
from reports.models import Category, Report, Reporter
from reports.photos import PhotoError
from reports.selectors import (
    categories_for_reporting,
    line_user_follows,
    nearby_open_reports,
    report_public_get,
    reports_of_line_user,
)
from reports.services import PhotoUpload, report_create, report_support, report_unfollow
from reports.uploads import check_photo, max_bytes, photo_error_message

logger = logging.getLogger(__name__)

Step = LineConversation.Step
PHOTO_LIMIT = 5
WORDS = {
    "start": {"通報", "報告", "report", "report a problem", "問題を報告"},
    "cancel": {"キャンセル", "cancel", "やめる", "中止"},
    "help": {"ヘルプ", "help", "使い方", "?", "？"},
    "mine": {"マイレポート", "my reports", "私の報告"},
    "skip": {"スキップ", "skip", "なし"},
}


def handle(incoming: IncomingEvent) -> bool:
    """Answer one LINE event of a resident; True when it was for this conversation."""
    follower = incoming.follower
    if follower is None:
        return False
    if incoming.event.event_type == "follow":
        _learn_language(incoming.channel, follower)
    with translation.override(follower.language):
        replies = Conversation(incoming.channel, follower).respond(
            incoming.event.event_type, incoming.payload
        )
    if replies:
        line_reply(incoming, say.message_list(*replies))
    return True


def _learn_language(channel: LineChannel, follower: LineFollower) -> None:
    try:
        with client.api_client(channel) as api:
            profile = MessagingApi(api).get_profile(follower.user_id)
    except (ApiException, OSError):
        logger.warning("could not read the LINE profile of a follower; keeping %s", follower.language)
        return
    if profile.language:
        line_follower_set_language(follower=follower, language=profile.language)


class Conversation:
    def __init__(self, channel: LineChannel, follower: LineFollower) -> None:
        self.channel = channel
        self.town = channel.municipality
        self.follower = follower
        self.state = line_conversation_open(follower=follower)

    # ------------------------------------------------------------------------------------------------------
    # Events

    def respond(self, event_type: str, payload: dict[str, object]) -> list[Message]:
        if event_type == "follow":
            self.reset()
            return [say.greeting(self.town.name)]
        if event_type == "postback":
            postback = payload.get("postback")
            data = postback.get("data", "") if isinstance(postback, dict) else ""
            return self.on_postback(str(data))
        message = payload.get("message")
        if event_type != "message" or not isinstance(message, dict):
            return []
        kind = message.get("type")
        if kind == "text":
            return self.on_text(str(message.get("text", "")))
        if kind == "location":
            try:
                return self.on_location(float(message["latitude"]), float(message["longitude"]))
            except (KeyError, TypeError, ValueError):
                return self.ask_again()
        if kind == "image":
            return self.on_image(str(message.get("id", "")))
        return self.ask_again()  # stickers, video, audio, files: not part of a report

    def on_text(self, raw: str) -> list[Message]:
        word = re.sub(r"\s+", " ", raw.strip().lower())
        if word in WORDS["cancel"]:
            self.reset()
            return [say.text(_("Cancelled. Nothing was sent.")), say.help_text()]
        if word in WORDS["help"]:
            return [say.help_text(), *self.ask_again()] if self.state.step != Step.IDLE else [say.help_text()]
        if word in WORDS["mine"]:
            return [say.my_reports(self.my_reports(), base_url=public_base_url(self.town))]
        if word in WORDS["start"]:
            self.reset()
            return self.go(Step.LOCATION)
        if self.state.step == Step.OTHER_CATEGORY:
            return self.choose_category_by_name(raw.strip())
        if self.state.step == Step.DESCRIPTION:
            return self.go(Step.PHOTOS, description="" if word in WORDS["skip"] else raw.strip()[:1000])
        if self.state.step == Step.IDLE:
            return [say.help_text()]
        return self.ask_again()

    def on_location(self, lat: float, lng: float) -> list[Message]:
        if self.state.step not in {Step.IDLE, Step.LOCATION}:
            return self.ask_again()
        point = Point(lng, lat, srid=4326)
        if self.town.boundary is not None and not self.town.boundary.intersects(point):
            line_conversation_advance(conversation=self.state, step=Step.LOCATION)
            return [say.ask_location(again=True, town=self.town.name)]
        return self.go(Step.CATEGORY, point=point)

    def on_image(self, message_id: str) -> list[Message]:
        if self.state.step == Step.CONFIRM:
            return self.ask_again()
        if self.state.photos.count() >= PHOTO_LIMIT:
            return [
                say.text(_("We already have %(count)s photos, the most we take.") % {"count": PHOTO_LIMIT})
            ]
        problem = self.keep_photo(message_id)
        if problem:
            return [say.text(problem), *self.ask_again()]
        if self.state.step == Step.IDLE:
            return [say.text(_("Thank you for the photo.")), *self.go(Step.LOCATION)]
        if self.state.step == Step.PHOTOS:
            return self.ask_again()
        return [say.text(_("Photo received.")), *self.ask_again()]

    def on_postback(self, data: str) -> list[Message]:
        key, _sep, value = data.partition("=")
        step = self.state.step
        if key == "restart":
            self.reset()
            return self.go(Step.LOCATION)
        if key in ("follow", "unfollow"):
            return self.follow(value) if key == "follow" else self.unfollow(value)
        if key == "category" and step == Step.CATEGORY:
            if not value:
                return self.go(Step.OTHER_CATEGORY)
            category = categories_for_reporting(municipality=self.town).filter(code=value).first()
            return self.choose_category(category) if category else self.ask_again()
        if key == "support" and step == Step.DUPLICATES:
            return self.support(value)
        if key == "new" and step == Step.DUPLICATES:
            return self.go(Step.DESCRIPTION)
        if key == "photos-done" and step == Step.PHOTOS:
            return self.go(Step.CONFIRM)
        if key == "send" and step == Step.CONFIRM:
            return self.send()
        return self.ask_again()

    # ------------------------------------------------------------------------------------------------------
    # Steps

    def go(self, step: str, **answers: Unpack[Answers]) -> list[Message]:
        line_conversation_advance(conversation=self.state, step=step, **answers)
        return self.ask_again()

    def ask_again(self) -> list[Message]:
        """The question of the current step, asked (again)."""
        step = self.state.step
        categories = list(categories_for_reporting(municipality=self.town))
        if step == Step.LOCATION:
            return [say.ask_location()]
        if step == Step.CATEGORY:
            return [say.ask_category(categories)]
        if step == Step.OTHER_CATEGORY:
            return [say.ask_category_by_name(categories)]
        if step == Step.DUPLICATES:
            return [say.offer_nearby(self.nearby(), base_url=public_base_url(self.town))]
        if step == Step.DESCRIPTION:
            return [say.ask_description()]
        if step == Step.PHOTOS:
            return [say.ask_photos(self.state.photos.count(), PHOTO_LIMIT)]
        if step == Step.CONFIRM and self.state.category and self.state.point:
            return [
                say.summary(
                    category=self.state.category,
                    description=self.state.description,
                    lat=self.state.point.y,
                    lng=self.state.point.x,
                    photos=self.state.photos.count(),
                )
            ]
        return [say.help_text()]

    def choose_category(self, category: Category) -> list[Message]:
        step = Step.DUPLICATES if self.nearby(category) else Step.DESCRIPTION
        return self.go(step, category=category)

    def choose_category_by_name(self, answer: str) -> list[Message]:
        categories = list(categories_for_reporting(municipality=self.town))
        chosen = None
        if answer.isdigit() and 1 <= int(answer) <= len(categories):
            chosen = categories[int(answer) - 1]
        else:
            lowered = answer.lower()
            chosen = next(
                (
                    c
                    for c in categories
                    if lowered and lowered in {c.name_ja.lower(), c.name_en.lower(), c.code}
                ),
                None,
            )
        if chosen is None:
            return [say.text(_("Sorry, that is not one of the kinds listed.")), *self.ask_again()]
        return self.choose_category(chosen)

    def nearby(self, category: Category | None = None) -> list[Report]:
        """Up to three open reports of the category (by default, the one chosen) near the pin."""
        category = category or self.state.category
        if self.state.point is None or category is None:
            return []
        return list(
            nearby_open_reports(municipality=self.town, point=self.state.point, category=category, limit=3)
        )

    def support(self, reference: str) -> list[Message]:
        try:
            report = report_public_get(municipality=self.town, reference=reference)
        except Report.DoesNotExist:
            return self.ask_again()
        report_support(report=report, supporter_key=self.supporter_key)
        self.reset()
        return [say.supported(report, base_url=public_base_url(self.town))]

    @property
    def supporter_key(self) -> str:
        return supporters.key_for_line_user(self.follower.user_id)

    def follow(self, reference: str) -> list[Message]:
        """Push this report's progress to the resident (who supported it)."""
        try:
            report = report_public_get(municipality=self.town, reference=reference)
            report_support(
                report=report,
                supporter_key=self.supporter_key,
                follower=Reporter(line_user_id=self.follower.user_id, notify=Reporter.Notify.LINE),
            )
        except (Report.DoesNotExist, ServiceError):
            return [say.text(_("That report no longer takes support, so we cannot send its progress."))]
        return [say.text(_("We will tell you here when %(ref)s changes.") % {"ref": report.reference})]

    def unfollow(self, reference: str) -> list[Message]:
        support = line_user_follows(
            municipality=self.town, line_user_id=self.follower.user_id, reference=reference
        )
        if support is not None and support.follower_id is not None:
            report_unfollow(report=support.report, follower_id=support.follower_id)
        return [say.text(_("You will get no more updates about %(ref)s here.") % {"ref": reference[:20]})]

    def send(self) -> list[Message]:
        state = self.state
        if state.category is None or state.point is None:
            return self.go(Step.LOCATION)
        photos = list(state.photos.all())
        uploads = [PhotoUpload(name=p.name, file=io.BytesIO(p.file.read())) for p in photos]
        try:
            report = report_create(
                municipality=self.town,
                category=state.category,
                description=state.description or state.category.name,
                point=state.point,
                photos=uploads,
                reporter=Reporter(line_user_id=self.follower.user_id),
                source=Report.Source.LINE,
                idempotency_key=f"line-conversation:{state.pk}:{state.updated_at.timestamp()}",
            )
        except ServiceError as error:
            return [say.text(error.message), *self.ask_again()]
        self.reset()
        return [say.sent(report, base_url=public_base_url(self.town))]

    def keep_photo(self, message_id: str) -> str:
        """Fetch and check one photo now (LINE keeps content only for a while); a problem in words, or ""."""
        name = _("Photo %(number)s") % {"number": self.state.photos.count() + 1}
        try:
            data = client.fetch_content(self.channel, message_id, max_bytes=max_bytes())
        except client.ContentTooLarge:
            return photo_error_message("too_large", name=name)
        except (ApiException, OSError):
            logger.warning("could not fetch LINE content %s", message_id)
            return _("Sorry, we could not receive that photo. Please send it again.")
        try:
            hint = check_photo(io.BytesIO(data), name=name)
        except PhotoError as error:
            return photo_error_message(error.code, name=name)
        line_conversation_add_photo(
            conversation=self.state, name=f"line-{message_id[:40]}.{hint.format.lower()}", data=data
        )
        return ""

    def my_reports(self) -> list[Report]:
        return list(reports_of_line_user(municipality=self.town, line_user_id=self.follower.user_id))

    def reset(self) -> None:
        line_conversation_reset(conversation=self.state)
