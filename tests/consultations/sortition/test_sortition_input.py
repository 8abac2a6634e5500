"""Bad files and impossible requests through the Python API: one SortitionError with one clear sentence."""

from __future__ import annotations

from pathlib import Path

import pytest

from consultations.sortition import InfeasibleQuotas, SortitionError, leximin, load_instance
from tests.consultations.sortition.bad_inputs import BAD_INPUTS, CATEGORIES, CONFLICTING, write_files


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_raises_one_clear_sentence(tmp_path: Path, case: str) -> None:
    bad = BAD_INPUTS[case]
    categories, respondents = write_files(tmp_path, bad.categories, bad.respondents)
    with pytest.raises(SortitionError) as caught:
        leximin(load_instance(categories, respondents, bad.panel))
    assert caught.value.message.startswith(bad.message)
    assert str(caught.value) == caught.value.message
    assert "\n" not in caught.value.message


def test_conflicting_quotas_carry_the_relaxation_as_data(tmp_path: Path) -> None:
    categories, respondents = write_files(tmp_path, categories=CONFLICTING)
    with pytest.raises(InfeasibleQuotas) as caught:
        leximin(load_instance(categories, respondents, 5))
    changes = {(r.category, r.value, r.bound): (r.current, r.suggested) for r in caught.value.relaxations}
    assert changes == {("gender", "female", "min"): (4, 3), ("gender", "male", "max"): (1, 2)}


def test_a_value_with_no_respondents_and_no_minimum_is_fine(tmp_path: Path) -> None:
    categories, respondents = write_files(tmp_path, categories=CATEGORIES + "age,middle,0,2\n")
    selection = leximin(load_instance(categories, respondents, 5))
    assert sum(selection.probabilities.values()) == pytest.approx(5)
