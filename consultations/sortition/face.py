"""The smallest face of the panel relaxation through a point, as a smaller instance of the pricing problem.

If a point of the relaxation is a mixture of panels, every panel of the mixture meets with equality each
bound and quota the point meets with equality. On that face the types at a bound have a fixed count, so the
mixture can be sought over the remaining (free) types only: a master LP with fewer rows and pricing integer
programs with fewer variables, which is most of the speed of the mixture step.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import IntArray, TypeTable
from .pricing import FloatArray, PanelSearch

# Counts and quota sums closer than this to a bound are taken to be on it (as in the peeling).
ON_BOUND = 1e-9


@dataclass(frozen=True)
class Face:
    """Panels on the face: `fixed` counts for the types at a bound, the free types searched by `search`."""

    free: IntArray  # indices of the types strictly inside their bounds
    fixed: IntArray  # count of every type at a bound (0 for free types)
    search: PanelSearch

    def lift(self, counts: IntArray) -> IntArray:
        """The full panel of a panel over the free types."""
        panel = self.fixed.copy()
        panel[self.free] = counts
        return panel

    def project(self, panel: IntArray) -> IntArray | None:
        """The free part of a full panel, or None if the panel is not on the face."""
        if not np.array_equal(panel[self.fixed_types], self.fixed[self.fixed_types]):
            return None
        counts = panel[self.free]
        return counts if self.search.is_panel(counts) else None

    @property
    def fixed_types(self) -> IntArray:
        return np.setdiff1d(np.arange(len(self.fixed)), self.free)


def face_of(point: FloatArray, search: PanelSearch) -> Face:
    """The face of `search`'s relaxation whose relative interior holds `point` (expected counts per type)."""
    types = search.types
    upper = search.upper
    at_zero = np.abs(point) < ON_BOUND
    at_upper = np.abs(point - upper) < ON_BOUND
    free = np.flatnonzero(~at_zero & ~at_upper)
    fixed = np.where(at_upper & ~at_zero, upper, 0).astype(np.int64)
    per_quota = types.matrix @ point
    taken = types.matrix @ fixed
    at_min = np.abs(per_quota - types.mins) < ON_BOUND
    at_max = np.abs(per_quota - types.maxs) < ON_BOUND
    mins = np.where(at_max, types.maxs, types.mins) - taken
    maxs = np.where(at_min, types.mins, types.maxs) - taken
    sub = TypeTable(
        keys=tuple(types.keys[t] for t in free),
        members=tuple(types.members[t] for t in free),
        sizes=types.sizes[free],
        matrix=types.matrix[:, free],
        mins=np.maximum(mins, 0),
        maxs=maxs,
    )
    return Face(free, fixed, PanelSearch(sub, search.panel_size - int(fixed.sum())))
