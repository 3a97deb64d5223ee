"""The shipping scenarios' fact files are what ``tests/shipping/scenario_data.py`` writes."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from tests.shipping.scenario_data import DATA, FILES, write_all


def test_the_committed_files_are_the_generated_ones(tmp_path: Path) -> None:
    for path in write_all(tmp_path):
        committed = DATA / path.name
        assert committed.exists(), f"run python3 -m tests.shipping.scenario_data: {path.name}"
        assert pq.read_table(committed).equals(pq.read_table(path)), path.name
    assert {p.stem for p in DATA.glob("shipping_*.parquet")} == set(FILES)
    scenarios = Path(__file__).parents[1] / "scenarios"
    used = {p.read_text(encoding="utf-8") for p in scenarios.glob("shipping_*.yaml")}
    assert all(any(f"data/{name}.parquet" in text for text in used) for name in FILES)
