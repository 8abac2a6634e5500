"""Reproducible draws: a panel from a distribution, and ranked alternates, from a seed anyone can re-run.

The random numbers come from SHA-256 in counter mode keyed by the seed, not from NumPy or `random`, whose
streams may change between versions: an audit must give the same panel years later, and the generator is
short enough to re-implement in any language from this docstring. Seeds are ints or strings; 42 and "42"
are the same seed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from .errors import SortitionError
from .model import Instance
from .result import Distribution

Seed = int | str


def seed_text(seed: Seed) -> str:
    """The canonical text of a seed, which is what gets hashed."""
    if isinstance(seed, bool) or not isinstance(seed, int | str):
        raise SortitionError(f"the seed must be a whole number or a text, not {seed!r}")
    text = str(seed)
    if not text:
        raise SortitionError("the seed must not be empty")
    return text


class AuditRandom:
    """Uniform numbers from SHA-256(key || counter), key = SHA-256("civic-sortition", purpose, seed)."""

    def __init__(self, seed: Seed, purpose: str) -> None:
        material = "\x00".join(("civic-sortition", purpose, seed_text(seed)))
        self._key = hashlib.sha256(material.encode()).digest()
        self._counter = 0

    def bits64(self) -> int:
        block = hashlib.sha256(self._key + self._counter.to_bytes(8, "big")).digest()
        self._counter += 1
        return int.from_bytes(block[:8], "big")

    def random(self) -> float:
        """A float in [0, 1) with 53 random bits."""
        return (self.bits64() >> 11) / float(1 << 53)

    def below(self, n: int) -> int:
        """A uniform integer in [0, n), by rejection so there is no modulo bias."""
        if n <= 0:
            raise ValueError("n must be positive")
        bits = max(1, (n - 1).bit_length())
        while True:
            candidate = self.bits64() >> (64 - bits)
            if candidate < n:
                return candidate

    def sample(self, items: Sequence[str], k: int) -> list[str]:
        """k distinct items in draw order (a partial Fisher-Yates shuffle)."""
        pool = list(items)
        for i in range(k):
            j = i + self.below(len(pool) - i)
            pool[i], pool[j] = pool[j], pool[i]
        return pool[:k]


def draw_panel(distribution: Distribution, seed: Seed) -> list[str]:
    """Pick one panel with the distribution's probabilities, then its members uniformly within each type.

    Uses the stream for purpose "panel": one number in [0, 1) chooses the panel by walking the cumulative
    probabilities in stored order; then, type by type in stored order, `sample` picks the members.
    """
    if not distribution.panels:
        raise SortitionError("the distribution has no panels to draw from")
    rng = AuditRandom(seed, "panel")
    point = rng.random() * sum(p.probability for p in distribution.panels)
    chosen = distribution.panels[-1]
    running = 0.0
    for panel in distribution.panels:
        running += panel.probability
        if point < running:
            chosen = panel
            break
    members: list[str] = []
    for t, count in chosen.counts:
        members.extend(rng.sample(distribution.types[t].members, count))
    return members


@dataclass(frozen=True, slots=True)
class Alternate:
    """A ranked stand-in and the panel members they could replace one-for-one with every quota still met."""

    id: str
    rank: int
    replaces: tuple[str, ...]

    @property
    def quota_safe(self) -> bool:
        return bool(self.replaces)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "replaces": list(self.replaces)}


def draw_alternates(instance: Instance, panel: Sequence[str], count: int, seed: Seed) -> list[Alternate]:
    """Rank `count` alternates for `panel`, reproducibly from the seed (stream purpose "alternates").

    Rule: shuffle everyone not on the panel with the seed. Walking that order, first take each person who
    can replace a panel member not yet covered by an earlier alternate (so the first few alternates cover
    as many possible drop-outs as they can); then, in the same order, anyone who can replace some member;
    then anyone left, marked not quota-safe. "Can replace" means swapping them in for that member keeps
    every quota.
    """
    if count < 0:
        raise SortitionError(f"the number of alternates must not be negative ({count})")
    swaps = _swap_options(instance, panel)
    on_panel = set(panel)
    rng = AuditRandom(seed, "alternates")
    outside = [r.id for r in instance.respondents if r.id not in on_panel]
    order = rng.sample(outside, len(outside))
    chosen: list[str] = []
    taken: set[str] = set()
    covered: set[str] = set()
    for person in order:
        if len(chosen) == count:
            break
        if set(swaps[person]) - covered:
            chosen.append(person)
            taken.add(person)
            covered.update(swaps[person])
    for must_be_safe in (True, False):
        for person in order:
            if len(chosen) == count:
                break
            if person not in taken and (swaps[person] or not must_be_safe):
                chosen.append(person)
                taken.add(person)
    return [Alternate(person, rank, tuple(swaps[person])) for rank, person in enumerate(chosen, start=1)]


def first_replacement(
    instance: Instance, panel: Sequence[str], alternates: Sequence[Alternate], leaving: str
) -> str | None:
    """The best-ranked alternate who can take `leaving`'s seat on the current panel with every quota kept."""
    swaps = _swap_options(instance, panel)
    for alternate in sorted(alternates, key=lambda a: a.rank):
        if alternate.id not in panel and leaving in swaps.get(alternate.id, ()):
            return alternate.id
    return None


def _swap_options(instance: Instance, panel: Sequence[str]) -> dict[str, list[str]]:
    """For each respondent off the panel, the panel members they could replace keeping every quota."""
    types = instance.types
    position = {r.id: i for i, r in enumerate(instance.respondents)}
    unknown = [p for p in panel if p not in position]
    if unknown:
        raise SortitionError(f"panel member {unknown[0]} is not among the respondents")
    type_of = np.empty(len(instance.respondents), dtype=np.int64)
    for t, members in enumerate(types.members):
        type_of[list(members)] = t
    counts = np.bincount(type_of[[position[p] for p in panel]], minlength=types.count)
    per_quota = types.matrix @ counts
    full = types.matrix[per_quota >= types.maxs].astype(np.float64)
    low = types.matrix[per_quota <= types.mins].astype(np.float64)
    # blocked[a, b]: swapping a member of type a for one of type b breaks a quota at its max or its min.
    blocked = (full.sum(0)[None, :] - full.T @ full) > 0.5
    blocked |= (low.sum(0)[:, None] - low.T @ low) > 0.5
    on_panel = set(panel)
    by_type: dict[int, list[str]] = {}
    for member in panel:
        by_type.setdefault(int(type_of[position[member]]), []).append(member)
    options: dict[str, list[str]] = {}
    for person in instance.respondents:
        if person.id in on_panel:
            continue
        b = int(type_of[position[person.id]])
        options[person.id] = [m for a, ms in by_type.items() if not blocked[a, b] for m in ms]
    return options


def verify_panel(distribution: Distribution, seed: Seed, panel: Sequence[str]) -> bool:
    """Whether re-drawing from the stored distribution with the stored seed gives exactly this panel."""
    return draw_panel(distribution, seed) == list(panel)
