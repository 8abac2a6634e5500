"""Per-process memories (civic.memo): a value is worked out once per key while it is fresh, again once old."""

from civic.memo import Remembered, forget_everything


def test_a_value_is_worked_out_once_while_fresh_and_again_when_old():
    asked: list[str] = []

    def town(host: str) -> str:
        asked.append(host)
        return host.upper()

    kept: Remembered[str, str] = Remembered(60)
    assert kept.get("a", lambda: town("a")) == kept.get("a", lambda: town("a")) == "A"
    assert asked == ["a"] and kept.fresh("a") == "A" and kept.fresh("b") is None

    old: Remembered[str, str | None] = Remembered(0)  # old at once
    old.get("a", lambda: town("a"))
    old.get("a", lambda: town("a"))
    assert asked == ["a", "a", "a"] and old.fresh("a") is None


def test_it_holds_at_most_its_size_and_everything_can_be_forgotten():
    kept: Remembered[int, int] = Remembered(60, size=2)
    for key in range(3):
        kept.get(key, lambda key=key: key * 10)
    assert kept.fresh(0) is None and kept.fresh(2) == 20  # full: the old ones went
    forget_everything()
    assert kept.fresh(2) is None
