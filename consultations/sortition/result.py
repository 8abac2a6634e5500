"""Result objects of a selection — the distribution over panels and everyone's probability — as plain JSON."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import SortitionError

FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class PanelType:
    """Respondents sharing every category value; a panel names how many of them it takes, not which ones."""

    values: Mapping[str, str] = field(hash=False)
    members: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WeightedPanel:
    """One panel of the distribution: `counts` maps a type's index to how many of its members sit on it."""

    probability: float
    counts: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class Distribution:
    """A lottery over panels; a draw from it (`draw_panel`) is reproducible from this object and a seed."""

    types: tuple[PanelType, ...]
    panels: tuple[WeightedPanel, ...]

    def marginals(self) -> dict[str, float]:
        """Each respondent's probability of selection under this distribution."""
        per_type = [0.0] * len(self.types)
        for panel in self.panels:
            for t, count in panel.counts:
                per_type[t] += panel.probability * count
        return {
            member: per_type[t] / len(kind.members)
            for t, kind in enumerate(self.types)
            for member in kind.members
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": FORMAT_VERSION,
            "types": [{"values": dict(t.values), "members": list(t.members)} for t in self.types],
            "panels": [
                {"probability": p.probability, "counts": [list(c) for c in p.counts]} for p in self.panels
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Distribution:
        """Rebuild a stored distribution, checking it is well formed (used to re-verify a past lottery)."""
        try:
            if data.get("version") != FORMAT_VERSION:
                raise SortitionError(f"unsupported distribution format version {data.get('version')!r}")
            types = tuple(
                PanelType(dict(t["values"]), tuple(str(m) for m in t["members"])) for t in data["types"]
            )
            panels = tuple(
                WeightedPanel(float(p["probability"]), tuple((int(t), int(c)) for t, c in p["counts"]))
                for p in data["panels"]
            )
        except (KeyError, TypeError, ValueError) as error:
            raise SortitionError(f"the stored distribution is malformed ({error})") from error
        for panel in panels:
            for t, count in panel.counts:
                if not 0 <= t < len(types) or not 0 < count <= len(types[t].members):
                    raise SortitionError(
                        "the stored distribution refers to a type or count that does not exist"
                    )
        return cls(types, panels)


@dataclass(frozen=True)
class Selection:
    """What a selection method computed: everyone's probability and, for leximin, the distribution itself."""

    method: str
    panel_size: int
    probabilities: Mapping[str, float] = field(hash=False)
    distribution: Distribution | None
    seconds: float
    stats: Mapping[str, Any] = field(default_factory=dict, hash=False)

    @property
    def min_probability(self) -> float:
        return min(self.probabilities.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "panel_size": self.panel_size,
            "probabilities": dict(self.probabilities),
            "min_probability": self.min_probability,
            "distribution": self.distribution.to_dict() if self.distribution else None,
            "seconds": self.seconds,
            "stats": dict(self.stats),
        }
