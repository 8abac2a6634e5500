"""LEXIMIN against brute force: every feasible panel enumerated and the leximin LP sequence solved exactly."""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable

import numpy as np
import pytest
from scipy.optimize import linprog

from consultations.sortition import (
    InfeasibleQuotas,
    Instance,
    Progress,
    Quota,
    Respondent,
    leximin,
    make_instance,
)


def random_instance(seed: int, people: int = 9, panel: int = 4) -> Instance | None:
    """A small pool with two or three categories, duplicated profiles, and quotas that may or may not bind."""
    rng = random.Random(seed)
    categories = {"gender": ["f", "m"], "age": ["young", "mid", "old"], "area": ["n", "s"]}
    names = list(categories)[: rng.choice([2, 3])]
    respondents = [Respondent(f"p{i}", {c: rng.choice(categories[c]) for c in names}) for i in range(people)]
    quotas = []
    for c in names:
        for v in categories[c]:
            low = rng.choice([0, 0, 1, 1, 2])
            quotas.append(Quota(c, v, low, low + rng.choice([0, 1, 2, 3])))
    instance = make_instance(quotas, respondents, panel)
    return instance if feasible_panels(instance) else None


def feasible_panels(instance: Instance) -> list[tuple[int, ...]]:
    people = instance.respondents
    result = []
    for combo in itertools.combinations(range(len(people)), instance.panel_size):
        counts: dict[tuple[str, str], int] = {}
        for i in combo:
            for c, v in people[i].features.items():
                counts[c, v] = counts.get((c, v), 0) + 1
        if all(q.min <= counts.get((q.category, q.value), 0) <= q.max for q in instance.quotas):
            result.append(combo)
    return result


def brute_force_leximin(instance: Instance) -> np.ndarray:
    """The textbook leximin: maximise the floor, then fix exactly the people who cannot rise above it."""
    panels = feasible_panels(instance)
    n, p = len(instance.respondents), len(panels)
    incidence = np.zeros((n, p))
    for j, combo in enumerate(panels):
        incidence[list(combo), j] = 1.0
    fixed: dict[int, float] = {}
    while len(fixed) < n:
        open_people = [i for i in range(n) if i not in fixed]
        # variables: lambda_1..p, z ; maximise z
        rows, rhs = [], []
        for i in range(n):
            row = (-incidence[i]).tolist()
            if i in fixed:
                rows.append([*row, 0.0])
                rhs.append(-fixed[i] + 1e-12)
            else:
                rows.append([*row, 1.0])
                rhs.append(0.0)
        cost = np.zeros(p + 1)
        cost[-1] = -1.0
        res = linprog(
            cost, A_ub=rows, b_ub=rhs, A_eq=[[1.0] * p + [0.0]], b_eq=[1.0], bounds=[(0, None)] * (p + 1)
        )
        assert res.status == 0
        floor = -res.fun
        newly = []
        for i in open_people:
            # Can person i get more than the floor while everyone open stays at or above it?
            rows_i, rhs_i = [], []
            for j in range(n):
                rows_i.append((-incidence[j]).tolist())
                rhs_i.append(-fixed.get(j, floor) + 1e-9)
            res_i = linprog(
                -incidence[i], A_ub=rows_i, b_ub=rhs_i, A_eq=[[1.0] * p], b_eq=[1.0], bounds=[(0, None)] * p
            )
            assert res_i.status == 0
            if -res_i.fun <= floor + 1e-7:
                newly.append(i)
        assert newly
        for i in newly:
            fixed[i] = floor
    return np.array([fixed[i] for i in range(n)])


def instances(count: int) -> list[Instance]:
    found = []
    for seed in itertools.count():
        instance = random_instance(seed)
        if instance is not None:
            found.append(instance)
        if len(found) == count:
            return found
    raise AssertionError("unreachable")


@pytest.mark.parametrize("instance", instances(12), ids=lambda i: f"n{len(i.respondents)}-t{i.types.count}")
def test_matches_brute_force_leximin(instance: Instance) -> None:
    selection = leximin(instance)
    ours = np.array([selection.probabilities[r.id] for r in instance.respondents])
    exact = brute_force_leximin(instance)
    assert np.sort(ours) == pytest.approx(np.sort(exact), abs=1e-6)
    # By symmetry and uniqueness of the leximin vector, it is also equal person by person.
    assert ours == pytest.approx(exact, abs=1e-6)


@pytest.mark.parametrize("instance", instances(6), ids=lambda i: f"t{i.types.count}")
def test_distribution_is_proper_and_every_panel_meets_quotas(instance: Instance) -> None:
    selection = leximin(instance)
    distribution = selection.distribution
    assert distribution is not None
    assert sum(p.probability for p in distribution.panels) == pytest.approx(1.0, abs=1e-12)
    assert all(p.probability > 0 for p in distribution.panels)
    assert sum(selection.probabilities.values()) == pytest.approx(instance.panel_size, abs=1e-9)
    assert set(selection.probabilities) == {r.id for r in instance.respondents}
    for panel in distribution.panels:
        seats = 0
        counts: dict[tuple[str, str], int] = {}
        for t, count in panel.counts:
            seats += count
            for c, v in distribution.types[t].values.items():
                counts[c, v] = counts.get((c, v), 0) + count
        assert seats == instance.panel_size
        for q in instance.quotas:
            assert q.min <= counts.get((q.category, q.value), 0) <= q.max, q


