"""LEXIMIN over the LP relaxation of the panel polytope: a short sequence of small LPs, no column generation.

The relaxation allows fractional expected counts per type subject to the quotas. It contains every
distribution over real panels, so its leximin vector is at least as good as the true one; when that vector
can be written as a mixture of real panels (checked by the caller), it *is* the true leximin. On realistic
pools it nearly always can, which is what makes the engine fast.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import highspy
import numpy as np

from .model import IntArray, TypeTable
from .pricing import FloatArray, PanelSearch
from .solver import new_highs

# Expected counts closer than this to a bound are taken to be on it.
ON_BOUND = 1e-9
# A type is at the floor of this round when its constraint has at least this dual value (the duals of the
# open types sum to 1); the LP is solved by simplex, so genuine duals are far above this and noise far below.
DUAL_THRESHOLD = 1e-9


def relaxed_leximin(types: TypeTable, panel_size: int, upper: IntArray) -> tuple[FloatArray, int]:
    """Per-type probabilities that are leximin-optimal over the relaxation, and the number of rounds used.

    Columns: expected count y_t in [0, upper_t] per type, then the floor z. Rows: the panel size, each quota,
    and for each type y_t - n_t z >= 0 while open, y_t >= n_t f_t once fixed at f_t.
    """
    count = types.count
    sizes = types.sizes.astype(np.float64)
    highs = new_highs({"primal_feasibility_tolerance": 1e-10, "dual_feasibility_tolerance": 1e-10})
    inf = highspy.kHighsInf
    highs.addVars(count, np.zeros(count), upper.astype(np.float64))
    highs.addVar(0.0, inf)
    highs.changeColCost(count, 1.0)
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    cols = np.arange(count, dtype=np.int32)
    highs.addRow(panel_size, panel_size, count, cols, np.ones(count))
    for row, lo, hi in zip(types.matrix, types.mins, types.maxs, strict=True):
        members = np.flatnonzero(row).astype(np.int32)
        highs.addRow(float(lo), float(hi), len(members), members, np.ones(len(members)))
    first = highs.getNumRow()
    for t in range(count):
        highs.addRow(0.0, inf, 2, np.array([t, count], dtype=np.int32), np.array([1.0, -sizes[t]]))
    fixed = np.zeros(count, dtype=bool)
    values = np.zeros(count)
    never = upper == 0
    fixed[never] = True
    for unused in np.flatnonzero(never):
        highs.changeCoeff(first + int(unused), count, 0.0)
    rounds = 0
    while not fixed.all():
        rounds += 1
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            raise ArithmeticError(
                f"relaxed leximin LP ended {highs.modelStatusToString(highs.getModelStatus())}"
            )
        solution = highs.getSolution()
        floor = float(np.asarray(solution.col_value)[count])
        duals = -np.asarray(solution.row_dual)[first : first + count]
        open_types = np.flatnonzero(~fixed)
        newly = open_types[duals[open_types] > DUAL_THRESHOLD]
        if len(newly) == 0:
            newly = open_types[[int(np.argmax(duals[open_types]))]]
        fixed[newly] = True
        values[newly] = floor
        for t in newly:
            highs.changeCoeff(first + int(t), count, 0.0)
            highs.changeRowBounds(first + int(t), floor * sizes[t] * (1 - 1e-12), inf)
    return values, rounds


@dataclass(frozen=True)
class Peeling:
    """The panels peeled off a point, with weights, and the rest of the point before each step.

    Before step i the point was `weights[:i] . panels[:i] + remaining[i] * points[i]`; when `complete`, the
    weights sum to 1 and the panels alone make up the point.
    """

    panels: list[IntArray]
    weights: list[float]
    points: list[FloatArray]
    remaining: list[float]
    complete: bool


def decompose(counts: FloatArray, search: PanelSearch) -> Peeling:
    """Write expected counts as a mixture of real panels by peeling (a constructive Caratheodory).

    Take a panel x on the smallest face of the relaxation that contains the point y, move from x through y to
    the face's boundary, y' = y + mu (y - x), and record y = (y' + mu x) / (1 + mu). Each step pins one more
    bound, so there are at most as many steps as types, each a small integer program. A step may leave the
    panels' convex hull (the relaxation is larger), and then a later face holds no real panel: the peeling
    stops incomplete, and the caller can look for a mixture for one of the points it passed.
    """
    types = search.types
    matrix = types.matrix.astype(np.float64)
    upper = search.upper.astype(np.float64)
    y = counts.astype(np.float64).copy()
    weight = 1.0
    peeling = Peeling([], [], [], [], complete=False)
    nothing = np.zeros(types.count)
    for _ in range(types.count + 2):
        y[np.abs(y) < ON_BOUND] = 0.0
        on_upper = np.abs(y - upper) < ON_BOUND
        y[on_upper] = upper[on_upper]
        per_quota = matrix @ y
        at_min = np.abs(per_quota - types.mins) < ON_BOUND
        at_max = np.abs(per_quota - types.maxs) < ON_BOUND
        panel = search.restricted(
            nothing,
            np.where(on_upper, upper, 0.0),
            np.where(y == 0.0, 0.0, upper),
            np.where(at_min | at_max, per_quota.round(), search.quota_lower),
            np.where(at_min | at_max, per_quota.round(), search.quota_upper),
        )
        if panel is None:
            return peeling
        peeling.points.append(y.copy())
        peeling.remaining.append(weight)
        peeling.panels.append(panel)
        step = y - panel
        if np.abs(step).max() < ON_BOUND:
            peeling.weights.append(weight)
            return replace(peeling, complete=True)
        mu = _longest_step(y, step, upper, matrix, types.mins, types.maxs)
        if not 1e-12 < mu < 1e12:
            peeling.weights.append(0.0)
            return peeling
        peeling.weights.append(weight * mu / (1 + mu))
        y = y + mu * step
        weight /= 1 + mu
    return peeling


def _longest_step(
    y: FloatArray, step: FloatArray, upper: FloatArray, matrix: FloatArray, mins: IntArray, maxs: IntArray
) -> float:
    """The largest mu keeping y + mu * step inside every bound and quota of the relaxation."""
    limits = [np.inf]
    down, up = step < 0, step > 0
    limits.extend((y[down] / -step[down]).tolist())
    limits.extend(((upper[up] - y[up]) / step[up]).tolist())
    per_quota, change = matrix @ y, matrix @ step
    rising, falling = change > ON_BOUND, change < -ON_BOUND
    limits.extend(((maxs[rising] - per_quota[rising]) / change[rising]).tolist())
    limits.extend(((per_quota[falling] - mins[falling]) / -change[falling]).tolist())
    return max(0.0, min(limits))
