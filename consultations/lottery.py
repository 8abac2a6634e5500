"""The verifiable lottery of both stages, as plain functions of published inputs and a seed (no Django).

Everything here is deterministic: the same inputs and seed give the same result on any machine, and the
algorithm is simple enough to re-implement in another language from this description
(docs/running-a-lottery.md repeats it for auditors).

Random numbers: the sortition engine's `AuditRandom(seed, label)` (consultations/sortition/draw.py)
    key = SHA-256 of the UTF-8 bytes of "civic-sortition", NUL, the label, NUL, the seed. Number i (i = 0, 1,
    ...) is the first 8 bytes, big-endian, of SHA-256(key followed by i as an 8-byte big-endian integer).
    `below(n)`: with b = the bit length of n - 1 (at least 1), take the top b bits of the next number, and
    accept it if it is below n (otherwise take the next). `random()` is (next number >> 11) / 2^53.
    `sample(items, k)` is a partial Fisher-Yates shuffle: for i in 0..k-1, j = i + below(len - i), swap
    positions i and j; the first k items are drawn, in that order.

Stage 1, invitations (`draw_invitees`, algorithm "civic-invitations/v1", label "invitations")
    1. Entries are (key, district, household) sorted by key (Unicode code point order).
    2. One per household, if asked: group entries by household (an empty household is the entry's own key);
       for each household in household order, keep members[below(len(members))] of its key-sorted members.
    3. Allocation, if stratified by district: largest remainder (Hamilton). District d with s_d eligible
       people of S gets floor(n * s_d / S) places; the places left go one each to the districts with the
       largest remainder (n * s_d mod S), ties to the district first in code point order. Unstratified: one
       stratum "" with n places.
    4. In district order, `sample` the district's places from its key-sorted people.
    The result is the drawn keys in the order drawn.

Stage 2, the panel (`draw_panel`, algorithm "civic-panel/v1"): the engine's `draw_panel` (label "panel":
    one random() times the total probability picks a panel by walking the stored panels' cumulative
    probabilities; then each type's members are `sample`d in stored order) and `draw_alternates` (label
    "alternates": everyone off the panel shuffled; first those who can replace a panel member not yet
    covered, keeping every quota; then others who can replace someone; then the rest).

Fingerprints are SHA-256 of canonical text: one line per entry (`key TAB district TAB household`, or for the
panel stage `key TAB category=value TAB ...` with categories sorted), lines sorted, each ending in a newline,
NFC-normalised UTF-8; the panel stage adds the quotas and the panel size (see `pool_fingerprint`).
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from consultations.sortition import Distribution, Instance, SortitionError
from consultations.sortition.draw import Alternate, AuditRandom, draw_alternates, first_replacement
from consultations.sortition.draw import draw_panel as engine_draw_panel

INVITATIONS_ALGORITHM = "civic-invitations/v1"
PANEL_ALGORITHM = "civic-panel/v1"


class LotteryError(Exception):
    """A draw that cannot be made from these inputs; `code` names the problem, `params` fill the message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def seed_hash(seed: str) -> str:
    """The commitment to a seed: SHA-256 of its UTF-8 bytes, in hexadecimal."""
    return hashlib.sha256(seed.encode("utf-8")).hexdigest()


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


@dataclass(frozen=True, slots=True)
class Entry:
    """A roster row as the lottery sees it: opaque key, district and household key (no personal data)."""

    key: str
    district: str = ""
    household: str = ""

    def line(self) -> str:
        return f"{_nfc(self.key)}\t{_nfc(self.district)}\t{_nfc(self.household)}\n"


def roster_fingerprint(entries: Iterable[Entry]) -> str:
    lines = sorted(entry.line() for entry in entries)
    return hashlib.sha256("".join(lines).encode("utf-8")).hexdigest()


def _households(entries: Sequence[Entry]) -> Iterator[list[Entry]]:
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.household or entry.key, []).append(entry)
    for household in sorted(groups):
        yield groups[household]


