"""The legacy greedy method: valid panels, reproducible draws, estimates that agree with its own draws."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from consultations.sortition import (
    Instance,
    Quota,
    Respondent,
    SortitionError,
    legacy,
    legacy_draw,
    leximin,
    make_instance,
    panel_meets_quotas,
)


def skewed_pool(seed: int = 3, size: int = 40, panel: int = 8) -> Instance:
    rng = random.Random(seed)
    people = [
        Respondent(
            f"r{i}",
            {
                "gender": rng.choice(["f", "m"]),
                "age": rng.choices(["young", "mid", "old"], weights=[1, 2, 4])[0],
                "tenure": rng.choices(["owner", "renter"], weights=[3, 1])[0],
            },
        )
        for i in range(size)
    ]
    quotas = [
        Quota("gender", "f", 3, 5),
        Quota("gender", "m", 3, 5),
        Quota("age", "young", 2, 3),
        Quota("age", "mid", 2, 3),
        Quota("age", "old", 2, 4),
        Quota("tenure", "owner", 4, 6),
        Quota("tenure", "renter", 2, 4),
    ]
    return make_instance(quotas, people, panel)


def test_known_probabilities_are_estimated() -> None:
    # One young and one old seat: each of 2 young has 1/2, each of 4 old has 1/4.
    people = [Respondent(f"y{i}", {"age": "young"}) for i in range(2)]
    people += [Respondent(f"o{i}", {"age": "old"}) for i in range(4)]
    instance = make_instance([Quota("age", "young", 1, 1), Quota("age", "old", 1, 1)], people, 2)
    estimate = legacy(instance, runs=400, seed="known")
    assert estimate.probabilities["y0"] == pytest.approx(0.5, abs=1e-12)  # pooled per type: exact here
    assert estimate.probabilities["o3"] == pytest.approx(0.25, abs=1e-12)
    assert estimate.method == "legacy"
    assert estimate.distribution is None


def test_draws_meet_quotas_and_are_reproducible() -> None:
    instance = skewed_pool()
    panels = [legacy_draw(instance, seed) for seed in range(30)]
    assert all(panel_meets_quotas(instance, p) for p in panels)
    assert legacy_draw(instance, 5) == panels[5]
    assert legacy_draw(instance, "5") == panels[5]
    assert len({tuple(sorted(p)) for p in panels}) > 20


def test_estimates_agree_with_the_method_s_own_draws() -> None:
    instance = skewed_pool()
    runs = 250
    estimate = legacy(instance, runs=runs, seed="estimate")
    assert sum(estimate.probabilities.values()) == pytest.approx(instance.panel_size)
    assert legacy(instance, runs=runs, seed="estimate").probabilities == estimate.probabilities
    seen: Counter[str] = Counter()
    for seed in range(runs):
        seen.update(legacy_draw(instance, f"draw-{seed}"))
    # Compare pooled by profile (as the estimate is): both are samples of the same process.
    profile = {r.id: tuple(r.features.values()) for r in instance.respondents}
    sizes = Counter(profile.values())
    observed: Counter[tuple[str, ...]] = Counter()
    for person, count in seen.items():
        observed[profile[person]] += count
    for key, members in sizes.items():
        expected = next(estimate.probabilities[p] for p in profile if profile[p] == key)
        frequency = observed[key] / (runs * members)
        spread = (max(expected, 1 / runs) / (runs * members)) ** 0.5
        assert abs(frequency - expected) < 6 * spread + 0.01, key


def test_leximin_minimum_is_at_least_the_legacy_minimum() -> None:
    instance = skewed_pool()
    assert leximin(instance).min_probability >= legacy(instance, runs=300, seed=1).min_probability - 1e-9


def test_hopeless_quotas_are_reported_not_retried_forever() -> None:
    people = [Respondent(f"p{i}", {"g": "f"}) for i in range(3)]
    instance = make_instance([Quota("g", "f", 4, 4)], people, 3)
    with pytest.raises(SortitionError, match="g=f needs at least 4"):
        legacy(instance, runs=10)


def test_runs_must_be_positive() -> None:
    with pytest.raises(SortitionError, match="at least 1"):
        legacy(skewed_pool(), runs=0)
