"""The words of every message to invitees and respondents, for letters, e-mail and LINE alike."""

from dataclasses import dataclass, field
from datetime import datetime

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from consultations.models import Consultation

KINDS = ("invitation", "reminder", "selected", "alternate", "not_selected")


@dataclass(frozen=True)
class Message:
    subject: str
    greeting: str
    paragraphs: list[str]
    # How to answer: a link (with the typed code for letters), or nothing for messages that need no answer.
    action: str = ""
    url: str = ""
    short_code: str = ""
    code_entry_url: str = ""
    closing: list[str] = field(default_factory=list)

    def text(self, *, with_code: bool = False) -> str:
        parts = [self.greeting, *self.paragraphs]
        if self.url:
            parts.append(f"{self.action}\n{self.url}")
        if with_code and self.short_code:
            parts.append(
                _("Or go to %(url)s and type this code: %(code)s")
                % {"url": self.code_entry_url, "code": self.short_code}
            )
        parts.extend(self.closing)
        return "\n\n".join(part for part in parts if part)


def _date(value: datetime | None) -> str:
    if value is None:
        return ""
    return formats.date_format(timezone.localtime(value), "DATE_FORMAT")


def compose(
    kind: str,
    *,
    consultation: Consultation,
    name: str = "",
    url: str = "",
    short_code: str = "",
    code_entry_url: str = "",
    audit_url: str = "",
    invited: int = 0,
    pool: int = 0,
    language: str = "ja",
) -> Message:
    """The message of `kind` in `language`; `url` is the personal link (RSVP or confirmation), if any."""
    with translation.override(language):
        town = consultation.municipality.name
        params = {
            "town": town,
            "title": consultation.title,
            "question": consultation.question,
            "deadline": _date(consultation.rsvp_deadline),
            "invited": f"{invited:,}",
            "pool": f"{pool:,}",
            "phone": consultation.municipality.contact_phone or "",
        }
        greeting = _("Dear %(name)s,") % {"name": name} if name else _("Dear resident,")
        contact = (
            _("If you prefer, call us on %(phone)s and we will take your answer by telephone.") % params
            if params["phone"]
            else ""
        )
        check = (
            _("Anyone can check how the lottery was drawn: %(url)s") % {"url": audit_url} if audit_url else ""
        )
        schedule = [
            _("%(title)s: %(start)s") % {"title": s.title, "start": _date(s.starts_at)}
            for s in consultation.sessions.all()
        ]
        sessions = (_("The sessions: ") + "; ".join(schedule)) if schedule else ""
        if kind in {"invitation", "reminder"}:
            opening = (
                _(
                    "%(town)s is holding a citizens' panel on the question “%(question)s”. You are one of "
                    "%(invited)s residents chosen at random from the resident register to be invited."
                )
                % params
            )
            if kind == "reminder":
                opening = _("We have not yet received your answer to our invitation. ") + opening
            return Message(
                subject=(_("Reminder: ") if kind == "reminder" else "")
                + _("Invitation to the citizens' panel: %(title)s") % params,
                greeting=greeting,
                paragraphs=[
                    opening,
                    _(
                        "Taking part is voluntary. If you would like to, please answer by %(deadline)s. The "
                        "panel "
                        "is chosen by a second lottery among everyone who says yes, so that it reflects the "
                        "town."
                    )
                    % params,
                    sessions,
                ],
                action=_("Answer here (yes or no):"),
                url=url,
                short_code=short_code,
                code_entry_url=code_entry_url,
                closing=[contact, check],
            )
        if kind == "selected":
            return Message(
                subject=_("You have been selected for the citizens' panel: %(title)s") % params,
                greeting=greeting,
                paragraphs=[
                    _(
                        "Thank you for offering to take part. In the lottery among the %(pool)s residents "
                        "who "
                        "said yes, you were selected for the panel."
                    )
                    % params,
                    sessions,
                    _("Please confirm that you will take part, or tell us if you no longer can."),
                ],
                action=_("Confirm here:"),
                url=url,
                short_code=short_code,
                code_entry_url=code_entry_url,
                closing=[contact, check],
            )
        if kind == "alternate":
            return Message(
                subject=_("You are on the reserve list of the citizens' panel: %(title)s") % params,
                greeting=greeting,
                paragraphs=[
                    _(
                        "Thank you for offering to take part. In the lottery among the %(pool)s residents "
                        "who "
                        "said yes, you were drawn as a reserve. If a panel member cannot take part, we may "
                        "call on you; we will contact you if so."
                    )
                    % params,
                    sessions,
                ],
                closing=[contact, check],
            )
        if kind == "not_selected":
            return Message(
                subject=_("Thank you for offering to take part: %(title)s") % params,
                greeting=greeting,
                paragraphs=[
                    _(
                        "Thank you very much for offering to take part in the citizens' panel on "
                        "“%(question)s”. "
                        "Places are few, and this time the lottery among the %(pool)s residents who said yes "
                        "did "
                        "not select you. The lottery is the fairest way to fill the places; it says nothing "
                        "about you."
                    )
                    % params,
                    _(
                        "We will publish the panel's recommendations, and we hope you will take part in the "
                        "town's consultations again."
                    ),
                ],
                closing=[check],
            )
        raise ValueError(f"unknown message kind {kind!r}")
