"""The one place that creates HiGHS solvers: quiet, one thread, seeded, so results are reproducible."""

from __future__ import annotations

from collections.abc import Mapping

import highspy

OptionValue = bool | int | float | str


def new_highs(options: Mapping[str, OptionValue]) -> highspy.Highs:
    """A silent HiGHS instance on one thread with a fixed random seed, plus `options`."""
    highs = highspy.Highs()
    highs.silent()
    # One thread and a fixed seed make every solve, and so every distribution, repeatable for audits.
    for name, value in {"threads": 1, "random_seed": 0, **options}.items():
        highs.setOptionValue(name, value)
    return highs
