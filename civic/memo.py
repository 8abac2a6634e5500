"""Per-process memories of values that change rarely and are asked for very often (a town by its host name:
each of a map's dozens of tiles, each of a town hall's thousand sockets), kept for a short while."""

from collections.abc import Callable, Hashable
from time import monotonic
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")

_every: list["Remembered[object, object]"] = []


class Remembered(Generic[K, V]):
    """Values worked out per key, each kept for `seconds`; at most `size` keys (all forgotten when full)."""

    def __init__(self, seconds: float, size: int = 1000) -> None:
        self.seconds = seconds
        self.size = size
        self._kept: dict[K, tuple[float, V]] = {}
        _every.append(self)  # type: ignore[arg-type]  # only cleared through it

    def get(self, key: K, work_out: Callable[[], V]) -> V:
        """The value for `key`, worked out by `work_out` when it is not kept or has grown old."""
        kept = self._kept.get(key)
        if kept is not None and kept[0] > monotonic():
            return kept[1]
        if len(self._kept) >= self.size:
            self._kept.clear()
        value = work_out()
        self._kept[key] = (monotonic() + self.seconds, value)
        return value

    def fresh(self, key: K) -> V | None:
        """The value kept for `key` if it has not grown old, without working anything out; else None."""
        kept = self._kept.get(key)
        return kept[1] if kept is not None and kept[0] > monotonic() else None

    def clear(self) -> None:
        self._kept.clear()


def forget_everything() -> None:
    """Clear every memory (tests, where host names are used again for other towns)."""
    for remembered in _every:
        remembered.clear()
