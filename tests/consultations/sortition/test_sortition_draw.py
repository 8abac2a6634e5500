"""Reproducible draws: the audit random stream, panels from a distribution, ranked alternates."""

from __future__ import annotations

import hashlib
import json
from collections import Counter

import pytest

from consultations.sortition import (
    AuditRandom,
    Distribution,
    Instance,
    Quota,
    Respondent,
    SortitionError,
    draw_alternates,
    draw_panel,
    first_replacement,
    leximin,
    make_instance,
    panel_meets_quotas,
    verify_panel,
)


def town(size: int = 30, panel: int = 6) -> Instance:
    people = [
        Respondent(
            f"r{i:02d}",
            {
                "gender": "f" if i % 2 else "m",
                "age": ("young", "mid", "old")[i % 3],
                "area": "ab"[i % 5 == 0],
            },
        )
        for i in range(size)
    ]
    quotas = [
        Quota("gender", "f", 2, 4),
        Quota("gender", "m", 2, 4),
        Quota("age", "young", 1, 3),
        Quota("age", "mid", 1, 3),
        Quota("age", "old", 1, 3),
        Quota("area", "a", 3, 6),
        Quota("area", "b", 1, 2),
    ]
    return make_instance(quotas, people, panel)


@pytest.fixture(scope="module")
def instance() -> Instance:
    return town()


@pytest.fixture(scope="module")
def distribution(instance: Instance) -> Distribution:
    selection = leximin(instance)
    assert selection.distribution is not None
    return selection.distribution


def test_audit_stream_follows_its_published_definition() -> None:
    key = hashlib.sha256(b"civic-sortition\x00panel\x00042").digest()
    expected = [
        int.from_bytes(hashlib.sha256(key + i.to_bytes(8, "big")).digest()[:8], "big") for i in range(3)
    ]
    stream = AuditRandom("042", "panel")
    assert [stream.bits64() for _ in range(3)] == expected
    assert AuditRandom(42, "panel").bits64() != expected[0]  # 42 and "042" are different seeds
    assert AuditRandom(42, "panel").bits64() == AuditRandom("42", "panel").bits64()


def test_below_is_uniform_and_in_range() -> None:
    stream = AuditRandom("uniform", "test")
    counts = Counter(stream.below(3) for _ in range(3000))
    assert set(counts) == {0, 1, 2}
    assert all(900 < c < 1100 for c in counts.values())
    assert all(0 <= stream.random() < 1 for _ in range(100))


@pytest.mark.parametrize("bad", [True, 1.5, "", None])
def test_bad_seeds_are_refused(bad: object) -> None:
    with pytest.raises(SortitionError, match="seed"):
        AuditRandom(bad, "panel")  # type: ignore[arg-type]


def test_same_seed_same_panel_and_panels_meet_quotas(instance: Instance, distribution: Distribution) -> None:
    first = draw_panel(distribution, "town-hall-2026")
    assert draw_panel(distribution, "town-hall-2026") == first
    assert panel_meets_quotas(instance, first)
    panels = {tuple(sorted(draw_panel(distribution, seed))) for seed in range(40)}
    assert len(panels) > 10  # different seeds give different panels
    assert all(panel_meets_quotas(instance, list(p)) for p in panels)


def test_draw_is_reproducible_from_stored_json(distribution: Distribution) -> None:
    stored = json.loads(json.dumps(distribution.to_dict()))
    restored = Distribution.from_dict(stored)
    assert restored == distribution
    panel = draw_panel(distribution, 7)
    assert verify_panel(restored, "7", panel)
    tampered = [*panel[:-1], next(m for t in restored.types for m in t.members if m not in panel)]
    assert not verify_panel(restored, "7", tampered)


def test_malformed_distribution_is_refused() -> None:
    with pytest.raises(SortitionError, match="malformed"):
        Distribution.from_dict({"version": 1, "types": [{"values": {}}], "panels": []})
    with pytest.raises(SortitionError, match="does not exist"):
        Distribution.from_dict(
            {
                "version": 1,
                "types": [{"values": {}, "members": ["a"]}],
                "panels": [{"probability": 1, "counts": [[0, 2]]}],
            }
        )


def test_draw_frequencies_follow_the_distribution(instance: Instance, distribution: Distribution) -> None:
    draws = 1500
    seen: Counter[str] = Counter()
    for seed in range(draws):
        seen.update(draw_panel(distribution, f"freq-{seed}"))
    marginals = distribution.marginals()
    for person in instance.respondents:
        p = marginals[person.id]
        # Five standard errors: a wrong draw would be far outside, a right one essentially never.
        assert abs(seen[person.id] / draws - p) < 5 * (p * (1 - p) / draws) ** 0.5 + 1e-9


def test_alternates_are_ranked_deterministic_and_quota_safe(
    instance: Instance, distribution: Distribution
) -> None:
    panel = draw_panel(distribution, "alt")
    alternates = draw_alternates(instance, panel, 5, "alt")
    assert alternates == draw_alternates(instance, panel, 5, "alt")
    assert [a.rank for a in alternates] == [1, 2, 3, 4, 5]
    assert not {a.id for a in alternates} & set(panel)
    for alternate in alternates:
        assert alternate.quota_safe
        for leaving in alternate.replaces:
            swapped = [alternate.id if p == leaving else p for p in panel]
            assert panel_meets_quotas(instance, swapped)
    # The first alternates cover as many different panel members as they can before any repeats.
    first_two = set(alternates[0].replaces) | set(alternates[1].replaces)
    assert set(alternates[1].replaces) - set(alternates[0].replaces)
    assert len(first_two) > len(alternates[0].replaces)


def test_first_replacement_keeps_quotas(instance: Instance, distribution: Distribution) -> None:
    panel = draw_panel(distribution, "drop")
    alternates = draw_alternates(instance, panel, len(instance.respondents) - len(panel), "drop")
    for leaving in panel:
        stand_in = first_replacement(instance, panel, alternates, leaving)
        assert stand_in is not None
        assert panel_meets_quotas(instance, [stand_in if p == leaving else p for p in panel])


def test_alternates_fall_back_to_unsafe_when_nobody_fits() -> None:
    # Exactly one "x" is allowed and there is one on the panel; the only outsider is also "x" but the panel
    # also needs its single "y": swapping either breaks a quota.
    people = [Respondent("x1", {"k": "x"}), Respondent("y1", {"k": "y"}), Respondent("z1", {"k": "z"})]
    quotas = [Quota("k", "x", 0, 1), Quota("k", "y", 1, 1), Quota("k", "z", 1, 1)]
    instance = make_instance(quotas, people, 2)
    alternates = draw_alternates(instance, ["y1", "z1"], 1, 1)
    assert [a.id for a in alternates] == ["x1"]
    assert not alternates[0].quota_safe
    assert first_replacement(instance, ["y1", "z1"], alternates, "y1") is None
