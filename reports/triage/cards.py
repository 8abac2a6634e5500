"""The board's cards as HTML. A page shows up to 200 cards, so each is one f-string with every field escaped
once (`html.escape`, as Django's `escape` does) rather than a template include or nested `format_html`."""

from dataclasses import dataclass
from html import escape

from django.conf import settings
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from reports.triage.selectors import Card, priority_labels


@dataclass(frozen=True, slots=True)
class CardContext:
    """What every card of one page shares, escaped once: the town, the words, whether cards are selectable."""

    town_slug: str
    may_work: bool
    sla_labels: dict[str, str]
    priority_labels: dict[str, str]
    detail_base: str
    select_label: str
    unassigned: str
    media_url: str

    @classmethod
    def make(cls, *, town_slug: str, may_work: bool, sla_labels: dict[str, str]) -> "CardContext":
        return cls(
            town_slug=escape(town_slug),
            may_work=may_work,
            sla_labels={state: escape(label) for state, label in sla_labels.items()},
            priority_labels={value: escape(label) for value, label in priority_labels().items()},
            detail_base=escape(detail_base()),
            select_label=escape(_("Select")),
            unassigned=escape(_("unassigned")),
            media_url=escape(settings.MEDIA_URL),
        )


def detail_base() -> str:
    """The detail panel's URL without the report id, to build many links without reversing each."""
    return reverse("triage:detail", args=[0]).removesuffix("0/")


def card_html(card: Card, context: CardContext) -> SafeString:
    """One card as the board's list item; every value from the card is escaped here."""
    pk, sla, reference = card.pk, escape(card.sla_state), escape(card.reference)
    select = (
        f'<input type="checkbox" name="report" value="{pk}" form="triage-bulk" '
        f'aria-label="{context.select_label} {reference}">'
        if context.may_work
        else ""
    )
    thumb = (
        f'<img class="triage-thumb" src="{context.media_url}{escape(card.thumb)}" alt="" width="56" '
        'height="56" loading="lazy">'
        if card.thumb
        else ""
    )
    area = f"{escape(card.area)} · " if card.area else ""
    assignee = escape(card.assignee_username) if card.assignee_username else context.unassigned
    priority = escape(card.priority)
    priority_label = context.priority_labels.get(card.priority, priority)
    sla_label = context.sla_labels.get(card.sla_state, "")
    created = localtime(card.created_at)
    return mark_safe(  # noqa: S308 - every value above is escaped
        f'<li class="triage-card sla-{sla}" id="card-{pk}" data-id="{pk}" data-version="{card.version}" '
        f'data-status="{escape(card.status)}">{select}{thumb}<div class="triage-card-body">'
        f'<a class="triage-ref" href="{context.detail_base}{pk}/?town={context.town_slug}">'
        f'<span class="triage-icon icon-{escape(card.category_icon)}" aria-hidden="true"></span>'
        f"{reference}</a>"
        f'<span class="triage-title">{escape(card.title)}</span>'
        f'<span class="triage-meta">{area}<time datetime="{created.isoformat()}">'
        f"{created.strftime('%Y-%m-%d %H:%M')}</time></span>"
        f'<span class="triage-meta"><span class="triage-priority priority-{priority}">{priority_label}</span>'
        f' · {assignee}</span><span class="triage-sla" data-sla="{sla}">{sla_label}</span></div></li>'
    )


def cards_html(cards: list[Card], context: CardContext) -> SafeString:
    """A column's cards, as one piece of HTML for the template to place."""
    return mark_safe("".join([card_html(card, context) for card in cards]))  # noqa: S308 - escaped cards
