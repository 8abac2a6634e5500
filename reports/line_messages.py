"""The LINE messages of the report conversation, in the resident's language (the caller activates it)."""

from collections.abc import Sequence

from django.utils.translation import gettext as _
from linebot.v3.messaging import (
    CameraAction,
    CameraRollAction,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexMessage,
    FlexSeparator,
    FlexText,
    LocationAction,
    MessageAction,
    PostbackAction,
    QuickReply,
    QuickReplyItem,
    TextMessage,
    URIAction,
)
from linebot.v3.messaging.models import Message

from reports.models import Category, Report

# LINE shows at most 13 quick-reply buttons; the last is kept for "other".
QUICK_REPLY_LIMIT = 13


def _quick(*actions: object) -> QuickReply:
    return QuickReply(items=[QuickReplyItem(action=action) for action in actions[:QUICK_REPLY_LIMIT]])


def _cancel() -> MessageAction:
    return MessageAction(label=_("Cancel"), text=_("cancel"))


def text(message: str) -> TextMessage:
    return TextMessage(text=message[:5000])


def greeting(town: str) -> TextMessage:
    return TextMessage(
        text=_(
            "Thank you for following %(town)s. To report a problem on a road, park or street, send a photo "
            "or tap “Report a problem”. Type “help” at any time."
        )
        % {"town": town},
        quick_reply=_quick(start_action(), my_reports_action()),
    )


def start_action() -> MessageAction:
    return MessageAction(label=_("Report a problem"), text=_("report"))


def my_reports_action() -> MessageAction:
    return MessageAction(label=_("My reports"), text=_("my reports"))


def ask_location(*, again: bool = False, town: str = "") -> TextMessage:
    if again:
        message = _(
            "That place seems to be outside %(town)s. Please send the location of the problem again: tap "
            "“Send location” and move the pin."
        ) % {"town": town}
    else:
        message = _("Where is the problem? Tap “Send location” and put the pin on the place.")
    return TextMessage(text=message, quick_reply=_quick(LocationAction(label=_("Send location")), _cancel()))


def ask_category(categories: Sequence[Category]) -> TextMessage:
    shown = list(categories[: QUICK_REPLY_LIMIT - 1])
    actions: list[object] = [
        PostbackAction(label=c.name[:20], data=f"category={c.code}", display_text=c.name) for c in shown
    ]
    actions.append(PostbackAction(label=_("Other"), data="category=", display_text=_("Other")))
    return TextMessage(text=_("What kind of problem is it?"), quick_reply=_quick(*actions))


def ask_category_by_name(categories: Sequence[Category]) -> TextMessage:
    lines = [f"{number}. {category.name}" for number, category in enumerate(categories, start=1)]
    return TextMessage(
        text=_("Please type the number or the name of the kind of problem:") + "\n" + "\n".join(lines),
        quick_reply=_quick(_cancel()),
    )


def offer_nearby(reports: Sequence[Report], *, base_url: str) -> TextMessage:
    lines = [f"・{r.reference} {r.get_status_display()} {base_url}/reports/{r.reference}/" for r in reports]
    actions: list[object] = [
        PostbackAction(label=_("Support %(ref)s") % {"ref": r.reference}, data=f"support={r.reference}")
        for r in reports[:3]
    ]
    actions.append(
        PostbackAction(label=_("No, a new problem"), data="new", display_text=_("No, a new problem"))
    )
    return TextMessage(
        text=_("Someone already reported this nearby. Is it one of these? Add your support instead:")
        + "\n"
        + "\n".join(lines),
        quick_reply=_quick(*actions),
    )


def ask_description() -> TextMessage:
    return TextMessage(
        text=_("Please describe the problem in a few words (or tap “Skip”)."),
        quick_reply=_quick(MessageAction(label=_("Skip"), text=_("skip")), _cancel()),
    )


def ask_photos(count: int, limit: int) -> TextMessage:
    if count >= limit:
        message = _("You have sent %(count)s photos, the most we take. Tap “Done”.") % {"count": count}
        actions: list[object] = []
    else:
        message = _("You can send up to %(more)s more photos. Tap “Done” when you are ready.") % {
            "more": limit - count
        }
        actions = [CameraAction(label=_("Camera")), CameraRollAction(label=_("Photos"))]
    actions.append(PostbackAction(label=_("Done"), data="photos-done", display_text=_("Done")))
    return TextMessage(text=message, quick_reply=_quick(*actions))


