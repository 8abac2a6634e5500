"""Benchmark: Civic's LEXIMIN beside sortition-algorithms' maximin (HiGHS) on seeded, self-selected pools."""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

from consultations.sortition import Quota, Respondent, SortitionError, leximin, make_instance
from consultations.sortition.model import Instance

# Population shares of a mid-sized town, and how much more likely each group is to answer an invitation:
# older, home-owning, long-resident and degree-holding people answer far more often, which is what makes
# quotas bind in practice.
POPULATION: dict[str, list[tuple[str, float, float]]] = {
    "gender": [("female", 0.51, 1.05), ("male", 0.48, 0.95), ("non-binary", 0.01, 1.0)],
    "age": [
        ("16-29", 0.17, 0.45),
        ("30-44", 0.23, 0.75),
        ("45-59", 0.25, 1.0),
        ("60-74", 0.22, 1.6),
        ("75+", 0.13, 1.2),
    ],
    "district": [
        ("north", 0.22, 1.1),
        ("south", 0.18, 0.8),
        ("east", 0.20, 1.0),
        ("west", 0.15, 1.2),
        ("centre", 0.15, 0.9),
        ("harbour", 0.10, 0.7),
    ],
    "education": [("compulsory", 0.30, 0.6), ("secondary", 0.40, 1.0), ("tertiary", 0.30, 1.7)],
    "tenure": [("owner", 0.60, 1.5), ("renter", 0.40, 0.6)],
    "residence": [("under-5y", 0.25, 0.6), ("5-19y", 0.35, 1.0), ("20y-plus", 0.40, 1.4)],
    "employment": [
        ("employed", 0.55, 0.9),
        ("not-working", 0.10, 0.8),
        ("retired", 0.25, 1.4),
        ("student", 0.10, 0.7),
    ],
}
FEATURE_ORDER = ["gender", "age", "district", "education", "tenure", "residence", "employment"]


@dataclass(frozen=True)
class Case:
    pool: int
    panel: int
    features: int
    seed: int

    @property
    def name(self) -> str:
        return f"sortition-{self.pool}-{self.panel}"


CASES = [
    Case(200, 20, 5, 1),
    Case(1000, 50, 6, 2),
    Case(1000, 100, 6, 3),
    Case(2000, 100, 7, 4),
    Case(2000, 200, 7, 5),
]


def generate(case: Case) -> Instance:
    """A seeded pool: people drawn from the town, kept with probability proportional to their propensity."""
    rng = np.random.Generator(np.random.PCG64(case.seed))
    names = FEATURE_ORDER[: case.features]
    people: list[dict[str, str]] = []
    while len(people) < case.pool:
        person: dict[str, str] = {}
        propensity = 1.0
        for name in names:
            options = POPULATION[name]
            shares = np.array([o[1] for o in options])
            if name == "employment" and "age" in person:
                shares = _employment_given_age(person["age"])
            if name == "tenure" and "age" in person and person["age"] == "16-29":
                shares = np.array([0.25, 0.75])
            pick = int(rng.choice(len(options), p=shares / shares.sum()))
            person[name] = options[pick][0]
            propensity *= options[pick][2]
        if rng.random() < propensity / 6.0:
            people.append(person)
    quotas: list[Quota] = []
    for name in names:
        for value, share, _ in POPULATION[name]:
            target = share * case.panel
            band = max(1.0, 0.1 * target)
            quotas.append(
                Quota(name, value, max(0, int(np.floor(target - band))), int(np.ceil(target + band)))
            )
    respondents = [Respondent(str(i), p) for i, p in enumerate(people)]
    return make_instance(quotas, respondents, case.panel)


def _employment_given_age(age: str) -> np.ndarray:
    table = {
        "16-29": [0.5, 0.1, 0.0, 0.4],
        "30-44": [0.8, 0.15, 0.0, 0.05],
        "45-59": [0.8, 0.15, 0.05, 0.0],
        "60-74": [0.3, 0.1, 0.6, 0.0],
        "75+": [0.02, 0.03, 0.95, 0.0],
    }
    return np.array(table[age])


class Timing:
    """Wall-clock and CPU seconds of a `with` block (CPU time is steadier when the machine is shared)."""

    seconds = 0.0
    cpu_seconds = 0.0

    def __enter__(self) -> Timing:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = time.perf_counter() - self._wall
        self.cpu_seconds = time.process_time() - self._cpu


def run_reference(instance: Instance) -> tuple[float, Timing]:
    """sortition-algorithms' maximin on HiGHS (its leximin needs Gurobi): min probability, timing."""
    from requests.structures import CaseInsensitiveDict
    from sortition_algorithms.committee_generation import find_distribution_maximin
    from sortition_algorithms.features import FeatureValueMinMax
    from sortition_algorithms.people import People

    features: Any = CaseInsensitiveDict()
    for category in instance.categories:
        values: Any = CaseInsensitiveDict()
        for q in category.quotas:
            values[q.value] = FeatureValueMinMax(min=q.min, max=q.max, max_flex=instance.panel_size)
        features[category.name] = values
    people = People([])
    for row, person in enumerate(instance.respondents, start=2):
        people.add(person.id, dict(person.features), features, row)
    with Timing() as timing:
        committees, probabilities, _ = find_distribution_maximin(
            features, people, instance.panel_size, [], "highspy"
        )
    marginal = dict.fromkeys(instance.ids, 0.0)
    for committee, p in zip(committees, probabilities, strict=True):
        for person_id in committee:
            marginal[person_id] += p
    return min(marginal.values()), timing


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench sortition", description=__doc__)
    parser.add_argument(
        "--only", action="append", help="run only this case (e.g. sortition-200-20); repeatable"
    )
    parser.add_argument("--skip-reference", action="store_true", help="do not run sortition-algorithms")
    args = parser.parse_args(argv)
    cases = [c for c in CASES if not args.only or c.name in args.only]
    if not cases:
        parser.error(f"no case matches {args.only}; cases: {', '.join(c.name for c in CASES)}")
    for case in cases:
        instance = generate(case)
        print(
            f"{case.name}: {len(instance.types.keys)} respondent types, running leximin...", file=sys.stderr
        )
        try:
            with Timing() as timing:
                result = leximin(instance)
        except SortitionError as error:
            print(f"{case.name}: {error}", file=sys.stderr)
            continue
        line: dict[str, Any] = {
            "name": case.name,
            "pool": case.pool,
            "panel": case.panel,
            "features": case.features,
            "types": instance.types.count,
            "min_prob": round(result.min_probability, 9),
            "seconds": round(timing.seconds, 3),
            "cpu_seconds": round(timing.cpu_seconds, 3),
            "panels_in_support": len(result.distribution.panels) if result.distribution else 0,
        }
        if not args.skip_reference:
            print(
                f"{case.name}: leximin {timing.seconds:.1f}s; running sortition-algorithms maximin...",
                file=sys.stderr,
            )
            ref_min, ref = run_reference(instance)
            line.update(
                ref_min_prob=round(ref_min, 9),
                ref_seconds=round(ref.seconds, 3),
                ref_cpu_seconds=round(ref.cpu_seconds, 3),
                ratio=round(timing.seconds / ref.seconds, 4),
                cpu_ratio=round(timing.cpu_seconds / ref.cpu_seconds, 4),
            )
        print(json.dumps(line), flush=True)
