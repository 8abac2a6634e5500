"""The lottery algorithms alone: deterministic, documented, proportional, fair to the distribution."""

import hashlib
import random
from collections import Counter

import pytest

from consultations.lottery import (
    Entry,
    LotteryError,
    PoolMember,
    QuotaSpec,
    allocate,
    draw_invitees,
    draw_panel,
    pool_fingerprint,
    roster_fingerprint,
    seed_hash,
)
from consultations.sortition import Quota, Respondent, leximin, make_instance
from consultations.sortition.draw import AuditRandom
from consultations.sortition.model import panel_meets_quotas


def test_the_random_numbers_are_sha256_in_counter_mode_as_documented():
    # An independent implementation of the documented construction gives the same first number.
    key = hashlib.sha256(b"civic-sortition\x00invitations\x00example").digest()
    first = hashlib.sha256(key + (0).to_bytes(8, "big")).digest()
    assert AuditRandom("example", "invitations").bits64() == int.from_bytes(first[:8], "big")
    # Known values for re-implementers (docs/running-a-lottery.md quotes them).
    stream = AuditRandom("example", "invitations")
    assert [stream.below(1000) for _ in range(5)] == [588, 898, 808, 873, 498]
    assert seed_hash("example") == "50d858e0985ecc7f60418aaf0cc5ab587f42c2570a884095a9e8ccacd0f6545c"


def roster(count: int, districts: str = "ABC", household_size: int = 1) -> list[Entry]:
    return [
        Entry(f"K{i:04d}", districts[i % len(districts)], f"H{i // household_size}") for i in range(count)
    ]


def test_the_invitation_draw_is_deterministic_and_ignores_input_order():
    entries = roster(200)
    first = draw_invitees(entries, count=30, seed="s1", stratify=True, one_per_household=False)
    shuffled = entries[:]
    random.Random(4).shuffle(shuffled)
    assert draw_invitees(shuffled, count=30, seed="s1", stratify=True, one_per_household=False) == first
    assert draw_invitees(entries, count=30, seed="s2", stratify=True, one_per_household=False) != first
    assert len(set(first)) == 30


def test_the_known_example_draw():
    entries = [Entry(f"K{i:02d}", "AB"[i % 2]) for i in range(10)]
    assert draw_invitees(entries, count=4, seed="example", stratify=True, one_per_household=False) == [
        "K08",
        "K00",
        "K07",
        "K03",
    ]


def test_stratified_draws_are_proportional_by_largest_remainder():
    assert allocate({"A": 5, "B": 3, "C": 2}, 4) == {"A": 2, "B": 1, "C": 1}
    assert allocate({"A": 1, "B": 1}, 1) == {"A": 1, "B": 0}  # a tie goes to the first district
    entries = [Entry(f"K{i:03d}", "A" if i < 60 else "B" if i < 90 else "C") for i in range(100)]
    drawn = draw_invitees(entries, count=10, seed="x", stratify=True, one_per_household=False)
    by_district = Counter(e.district for e in entries if e.key in drawn)
    assert by_district == {"A": 6, "B": 3, "C": 1}


def test_one_per_household_never_invites_two_from_the_same_home():
    entries = roster(120, household_size=3)
    for seed in ("a", "b", "c"):
        drawn = set(draw_invitees(entries, count=40, seed=seed, stratify=False, one_per_household=True))
        households = Counter(e.household for e in entries if e.key in drawn)
        assert len(drawn) == 40 and max(households.values()) == 1


def test_impossible_draws_say_why():
    with pytest.raises(LotteryError) as error:
        draw_invitees(
            roster(30, household_size=3), count=11, seed="s", stratify=False, one_per_household=True
        )
    assert error.value.code == "count_above_eligible"
    assert error.value.params == {"count": 11, "eligible": 10, "households": True}
    with pytest.raises(LotteryError) as error:
        draw_invitees(
            [Entry("K1", ""), Entry("K2", "A")], count=1, seed="s", stratify=True, one_per_household=False
        )
    assert error.value.code == "missing_district"


def test_fingerprints_do_not_depend_on_order_but_on_every_value():
    entries = roster(20)
    assert roster_fingerprint(entries) == roster_fingerprint(list(reversed(entries)))
    changed = [*entries[:-1], Entry(entries[-1].key, "Z", entries[-1].household)]
    assert roster_fingerprint(changed) != roster_fingerprint(entries)
    pool = [PoolMember("a", {"age": "young"}), PoolMember("b", {"age": "old"})]
    quotas = [QuotaSpec("age", "young", 0, 1), QuotaSpec("age", "old", 0, 1)]
    assert pool_fingerprint(pool, quotas, 1) == pool_fingerprint(pool[::-1], quotas[::-1], 1)
    assert pool_fingerprint(pool, quotas, 1) != pool_fingerprint(pool, quotas, 2)


def small_instance():
    people = [
        Respondent(f"p{i}", {"age": ("young", "old")[i % 2], "gender": ("f", "m", "m")[i % 3]})
        for i in range(12)
    ]
    quotas = [
        Quota("age", "young", 2, 2),
        Quota("age", "old", 2, 2),
        Quota("gender", "f", 1, 3),
        Quota("gender", "m", 1, 3),
    ]
    return make_instance(quotas, people, 4)


def test_panels_drawn_from_the_distribution_meet_the_quotas_and_follow_its_probabilities():
    instance = small_instance()
    selection = leximin(instance)
    assert selection.distribution is not None
    counts = Counter[str]()
    runs = 1500
    for n in range(runs):
        result = draw_panel(selection.distribution, instance, seed=f"seed-{n}", alternates=3)
        assert panel_meets_quotas(instance, result.panel)
        assert not set(result.alternates) & set(result.panel) and len(result.alternates) == 3
        counts.update(result.panel)
    for person, probability in selection.probabilities.items():
        assert counts[person] / runs == pytest.approx(probability, abs=0.06)
    again = draw_panel(selection.distribution, instance, seed="seed-7", alternates=3)
    assert again == draw_panel(selection.distribution, instance, seed="seed-7", alternates=3)
    # The first alternate can take some panel member's seat with every quota still met.
    first = again.alternates[0]
    assert again.replaces[first]
    swapped = [first if member == again.replaces[first][0] else member for member in again.panel]
    assert panel_meets_quotas(instance, swapped)
