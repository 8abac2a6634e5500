"""Re-computing a consultation's draws from their recorded inputs and seeds, saying where anything differs.

Used by `manage.py verify_lottery` (which also re-computes the LEXIMIN distribution) and by the audit page.
"""

from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from consultations import lottery
from consultations.models import Consultation, Draw, Invitation, Respondent
from consultations.selectors import engine_instance
from consultations.sortition import Distribution, SortitionError, leximin

PROBABILITY_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Check:
    draw: int
    stage: str
    name: str
    ok: bool
    detail: str = ""


@dataclass
class Verification:
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)

    @property
    def first_difference(self) -> Check | None:
        return next((check for check in self.checks if not check.ok), None)

    def add(self, draw: Draw, name: str, ok: bool, detail: str = "") -> bool:
        self.checks.append(Check(draw.pk, draw.stage, name, ok, detail))
        return ok


def _first_mismatch(recorded: Sequence[str], recomputed: Sequence[str]) -> str:
    for index, (a, b) in enumerate(zip(recorded, recomputed, strict=False)):
        if a != b:
            return _("position %(index)s: recorded %(recorded)s, recomputed %(recomputed)s") % {
                "index": index + 1,
                "recorded": a,
                "recomputed": b,
            }
    return _("recorded %(recorded)s names, recomputed %(recomputed)s") % {
        "recorded": len(recorded),
        "recomputed": len(recomputed),
    }


def verify_consultation(consultation: Consultation, *, recompute_distribution: bool = False) -> Verification:
    """Check every draw: seed against commitment, inputs against fingerprint and the records, result against a
    fresh computation. With `recompute_distribution`, the LEXIMIN probabilities are computed again too."""
    result = Verification()
    for draw in consultation.draws.order_by("committed_at", "pk"):
        if draw.stage == Draw.Stage.INVITATIONS:
            _verify_invitations(consultation, draw, result)
        else:
            _verify_panel(consultation, draw, result, recompute_distribution)
    return result


def _common(draw: Draw, result: Verification, fingerprint: str) -> bool:
    ok = result.add(
        draw,
        _("inputs fingerprint"),
        fingerprint == draw.inputs_fingerprint,
        _("the recorded inputs hash to %(actual)s, but %(expected)s was committed")
        % {"actual": fingerprint, "expected": draw.inputs_fingerprint},
    )
    if draw.seed_revealed:
        ok = (
            result.add(
                draw,
                _("seed commitment"),
                lottery.seed_hash(draw.seed) == draw.seed_hash,
                _("the revealed seed hashes to %(actual)s, but %(expected)s was committed")
                % {"actual": lottery.seed_hash(draw.seed), "expected": draw.seed_hash},
            )
            and ok
        )
        ok = (
            result.add(
                draw,
                _("commitment before reveal"),
                draw.revealed_at is not None and draw.committed_at <= draw.revealed_at,
                _("the seed was revealed before it was committed"),
            )
            and ok
        )
    return ok


def _verify_invitations(consultation: Consultation, draw: Draw, result: Verification) -> None:
    entries = [lottery.Entry(k, d, h) for k, d, h in draw.inputs.get("entries", [])]
    if not _common(draw, result, lottery.roster_fingerprint(entries)):
        return
    live = draw.status != Draw.Status.VOIDED
    if live:
        current = sorted(consultation.roster.values_list("key", "district", "household"))
        result.add(
            draw,
            _("roster unchanged"),
            [tuple(e) for e in current] == sorted((e.key, e.district, e.household) for e in entries),
            _("the roster in the database differs from the inputs the seed was committed to"),
        )
    if not draw.seed_revealed:
        return
    parameters = draw.parameters
    try:
        recomputed = lottery.draw_invitees(
            entries,
            count=int(parameters["count"]),
            seed=draw.seed,
            stratify=bool(parameters["stratify_by_district"]),
            one_per_household=bool(parameters["one_per_household"]),
        )
    except lottery.LotteryError as error:
        result.add(draw, _("recompute invitations"), False, error.code)
        return
    recorded = list(draw.result.get("invited", []))
    result.add(
        draw, _("recompute invitations"), recorded == recomputed, _first_mismatch(recorded, recomputed)
    )
    if live:
        invited = sorted(
            draw.invitations.exclude(status=Invitation.Status.REVOKED).values_list("entry__key", flat=True)
        )
        result.add(
            draw,
            _("invitations match the draw"),
            invited == sorted(recorded),
            _("the invitations in the database are not exactly the people drawn"),
        )


