"""Panel selection: quotas, a committed draw over the frozen pool, the LEXIMIN job, the seeded panel draw."""

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civic.errors import ServiceError
from civic.jobs import enqueue_on_commit
from consultations import lottery
from consultations.models import Consultation, Draw, Quota, Respondent, SelectionRun
from consultations.selectors import engine_instance, explain_infeasible
from consultations.services.common import Actor, actor_or_none, locked, record_event, refuse_if_purged
from consultations.services.invitations import outcome_notify, outcomes_notify
from consultations.services.lottery import create_commitment, reveal
from consultations.sortition import (
    Distribution,
    Progress,
    SortitionError,
    leximin,
)
from consultations.sortition.diagnose import ensure_feasible

logger = logging.getLogger(__name__)
SLUG = re.compile(r"^[-a-zA-Z0-9_]{1,40}$")


@dataclass(frozen=True)
class QuotaRow:
    category: str
    category_label: str
    value: str
    value_label: str
    min: int
    max: int


def _check_quota_rows(rows: Sequence[QuotaRow], panel_size: int) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    by_category: dict[str, list[QuotaRow]] = {}
    for index, row in enumerate(rows):
        where = f"row_{index}"
        if not row.category or not row.value or not row.category_label or not row.value_label:
            errors.setdefault(where, []).append(
                _("Every quota needs a category, a question, a value and an answer.")
            )
            continue
        if not SLUG.match(row.category) or not SLUG.match(row.value):
            errors.setdefault(where, []).append(
                _("Categories and values are short codes of letters, digits, - and _ (like age or 20s).")
            )
        if (row.category, row.value) in seen:
            errors.setdefault(where, []).append(
                _("%(category)s=%(value)s is listed twice.") % {"category": row.category, "value": row.value}
            )
        seen.add((row.category, row.value))
        if row.min < 0 or row.max < 0:
            errors.setdefault(where, []).append(_("Minimums and maximums cannot be negative."))
        if row.min > row.max:
            errors.setdefault(where, []).append(
                _("The minimum of %(label)s (%(min)s) is above its maximum (%(max)s).")
                % {"label": row.value_label, "min": row.min, "max": row.max}
            )
        by_category.setdefault(row.category, []).append(row)
    for category, members in by_category.items():
        label = members[0].category_label
        if len({m.category_label for m in members}) > 1:
            errors.setdefault("quotas", []).append(
                _("The values of %(category)s have different questions; use one question per category.")
                % {"category": category}
            )
        mins, maxs = sum(m.min for m in members), sum(m.max for m in members)
        if mins > panel_size:
            errors.setdefault("quotas", []).append(
                _("The minimums of “%(label)s” add up to %(sum)s, more than the panel size %(size)s.")
                % {"label": label, "sum": mins, "size": panel_size}
            )
        if maxs < panel_size:
            errors.setdefault("quotas", []).append(
                _("The maximums of “%(label)s” add up to %(sum)s, less than the panel size %(size)s.")
                % {"label": label, "sum": maxs, "size": panel_size}
            )
    return errors


@transaction.atomic
def quotas_set(*, consultation: Consultation, rows: Sequence[QuotaRow], by: Actor) -> list[Quota]:
    """Replace the quotas; refused if they cannot fit the panel size or the selection has started."""
    consultation = locked(consultation)
    refuse_if_purged(consultation)
    if consultation.draws.filter(stage=Draw.Stage.PANEL).exclude(status=Draw.Status.VOIDED).exists():
        raise ServiceError(_("The quotas are fixed once the panel selection has started."))
    if not rows:
        raise ServiceError(
            _("Give at least one quota."), field_errors={"quotas": [_("Give at least one quota.")]}
        )
    errors = _check_quota_rows(rows, consultation.panel_size)
    if errors:
        first = next(iter(errors.values()))[0]
        raise ServiceError(first, field_errors=errors)
    before = [[q.category, q.value, q.min, q.max] for q in consultation.quotas.all()]
    consultation.quotas.all().delete()
    created = Quota.objects.bulk_create(
        [
            Quota(
                consultation=consultation,
                category=row.category,
                category_label=row.category_label,
                value=row.value,
                value_label=row.value_label,
                min=row.min,
                max=row.max,
                order=index,
            )
            for index, row in enumerate(rows)
        ]
    )
    after = [[q.category, q.value, q.min, q.max] for q in created]
    record_event(consultation, by, "quotas_set", before=before, after=after)
    return created


