"""Explaining infeasible quotas: plain-language checks, then the smallest relaxation by an integer program."""

from __future__ import annotations

import weakref

import highspy
import numpy as np

from .errors import InfeasibleQuotas, Relaxation
from .model import Instance
from .solver import new_highs


def obvious_problems(instance: Instance) -> list[str]:
    """Sentences for the conflicts an operator can see from the counts alone, most specific first."""
    types = instance.types
    available = types.matrix @ types.sizes
    size = instance.panel_size
    problems: list[str] = []
    for quota, have in zip(instance.quotas, available, strict=True):
        if quota.min > have:
            if have == 0:
                who = "no respondent has it"
            elif have == 1:
                who = "only 1 respondent has it"
            else:
                who = f"only {have} respondents have it"
            problems.append(f"{quota.label} needs at least {quota.min} but {who}")
    start = 0
    for category in instance.categories:
        stop = start + len(category.quotas)
        mins = int(types.mins[start:stop].sum())
        maxs = int(types.maxs[start:stop].sum())
        reachable = int(np.minimum(types.maxs[start:stop], available[start:stop]).sum())
        if mins > size:
            problems.append(
                f"the minimums of {category.name} add up to {mins}, more than the panel size {size}"
            )
        if maxs < size:
            problems.append(
                f"the maximums of {category.name} add up to {maxs}, less than the panel size {size}"
            )
        elif reachable < size:
            problems.append(
                f"within the maximums of {category.name} and the respondents available, at most {reachable} "
                f"people can be chosen, fewer than the panel size {size}"
            )
        start = stop
    return problems


def smallest_relaxation(instance: Instance) -> list[Relaxation]:
    """Quota changes of least total size that make some panel possible (empty when quotas are feasible)."""
    types = instance.types
    n_types, n_quotas = types.count, len(types.mins)
    highs = new_highs({})
    inf = highspy.kHighsInf
    # Columns: a count per type, then a slack below each min, then a slack above each max.
    highs.addVars(n_types, np.zeros(n_types), types.sizes.astype(np.float64))
    highs.changeColsIntegrality(
        n_types, np.arange(n_types, dtype=np.int32), np.full(n_types, highspy.HighsVarType.kInteger)
    )
    highs.addVars(2 * n_quotas, np.zeros(2 * n_quotas), np.full(2 * n_quotas, inf))
    slack_cols = np.arange(n_types, n_types + 2 * n_quotas, dtype=np.int32)
    highs.changeColsCost(len(slack_cols), slack_cols, np.ones(len(slack_cols)))
    everyone = np.arange(n_types, dtype=np.int32)
    highs.addRow(instance.panel_size, instance.panel_size, n_types, everyone, np.ones(n_types))
    for f in range(n_quotas):
        cols = np.flatnonzero(types.matrix[f]).astype(np.int32)
        ones = np.ones(len(cols))
        below, above = n_types + f, n_types + n_quotas + f
        highs.addRow(float(types.mins[f]), inf, len(cols) + 1, np.append(cols, below), np.append(ones, 1.0))
        highs.addRow(-inf, float(types.maxs[f]), len(cols) + 1, np.append(cols, above), np.append(ones, -1.0))
    highs.run()
    slack = np.rint(np.asarray(highs.getSolution().col_value)[n_types:]).astype(int)
    relaxations: list[Relaxation] = []
    for f, quota in enumerate(instance.quotas):
        if slack[f] > 0:
            relaxations.append(
                Relaxation(quota.category, quota.value, "min", quota.min, quota.min - int(slack[f]))
            )
        if slack[n_quotas + f] > 0:
            extra = int(slack[n_quotas + f])
            relaxations.append(Relaxation(quota.category, quota.value, "max", quota.max, quota.max + extra))
    return relaxations


# Instances are immutable, so one successful check is enough (legacy draws call this once per draw).
_feasible: weakref.WeakSet[Instance] = weakref.WeakSet()


def ensure_feasible(instance: Instance) -> None:
    """Raise InfeasibleQuotas, worded for an operator, unless some panel meets every quota."""
    if instance in _feasible:
        return
    problems = obvious_problems(instance)
    relaxations = smallest_relaxation(instance)
    if not problems and not relaxations:
        _feasible.add(instance)
        return
    if problems:
        message = "; ".join(problems)
    else:
        changes = ", ".join(r.sentence() for r in relaxations)
        message = (
            "the quotas cannot all be met together with these respondents; "
            f"the smallest change that allows a panel is {changes}"
        )
    raise InfeasibleQuotas(message, relaxations, {"problems": problems})
