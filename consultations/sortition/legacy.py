"""The Sortition Foundation's historic greedy method, kept for comparison and for operators who ask for it.

One attempt: while seats remain, find the quota value with the highest ratio (min still needed) / (people
left with it) (the first one in file order on ties), seat a uniformly random remaining person with it, and
when a value reaches its max remove everyone else with it. An attempt that runs out of people or misses a
min is thrown away and a new one starts. Selection probabilities are estimated from many seeded runs.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

from .diagnose import ensure_feasible
from .draw import AuditRandom, Seed
from .errors import SortitionError
from .model import Instance, IntArray, TypeTable
from .result import Selection

MAX_ATTEMPTS = 100


def _attempt(types: TypeTable, panel_size: int, rng: AuditRandom) -> IntArray | None:
    """Counts per type of one greedy attempt, or None at a dead end."""
    matrix = types.matrix
    remaining = types.sizes.copy()
    remaining[(matrix[types.maxs == 0]).any(axis=0)] = 0
    selected = np.zeros(len(types.mins), dtype=np.int64)
    chosen = np.zeros(types.count, dtype=np.int64)
    for _ in range(panel_size):
        left = matrix @ remaining
        needed = np.maximum(types.mins - selected, 0)
        if (left < needed).any():
            return None
        open_values = (left > 0) & (types.maxs > 0)
        if not open_values.any():
            return None
        ratio = np.where(open_values, needed / np.maximum(left, 1), -np.inf)
        value = int(np.argmax(ratio))  # first maximum, as the original iterates in file order
        holders = np.flatnonzero(matrix[value] & (remaining > 0))
        pick = rng.below(int(left[value]))
        t = int(holders[np.searchsorted(np.cumsum(remaining[holders]), pick, side="right")])
        remaining[t] -= 1
        chosen[t] += 1
        selected += matrix[:, t]
        for full in np.flatnonzero(matrix[:, t] & (selected >= types.maxs)):
            remaining[matrix[full] == 1] = 0
    if ((selected < types.mins) | (selected > types.maxs)).any():
        return None
    return chosen


def _run(types: TypeTable, panel_size: int, rng: AuditRandom) -> tuple[IntArray, int]:
    for failures in range(MAX_ATTEMPTS):
        counts = _attempt(types, panel_size, rng)
        if counts is not None:
            return counts, failures
    raise SortitionError(
        f"the legacy method hit a dead end {MAX_ATTEMPTS} times in a row; the quotas are too tight for it, "
        "use the leximin method"
    )


def legacy_draw(instance: Instance, seed: Seed) -> list[str]:
    """One panel by the legacy method, reproducible from the seed (stream purpose "legacy")."""
    ensure_feasible(instance)
    rng = AuditRandom(seed, "legacy")
    counts, _ = _run(instance.types, instance.panel_size, rng)
    ids = [[instance.respondents[m].id for m in members] for members in instance.types.members]
    panel: list[str] = []
    for t in np.flatnonzero(counts):
        panel.extend(rng.sample(ids[t], int(counts[t])))
    return panel


def legacy(
    instance: Instance,
    *,
    runs: int = 1000,
    seed: Seed = 0,
    progress: Callable[[int], None] | None = None,
) -> Selection:
    """Selection probabilities of the legacy method, estimated from `runs` seeded runs.

    Within a type everyone is equally likely, so a type's estimate pools its members (less noise than
    counting each person separately).
    """
    if runs < 1:
        raise SortitionError(f"the number of legacy runs must be at least 1, not {runs}")
    start = time.perf_counter()
    ensure_feasible(instance)
    types = instance.types
    rng = AuditRandom(seed, "legacy-estimate")
    total = np.zeros(types.count, dtype=np.int64)
    failures = 0
    for run in range(runs):
        counts, failed = _run(types, instance.panel_size, rng)
        total += counts
        failures += failed
        if progress is not None and (run + 1) % 50 == 0:
            progress(run + 1)
    per_type = total / (runs * types.sizes)
    probabilities = {
        instance.respondents[m].id: float(per_type[t])
        for t, members in enumerate(types.members)
        for m in members
    }
    return Selection(
        method="legacy",
        panel_size=instance.panel_size,
        probabilities=probabilities,
        distribution=None,
        seconds=time.perf_counter() - start,
        stats={"runs": runs, "failed_attempts": failures, "types": types.count},
    )
