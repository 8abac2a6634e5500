"""The one exception family the sortition engine raises, with operator-readable messages."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal


@dataclass(frozen=True, slots=True)
class Relaxation:
    """One quota bound that must move for the quotas to become satisfiable together."""

    category: str
    value: str
    bound: Literal["min", "max"]
    current: int
    suggested: int

    def sentence(self) -> str:
        verb = "lowered" if self.bound == "min" else "raised"
        word = "minimum" if self.bound == "min" else "maximum"
        return f"the {word} of {self.category}={self.value} {verb} from {self.current} to {self.suggested}"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class SortitionError(Exception):
    """Bad input or an impossible request; `message` is one sentence an operator can act on."""

    def __init__(self, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details: dict[str, Any] = details or {}

    def __str__(self) -> str:
        return self.message


class InfeasibleQuotas(SortitionError):
    """No panel of the requested size meets every quota; `relaxations` is a smallest fix."""

    def __init__(
        self,
        message: str,
        relaxations: list[Relaxation] | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.relaxations: list[Relaxation] = relaxations or []
        merged = {"relaxations": [r.to_dict() for r in self.relaxations], **(details or {})}
        super().__init__(message, merged)
