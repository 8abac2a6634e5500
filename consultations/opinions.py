"""Opinion groups from a room's statement votes, the way Polis finds them: PCA of the vote matrix, k-means.

Pure (numpy only) and deterministic: the same votes always give the same groups, numbered largest first.
Participants with fewer than `min_votes_per_participant` votes are left out of the clustering (too little to
place them) but their votes still count in every statement's totals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

FORMAT_VERSION = 1
AGREE, PASS, DISAGREE = 1, 0, -1
# Above this many participants the silhouette is measured on an evenly spread sample (it is O(n²) in memory).
SILHOUETTE_SAMPLE = 1500
KMEANS_RESTARTS = 4
KMEANS_ITERATIONS = 100
SEED = 20240917

Matrix = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Tally:
    """Agree, disagree and pass votes on one statement, by everyone or by one group."""

    agree: int = 0
    disagree: int = 0
    passed: int = 0

    @property
    def votes(self) -> int:
        return self.agree + self.disagree + self.passed

    def agree_rate(self) -> float:
        """P(agree) with Laplace smoothing, so a group that has not voted counts as undecided (½)."""
        return (self.agree + 1) / (self.votes + 2)

    def to_dict(self) -> dict[str, int]:
        return {"agree": self.agree, "disagree": self.disagree, "pass": self.passed}


@dataclass(frozen=True, slots=True)
class StatementResult:
    """One statement: its totals, its tally in each group, and its two scores."""

    id: int
    total: Tally
    groups: tuple[Tally, ...]
    consensus: float
    divisiveness: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            **self.total.to_dict(),
            "groups": [g.to_dict() for g in self.groups],
            "consensus": round(self.consensus, 4),
            "divisiveness": round(self.divisiveness, 4),
        }


@dataclass(frozen=True)
class OpinionResult:
    """Groups (participant → group index, largest group 0), statements, and their rankings."""

    participants: int
    members: dict[int, int]
    group_sizes: tuple[int, ...]
    statements: tuple[StatementResult, ...]
    consensus: tuple[int, ...]
    divisive: tuple[int, ...]

    def public_dict(self) -> dict[str, Any]:
        """What anyone in the room may see: sizes and tallies, never who is in which group."""
        return {
            "version": FORMAT_VERSION,
            "participants": self.participants,
            "clustered": len(self.members),
            "groups": [{"id": i, "size": size} for i, size in enumerate(self.group_sizes)],
            "statements": [s.to_dict() for s in self.statements],
            "consensus": list(self.consensus),
            "divisive": list(self.divisive),
        }

    def to_dict(self) -> dict[str, Any]:
        """Everything, for storage: the public part plus each clustered participant's group."""
        return {**self.public_dict(), "members": {str(p): g for p, g in sorted(self.members.items())}}


def compute_groups(
    votes: Iterable[tuple[int, int, int]],
    *,
    min_votes_per_participant: int = 3,
    max_groups: int = 5,
    min_divisiveness: float = 0.3,
) -> OpinionResult:
    """Opinion groups and statement scores from `(participant, statement, vote)` triples (vote −1, 0 or 1).

    A later vote of the same participant on the same statement replaces the earlier one. Consensus is the
    product over groups of each group's smoothed agree rate; divisiveness is the largest difference between
    two groups' agree rates, and `divisive` lists the statements where it reaches `min_divisiveness`.
    """
    if max_groups < 1:
        raise ValueError("max_groups must be at least 1")
    latest: dict[tuple[int, int], int] = {}
    for participant, statement, vote in votes:
        if vote not in (AGREE, PASS, DISAGREE):
            raise ValueError(f"a vote must be -1, 0 or 1, not {vote!r}")
        latest[(participant, statement)] = vote
    people = sorted({p for p, _ in latest})
    statement_ids = sorted({s for _, s in latest})
    row = {p: i for i, p in enumerate(people)}
    column = {s: j for j, s in enumerate(statement_ids)}
    matrix = np.full((len(people), len(statement_ids)), np.nan)
    for (participant, statement), vote in latest.items():
        matrix[row[participant], column[statement]] = vote

    voted = ~np.isnan(matrix)
    placed = np.flatnonzero(voted.sum(axis=1) >= max(1, min_votes_per_participant))
    labels = _cluster(matrix[placed], max_groups) if len(placed) else np.zeros(0, dtype=np.int64)
    members = {people[i]: int(g) for i, g in zip(placed, labels, strict=True)}
    group_count = int(labels.max()) + 1 if len(labels) else 0
    group_of = np.full(len(people), -1)
    group_of[placed] = labels

    statements = tuple(
        _score(statement_ids[j], matrix[:, j], group_of, group_count) for j in range(len(statement_ids))
    )
    by_consensus = sorted(statements, key=lambda s: (-s.consensus, s.id))
    by_division = sorted(
        (s for s in statements if s.divisiveness >= min_divisiveness), key=lambda s: (-s.divisiveness, s.id)
    )
    return OpinionResult(
        participants=len(people),
        members=members,
        group_sizes=tuple(int(n) for n in np.bincount(labels, minlength=group_count)),
        statements=statements,
        consensus=tuple(s.id for s in by_consensus),
        divisive=tuple(s.id for s in by_division),
    )


def _score(statement: int, column: Matrix, group_of: npt.NDArray[np.int64], groups: int) -> StatementResult:
    total = _tally(column)
    tallies = tuple(_tally(column[group_of == g]) for g in range(groups))
    # With no groups yet, everyone who voted is one group, so consensus still ranks statements.
    rates = [t.agree_rate() for t in (tallies or (total,))]
    return StatementResult(
        id=statement,
        total=total,
        groups=tallies,
        consensus=float(np.prod(rates)),
        divisiveness=max(rates) - min(rates),
    )