def summary(*, category: Category, description: str, lat: float, lng: float, photos: int) -> FlexMessage:
    rows = [
        FlexText(text=_("Check your report"), weight="bold", size="lg", wrap=True),
        FlexSeparator(margin="md"),
        FlexText(text=_("Kind: %(name)s") % {"name": category.name}, wrap=True, margin="md"),
        FlexText(text=_("Description: %(text)s") % {"text": description or "—"}, wrap=True),
        FlexText(text=_("Photos: %(count)s") % {"count": photos}, wrap=True),
        FlexText(text=_("Location: %(lat).5f, %(lng).5f") % {"lat": lat, "lng": lng}, wrap=True),
    ]
    buttons = [
        FlexButton(
            action=PostbackAction(label=_("Send"), data="send", display_text=_("Send")), style="primary"
        ),
        FlexButton(
            action=PostbackAction(label=_("Start over"), data="restart", display_text=_("Start over"))
        ),
        FlexButton(
            action=URIAction(
                label=_("Map"), uri=f"https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lng:.6f}"
            )
        ),
    ]
    return FlexMessage(
        alt_text=_("Check your report: %(name)s") % {"name": category.name},
        contents=FlexBubble(
            body=FlexBox(layout="vertical", contents=rows),
            footer=FlexBox(layout="vertical", spacing="sm", contents=buttons),
        ),
    )


def sent(report: Report, *, base_url: str) -> TextMessage:
    return TextMessage(
        text=_(
            "Thank you. Your report %(ref)s was sent to the city. You can follow it here: %(url)s — we will "
            "tell you here when it changes."
        )
        % {"ref": report.reference, "url": f"{base_url}/reports/{report.reference}/"},
        quick_reply=_quick(my_reports_action()),
    )


def supported(report: Report, *, base_url: str) -> TextMessage:
    """Thanks for a supporter, offering to hear about the report's progress here (each push counts against
    the town's LINE allowance, so only on request)."""
    return TextMessage(
        text=_("Thank you: your support was added to %(ref)s. %(url)s")
        % {"ref": report.reference, "url": f"{base_url}/reports/{report.reference}/"},
        quick_reply=_quick(
            PostbackAction(
                label=_("Tell me its progress"),
                data=f"follow={report.reference}",
                display_text=_("Tell me its progress"),
            ),
            start_action(),
        ),
    )


def status_update(report: Report, *, message: str, base_url: str, following: bool = False) -> FlexMessage:
    url = f"{base_url}/reports/{report.reference}/"
    rows = [
        FlexText(text=report.reference, size="sm", color="#555555"),
        FlexText(text=report.get_status_display(), weight="bold", size="xl", wrap=True),
    ]
    if message:
        rows.append(FlexText(text=message[:1000], wrap=True, margin="md"))
    return FlexMessage(
        alt_text=(
            _("Report %(ref)s, which you follow: %(status)s")
            if following
            else _("Your report %(ref)s: %(status)s")
        )
        % {"ref": report.reference, "status": report.get_status_display()},
        contents=FlexBubble(
            body=FlexBox(layout="vertical", contents=rows),
            footer=FlexBox(
                layout="vertical",
                contents=[
                    FlexButton(action=URIAction(label=_("Open"), uri=url)),
                    *(
                        [
                            FlexButton(
                                action=PostbackAction(
                                    label=_("Stop these updates"),
                                    data=f"unfollow={report.reference}",
                                    display_text=_("Stop these updates"),
                                )
                            )
                        ]
                        if following
                        else []
                    ),
                ],
            ),
        ),
    )


def my_reports(reports: Sequence[Report], *, base_url: str) -> TextMessage:
    if not reports:
        return TextMessage(text=_("You have not sent any reports yet."), quick_reply=_quick(start_action()))
    lines = [
        f"{r.reference} {r.category.name}: {r.get_status_display()}\n{base_url}/reports/{r.reference}/"
        for r in reports
    ]
    return TextMessage(
        text=_("Your latest reports:") + "\n\n" + "\n\n".join(lines), quick_reply=_quick(start_action())
    )


def help_text() -> TextMessage:
    return TextMessage(
        text=_(
            "To report a problem: send a photo or tap “Report a problem”, then send the location, choose the "
            "kind of problem, add a few words and photos, and tap “Send”. Type “cancel” to start again, or "
            "“my reports” to see your reports."
        ),
        quick_reply=_quick(start_action(), my_reports_action()),
    )


def message_list(*messages: Message) -> list[Message]:
    """LINE takes at most five messages per reply."""
    return list(messages[:5])
