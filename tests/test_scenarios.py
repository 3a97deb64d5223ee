"""Every scenario in tests/scenarios runs through `shopwarden replay` and passes."""

from __future__ import annotations

from pathlib import Path

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