def _tally(column: Matrix) -> Tally:
    return Tally(
        agree=int(np.sum(column == AGREE)),
        disagree=int(np.sum(column == DISAGREE)),
        passed=int(np.sum(column == PASS)),
    )


def _cluster(matrix: Matrix, max_groups: int) -> npt.NDArray[np.int64]:
    """Group labels for the rows of a vote matrix (NaN = not voted), the largest group labelled 0."""
    points = _project(matrix)
    distinct = len(np.unique(points.round(9), axis=0))
    best = np.zeros(len(points), dtype=np.int64)
    best_score = -np.inf
    for k in range(2, min(max_groups, distinct, len(points) - 1) + 1):
        labels = _kmeans(points, k)
        score = _silhouette(points, labels)
        if score > best_score + 1e-9:
            best, best_score = labels, score
    return _relabel_by_size(best)


def _project(matrix: Matrix) -> Matrix:
    """Participants' positions on the first two principal components of the mean-imputed vote matrix."""
    observed = ~np.isnan(matrix)
    counts = observed.sum(axis=0)
    means = np.divide(np.nansum(matrix, axis=0), counts, out=np.zeros(matrix.shape[1]), where=counts > 0)
    # Mean imputation then centring leaves 0 where a participant did not vote.
    centred = np.where(observed, matrix - means, 0.0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:2]
    # An SVD's signs are arbitrary; fix them so the same votes always give the same picture.
    signs = np.sign(components[np.arange(len(components)), np.abs(components).argmax(axis=1)])
    components = components * np.where(signs == 0, 1.0, signs)[:, None]
    points = centred @ components.T
    # Like Polis: someone who voted on few statements sits near the centre only for lack of votes; scale out.
    points *= np.sqrt(matrix.shape[1] / np.maximum(observed.sum(axis=1), 1))[:, None]
    if points.shape[1] < 2:
        points = np.hstack([points, np.zeros((len(points), 2 - points.shape[1]))])
    return points


def _kmeans(points: Matrix, k: int) -> npt.NDArray[np.int64]:
    """Lloyd's k-means with k-means++ seeding from a fixed seed; the best of a few restarts."""
    rng = np.random.default_rng(SEED)
    best: npt.NDArray[np.int64] | None = None
    best_inertia = np.inf
    for _ in range(KMEANS_RESTARTS):
        centres = _seed_centres(points, k, rng)
        labels = np.zeros(len(points), dtype=np.int64)
        for _ in range(KMEANS_ITERATIONS):
            labels = _nearest(points, centres)
            moved = np.array(
                [points[labels == c].mean(axis=0) if np.any(labels == c) else centres[c] for c in range(k)]
            )
            if np.allclose(moved, centres):
                break
            centres = moved
        inertia = float(((points - centres[labels]) ** 2).sum())
        if inertia < best_inertia - 1e-12:
            best, best_inertia = labels, inertia
    assert best is not None
    return best


def _seed_centres(points: Matrix, k: int, rng: np.random.Generator) -> Matrix:
    centres = [points[rng.integers(len(points))]]
    for _ in range(1, k):
        distance = ((points[:, None, :] - np.array(centres)[None]) ** 2).sum(axis=2).min(axis=1)
        total = distance.sum()
        pick = rng.choice(len(points), p=distance / total) if total > 0 else rng.integers(len(points))
        centres.append(points[pick])
    return np.array(centres)


def _nearest(points: Matrix, centres: Matrix) -> npt.NDArray[np.int64]:
    return np.asarray(((points[:, None, :] - centres[None]) ** 2).sum(axis=2).argmin(axis=1), dtype=np.int64)


def _silhouette(points: Matrix, labels: npt.NDArray[np.int64]) -> float:
    """Mean silhouette coefficient (a singleton scores 0), on an evenly spread sample for large inputs."""
    if len(points) > SILHOUETTE_SAMPLE:
        keep = np.linspace(0, len(points) - 1, SILHOUETTE_SAMPLE).round().astype(int)
        points, labels = points[keep], labels[keep]
    clusters = np.unique(labels)
    if len(clusters) < 2:
        return -1.0
    distance = np.sqrt(((points[:, None, :] - points[None]) ** 2).sum(axis=2))
    sizes = np.array([np.sum(labels == c) for c in clusters])
    # Mean distance from each point to each cluster (its own cluster without itself).
    sums = np.stack([distance[:, labels == c].sum(axis=1) for c in clusters], axis=1)
    own = np.searchsorted(clusters, labels)
    own_size = sizes[own] - 1
    rows = np.arange(len(points))
    inside = np.divide(sums[rows, own], own_size, out=np.zeros(len(points)), where=own_size > 0)
    outside_means = sums / sizes
    outside_means[rows, own] = np.inf
    nearest_other = outside_means.min(axis=1)
    spread = np.maximum(inside, nearest_other)
    score = np.divide(nearest_other - inside, spread, out=np.zeros(len(points)), where=spread > 0)
    score[own_size == 0] = 0.0
    return float(score.mean())


def _relabel_by_size(labels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Number groups largest first (ties: the group holding the earliest participant first)."""
    clusters = np.unique(labels)
    order = sorted(clusters, key=lambda c: (-np.sum(labels == c), int(np.argmax(labels == c))))
    mapping = {int(old): new for new, old in enumerate(order)}
    return np.array([mapping[int(label)] for label in labels], dtype=np.int64)