def allocate(sizes: Mapping[str, int], total_places: int) -> dict[str, int]:
    """Largest-remainder (Hamilton) allocation of `total_places` to strata in proportion to their sizes."""
    population = sum(sizes.values())
    if population == 0:
        return dict.fromkeys(sizes, 0)
    places = {name: total_places * size // population for name, size in sizes.items()}
    left = total_places - sum(places.values())
    by_remainder = sorted(sizes, key=lambda name: (-(total_places * sizes[name] % population), name))
    for name in by_remainder[:left]:
        places[name] += 1
    return places


def draw_invitees(
    entries: Sequence[Entry],
    *,
    count: int,
    seed: str,
    stratify: bool,
    one_per_household: bool,
) -> list[str]:
    """Stage 1: draw `count` keys from the roster (see the module docstring for the exact algorithm)."""
    ordered = sorted(entries, key=lambda e: e.key)
    keys = [e.key for e in ordered]
    if len(set(keys)) != len(keys):
        raise LotteryError("duplicate_keys")
    if count < 1:
        raise LotteryError("count_not_positive", count=count)
    stream = AuditRandom(seed, "invitations")
    if one_per_household:
        eligible = [members[stream.below(len(members))] for members in _households(ordered)]
        eligible.sort(key=lambda e: e.key)
    else:
        eligible = ordered
    if count > len(eligible):
        raise LotteryError(
            "count_above_eligible", count=count, eligible=len(eligible), households=one_per_household
        )
    strata: dict[str, list[str]] = {}
    for entry in eligible:
        strata.setdefault(entry.district if stratify else "", []).append(entry.key)
    if stratify and "" in strata:
        raise LotteryError("missing_district", missing=len(strata[""]))
    places = allocate({name: len(members) for name, members in strata.items()}, count)
    drawn: list[str] = []
    for name in sorted(strata):
        drawn.extend(stream.sample(strata[name], places[name]))
    return drawn


@dataclass(frozen=True, slots=True)
class PanelDraw:
    panel: list[str]
    alternates: list[str]
    replaces: dict[str, list[str]]  # alternate -> the panel members they can stand in for, quotas kept


def draw_panel(distribution: Distribution, instance: Instance, *, seed: str, alternates: int) -> PanelDraw:
    """Stage 2: one panel from the distribution and ranked alternates, by the sortition engine's draws."""
    try:
        panel = engine_draw_panel(distribution, seed)
        ranked = draw_alternates(
            instance, panel, min(alternates, len(instance.respondents) - len(panel)), seed
        )
    except SortitionError as error:
        raise LotteryError("panel_draw_failed", reason=error.message) from error
    return PanelDraw(panel, [a.id for a in ranked], {a.id: list(a.replaces) for a in ranked})


def seat_refill(
    instance: Instance, seated: Sequence[str], waiting: Iterable[str], ranked: Sequence[str], leaving: str
) -> str | None:
    """Who takes the seat of `leaving`, a member of the panel as `seated`: of the alternates still `waiting`,
    the best in the draw's ranking (`ranked`) who keeps every quota; None when none can."""
    alternates = [Alternate(key, ranked.index(key) + 1, ()) for key in waiting]
    return first_replacement(instance, seated, alternates, leaving)


@dataclass(frozen=True, slots=True)
class PoolMember:
    key: str
    features: Mapping[str, str]

    def line(self) -> str:
        values = "\t".join(f"{_nfc(k)}={_nfc(v)}" for k, v in sorted(self.features.items()))
        return f"{_nfc(self.key)}\t{values}\n"


@dataclass(frozen=True, slots=True)
class QuotaSpec:
    category: str
    value: str
    min: int
    max: int


def pool_fingerprint(pool: Iterable[PoolMember], quotas: Iterable[QuotaSpec], panel_size: int) -> str:
    """Fingerprint of the panel stage's inputs: respondents' keys and answers, the quotas, the panel size."""
    lines = sorted(member.line() for member in pool)
    quota_lines = sorted(f"{_nfc(q.category)}={_nfc(q.value)}\t{q.min}\t{q.max}\n" for q in quotas)
    text = "".join(lines) + "--quotas--\n" + "".join(quota_lines) + f"--panel size--\n{panel_size}\n"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def canonical_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def distribution_hash(distribution: Mapping[str, Any]) -> str:
    """SHA-256 of a distribution's canonical JSON, recorded with the panel draw."""
    return hashlib.sha256(canonical_json(distribution).encode("utf-8")).hexdigest()
