"""``shopwarden report ...`` on a real workspace (REPORT-1): campaigns defined, the report shown
as JSON and written to CSV (with a byte-order mark) and Parquet."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from shopwarden.bootstrap import bootstrap
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate
from shopwarden.cli import app
from shopwarden.errors import ShopwardenError
from tests.reports.hand_facts import write_files

CREATE_2023 = [
    "report",
    "campaign",
    "create",
    "--id",
    "spring-2023",
    "--name",
    "春节不打烊",
    "--industry",
    "womens_clothing",
    "--from",
    "2023-01-05",
    "--to",
    "2023-01-21",
    "--target",
    "900000.00",
]
CREATE_2024 = [
    "report",
    "campaign",
    "create",
    "--id",
    "spring-2024",
    "--name",
    "春节不打烊",
    "--industry",
    "womens_clothing",
    "--from",
    "2024-01-13",
    "--to",
    "2024-01-29",
    "--target",
    "1600000.00",
    "--segment",
    "特色综合商圈=womens_coats",
    "--merchant-target",
    "m1=2000000.00",
]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPWARDEN_HOME", str(tmp_path))
    monkeypatch.delenv("SHOPWARDEN_DATABASE_URL", raising=False)
    container = bootstrap()
    with container.unit_of_work() as ctx:
        for merchant_id in ("m1", "m2"):
            catalog.create_merchant(ctx, data=MerchantCreate(id=merchant_id, name="Furs"))
    container.close()
    return tmp_path


def _json(output: str) -> Any:
    start = min(i for i in (output.find("{"), output.find("[")) if i >= 0)
    return json.loads(output[start:])


@pytest.mark.rule("REPORT-1")
def test_campaigns_and_the_report_from_the_command_line(workspace: Path) -> None:
    runner = CliRunner()
    for path in write_files(workspace / "data"):
        assert runner.invoke(app, ["ingest", str(path)]).exit_code == 0
    assert runner.invoke(app, CREATE_2023).exit_code == 0
    created = runner.invoke(app, [*CREATE_2024, "--json"])
    assert created.exit_code == 0, created.output
    assert _json(created.output)["baseline"]["campaign_id"] == "spring-2023"
    listed = runner.invoke(app, ["report", "campaign", "list", "--json"])
    assert [c["id"] for c in _json(listed.output)] == ["spring-2024", "spring-2023"]
    shown = runner.invoke(app, ["report", "show", "spring-2024", "--json"])
    assert shown.exit_code == 0, shown.output
    lines = {line["key"]: line for line in _json(shown.output)["lines"]}
    assert lines["womens_clothing"]["gmv_completion_rate"] == "125.07"
    assert lines["m1"]["gmv_completion_rate"] == "100.03"  # 2,000,599.99 / 2,000,000.00
    assert lines["m2"]["gmv_growth_yoy"] is None
    table = runner.invoke(app, ["report", "show", "spring-2024", "--merchant", "m2"])
    assert table.exit_code == 0 and "n/a" in table.output
    csv_file, parquet_file = workspace / "r.csv", workspace / "r.parquet"
    for out in (csv_file, parquet_file):
        assert (
            runner.invoke(app, ["report", "show", "spring-2024", "--out", str(out)]).exit_code == 0
        )
    assert csv_file.read_bytes().startswith("\ufeff".encode())
    assert pq.read_table(parquet_file)["key"].to_pylist()[:2] == ["womens_clothing", "特色综合商圈"]


def refused(result: Any, field: str) -> None:
    """Refused naming ``field``: the error itself, or its report by the CLI's root."""
    assert result.exit_code != 0
    if isinstance(result.exception, ShopwardenError):
        assert result.exception.field == field
    else:
        assert field in result.output


def test_bad_input_names_the_field(workspace: Path) -> None:
    runner = CliRunner()
    refused(runner.invoke(app, [*CREATE_2023[:-1], "1000"]), "gmv_target")
    refused(runner.invoke(app, [*CREATE_2023, "--segment", "oops"]), "--segment")
    assert runner.invoke(app, ["report", "show", "nope"]).exit_code != 0
    assert runner.invoke(app, ["report", "campaign", "list", "--json"]).output.strip() == "[]"
