"""Infeasible quotas are explained in operator language, with the smallest relaxation that fixes them."""

from __future__ import annotations

import pytest

from consultations.sortition import (
    InfeasibleQuotas,
    Quota,
    Relaxation,
    Respondent,
    SortitionError,
    ensure_feasible,
    leximin,
    make_instance,
    smallest_relaxation,
)


def people(spec: dict[tuple[str, str], int]) -> list[Respondent]:
    """Respondents with gender and age, `spec` mapping (gender, age) to how many."""
    out = []
    for (gender, age), count in spec.items():
        out += [Respondent(f"{gender}-{age}-{i}", {"gender": gender, "age": age}) for i in range(count)]
    return out


POOL = people({("f", "young"): 2, ("f", "old"): 6, ("m", "young"): 1, ("m", "old"): 6})


def quotas(**bounds: tuple[int, int]) -> list[Quota]:
    defaults = {"f": (0, 10), "m": (0, 10), "young": (0, 10), "old": (0, 10)}
    defaults.update(bounds)
    return [
        Quota("gender" if value in ("f", "m") else "age", value, low, high)
        for value, (low, high) in defaults.items()
    ]


def explain(quota_list: list[Quota], panel: int = 6) -> InfeasibleQuotas:
    instance = make_instance(quota_list, POOL, panel)
    with pytest.raises(InfeasibleQuotas) as caught:
        ensure_feasible(instance)
    return caught.value


def test_too_few_respondents_with_a_value() -> None:
    error = explain(quotas(young=(5, 6)))
    assert str(error) == "age=young needs at least 5 but only 3 respondents have it"
    assert error.relaxations == [Relaxation("age", "young", "min", 5, 3)]
    assert error.details["relaxations"] == [
        {"category": "age", "value": "young", "bound": "min", "current": 5, "suggested": 3}
    ]


def test_value_nobody_has_but_a_minimum_asks_for() -> None:
    instance = make_instance([*quotas(), Quota("age", "middle", 1, 2)], POOL, 6)
    with pytest.raises(InfeasibleQuotas, match="age=middle needs at least 1 but no respondent has it"):
        leximin(instance)


def test_minimums_exceed_panel_size() -> None:
    error = explain(quotas(f=(4, 6), m=(3, 6)))
    assert "the minimums of gender add up to 7, more than the panel size 6" in str(error)


def test_maximums_below_panel_size() -> None:
    error = explain(quotas(f=(0, 2), m=(0, 3)))
    assert "the maximums of gender add up to 5, less than the panel size 6" in str(error)


def test_maximums_unreachable_with_these_respondents() -> None:
    error = explain(quotas(young=(0, 6), old=(0, 2)))
    assert "within the maximums of age and the respondents available, at most 5 people can be chosen" in str(
        error
    )


def test_conflict_between_categories_names_the_smallest_change() -> None:
    # Every quota alone can be met, but 3 young with at most 1 woman needs 2 young men and there is one.
    error = explain(quotas(m=(5, 5), f=(1, 1), young=(3, 3)))
    assert error.relaxations == [Relaxation("age", "young", "min", 3, 2)]
    assert str(error) == (
        "the quotas cannot all be met together with these respondents; "
        "the smallest change that allows a panel is the minimum of age=young lowered from 3 to 2"
    )


def test_feasible_quotas_need_no_relaxation() -> None:
    # 4 men and 3 young: the one young man and two young women fit within 2 women.
    instance = make_instance(quotas(m=(4, 4), f=(2, 2), young=(3, 3)), POOL, 6)
    assert smallest_relaxation(instance) == []
    ensure_feasible(instance)


def test_infeasible_is_a_sortition_error() -> None:
    assert issubclass(InfeasibleQuotas, SortitionError)
