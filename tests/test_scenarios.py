"""Every scenario in tests/scenarios runs through `shopwarden replay` and passes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from shopwarden.cli import app

SCENARIOS = sorted((Path(__file__).parent / "scenarios").glob("*.yaml"))


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_passes(path: Path) -> None:
    result = CliRunner().invoke(app, ["replay", str(path)])
    assert result.exit_code == 0, result.output


def test_a_failing_expectation_prints_expected_beside_got_and_exits_1(tmp_path: Path) -> None:
    scenario = tmp_path / "failing.yaml"
    scenario.write_text(
        "name: failing\nsteps:\n"
        "  - call: GET /v1/merchants/nobody\n"
        "    expect: {status: 200, body: {id: nobody}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["replay", str(scenario)])
    assert result.exit_code == 1
    assert "status: expected 200, got 404" in result.output
    assert "expected:" in result.output and "got:" in result.output


def test_the_clock_never_moves_back(tmp_path: Path) -> None:
    scenario = tmp_path / "backwards.yaml"
    scenario.write_text(
        "name: backwards\nsteps:\n"
        "  - at: '2024-03-02T00:00:00+08:00'\n    call: GET /v1/merchants\n"
        "  - at: '2024-03-01T00:00:00+08:00'\n    call: GET /v1/merchants\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["replay", str(scenario)])
    assert result.exit_code == 1
    assert "forward only" in result.output


def _replay_json(path: Path) -> tuple[int, list[dict[str, Any]]]:
    result = CliRunner().invoke(app, ["replay", str(path), "--json"])
    return result.exit_code, json.loads(result.stdout)[0]["steps"]


def test_replay_never_crashes_every_problem_is_a_failing_step_with_its_line(
    tmp_path: Path,
) -> None:
    scenario = tmp_path / "broken.yaml"
    scenario.write_text(
        "name: broken\n"
        "steps:\n"
        "  - at: 2024-03-01T09:00:00+08:00\n"  # unquoted: YAML reads an instant
        "    call: POST /v1/merchants\n"
        "    body: {id: m1, name: Tea, opened: 2024-03-01}\n"  # an unquoted date in a body
        "    expect: {status: 422}\n"
        "  - call: NOPE\n"
        "  - at: not a date\n"
        "  - call: GET /v1/merchants/m1\n"
        "    expect: {status: 404}\n",
        encoding="utf-8",
    )
    code, steps = _replay_json(scenario)
    assert code == 1
    assert [(s["index"], s["ok"]) for s in steps] == [(1, True), (2, False), (3, False), (4, True)]
    assert steps[1]["problems"][0].startswith("line 7: call:")
    assert steps[2]["problems"][0].startswith("line 8: at:")


@pytest.mark.parametrize(
    ("text", "line"),
    [("name: x\nsteps: [\n", 3), ("name: x\nsteps: []\n", 2), ("- a list\n", 1)],
)
def test_a_file_that_is_not_a_scenario_fails_as_step_0(
    tmp_path: Path, text: str, line: int
) -> None:
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(text, encoding="utf-8")
    code, steps = _replay_json(scenario)
    assert code == 1 and len(steps) == 1 and steps[0]["index"] == 0
    assert steps[0]["problems"][0].startswith(f"line {line}:")
