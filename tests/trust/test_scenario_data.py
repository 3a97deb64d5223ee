"""The trust scenarios' order facts in tests/scenarios/data are what scenario_data writes."""

from __future__ import annotations

from pathlib import Path

from tests.trust.scenario_data import DATA, write_all


def test_scenario_files_are_what_the_module_writes(tmp_path: Path) -> None:
    for path in write_all(tmp_path):
        assert path.read_bytes() == (DATA / path.name).read_bytes(), path.name
