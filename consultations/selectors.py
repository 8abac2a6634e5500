"""Read queries of consultations: the RSVP questions, feasibility, the admin overview and the public audit."""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from civic.roles import Role
from consultations.models import (
    Consultation,
    Draw,
    Invitation,
    Quota,
    Respondent,
    RosterEntry,
    SelectionRun,
)
from consultations.sortition import InfeasibleQuotas, Instance, SortitionError, make_instance
from consultations.sortition import Quota as EngineQuota
from consultations.sortition import Respondent as EngineRespondent
from consultations.sortition.diagnose import ensure_feasible

MANAGING_ROLES = (Role.FACILITATOR, Role.SITE_ADMIN)


def managed_consultations(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Consultation]:
    """The consultations a user may run: facilitators and site administrators of the town; superusers all."""
    if not user.is_authenticated:
        return Consultation.objects.none()
    if getattr(user, "is_superuser", False):
        return Consultation.objects.all()
    return Consultation.objects.filter(
        municipality__memberships__user=user, municipality__memberships__role__in=MANAGING_ROLES
    ).distinct()


def can_manage(user: AbstractBaseUser | AnonymousUser, consultation: Consultation) -> bool:
    return managed_consultations(user).filter(pk=consultation.pk).exists()


@dataclass(frozen=True)
class Question:
    category: str
    label: str
    choices: list[tuple[str, str]]
    known: str | None = None  # the answer already known from the roster (the district)


def questions_for(consultation: Consultation, entry: RosterEntry | None = None) -> list[Question]:
    """One question per quota category, in the operator's order; the district is taken from the roster."""
    grouped: dict[str, list[Quota]] = {}
    for quota in consultation.quotas.order_by("order", "pk"):
        grouped.setdefault(quota.category, []).append(quota)
    questions: list[Question] = []
    for category, quotas in grouped.items():
        known = None
        if category == "district" and entry is not None and entry.district:
            wanted = entry.district.casefold()
            known = next(
                (q.value for q in quotas if wanted in {q.value.casefold(), q.value_label.casefold()}), None
            )
        questions.append(
            Question(category, quotas[0].category_label, [(q.value, q.value_label) for q in quotas], known)
        )
    return questions


def engine_instance(inputs: Mapping[str, Any]) -> Instance:
    """The sortition engine's instance for a panel draw's frozen inputs (pool, quotas, panel size)."""
    quotas = [EngineQuota(c, v, int(lo), int(hi)) for c, v, lo, hi in inputs["quotas"]]
    people = [EngineRespondent(str(key), dict(features)) for key, features in inputs["pool"]]
    return make_instance(quotas, people, int(inputs["panel_size"]))


def explain_infeasible(error: SortitionError, consultation: Consultation) -> str:
    """The engine's refusal in the operator's language, with its smallest fix when the quotas conflict (in
    the quotas' own labels, as the quotas page shows them)."""
    if isinstance(error, InfeasibleQuotas) and error.relaxations:
        labels = {(q.category, q.value): (q.category_label, q.value_label) for q in consultation.quotas.all()}
        changes = []
        for r in error.relaxations:
            category, value = labels.get((r.category, r.value), (r.category, r.value))
            params = {"category": category, "value": value, "current": r.current, "suggested": r.suggested}
            if r.bound == "min":
                changes.append(
                    _("lower the minimum of %(category)s “%(value)s” from %(current)s to %(suggested)s")
                    % params
                )
            else:
                changes.append(
                    _("raise the maximum of %(category)s “%(value)s” from %(current)s to %(suggested)s")
                    % params
                )
        return _(
            "No panel of this size can meet every quota with the people who said yes. The smallest change "
            "that would make it possible: %(changes)s."
        ) % {"changes": "; ".join(changes)}
    if isinstance(error, InfeasibleQuotas):
        return _(
            "No panel of this size can meet every quota with the people who said yes. (Details: %(details)s)"
        ) % {"details": error.message}
    return _("The selection cannot be made: %(details)s") % {"details": error.message}


@dataclass(frozen=True)
class Feasibility:
    checked: bool
    feasible: bool
    messages: list[str] = field(default_factory=list)