def _verify_panel(consultation: Consultation, draw: Draw, result: Verification, recompute: bool) -> None:
    inputs = draw.inputs
    pool = [lottery.PoolMember(key, features) for key, features in inputs.get("pool", [])]
    quotas = [lottery.QuotaSpec(c, v, int(lo), int(hi)) for c, v, lo, hi in inputs.get("quotas", [])]
    fingerprint = lottery.pool_fingerprint(pool, quotas, int(inputs.get("panel_size", 0)))
    if not _common(draw, result, fingerprint):
        return
    live = draw.status != Draw.Status.VOIDED
    if live:
        current = sorted(
            (key, dict(sorted(features.items())))
            for key, features in consultation.respondents.values_list("key", "features")
        )
        result.add(
            draw,
            _("answers unchanged"),
            [[k, f] for k, f in current] == sorted([m.key, dict(sorted(m.features.items()))] for m in pool),
            _("the respondents or their answers in the database differ from the committed inputs"),
        )
        current_quotas = sorted([q.category, q.value, q.min, q.max] for q in consultation.quotas.all())
        result.add(
            draw,
            _("quotas unchanged"),
            current_quotas == sorted([q.category, q.value, q.min, q.max] for q in quotas),
            _("the quotas in the database differ from the committed inputs"),
        )
    if draw.distribution is None:
        return
    if not result.add(
        draw,
        _("distribution fingerprint"),
        lottery.distribution_hash(draw.distribution) == draw.distribution_hash,
        _("the stored distribution does not match its recorded hash"),
    ):
        return
    try:
        distribution = Distribution.from_dict(draw.distribution)
    except SortitionError as error:
        result.add(draw, _("distribution readable"), False, error.message)
        return
    if recompute:
        _recompute_distribution(draw, distribution, result)
    if not draw.seed_revealed:
        return
    try:
        recomputed = lottery.draw_panel(
            distribution,
            engine_instance(draw.inputs),
            seed=draw.seed,
            alternates=int(draw.parameters.get("alternates", 0)),
        )
    except (lottery.LotteryError, SortitionError) as error:
        result.add(draw, _("recompute panel"), False, str(getattr(error, "params", error)))
        return
    recorded_panel = list(draw.result.get("panel", []))
    recorded_alternates = list(draw.result.get("alternates", []))
    result.add(
        draw,
        _("recompute panel"),
        recorded_panel == recomputed.panel,
        _first_mismatch(recorded_panel, recomputed.panel),
    )
    result.add(
        draw,
        _("recompute alternates"),
        recorded_alternates == recomputed.alternates,
        _first_mismatch(recorded_alternates, recomputed.alternates),
    )
    if live:
        seated, waiting, replaced = _replay_refills(consultation, draw, result)
        outcomes = dict(consultation.respondents.values_list("key", "outcome"))

        def marked(outcome: str) -> list[str]:
            return sorted(key for key, found in outcomes.items() if found == outcome)

        result.add(
            draw,
            _("panel matches the draw"),
            marked(Respondent.Outcome.SELECTED) == sorted(seated)
            and marked(Respondent.Outcome.ALTERNATE) == sorted(waiting)
            and marked(Respondent.Outcome.REPLACED) == sorted(replaced),
            _(
                "the respondents marked selected or alternate are not exactly the people drawn "
                "and the alternates called since"
            ),
        )


def _replay_refills(
    consultation: Consultation, draw: Draw, result: Verification
) -> tuple[list[str], list[str], list[str]]:
    """The panel, the waiting alternates and the members replaced after the draw's seats given to alternates
    (the log's seat_refilled events, in order), each checked against the rule (lottery.seat_refill)."""
    ranked = list(draw.result.get("alternates", []))
    seated, waiting = list(draw.result.get("panel", [])), list(ranked)
    replaced: list[str] = []
    refills = consultation.events.filter(action="seat_refilled", data__draw=draw.pk).order_by(
        "created_at", "pk"
    )
    if not refills:
        return seated, waiting, replaced
    instance = engine_instance(draw.inputs)
    for refill in refills:
        leaving, called = refill.data.get("leaving"), refill.data.get("alternate")
        if not result.add(
            draw,
            _("seat given to alternate by the rule"),
            leaving in seated
            and lottery.seat_refill(instance, seated, waiting, ranked, str(leaving)) == called,
            _("alternate %(called)s was not the best-ranked one who keeps every quota") % {"called": called},
        ):
            break
        seated = [called if key == leaving else key for key in seated]
        waiting.remove(called)
        replaced.append(leaving)
    return seated, waiting, replaced


def _recompute_distribution(draw: Draw, stored: Distribution, result: Verification) -> None:
    try:
        fresh = leximin(engine_instance(draw.inputs))
    except SortitionError as error:
        result.add(draw, _("recompute LEXIMIN probabilities"), False, error.message)
        return
    recorded = stored.marginals()
    worst_key, worst = "", 0.0
    for key, probability in fresh.probabilities.items():
        difference = abs(probability - recorded.get(key, -1.0))
        if difference > worst:
            worst_key, worst = key, difference
    if set(recorded) != set(fresh.probabilities):
        worst_key, worst = "?", 1.0
    result.add(
        draw,
        _("recompute LEXIMIN probabilities"),
        worst <= PROBABILITY_TOLERANCE,
        _("the probability of %(key)s differs by %(difference).2g") % {"key": worst_key, "difference": worst},
    )
