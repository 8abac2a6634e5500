"""The restricted master LP over known panels, and the column-generation loop that feeds it new panels."""

from __future__ import annotations

from collections.abc import Callable

import highspy
import numpy as np
import numpy.typing as npt

from .errors import SortitionError
from .model import IntArray
from .pricing import FloatArray, PanelSearch
from .solver import new_highs

BoolArray = npt.NDArray[np.bool_]

# A panel enters only if it beats the master's bound by more than this. It is tiny because the positive-dual
# test that fixes types is only as exact as the proof that no better panel exists.
PRICE_TOL = 1e-10
# Panels searched per master solve: one exact search, the rest from perturbed prices. Measured on 1,000
# respondents: 1 -> 600 master solves, 5 -> 65, 10 -> 45 but with more time spent searching.
PANELS_PER_SOLVE = 5


class Master:
    """max z  s.t.  sum_P lambda_P count_P,t / n_t - c_t z >= lower_t for every type t,  sum_P lambda_P = 1.

    With c_t = 1 and lower_t = 0 this is "raise the lowest probability"; a fixed type gets c_t = 0 and
    lower_t = its probability; c_t = target_t asks for a mixture of panels reaching the target probabilities.
    """

    def __init__(self, sizes: IntArray) -> None:
        self.sizes = sizes.astype(np.float64)
        self.count = len(sizes)
        highs = new_highs(
            {
                "presolve": "off",
                "simplex_strategy": 4,  # primal simplex: new columns keep the basis primal feasible
                "primal_feasibility_tolerance": 1e-10,
                "dual_feasibility_tolerance": 1e-10,
            }
        )
        inf = highspy.kHighsInf
        highs.addVar(0.0, inf)
        highs.changeColCost(0, 1.0)
        highs.changeObjectiveSense(highspy.ObjSense.kMaximize)
        z_col = np.array([0], dtype=np.int32)
        for _ in range(self.count):
            highs.addRow(0.0, inf, 1, z_col, np.array([-1.0]))
        highs.addRow(1.0, 1.0, 0, np.array([], dtype=np.int32), np.array([]))
        self._highs = highs
        self.panels: list[IntArray] = []
        self._seen: set[bytes] = set()

    def add(self, counts: IntArray) -> bool:
        """Add a panel as a column; False if it is already there."""
        key = counts.tobytes()
        if key in self._seen:
            return False
        self._seen.add(key)
        self.panels.append(counts)
        rows = np.flatnonzero(counts)
        index = np.append(rows, self.count).astype(np.int32)
        values = np.append(counts[rows] / self.sizes[rows], 1.0)
        self._highs.addCol(0.0, 0.0, highspy.kHighsInf, len(index), index, values)
        return True

    def set_rows(
        self, floor_weights: FloatArray, lower: FloatArray, z_max: float = highspy.kHighsInf
    ) -> None:
        for t in range(self.count):
            self._highs.changeCoeff(t, 0, -float(floor_weights[t]))
            self._highs.changeRowBounds(t, float(lower[t]), highspy.kHighsInf)
        self._highs.changeColBounds(0, 0.0, z_max)

    def fix(self, types: IntArray, value: float) -> None:
        for t in types:
            self._highs.changeCoeff(int(t), 0, 0.0)
            # A hair of slack so rounding in this round can never make a later round infeasible.
            self._highs.changeRowBounds(int(t), max(0.0, value - PRICE_TOL), highspy.kHighsInf)

    def solve(self) -> tuple[float, FloatArray, float]:
        """The floor z, each type's price (dual value, >= 0), and the weight a new panel must beat."""
        highs = self._highs
        # Warm-started primal simplex is fastest almost always, but near the end, when the LP is massively
        # degenerate, its internal state can make it stall for minutes. Restarting from the same basis with
        # fresh internals (as a new process would) then finishes in well under a second.
        highs.setOptionValue("simplex_iteration_limit", 2 * self.count + 1000)
        highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            basis = highs.getBasis()
            highs.clearSolver()
            highs.setOptionValue("simplex_iteration_limit", highspy.kHighsIInf)
            highs.setBasis(basis)
            highs.run()
        if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
            highs.clearSolver()
            highs.run()
            if highs.getModelStatus() != highspy.HighsModelStatus.kOptimal:
                status = highs.modelStatusToString(highs.getModelStatus())
                raise SortitionError(f"the solver could not finish the leximin computation ({status})")
        solution = highs.getSolution()
        duals = np.asarray(solution.row_dual)
        z = float(np.asarray(solution.col_value)[0])
        return z, np.maximum(-duals[: self.count], 0.0), float(duals[self.count])

    def mixture(self, pin_floor: bool = False) -> FloatArray:
        """The current probability of each panel; `pin_floor` first drops z (once every type is fixed)."""
        if pin_floor:
            self._highs.changeColBounds(0, 0.0, 0.0)
            self.solve()
        return np.asarray(self._highs.getSolution().col_value)[1:]


def generate(
    master: Master, search: PanelSearch, open_types: BoolArray, after_solve: Callable[[], None] | None = None
) -> tuple[float, FloatArray]:
    """Solve the master and add panels until none can raise its optimum; return the floor and final prices.

    `after_solve` is called after each master solve (for progress bars: this loop is where long runs spend
    their time).
    """
    while True:
        z, prices, bound = master.solve()
        if after_solve is not None:
            after_solve()
        if not _add_panels(master, search, prices, bound, open_types):
            return z, prices


def _add_panels(
    master: Master, search: PanelSearch, prices: FloatArray, bound: float, open_: BoolArray
) -> bool:
    """Add the heaviest panel under the master's prices, then a few from perturbed prices; False if none.

    Only the first search decides optimality. The others (a trick of the reference implementation) scale
    down the prices of the types on the panel just found until it no longer beats the bound, and search
    again: cheap next to a master solve, and the variety of panels cuts the number of solves several-fold.
    """
    sizes = master.sizes
    prices = prices.copy()
    added = 0
    for _ in range(PANELS_PER_SOLVE):
        panel = search.heavier_than(prices / sizes, bound + PRICE_TOL)
        if panel is None or not master.add(panel):
            break
        added += 1
        prices[panel > 0] *= bound / float(prices @ (panel / sizes))
        total = float(prices[open_].sum())
        if total <= 0:
            break
        prices /= total
        bound /= total
    return added > 0
