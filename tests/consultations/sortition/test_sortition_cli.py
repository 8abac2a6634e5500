"""The command line as a real subprocess: JSON on stdout, and exit status 2 with one sentence on bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.consultations.sortition.bad_inputs import BAD_INPUTS, CATEGORIES, RESPONDENTS, write_files

ROOT = Path(__file__).resolve().parents[3]


def run(
    tmp_path: Path,
    *args: str,
    categories: str | bytes = CATEGORIES,
    respondents: str | bytes = RESPONDENTS,
    panel: int = 5,
) -> subprocess.CompletedProcess[str]:
    cats, resp = write_files(tmp_path, categories, respondents)
    command = [
        sys.executable,
        "-m",
        "consultations.sortition",
        "--categories",
        str(cats),
        "--respondents",
        str(resp),
        "--panel-size",
        str(panel),
        *args,
    ]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)


def ok(result: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_leximin_prints_one_json_object(tmp_path: Path) -> None:
    result = run(tmp_path, "--seed", "42", "--alternates", "2", "--progress")
    data = ok(result)
    assert "leximin" in result.stderr  # the progress bar
    assert set(data) >= {"probabilities", "min_probability", "panel", "seconds", "seed", "alternates"}
    assert set(data["probabilities"]) == set("abcdefgh")
    assert sum(data["probabilities"].values()) == pytest.approx(5)
    assert data["min_probability"] == pytest.approx(min(data["probabilities"].values()))
    assert len(data["panel"]) == 5 and len(set(data["panel"])) == 5
    assert [a["rank"] for a in data["alternates"]] == [1, 2]
    assert data["seed"] == "42"


def test_same_seed_same_panel_other_seeds_differ(tmp_path: Path) -> None:
    first = ok(run(tmp_path, "--seed", "town-hall"))
    assert ok(run(tmp_path, "--seed", "town-hall"))["panel"] == first["panel"]
    panels = {tuple(sorted(ok(run(tmp_path, "--seed", str(seed)))["panel"])) for seed in range(4)}
    assert len(panels) > 1


def test_legacy_method(tmp_path: Path) -> None:
    data = ok(run(tmp_path, "--method", "legacy", "--runs", "200", "--seed", "1"))
    assert data["method"] == "legacy"
    assert sum(data["probabilities"].values()) == pytest.approx(5)
    assert ok(run(tmp_path, "--method", "legacy", "--runs", "50", "--seed", "1"))["panel"] == data["panel"]


def test_row_numbers_are_ids_without_an_id_column_and_bom_is_fine(tmp_path: Path) -> None:
    respondents = "\ufeffgender,age\n" + "".join(
        line.split(",", 1)[1].rsplit(",", 1)[0] + "\n" for line in RESPONDENTS.splitlines()[1:]
    )
    data = ok(run(tmp_path, "--seed", "1", respondents=respondents))
    assert set(data["probabilities"]) == {str(i) for i in range(8)}


@pytest.mark.parametrize("case", list(BAD_INPUTS), ids=list(BAD_INPUTS))
def test_bad_input_exits_2_with_one_clear_sentence(tmp_path: Path, case: str) -> None:
    bad = BAD_INPUTS[case]
    result = run(
        tmp_path, "--seed", "1", categories=bad.categories, respondents=bad.respondents, panel=bad.panel
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.startswith(f"error: {bad.message}")
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0


def test_missing_file(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "consultations.sortition",
            "--categories",
            str(tmp_path / "nope.csv"),
            "--respondents",
            str(tmp_path / "nope.csv"),
            "--panel-size",
            "3",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "does not exist" in result.stderr