def panel_inputs(
    consultation: Consultation,
) -> tuple[list[lottery.PoolMember], list[lottery.QuotaSpec], dict[str, Any]]:
    pool = [
        lottery.PoolMember(key, features)
        for key, features in Respondent.objects.filter(consultation=consultation)
        .order_by("key")
        .values_list("key", "features")
    ]
    quotas = [
        lottery.QuotaSpec(q.category, q.value, q.min, q.max)
        for q in consultation.quotas.order_by("order", "pk")
    ]
    inputs = {
        "pool": [[m.key, dict(sorted(m.features.items()))] for m in pool],
        "quotas": [[q.category, q.value, q.min, q.max] for q in quotas],
        "panel_size": consultation.panel_size,
    }
    return pool, quotas, inputs


@transaction.atomic
def selection_start(
    *, consultation: Consultation, by: Actor, seed: str = "", keep_seed: bool = False, method: str = "leximin"
) -> SelectionRun:
    """Freeze the pool and quotas, commit the panel draw's seed, compute the selection in the background."""
    from consultations.tasks import run_selection

    consultation = locked(consultation)
    refuse_if_purged(consultation)
    if method != "leximin":
        raise ServiceError(_("Unknown selection method %(method)s.") % {"method": method})
    if consultation.status != Consultation.Status.RECRUITING:
        raise ServiceError(
            _("The panel is selected while the consultation is recruiting; it is %(status)s now.")
            % {"status": consultation.get_status_display()}
        )
    pool, quotas, inputs = panel_inputs(consultation)
    if not quotas:
        raise ServiceError(_("Set the quotas before selecting the panel."))
    if len(pool) < consultation.panel_size:
        raise ServiceError(
            _(
                "The panel size (%(size)s) is larger than the number of people who said yes (%(pool)s). "
                "Wait for more answers, send reminders, or make the panel smaller."
            )
            % {"size": consultation.panel_size, "pool": len(pool)}
        )
    try:
        instance = engine_instance(inputs)
        ensure_feasible(instance)
    except SortitionError as error:
        raise ServiceError(explain_infeasible(error, consultation)) from None
    draw = create_commitment(
        consultation=consultation,
        stage=Draw.Stage.PANEL,
        algorithm=lottery.PANEL_ALGORITHM,
        parameters={
            "panel_size": consultation.panel_size,
            "alternates": consultation.alternates,
            "method": method,
        },
        inputs=inputs,
        fingerprint=lottery.pool_fingerprint(pool, quotas, consultation.panel_size),
        seed=seed,
        keep_seed=keep_seed,
        by=by,
    )
    run = SelectionRun.objects.create(consultation=consultation, method=method, created_by=actor_or_none(by))
    draw.selection_run = run
    draw.save(update_fields=["selection_run"])
    consultation.status = Consultation.Status.SELECTING
    consultation.save(update_fields=["status", "updated_at"])
    record_event(consultation, by, "selection_started", run=run.pk, draw=draw.pk, pool=len(pool))
    enqueue_on_commit(run_selection, run.pk)
    return run


