"""LEXIMIN panel distributions (Flanigan et al., Nature 2021) over respondent types, with HiGHS.

Respondents with identical values are interchangeable, so a panel is a vector of counts per type and a
type's selection probability is E[count] / size; by symmetry leximin treats a type's members alike.

1. Cover: find panels that together seat every type that can sit at all; the others get probability 0.
2. Fast path: compute the leximin vector of the LP relaxation (cheap, see `relaxed`) and try to write it as
   a mixture of real panels: peel panels off it, and where the peeling gets stuck, finish by column
   generation on the small face of a point it passed (see `face`). The relaxation contains every real
   distribution, so if the mixture exists its marginals are exactly the leximin optimum.
3. Otherwise the classic leximin loop of Flanigan et al. on types: maximise the lowest probability among
   open types by column generation, fix the types whose dual value is positive (they cannot rise in any
   optimum), repeat until every type is fixed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .diagnose import ensure_feasible
from .errors import SortitionError
from .face import Face, face_of
from .master import PRICE_TOL, Master, generate
from .model import Instance, IntArray, TypeTable
from .pricing import FloatArray, PanelSearch
from .relaxed import Peeling, decompose, relaxed_leximin
from .result import Distribution, PanelType, Selection, WeightedPanel

# The mixture must reach the relaxation's leximin vector to within this factor to be accepted as exact.
MIXTURE_TOL = 1e-9


@dataclass(frozen=True, slots=True)
class Progress:
    """A snapshot for progress bars: the stage, types with a final probability, rounds, panels so far."""

    stage: str
    fixed: int
    total: int
    rounds: int
    panels: int


@dataclass(frozen=True)
class TypeDistribution:
    """The leximin result on types: panels as count vectors, their probabilities, each type's probability."""

    panels: list[IntArray]
    probabilities: FloatArray
    type_probabilities: FloatArray
    rounds: int
    integer_programs: int
    path: str


ProgressCallback = Callable[[Progress], None]


def leximin_types(
    types: TypeTable, panel_size: int, progress: ProgressCallback | None = None
) -> TypeDistribution:
    """Compute the leximin distribution over type-count panels; SortitionError if no panel exists."""
    report = progress or (lambda _: None)
    search = PanelSearch(types, panel_size)
    # Every panel found is kept here: the exact leximin loop, if needed, starts from all of them.
    pool = Master(types.sizes)
    possible = _cover(search, pool)
    report(Progress("cover", int((~possible).sum()), types.count, 0, len(pool.panels)))

    upper = np.where(possible, search.upper, 0)
    target, relaxed_rounds = relaxed_leximin(types, panel_size, upper)
    report(Progress("relaxation", 0, types.count, relaxed_rounds, len(pool.panels)))
    peeling = decompose(target * types.sizes, search)
    for panel in peeling.panels:
        pool.add(panel)
    report(Progress("decomposition", 0, types.count, relaxed_rounds, len(pool.panels)))

    def mixing() -> None:
        report(Progress("mixture", 0, types.count, relaxed_rounds, len(pool.panels)))

    mixture = _mixture(peeling, search, pool, mixing)
    if mixture is not None:
        report(Progress("mixture", types.count, types.count, relaxed_rounds, len(pool.panels)))
        panels, weights, programs = mixture
        return _result(panels, weights, types, relaxed_rounds, programs, "relaxation")

    # The relaxation's optimum is not a mixture of real panels: run the exact leximin loop, reusing panels.
    master = pool
    fixed = ~possible
    master.set_rows(np.where(possible, 1.0, 0.0), np.zeros(types.count))
    rounds = 0

    def fixing() -> None:
        report(Progress("rounds", int(fixed.sum()), types.count, rounds, len(master.panels)))

    while not fixed.all():
        rounds += 1
        floor, prices = generate(master, search, ~fixed, fixing)
        open_types = np.flatnonzero(~fixed)
        # Positive dual value: the type is at the floor in every optimum. The threshold is relative so solver
        # noise on zero duals cannot fix a type early; the prices of open types sum to 1.
        threshold = max(1e-9, min(1e-6, 0.01 / len(open_types)))
        newly = open_types[prices[open_types] > threshold]
        if len(newly) == 0:
            newly = open_types[[int(np.argmax(prices[open_types]))]]
        fixed[newly] = True
        master.fix(newly, floor)
        report(Progress("rounds", int(fixed.sum()), types.count, rounds, len(master.panels)))
    weights = master.mixture(pin_floor=True)
    return _result(master.panels, weights, types, rounds, search.integer_programs, "rounds")


