"""Quotas, respondents and the validated selection instance, grouped into interchangeable types."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import numpy.typing as npt

from .errors import SortitionError

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Quota:
    """How many panel members may have `category=value`: between `min` and `max` inclusive."""

    category: str
    value: str
    min: int
    max: int

    @property
    def label(self) -> str:
        return f"{self.category}={self.value}"


@dataclass(frozen=True, slots=True)
class Category:
    """A respondent attribute (age band, district, ...) and the quota of each of its values."""

    name: str
    quotas: tuple[Quota, ...]

    @property
    def values(self) -> tuple[str, ...]:
        return tuple(q.value for q in self.quotas)


@dataclass(frozen=True, slots=True)
class Respondent:
    """Someone in the pool: an id and their value for every category (other answers are not needed)."""

    id: str
    features: Mapping[str, str] = field(hash=False)


@dataclass(frozen=True)
class TypeTable:
    """Respondents with identical values grouped: a panel is then a count per type, not a set of people."""

    keys: tuple[tuple[int, ...], ...]  # per type, the value index in each category
    members: tuple[tuple[int, ...], ...]  # per type, respondent positions in pool order
    sizes: IntArray  # respondents per type
    matrix: IntArray  # quota rows x types: 1 where the type has the quota's value
    mins: IntArray
    maxs: IntArray

    @property
    def count(self) -> int:
        return len(self.keys)


@dataclass(frozen=True)
class Instance:
    """A validated request: categories with quotas, pool, panel size; build it with `make_instance`."""

    categories: tuple[Category, ...]
    respondents: tuple[Respondent, ...]
    panel_size: int

    def __post_init__(self) -> None:
        _validate(self)

    @property
    def quotas(self) -> tuple[Quota, ...]:
        return tuple(q for c in self.categories for q in c.quotas)

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(r.id for r in self.respondents)

    @cached_property
    def types(self) -> TypeTable:
        return _group_types(self)


def make_instance(
    quotas: Iterable[Quota],
    respondents: Iterable[Respondent],
    panel_size: int,
) -> Instance:
    """Validate quotas and respondents, matching values to the quotas' spelling ignoring case and spaces."""
    categories: dict[str, list[Quota]] = {}
    seen: dict[tuple[str, str], Quota] = {}
    for raw in quotas:
        quota = Quota(raw.category.strip(), raw.value.strip(), raw.min, raw.max)
        if not quota.category or not quota.value:
            raise SortitionError(f"a quota row has an empty category or value ({quota.label!r})")
        key = (quota.category.casefold(), quota.value.casefold())
        if key in seen:
            raise SortitionError(f"the quota for {quota.label} is listed twice")
        seen[key] = quota
        name = next((c for c in categories if c.casefold() == key[0]), quota.category)
        categories.setdefault(name, []).append(quota)
    built = tuple(Category(name, tuple(qs)) for name, qs in categories.items())
    spelled = {key: q.value for key, q in seen.items()}
    canonical: list[Respondent] = []
    for person in respondents:
        given = {k.strip().casefold(): (v or "").strip() for k, v in person.features.items()}
        values: dict[str, str] = {}
        for category in built:
            raw_value = given.get(category.name.casefold())
            if raw_value is None or raw_value == "":
                raise SortitionError(f"respondent {person.id} has no value for category {category.name}")
            value = spelled.get((category.name.casefold(), raw_value.casefold()))
            if value is None:
                listed = ", ".join(category.values)
                raise SortitionError(
                    f"respondent {person.id} has {category.name}={raw_value}, "
                    f"which is not a listed value of {category.name} (listed: {listed})",
                    {"respondent": person.id, "category": category.name, "value": raw_value},
                )
            values[category.name] = value
        canonical.append(Respondent(str(person.id).strip(), values))
    return Instance(built, tuple(canonical), panel_size)


def _validate(instance: Instance) -> None:
    size = instance.panel_size
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise SortitionError(f"the panel size must be a positive whole number, not {size!r}")
    if not instance.categories:
        raise SortitionError("no quotas were given: at least one category with its values is needed")
    for quota in instance.quotas:
        for bound in ("min", "max"):
            number = getattr(quota, bound)
            if isinstance(number, bool) or not isinstance(number, int):
                raise SortitionError(f"the {bound} of {quota.label} must be a whole number, not {number!r}")
            if number < 0:
                word = "minimum" if bound == "min" else "maximum"
                raise SortitionError(f"the {word} of {quota.label} is negative ({number})")
        if quota.min > quota.max:
            raise SortitionError(
                f"the minimum of {quota.label} ({quota.min}) is above its maximum ({quota.max})",
                {"category": quota.category, "value": quota.value},
            )
    if not instance.respondents:
        raise SortitionError("there are no respondents to select from")
    seen: set[str] = set()
    for person in instance.respondents:
        if not person.id:
            raise SortitionError("a respondent has an empty id")
        if person.id in seen:
            raise SortitionError(f"respondent id {person.id} appears more than once", {"id": person.id})
        seen.add(person.id)
        for category in instance.categories:
            if person.features.get(category.name) not in category.values:
                raise SortitionError(
                    f"respondent {person.id} has no listed value for category {category.name}; "
                    "build instances with make_instance"
                )
    if size > len(instance.respondents):
        raise SortitionError(
            f"the panel size {size} is larger than the pool of {len(instance.respondents)} respondents"
        )


def _group_types(instance: Instance) -> TypeTable:
    index = {c.name: {v: i for i, v in enumerate(c.values)} for c in instance.categories}
    groups: dict[tuple[int, ...], list[int]] = {}
    for position, person in enumerate(instance.respondents):
        key = tuple(index[c.name][person.features[c.name]] for c in instance.categories)
        groups.setdefault(key, []).append(position)
    keys = tuple(groups)
    offsets = np.cumsum([0] + [len(c.quotas) for c in instance.categories])
    matrix = np.zeros((int(offsets[-1]), len(keys)), dtype=np.int64)
    for t, key in enumerate(keys):
        for c, value_index in enumerate(key):
            matrix[offsets[c] + value_index, t] = 1
    quotas = instance.quotas
    return TypeTable(
        keys=keys,
        members=tuple(tuple(m) for m in groups.values()),
        sizes=np.array([len(m) for m in groups.values()], dtype=np.int64),
        matrix=matrix,
        mins=np.array([q.min for q in quotas], dtype=np.int64),
        maxs=np.array([q.max for q in quotas], dtype=np.int64),
    )


def panel_counts(instance: Instance, panel: Sequence[str]) -> dict[str, int]:
    """How many members of `panel` have each quota value, keyed by `category=value`."""
    by_id = {r.id: r for r in instance.respondents}
    counts = {q.label: 0 for q in instance.quotas}
    for person_id in panel:
        person = by_id[person_id]
        for category in instance.categories:
            counts[f"{category.name}={person.features[category.name]}"] += 1
    return counts


def panel_meets_quotas(instance: Instance, panel: Sequence[str]) -> bool:
    """Whether `panel` has the right size, no repeats, and every quota met."""
    if len(panel) != instance.panel_size or len(set(panel)) != len(panel):
        return False
    counts = panel_counts(instance, panel)
    return all(q.min <= counts[q.label] <= q.max for q in instance.quotas)
