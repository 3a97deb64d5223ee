"""One expression, two engines, the same sums (REPORT-1): DuckDB against Spark on generated
facts of two editions plus the hand-worked ones (whose figures test_report.py checks)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from shopwarden.bootstrap import Container
from shopwarden.catalog.tree import load_tree
from shopwarden.facts.ingest import ingest_file
from shopwarden.facts.service import generate_facts
from shopwarden.facts.storage import facts_dir
from shopwarden.reports.campaign_model import Period, Segment
from shopwarden.reports.expression import Slice
from shopwarden.reports.service import codes_under, compute_sums
from tests.reports.hand_facts import write_files

CAMPAIGN = Period(date(2024, 1, 13), date(2024, 1, 29))
BASELINE = Period(date(2023, 1, 5), date(2023, 1, 21))


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Spark needs Java: apt-get install openjdk-17-jre-headless")
    from shopwarden.metrics.spark import spark_session

    yield spark_session(master="local[2]", shuffle_partitions=2)


def slices() -> list[Slice]:
    tree = load_tree()
    industry = codes_under(tree, "womens_clothing")
    segment = Segment("特色综合商圈", ("womens_coats",), ("m00007",))
    return [
        Slice("womens_clothing", industry),
        Slice(segment.name, codes_under(tree, "womens_coats"), segment.merchants),
    ]


@pytest.mark.rule("REPORT-1")
def test_duckdb_and_spark_give_the_same_report_sums(
    workspace: Container, tmp_path: Path, spark: Any
) -> None:
    units, root = workspace.unit_of_work, facts_dir(workspace.settings.home)
    for seed, start in ((21, date(2023, 1, 1)), (22, date(2024, 1, 1))):
        generate_facts(
            units, root=root, merchants=40, orders=60_000, days=35, seed=seed, start=start
        )
    for path in write_files(tmp_path):
        assert ingest_file(units, root=root, path=path).quarantined == 0
    results = {
        engine: compute_sums(
            root,
            slices(),
            campaign=CAMPAIGN,
            baseline=BASELINE,
            big_session_cents=5_000_000,  # 50,000.00: generated sessions on both sides
            engine=engine,
        )
        for engine in ("duckdb", "spark")
    }
    assert results["duckdb"] == results["spark"]
    industry = results["duckdb"]["womens_clothing"]
    assert {"m1", "m2"} <= set(industry) and len(industry) > 30  # most generated ones sell it
    assert industry["m1"].gmv == 200_059_999  # as worked out in test_report.py
    assert {s.big_sessions > 0 for s in industry.values()} == {True, False}
    assert {s.base_gmv == 0 for s in industry.values()} == {True, False}
    assert all(s.repeat_fans <= s.fans for s in industry.values())
    assert sum(s.repeat_fans for s in industry.values()) > 0
    assert set(results["duckdb"]["特色综合商圈"]) <= set(industry)