def selection_run(*, run_id: int) -> SelectionRun:
    """Compute the LEXIMIN distribution for the committed inputs (the job), then draw the panel if the seed is
    stored; progress is written as it goes so the admin page can show it."""
    run = SelectionRun.objects.select_related("consultation").get(pk=run_id)
    if run.status in {SelectionRun.Status.DONE, SelectionRun.Status.FAILED}:
        return run
    draw = Draw.objects.get(selection_run=run)
    runs = SelectionRun.objects.filter(pk=run.pk)
    runs.update(
        status=SelectionRun.Status.RUNNING, started_at=timezone.now(), message=_("Grouping respondents")
    )

    def progress(step: Progress) -> None:
        runs.update(
            progress_done=step.fixed,
            progress_total=step.total,
            message=_("%(fixed)s of %(total)s groups settled after %(rounds)s rounds")
            % {"fixed": step.fixed, "total": step.total, "rounds": step.rounds},
        )

    try:
        instance = engine_instance(draw.inputs)
        selection = leximin(instance, progress=progress)
    except SortitionError as error:
        message = explain_infeasible(error, run.consultation)
        _fail(run, draw, message)
        run.refresh_from_db()
        return run
    assert selection.distribution is not None  # leximin always returns one
    distribution = selection.distribution.to_dict()
    with transaction.atomic():
        locked(run.consultation)
        draw = Draw.objects.select_for_update().get(pk=draw.pk)
        if draw.status != Draw.Status.COMMITTED:
            runs.update(status=SelectionRun.Status.FAILED, error=_("The draw was voided while computing."))
            run.refresh_from_db()
            return run
        draw.distribution = distribution
        draw.distribution_hash = lottery.distribution_hash(distribution)
        draw.save(update_fields=["distribution", "distribution_hash"])
        runs.update(
            status=SelectionRun.Status.DONE,
            probabilities=dict(selection.probabilities),
            stats={
                **selection.stats,
                "seconds": round(selection.seconds, 3),
                "min": selection.min_probability,
            },
            progress_done=instance.types.count,
            progress_total=instance.types.count,
            message=_("Done"),
            finished_at=timezone.now(),
        )
        record_event(
            run.consultation, run.created_by, "selection_computed", run=run.pk, **dict(selection.stats)
        )
        if draw.seed:
            panel_draw(draw=draw, by=run.created_by)
    run.refresh_from_db()
    return run


def _fail(run: SelectionRun, draw: Draw, message: str) -> None:
    with transaction.atomic():
        consultation = locked(run.consultation)
        SelectionRun.objects.filter(pk=run.pk).update(
            status=SelectionRun.Status.FAILED, error=message, message=message, finished_at=timezone.now()
        )
        Draw.objects.filter(pk=draw.pk, status=Draw.Status.COMMITTED).update(
            status=Draw.Status.VOIDED,
            void_reason=_("The selection could not be computed: %(reason)s") % {"reason": message},
            voided_at=timezone.now(),
        )
        if consultation.status == Consultation.Status.SELECTING:
            consultation.status = Consultation.Status.RECRUITING
            consultation.save(update_fields=["status", "updated_at"])
        record_event(consultation, run.created_by, "selection_failed", run=run.pk, error=message)


@transaction.atomic
def panel_draw(*, draw: Draw, by: Actor, seed: str = "") -> Draw:
    """Reveal the seed and draw the panel and alternates from the stored distribution; tell everyone after."""
    consultation = locked(draw.consultation)
    draw = Draw.objects.select_for_update().get(pk=draw.pk)
    if draw.stage != Draw.Stage.PANEL or draw.status != Draw.Status.COMMITTED:
        raise ServiceError(_("This draw has already been made or was voided."))
    if draw.distribution is None:
        raise ServiceError(_("The selection is still being computed; draw the panel when it is done."))
    revealed = reveal(draw, seed)
    distribution = Distribution.from_dict(draw.distribution)
    try:
        result = lottery.draw_panel(
            distribution,
            engine_instance(draw.inputs),
            seed=revealed,
            alternates=int(draw.parameters.get("alternates", 0)),
        )
    except lottery.LotteryError as error:
        raise ServiceError(
            _("The panel could not be drawn: %(reason)s") % {"reason": error.params.get("reason", error.code)}
        ) from None
    draw.seed, draw.seed_revealed, draw.revealed_at = revealed, True, timezone.now()
    draw.result = {"panel": result.panel, "alternates": result.alternates, "replaces": result.replaces}
    draw.status = Draw.Status.DRAWN
    draw.save(update_fields=["seed", "seed_revealed", "revealed_at", "result", "status"])
    respondents = Respondent.objects.filter(consultation=consultation)
    respondents.update(outcome=Respondent.Outcome.NOT_SELECTED)
    respondents.filter(key__in=result.panel).update(outcome=Respondent.Outcome.SELECTED)
    respondents.filter(key__in=result.alternates).update(outcome=Respondent.Outcome.ALTERNATE)
    record_event(
        consultation,
        by,
        "panel_drawn",
        draw=draw.pk,
        seed=revealed,
        panel=result.panel,
        alternates=result.alternates,
    )
    outcomes_notify(consultation)
    return draw