def quotas_feasibility(consultation: Consultation) -> Feasibility:
    """Whether the quotas can be met by the people who said yes so far (checked at once, by the engine)."""
    from consultations.services.selection import panel_inputs

    pool, quotas, inputs = panel_inputs(consultation)
    if not quotas:
        return Feasibility(False, False, [_("No quotas are set yet.")])
    if not pool:
        return Feasibility(False, False, [_("Nobody has said yes yet, so the quotas cannot be checked.")])
    if len(pool) < consultation.panel_size:
        return Feasibility(
            True,
            False,
            [
                _("The panel size (%(size)s) is larger than the number of people who said yes (%(pool)s).")
                % {"size": consultation.panel_size, "pool": len(pool)}
            ],
        )
    try:
        ensure_feasible(engine_instance(inputs))
    except SortitionError as error:
        return Feasibility(True, False, [explain_infeasible(error, consultation)])
    return Feasibility(True, True, [_("The quotas can be met by the people who said yes so far.")])


def live_draw(consultation: Consultation, stage: str) -> Draw | None:
    return consultation.draws.filter(stage=stage).exclude(status=Draw.Status.VOIDED).first()


def latest_run(consultation: Consultation) -> SelectionRun | None:
    return consultation.selection_runs.order_by("-created_at", "-pk").first()


@dataclass(frozen=True)
class Counts:
    roster: int
    invited: int
    accepted: int
    declined: int
    pending: int
    selected: int
    alternates: int
    confirmed: int


def consultation_counts(consultation: Consultation) -> Counts:
    invitations = consultation.invitations.exclude(status=Invitation.Status.REVOKED).aggregate(
        invited=Count("pk"),
        accepted=Count("pk", filter=Q(status=Invitation.Status.ACCEPTED)),
        declined=Count("pk", filter=Q(status=Invitation.Status.DECLINED)),
        pending=Count("pk", filter=Q(status=Invitation.Status.PENDING)),
    )
    respondents = consultation.respondents.aggregate(
        selected=Count("pk", filter=Q(outcome=Respondent.Outcome.SELECTED)),
        alternates=Count("pk", filter=Q(outcome=Respondent.Outcome.ALTERNATE)),
        confirmed=Count("pk", filter=Q(attendance=Respondent.Attendance.CONFIRMED)),
    )
    return Counts(roster=consultation.roster.count(), **invitations, **respondents)


def consultation_public_summary(*, consultation: Consultation) -> dict[str, Any]:
    """What the consultation's public page shows: status, schedule and totals (no personal data)."""
    return {
        "consultation": consultation,
        "sessions": list(consultation.sessions.order_by("starts_at")),
        "counts": consultation_counts(consultation),
    }


@dataclass(frozen=True)
class StratumRow:
    label: str
    roster: int = 0
    invited: int = 0
    accepted: int = 0
    declined: int = 0
    selected: int = 0


@dataclass(frozen=True)
class QuotaRowView:
    category_label: str
    value_label: str
    min: int
    max: int
    respondents: int
    selected: int

    @property
    def met(self) -> bool:
        return self.min <= self.selected <= self.max


@dataclass(frozen=True)
class TypeRow:
    values: list[str]
    respondents: int
    probability: float
    selected: int


@dataclass
class AuditReport:
    consultation: Consultation
    draws: list[Draw]
    invitation_draw: Draw | None
    panel_draw: Draw | None
    counts: Counts
    districts: list[StratumRow]
    quotas: list[QuotaRowView]
    categories: list[str]
    types: list[TypeRow]
    min_probability: float | None
    max_probability: float | None


