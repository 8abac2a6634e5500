"""Finding the heaviest quota-satisfying panel for per-type weights, with HiGHS.

The integer program has one integer count per respondent type. Its LP relaxation is warm-started and solved
first: its bound often proves that no panel is heavy enough, and its solution is integral or has only a few
fractional counts, which a tiny integer program rounds. The full branch-and-bound only runs when neither
shortcut applies (mostly to prove, once per leximin round, that no better panel exists).
"""

from __future__ import annotations

import highspy
import numpy as np
import numpy.typing as npt

from .model import IntArray, TypeTable
from .solver import OptionValue, new_highs

FloatArray = npt.NDArray[np.float64]


def _model(types: TypeTable, panel_size: int, upper: IntArray, *, integer: bool) -> highspy.Highs:
    options: dict[str, OptionValue]
    if integer:
        # Presolve costs more than it saves on these small, easy programs (they close at the root node).
        options = {"presolve": "off", "mip_rel_gap": 1e-9, "mip_abs_gap": 1e-12}
    else:
        options = {
            "simplex_strategy": 4,
            "primal_feasibility_tolerance": 1e-10,
            "dual_feasibility_tolerance": 1e-10,
        }
    highs = new_highs(options)
    count = types.count
    cols = np.arange(count, dtype=np.int32)
    highs.addVars(count, np.zeros(count), upper.astype(np.float64))
    if integer:
        highs.changeColsIntegrality(count, cols, np.full(count, highspy.HighsVarType.kInteger))
    highs.addRow(panel_size, panel_size, count, cols, np.ones(count))
    for row, lo, hi in zip(types.matrix, types.mins, types.maxs, strict=True):
        members = np.flatnonzero(row).astype(np.int32)
        top = float(hi) if hi < panel_size else highspy.kHighsInf
        highs.addRow(float(lo), top, len(members), members, np.ones(len(members)))
    highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
    return highs


class PanelSearch:
    """The pricing problem of one instance, built once; only the objective changes between calls."""

    def __init__(self, types: TypeTable, panel_size: int) -> None:
        self.types = types
        self.panel_size = panel_size
        # No type can fill more seats than its scarcest quota allows; this tightens the LP relaxation.
        capped = np.where(types.matrix == 1, types.maxs[:, None], panel_size).min(axis=0)
        self.upper = np.minimum(np.minimum(types.sizes, capped), panel_size).astype(np.int64)
        self._cols = np.arange(types.count, dtype=np.int32)
        self._quota_rows = np.arange(1, len(types.mins) + 1, dtype=np.int32)
        self.quota_lower = types.mins.astype(np.float64)
        self.quota_upper = np.where(types.maxs < panel_size, types.maxs, highspy.kHighsInf).astype(np.float64)
        self._mip = _model(types, panel_size, self.upper, integer=True)
        self._lp = _model(types, panel_size, self.upper, integer=False)
        self.integer_programs = 0
        self.relaxations = 0

    def best(self, weights: FloatArray) -> IntArray | None:
        """The panel (counts per type) maximising `weights @ counts`, or None if no panel meets the quotas."""
        self.integer_programs += 1
        mip = self._mip
        mip.changeColsCost(len(self._cols), self._cols, weights)
        mip.run()
        if mip.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            return None
        counts = np.rint(np.asarray(mip.getSolution().col_value)).astype(np.int64)
        return counts if self.is_panel(counts) else None

    def heavier_than(self, weights: FloatArray, bound: float) -> IntArray | None:
        """A panel weighing more than `bound` (the heaviest or close to it), or None if provably none does."""
        self.relaxations += 1
        lp = self._lp
        lp.changeColsCost(len(self._cols), self._cols, weights)
        lp.run()
        if lp.getModelStatus() == highspy.HighsModelStatus.kOptimal:
            if lp.getInfo().objective_function_value <= bound:
                return None
            values = np.asarray(lp.getSolution().col_value)
            rounded = self._round(values, weights)
            if rounded is not None and float(weights @ rounded) > bound:
                return rounded
        counts = self.best(weights)
        if counts is None or float(weights @ counts) <= bound:
            return None
        return counts

    def _round(self, values: FloatArray, weights: FloatArray) -> IntArray | None:
        """The best panel agreeing with the LP solution on its integral entries, if there is one.

        LP vertices here have only a handful of fractional counts, so this integer program is tiny, while the
        full one spends most of its time on root-node cuts.
        """
        nearest = np.rint(values)
        fractional = np.abs(values - nearest) > 1e-9
        if not fractional.any():
            counts = nearest.astype(np.int64)
            return counts if self.is_panel(counts) else None
        lower = np.where(fractional, np.floor(values), nearest)
        return self.restricted(weights, lower, np.where(fractional, np.ceil(values), nearest))

    def restricted(
        self,
        weights: FloatArray,
        col_lower: FloatArray,
        col_upper: FloatArray,
        quota_lower: FloatArray | None = None,
        quota_upper: FloatArray | None = None,
    ) -> IntArray | None:
        """The best panel within tighter bounds on counts and quotas, or None; presolve drops fixed counts."""
        mip = self._mip
        count = len(self._cols)
        mip.changeColsCost(count, self._cols, weights)
        mip.changeColsBounds(count, self._cols, col_lower, col_upper)
        if quota_lower is not None and quota_upper is not None:
            self._set_quota_bounds(quota_lower, quota_upper)
        mip.setOptionValue("presolve", "on")
        mip.run()
        found = mip.getModelStatus() == highspy.HighsModelStatus.kOptimal
        counts = np.rint(np.asarray(mip.getSolution().col_value)).astype(np.int64) if found else None
        mip.setOptionValue("presolve", "off")
        mip.changeColsBounds(count, self._cols, np.zeros(count), self.upper.astype(np.float64))
        if quota_lower is not None:
            self._set_quota_bounds(self.quota_lower, self.quota_upper)
        return counts if counts is not None and self.is_panel(counts) else None

    def _set_quota_bounds(self, lower: FloatArray, upper: FloatArray) -> None:
        # One row at a time: highspy's type stubs lack the batch changeRowsBounds, and there are few quotas.
        for row, lo, hi in zip(self._quota_rows, lower, upper, strict=True):
            self._mip.changeRowBounds(int(row), float(lo), float(hi))

    def is_panel(self, counts: IntArray) -> bool:
        types = self.types
        if counts.sum() != self.panel_size or (counts < 0).any() or (counts > types.sizes).any():
            return False
        per_quota = types.matrix @ counts
        return bool(((per_quota >= types.mins) & (per_quota <= types.maxs)).all())