def _mixture(
    peeling: Peeling, search: PanelSearch, pool: Master, after_solve: Callable[[], None]
) -> tuple[list[IntArray], FloatArray, int] | None:
    """Panels and weights making up the peeled point exactly, with the integer programs used; None if none do.

    The peeling usually stops near its end, having left the panels' hull at its last step or one of the last
    few. So look for a mixture for the point before the last step, then before the 4th, 16th... last, on the
    point's face (small: many types are at a bound there), and back to the start if need be. A mixture for
    the point before step j, with the panels peeled in steps before j, makes up the whole point.
    """
    programs = search.integer_programs
    if peeling.complete:
        return peeling.panels, np.array(peeling.weights), programs
    steps = len(peeling.panels)
    back = 1
    while True:
        start = max(0, steps - back)
        back *= 4
        face = face_of(peeling.points[start], search)
        weights = _mix_on_face(face, peeling.points[start], peeling.panels[start:], pool, after_solve)
        programs += face.search.integer_programs
        if weights is not None:
            mixed = [face.lift(p) for p in weights[0]]
            return (
                peeling.panels[:start] + mixed,
                np.concatenate([peeling.weights[:start], peeling.remaining[start] * weights[1]]),
                programs,
            )
        if start == 0:
            return None


def _mix_on_face(
    face: Face, point: FloatArray, known: list[IntArray], pool: Master, after_solve: Callable[[], None]
) -> tuple[list[IntArray], FloatArray] | None:
    """Panels over the face's free types and weights making up `point`, by column generation; or None.

    `known` panels on the face start the master; every panel generated is also added (whole) to `pool`.
    """
    sizes = face.search.types.sizes
    master = Master(sizes)
    for panel in known:
        counts = face.project(panel)
        if counts is not None:
            master.add(counts)
    master.set_rows(point[face.free] / sizes, np.zeros(len(sizes)), z_max=1.0)
    lifted = 0

    def collect() -> None:
        nonlocal lifted
        for counts in master.panels[lifted:]:
            pool.add(face.lift(counts))
        lifted = len(master.panels)
        after_solve()

    reached, _ = generate(master, face.search, np.ones(len(sizes), dtype=bool), collect)
    return (master.panels, master.mixture()) if reached >= 1 - MIXTURE_TOL else None


def _cover(search: PanelSearch, master: Master) -> np.ndarray:
    """Add panels until every type that fits on some panel is on one; return which types fit."""
    count = search.types.count
    covered = np.zeros(count, dtype=bool)
    while True:
        # Weight 1/cap per uncovered type so a panel gains as much from a new type as from filling one up.
        panel = search.best(np.where(covered, 0.0, 1.0 / np.maximum(search.upper, 1)))
        if panel is None:
            raise SortitionError("no panel meets all the quotas")
        if not (panel[~covered] > 0).any():
            return covered
        master.add(panel)
        covered |= panel > 0


def _result(
    panels: list[IntArray], weights: FloatArray, types: TypeTable, rounds: int, programs: int, path: str
) -> TypeDistribution:
    weights = np.maximum(weights, 0.0)
    keep = weights > PRICE_TOL * 1e-2
    kept = [p for p, k in zip(panels, keep, strict=True) if k]
    probabilities = weights[keep] / weights[keep].sum()
    type_probabilities = (np.array(kept, dtype=np.float64).T @ probabilities) / types.sizes
    return TypeDistribution(kept, probabilities, type_probabilities, rounds, programs, path)


def leximin(instance: Instance, *, progress: ProgressCallback | None = None) -> Selection:
    """The leximin-fair distribution over quota-satisfying panels and every respondent's probability.

    Raises InfeasibleQuotas (with the smallest relaxation) when no panel meets the quotas.
    """
    start = time.perf_counter()
    ensure_feasible(instance)
    result = leximin_types(instance.types, instance.panel_size, progress)
    distribution = to_distribution(instance, result.panels, result.probabilities)
    marginals = distribution.marginals()
    return Selection(
        method="leximin",
        panel_size=instance.panel_size,
        probabilities={r.id: marginals[r.id] for r in instance.respondents},
        distribution=distribution,
        seconds=time.perf_counter() - start,
        stats={
            "types": instance.types.count,
            "path": result.path,
            "rounds": result.rounds,
            "integer_programs": result.integer_programs,
            "panels": len(result.panels),
        },
    )


def to_distribution(instance: Instance, panels: list[IntArray], probabilities: FloatArray) -> Distribution:
    """Name the types by their values and members so the distribution stands on its own in an audit record."""
    types = instance.types
    kinds = tuple(
        PanelType(
            {c.name: c.values[v] for c, v in zip(instance.categories, key, strict=True)},
            tuple(instance.respondents[m].id for m in members),
        )
        for key, members in zip(types.keys, types.members, strict=True)
    )
    weighted = tuple(
        WeightedPanel(float(p), tuple((int(t), int(panel[t])) for t in np.flatnonzero(panel)))
        for panel, p in zip(panels, probabilities, strict=True)
    )
    return Distribution(kinds, weighted)
