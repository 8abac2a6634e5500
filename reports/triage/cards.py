"""The board's cards as HTML, built with `format_html` as Django's admin builds its change-list rows: a page
shows up to 200 cards, and a template include per card costs more than the queries that fetch them."""

from dataclasses import dataclass

from django.conf import settings
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

from reports.models import Report


@dataclass(frozen=True, slots=True)
class CardContext:
    """What every card of one page shares: the town, the words, and whether cards can be selected."""

    town_slug: str
    may_work: bool
    sla_labels: dict[str, str]
    detail_base: str
    select_label: str
    unassigned: str

    @classmethod
    def make(cls, *, town_slug: str, may_work: bool, sla_labels: dict[str, str]) -> "CardContext":
        return cls(
            town_slug=town_slug,
            may_work=may_work,
            sla_labels=sla_labels,
            detail_base=detail_base(),
            select_label=_("Select"),
            unassigned=_("unassigned"),
        )


def detail_base() -> str:
    """The detail panel's URL without the report id, to build many links without reversing each."""
    return reverse("triage:detail", args=[0]).removesuffix("0/")


def card_html(card: Report, context: CardContext) -> SafeString:
    """One card of `card_queryset` (with its SLA state) as the board's list item."""
    sla = getattr(card, "sla_state", "none")
    thumb = getattr(card, "thumb", "") or ""
    created = localtime(card.created_at)
    return format_html(
        '<li class="triage-card sla-{sla}" id="card-{id}" data-id="{id}" data-version="{version}" '
        'data-status="{status}">{select}{thumb}<div class="triage-card-body">'
        '<a class="triage-ref" href="{base}{id}/?town={town}"><span class="triage-icon icon-{icon}" '
        'aria-hidden="true"></span>{reference}</a><span class="triage-title">{title}</span>'
        '<span class="triage-meta">{area}<time datetime="{iso}">{when}</time></span>'
        '<span class="triage-meta"><span class="triage-priority priority-{priority}">{priority_label}</span>'
        ' · {assignee}</span><span class="triage-sla" data-sla="{sla}">{sla_label}</span></div></li>',
        sla=sla,
        id=card.pk,
        version=card.version,
        status=card.status,
        select=format_html(
            '<input type="checkbox" name="report" value="{}" form="triage-bulk" aria-label="{} {}">',
            card.pk,
            context.select_label,
            card.reference,
        )
        if context.may_work
        else "",
        thumb=format_html(
            '<img class="triage-thumb" src="{}{}" alt="" width="56" height="56" loading="lazy">',
            settings.MEDIA_URL,
            thumb,
        )
        if thumb
        else "",
        base=context.detail_base,
        town=context.town_slug,
        icon=card.category.icon,
        reference=card.reference,
        title=card.title or card.category.name,
        area=format_html("{} · ", card.area.name) if card.area_id and card.area else "",
        iso=created.isoformat(),
        when=created.strftime("%Y-%m-%d %H:%M"),
        priority=card.priority,
        priority_label=card.get_priority_display(),
        assignee=card.assignee.get_username() if card.assignee_id and card.assignee else context.unassigned,
        sla_label=context.sla_labels.get(sla, ""),
    )
