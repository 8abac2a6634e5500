"""The face of the relaxation through a peeled point: its panels are real panels meeting its bounds."""

from __future__ import annotations

import numpy as np
import pytest

from consultations.sortition import Instance
from consultations.sortition.face import face_of
from consultations.sortition.pricing import PanelSearch
from consultations.sortition.relaxed import decompose, relaxed_leximin

from .test_sortition_leximin import instances


@pytest.mark.parametrize("instance", instances(6), ids=lambda i: f"t{i.types.count}")
def test_panels_on_a_face_are_panels_through_the_points_tight_bounds(instance: Instance) -> None:
    types = instance.types
    search = PanelSearch(types, instance.panel_size)
    target, _ = relaxed_leximin(types, instance.panel_size, search.upper)
    peeling = decompose(target * types.sizes, search)
    rng = np.random.default_rng(0)
    for point in peeling.points:
        face = face_of(point, search)
        if len(face.free) == 0:  # the last point of a complete peeling is a panel itself
            assert search.is_panel(face.fixed)
            continue
        counts = face.search.best(rng.random(len(face.free)))
        assert counts is not None
        panel = face.lift(counts)
        assert search.is_panel(panel)
        projected = face.project(panel)
        assert projected is not None
        assert np.array_equal(projected, counts)
        # Types at a bound of the point keep that count; quotas the point meets exactly, the panel meets too.
        assert np.allclose(panel[face.fixed_types], point[face.fixed_types])
        tight = np.isclose(types.matrix @ point, types.mins) | np.isclose(types.matrix @ point, types.maxs)
        assert np.allclose((types.matrix @ panel)[tight], (types.matrix @ point)[tight])
