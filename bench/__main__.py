"""Run benchmarks: `python -m bench NAME [args]` runs `bench/NAME.py`'s `main(argv)`; `all` runs every one."""

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    return sorted(
        m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_")
    )


def main(argv: list[str]) -> None:
    names = available()
    if not argv or argv[0] not in [*names, "all"]:
        sys.exit(f"usage: python -m bench NAME [args], NAME one of: all, {', '.join(names)}")
    for name in names if argv[0] == "all" else [argv[0]]:
        print(f"== bench {name}", file=sys.stderr)
        importlib.import_module(f"bench.{name}").main(argv[1:])


if __name__ == "__main__":
    main(sys.argv[1:])