def audit_report(consultation: Consultation) -> AuditReport:
    """Everything the public audit page shows: aggregates only, never a person's data or key."""
    draws = list(consultation.draws.order_by("committed_at", "pk"))
    invitation_draw = next(
        (d for d in draws if d.stage == Draw.Stage.INVITATIONS and d.status != Draw.Status.VOIDED), None
    )
    panel = next((d for d in draws if d.stage == Draw.Stage.PANEL and d.status != Draw.Status.VOIDED), None)
    roster = Counter(consultation.roster.values_list("district", flat=True))
    invited: Counter[str] = Counter()
    accepted: Counter[str] = Counter()
    declined: Counter[str] = Counter()
    selected_by_district: Counter[str] = Counter()
    live = consultation.invitations.exclude(status=Invitation.Status.REVOKED)
    for district, status, outcome in live.values_list("entry__district", "status", "respondent__outcome"):
        invited[district] += 1
        if status == Invitation.Status.ACCEPTED:
            accepted[district] += 1
        elif status == Invitation.Status.DECLINED:
            declined[district] += 1
        if outcome == Respondent.Outcome.SELECTED:
            selected_by_district[district] += 1
    districts = [
        StratumRow(
            name or _("(no district)"),
            roster[name],
            invited[name],
            accepted[name],
            declined[name],
            selected_by_district[name],
        )
        for name in sorted(roster)
    ]
    respondents = list(consultation.respondents.values_list("key", "features", "outcome"))
    quota_rows: list[QuotaRowView] = []
    labels: dict[tuple[str, str], str] = {}
    category_labels: dict[str, str] = {}
    for quota in consultation.quotas.order_by("order", "pk"):
        labels[(quota.category, quota.value)] = quota.value_label
        category_labels.setdefault(quota.category, quota.category_label)
        quota_rows.append(
            QuotaRowView(
                quota.category_label,
                quota.value_label,
                quota.min,
                quota.max,
                sum(1 for _k, f, _o in respondents if f.get(quota.category) == quota.value),
                sum(
                    1
                    for _k, f, o in respondents
                    if f.get(quota.category) == quota.value and o == Respondent.Outcome.SELECTED
                ),
            )
        )
    types: list[TypeRow] = []
    lowest = highest = None
    if panel is not None and panel.distribution:
        on_panel = set(panel.result.get("panel", []))
        per_type: dict[int, float] = {}
        for weighted in panel.distribution["panels"]:
            for index, count in weighted["counts"]:
                per_type[index] = per_type.get(index, 0.0) + weighted["probability"] * count
        for index, kind in enumerate(panel.distribution["types"]):
            members = kind["members"]
            probability = per_type.get(index, 0.0) / len(members)
            values = [labels.get((c, v), v) for c, v in kind["values"].items()]
            types.append(TypeRow(values, len(members), probability, sum(1 for m in members if m in on_panel)))
        types.sort(key=lambda t: (-t.probability, t.values))
        if types:
            lowest, highest = min(t.probability for t in types), max(t.probability for t in types)
    categories = list(category_labels.values())
    if panel is not None and panel.distribution and panel.distribution["types"]:
        order = list(panel.distribution["types"][0]["values"])
        categories = [category_labels.get(c, c) for c in order]
    return AuditReport(
        consultation=consultation,
        draws=draws,
        invitation_draw=invitation_draw,
        panel_draw=panel,
        counts=consultation_counts(consultation),
        districts=districts,
        quotas=quota_rows,
        categories=categories,
        types=types,
        min_probability=lowest,
        max_probability=highest,
    )


@dataclass(frozen=True)
class RespondentRow:
    respondent: Respondent
    answers: list[str]
    probability: float | None


def respondents_overview(consultation: Consultation) -> list[RespondentRow]:
    """Every respondent with their answers and, once computed, their selection probability (staff only)."""
    run = consultation.selection_runs.filter(status=SelectionRun.Status.DONE).order_by("-created_at").first()
    probabilities: Mapping[str, float] = run.probabilities if run else {}
    labels = {(q.category, q.value): q.value_label for q in consultation.quotas.all()}
    order = list(dict.fromkeys(q.category for q in consultation.quotas.order_by("order", "pk")))
    rows = []
    for respondent in consultation.respondents.select_related("invitation").order_by("key"):
        answers = [
            labels.get((c, respondent.features.get(c, "")), respondent.features.get(c, "—")) for c in order
        ]
        rows.append(RespondentRow(respondent, answers, probabilities.get(respondent.key)))
    return rows


def invitation_search(consultation: Consultation, query: str) -> QuerySet[Invitation]:
    """Invitations matched by name, address or phone-friendly fragments, for staff taking answers by phone."""
    query = " ".join(query.split())
    invitations = consultation.invitations.select_related("entry").exclude(status=Invitation.Status.REVOKED)
    if not query:
        return invitations.none()
    plain = query.replace(" ", "")
    return invitations.filter(
        Q(entry__name__icontains=query)
        | Q(entry__name__icontains=plain)
        | Q(entry__address__icontains=query)
        | Q(entry__ref=query)
        | Q(entry__key=query.upper())
    ).order_by("entry__name")[:50]