@transaction.atomic
def panel_seat_refill(*, respondent: Respondent, by: Actor) -> Respondent:
    """Give the seat of a panel member who withdrew to the best-ranked alternate who can take it with every
    quota kept (lottery.seat_refill, the rule the audit re-checks), and tell them they are selected; the one
    called, or ServiceError (nothing changes) when no alternate can take it."""
    consultation = locked(respondent.consultation)
    refuse_if_purged(consultation)
    leaving = Respondent.objects.select_for_update().get(pk=respondent.pk)
    if leaving.outcome == Respondent.Outcome.REPLACED:
        raise ServiceError(_("This member's seat has already been given to an alternate."))
    if (
        leaving.outcome != Respondent.Outcome.SELECTED
        or leaving.attendance != Respondent.Attendance.WITHDRAWN
    ):
        raise ServiceError(_("Only a panel member who has withdrawn can be replaced."))
    draw = consultation.draws.filter(stage=Draw.Stage.PANEL, status=Draw.Status.DRAWN).order_by("-pk").first()
    if draw is None:
        raise ServiceError(_("The panel has not been drawn yet."))
    outcomes = dict(consultation.respondents.values_list("key", "outcome"))
    ranked = list(draw.result.get("alternates", []))
    called = lottery.seat_refill(
        engine_instance(draw.inputs),
        seated=[key for key, outcome in outcomes.items() if outcome == Respondent.Outcome.SELECTED],
        waiting=[key for key in ranked if outcomes.get(key) == Respondent.Outcome.ALTERNATE],
        ranked=ranked,
        leaving=leaving.key,
    )
    if called is None:
        raise ServiceError(
            _(
                "No alternate left can take this seat with every quota kept; "
                "the panel goes on one member short."
            )
        )
    leaving.outcome = Respondent.Outcome.REPLACED
    leaving.save(update_fields=["outcome", "updated_at"])
    chosen = (
        Respondent.objects.select_for_update()
        .select_related("invitation__entry")
        .get(consultation=consultation, key=called)
    )
    chosen.outcome, chosen.attendance = Respondent.Outcome.SELECTED, Respondent.Attendance.UNKNOWN
    chosen.notified_at = None  # their "selected" letter is one to print, if letters it is
    chosen.save(update_fields=["outcome", "attendance", "notified_at", "updated_at"])
    record_event(
        consultation,
        by,
        "seat_refilled",
        draw=draw.pk,
        leaving=leaving.key,
        alternate=called,
        rank=ranked.index(called) + 1,
    )
    outcome_notify(chosen)
    return chosen


def _next_status(current: str) -> set[str]:
    flow = {
        Consultation.Status.SELECTING: {Consultation.Status.LIVE},
        Consultation.Status.LIVE: {Consultation.Status.CLOSED},
        Consultation.Status.CLOSED: {Consultation.Status.REPORTED},
    }
    return {str(s) for s in flow.get(Consultation.Status(current), set())}


@transaction.atomic
def consultation_set_status(*, consultation: Consultation, status: str, by: Actor) -> Consultation:
    """Move a consultation on: selecting -> live (once the panel is drawn) -> closed -> reported.

    The earlier steps happen through the lotteries themselves (drawing invitations, starting the selection).
    """
    consultation = locked(consultation)
    if status not in _next_status(consultation.status):
        raise ServiceError(
            _("A consultation that is %(current)s cannot become %(next)s.")
            % {
                "current": consultation.get_status_display(),
                "next": Consultation.Status(status).label if status in Consultation.Status.values else status,
            }
        )
    if status == Consultation.Status.LIVE:
        drawn = consultation.draws.filter(stage=Draw.Stage.PANEL, status=Draw.Status.DRAWN).exists()
        if not drawn:
            raise ServiceError(_("Draw the panel before the consultation goes live."))
    before = consultation.status
    consultation.status = status
    consultation.save(update_fields=["status", "updated_at"])
    record_event(consultation, by, "status_changed", before=before, after=status)
    return consultation