def test_identical_respondents_get_equal_probability() -> None:
    people = [Respondent(str(i), {"g": "f" if i < 7 else "m", "a": "y" if i % 3 else "o"}) for i in range(12)]
    quotas = [Quota("g", "f", 2, 3), Quota("g", "m", 2, 3), Quota("a", "y", 1, 4), Quota("a", "o", 1, 4)]
    instance = make_instance(quotas, people, 5)
    selection = leximin(instance)
    by_profile: dict[tuple[str, ...], set[float]] = {}
    for person in instance.respondents:
        key = tuple(person.features.values())
        by_profile.setdefault(key, set()).add(round(selection.probabilities[person.id], 9))
    assert len(by_profile) == 4
    assert all(len(values) == 1 for values in by_profile.values())


def test_minimum_is_raised_above_uniform_greedy_and_scarce_people_are_protected() -> None:
    # One young respondent among many old ones, and the panel must contain a young person: she is always in.
    people = [Respondent("young", {"age": "young"})] + [Respondent(f"o{i}", {"age": "old"}) for i in range(9)]
    instance = make_instance([Quota("age", "young", 1, 1), Quota("age", "old", 0, 3)], people, 3)
    selection = leximin(instance)
    assert selection.probabilities["young"] == pytest.approx(1.0)
    assert selection.min_probability == pytest.approx(2 / 9)


def test_respondent_who_fits_no_panel_gets_zero_and_others_are_still_leximin() -> None:
    # Quota max 0 for "other": those respondents can never sit, everyone else shares the seats evenly.
    people = [Respondent(f"f{i}", {"g": "f"}) for i in range(4)] + [Respondent("x", {"g": "other"})]
    people += [Respondent(f"m{i}", {"g": "m"}) for i in range(4)]
    quotas = [Quota("g", "f", 1, 2), Quota("g", "m", 1, 2), Quota("g", "other", 0, 0)]
    selection = leximin(make_instance(quotas, people, 4))
    assert selection.probabilities["x"] == 0.0
    assert selection.min_probability == 0.0
    assert all(selection.probabilities[p] == pytest.approx(0.5) for p in ("f0", "m3"))


def test_infeasible_quotas_raise_with_relaxation() -> None:
    people = [Respondent(str(i), {"g": "f" if i < 2 else "m"}) for i in range(8)]
    instance = make_instance([Quota("g", "f", 3, 4), Quota("g", "m", 0, 4)], people, 5)
    with pytest.raises(InfeasibleQuotas) as caught:
        leximin(instance)
    assert "g=f needs at least 3 but only 2 respondents have it" in str(caught.value)


def test_selection_serialises_to_json() -> None:
    import json

    instance = instances(1)[0]
    data = json.loads(json.dumps(leximin(instance).to_dict()))
    assert data["method"] == "leximin"
    assert data["distribution"]["version"] == 1
    assert sum(data["probabilities"].values()) == pytest.approx(instance.panel_size)


def odd_cycle_instance() -> Instance:
    """Exactly one panel member with each of a=1, b=1, c=1 on a panel of two.

    The LP relaxation has fractional vertices (half of 110, 101, 011 and 000) that no mixture of real panels
    reaches, so the fast path fails.
    """
    counts = {"000": 1, "001": 3, "010": 3, "011": 1, "100": 1, "101": 3, "110": 2, "111": 4}
    people = [
        Respondent(f"{profile}-{j}", dict(zip("abc", profile, strict=True)))
        for profile, count in counts.items()
        for j in range(count)
    ]
    quotas = [Quota(c, v, 1 if v == "1" else 0, 1 if v == "1" else 2) for c in "abc" for v in "01"]
    return make_instance(quotas, people, 2)


def test_exact_leximin_loop_when_relaxation_is_not_a_mixture() -> None:
    instance = odd_cycle_instance()
    selection = leximin(instance)
    assert selection.stats["path"] == "rounds"
    ours = np.array([selection.probabilities[r.id] for r in instance.respondents])
    assert ours == pytest.approx(brute_force_leximin(instance), abs=1e-6)
    assert sum(ours) == pytest.approx(2.0, abs=1e-9)


@pytest.mark.parametrize("make", [lambda: instances(1)[0], odd_cycle_instance], ids=["relaxation", "rounds"])
def test_same_instance_same_distribution(make: Callable[[], Instance]) -> None:
    # Draws are reproducible from (distribution, seed), so the distribution itself must be too.
    first, second = leximin(make()), leximin(make())
    assert first.distribution == second.distribution
    assert first.probabilities == second.probabilities


@pytest.mark.parametrize(
    ("make", "stage"),
    [(lambda: instances(1)[0], "mixture"), (odd_cycle_instance, "rounds")],
    ids=["mixture", "rounds"],
)
def test_progress_is_reported_through_to_the_end(make: Callable[[], Instance], stage: str) -> None:
    seen: list[Progress] = []
    leximin(make(), progress=seen.append)
    assert [p.stage for p in seen[:2]] == ["cover", "relaxation"]
    assert stage in {p.stage for p in seen}
    assert seen[-1].fixed == seen[-1].total
    assert [p.panels for p in seen] == sorted(p.panels for p in seen)
