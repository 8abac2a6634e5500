"""Command line: select a panel from CSV files, print one JSON object (errors: exit 2, one sentence)."""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

from .csvio import load_instance
from .draw import draw_alternates, draw_panel
from .errors import SortitionError
from .legacy import legacy, legacy_draw
from .leximin import Progress, leximin
from .model import Instance


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m consultations.sortition",
        description="Select a citizens' panel fairly (LEXIMIN) or by the legacy greedy method.",
    )
    parser.add_argument("--categories", type=Path, required=True, help="CSV with category,feature,min,max")
    parser.add_argument(
        "--respondents", type=Path, required=True, help="CSV with a column per category, optional id"
    )
    parser.add_argument("--panel-size", type=int, required=True)
    parser.add_argument("--method", choices=("leximin", "legacy"), default="leximin")
    parser.add_argument("--seed", help="int or text; a random one is chosen and printed when omitted")
    parser.add_argument("--runs", type=int, default=1000, help="legacy only: runs to estimate probabilities")
    parser.add_argument("--alternates", type=int, default=0, help="also rank this many alternates")
    parser.add_argument(
        "--distribution", action="store_true", help="include the panel distribution (leximin)"
    )
    parser.add_argument(
        "--progress",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="progress bar on standard error (default: when it is a terminal)",
    )
    return parser


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Do what the arguments ask and return the JSON-ready result; raises SortitionError on bad input."""
    start = time.perf_counter()
    seed: str = args.seed if args.seed is not None else str(secrets.randbits(63))
    instance: Instance = load_instance(args.categories, args.respondents, args.panel_size)
    disable = None if args.progress is None else not args.progress
    if args.method == "leximin":
        with tqdm(
            total=instance.types.count,
            desc="leximin",
            unit="type",
            disable=disable,
            file=sys.stderr,
            leave=False,
        ) as bar:

            def show(progress: Progress) -> None:
                bar.update(progress.fixed - bar.n)
                bar.set_postfix(stage=progress.stage, rounds=progress.rounds, panels=progress.panels)

            selection = leximin(instance, progress=show)
        assert selection.distribution is not None
        panel = draw_panel(selection.distribution, seed)
    else:
        with tqdm(
            total=args.runs, desc="legacy runs", disable=disable, file=sys.stderr, leave=False
        ) as runs_bar:

            def advance(done: int) -> None:
                runs_bar.update(done - runs_bar.n)

            selection = legacy(instance, runs=args.runs, seed=seed, progress=advance)
        panel = legacy_draw(instance, seed)
    result: dict[str, Any] = {
        "method": args.method,
        "seed": seed,
        "panel_size": instance.panel_size,
        "probabilities": dict(selection.probabilities),
        "min_probability": selection.min_probability,
        "panel": panel,
    }
    if args.alternates:
        result["alternates"] = [a.to_dict() for a in draw_alternates(instance, panel, args.alternates, seed)]
    if args.distribution and selection.distribution is not None:
        result["distribution"] = selection.distribution.to_dict()
    result["stats"] = dict(selection.stats)
    result["seconds"] = round(time.perf_counter() - start, 3)
    return result


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        result = run(args)
    except SortitionError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
