"""Opinion groups from statement votes (the pure module): planted camps, rankings, determinism, edge cases."""

import json
import random

import pytest

from consultations.opinions import compute_groups

SHARED = 100  # a statement both camps agree on
SPLIT = range(101, 109)  # camp A agrees, camp B disagrees
CAMP_A = range(1, 31)
CAMP_B = range(31, 51)


def planted_votes(noise: float = 0.1, seed: int = 7) -> list[tuple[int, int, int]]:
    """Two camps of 30 and 20 participants; each flips a vote with probability `noise` and skips a few."""
    rng = random.Random(seed)
    votes = []
    for person in [*CAMP_A, *CAMP_B]:
        side = 1 if person in CAMP_A else -1
        votes.append((person, SHARED, 1))
        for statement in SPLIT:
            if rng.random() < 0.15:
                continue  # not every participant votes on everything
            vote = side if statement % 2 else -side
            if rng.random() < noise:
                vote = rng.choice([0, -vote])
            votes.append((person, statement, vote))
    return votes


def test_two_planted_camps_are_recovered():
    result = compute_groups(planted_votes())

    assert result.group_sizes == (30, 20)
    assert {result.members[p] for p in CAMP_A} == {0}
    assert {result.members[p] for p in CAMP_B} == {1}


def test_consensus_ranks_the_statement_both_camps_agree_on_first():
    result = compute_groups(planted_votes())

    assert result.consensus[0] == SHARED
    shared = next(s for s in result.statements if s.id == SHARED)
    assert shared.total.agree == 50
    assert [g.agree for g in shared.groups] == [30, 20]


def test_divisive_lists_the_split_statements_and_not_the_shared_one():
    result = compute_groups(planted_votes())

    assert set(result.divisive) == set(SPLIT)
    assert SHARED not in result.divisive
    split = next(s for s in result.statements if s.id == SPLIT[0])
    assert split.divisiveness > 0.6


def test_the_same_votes_in_any_order_give_the_same_result():
    votes = planted_votes(noise=0.25)
    shuffled = votes[:]
    random.Random(3).shuffle(shuffled)

    assert compute_groups(votes).to_dict() == compute_groups(shuffled).to_dict()


def test_the_result_is_json_and_the_public_part_hides_who_is_in_which_group():
    result = compute_groups(planted_votes())

    stored = json.loads(json.dumps(result.to_dict()))
    public = json.loads(json.dumps(result.public_dict()))
    assert stored["members"]["1"] == 0
    assert "members" not in public
    assert public["groups"] == [{"id": 0, "size": 30}, {"id": 1, "size": 20}]
    assert public["clustered"] == 50
    assert public["statements"][0]["groups"][0] == {"agree": 30, "disagree": 0, "pass": 0}


def test_few_votes_are_counted_but_not_clustered():
    votes = [*planted_votes(), (99, SHARED, 1), (99, SPLIT[0], -1)]

    result = compute_groups(votes)

    assert 99 not in result.members
    assert result.participants == 51
    shared = next(s for s in result.statements if s.id == SHARED)
    assert shared.total.agree == 51
    assert sum(g.agree for g in shared.groups) == 50


def test_a_later_vote_replaces_an_earlier_one():
    result = compute_groups([(1, 5, 1), (1, 5, -1)])

    assert result.statements[0].total.disagree == 1
    assert result.statements[0].total.agree == 0


def test_no_votes():
    result = compute_groups([])

    assert result.public_dict() == {
        "version": 1,
        "participants": 0,
        "clustered": 0,
        "groups": [],
        "statements": [],
        "consensus": [],
        "divisive": [],
    }


def test_one_participant_is_one_group():
    result = compute_groups([(1, 10, 1), (1, 11, -1), (1, 12, 0)])

    assert result.members == {1: 0}
    assert result.group_sizes == (1,)
    assert result.divisive == ()


def test_identical_votes_make_one_group():
    votes = [(p, s, 1) for p in range(1, 21) for s in range(1, 6)]

    result = compute_groups(votes)

    assert result.group_sizes == (20,)
    assert result.divisive == ()
    assert all(s.divisiveness == 0 for s in result.statements)


def test_nobody_with_enough_votes_still_ranks_statements():
    result = compute_groups([(1, 10, 1), (2, 10, 1), (3, 11, -1)])

    assert result.members == {}
    assert result.group_sizes == ()
    assert result.consensus == (10, 11)


def test_a_single_statement():
    votes = [(p, 1, 1 if p <= 5 else -1) for p in range(1, 11)]

    result = compute_groups(votes, min_votes_per_participant=1)

    assert result.group_sizes == (5, 5)
    assert result.divisive == (1,)


@pytest.mark.parametrize("bad", [2, -2, None, "1"])
def test_a_vote_other_than_minus_one_zero_or_one_is_refused(bad):
    with pytest.raises(ValueError, match="a vote must be -1, 0 or 1"):
        compute_groups([(1, 1, 1), (2, 1, bad)])


def test_a_thousand_participants_is_fast():
    rng = random.Random(1)
    votes = [
        (p, s, (1 if (p % 3 == 0) == (s % 2 == 0) else -1) if rng.random() > 0.1 else 0)
        for p in range(1000)
        for s in range(40)
        if rng.random() < 0.6
    ]

    result = compute_groups(votes)

    assert sum(result.group_sizes) == 1000
    assert len(result.group_sizes) >= 2
