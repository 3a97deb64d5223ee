"""``shopwarden shipping ...`` on a real workspace (SHIP-1..5): the week measured from the facts,
an overdue shipment reported once per key, the views."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from shopwarden.bootstrap import bootstrap
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate
from shopwarden.cli import app
from shopwarden.ledger.model import transfer
from shopwarden.money import Money
from tests.shipping.conftest import MEASURED
from tests.shipping.weekly_facts import WeekSpec, write_week


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPWARDEN_HOME", str(tmp_path))
    monkeypatch.delenv("SHOPWARDEN_DATABASE_URL", raising=False)
    container = bootstrap()
    with container.unit_of_work() as ctx:
        for merchant_id in ("m1", "m2"):
            catalog.create_merchant(ctx, data=MerchantCreate(id=merchant_id, name="Tea"))
        ctx.ledger.post(
            transfer("platform:bank", "merchant:m1:wallet", Money.parse("100.00"), "paid in")
        )
    container.close()
    return tmp_path


def refused(result: Any, field: str) -> None:
    assert result.exit_code == 2, result.output  # bad input
    assert json.loads(result.stdout)["field"] == field


def _json(output: str) -> Any:
    start = min(i for i in (output.find("{"), output.find("[")) if i >= 0)
    return json.loads(output[start:])


@pytest.mark.rule("SHIP-3")
def test_measure_prints_each_merchants_week_and_answer(workspace: Path) -> None:
    facts = write_week(
        workspace / "week.parquet",
        [WeekSpec("m1", 3001, 3001), WeekSpec("m2", 3001, 2000)],
        MEASURED,
    )
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(facts)]).exit_code == 0
    shown = runner.invoke(
        app, ["shipping", "measure", "--as-of", "2024-03-11T09:00:00+08:00", "--json"]
    )
    assert shown.exit_code == 0, shown.output
    rows = {row["merchant"]: row for row in _json(shown.stdout)["merchants"]}
    assert rows["m1"]["exemption"] == "granted" and rows["m1"]["short_by"] == []
    assert rows["m2"]["exemption"] == "not granted"
    assert any("3.36 points" in gap for gap in rows["m2"]["short_by"])
    table = runner.invoke(app, ["shipping", "measure", "--as-of", "2024-03-11T09:00:00+08:00"])
    assert "not granted" in table.output and "m2" in table.output
    alone = runner.invoke(
        app, ["shipping", "measure", "--as-of", "2024-03-11T09:00:00+08:00", "--merchant", "m2"]
    )
    assert "m1" not in alone.output and "m2" in alone.output


@pytest.mark.rule("SHIP-4")
@pytest.mark.rule("SHIP-5")
def test_an_overdue_shipment_is_reported_once_per_key(workspace: Path) -> None:
    runner = CliRunner()
    paid = (datetime.now(UTC) - timedelta(days=3)).isoformat(timespec="seconds")
    command = ["shipping", "overdue", "o1", "m1", "--paid-at", paid, "--hours", "48"]
    first = runner.invoke(app, [*command, "--key", "k1", "--json"])
    assert first.exit_code == 0, first.output
    row = _json(first.stdout)
    assert (row["outcome"], row["charged"], row["compensation"]) == ("charged", "10.00", "5.00")
    again = runner.invoke(app, [*command, "--key", "k1"])
    assert again.exit_code == 0 and "nothing moved" in again.output
    twice = runner.invoke(app, [*command, "--key", "k2", "--json"])
    assert twice.exit_code == 1  # a conflict with what is recorded
    problem = _json(twice.stdout)
    assert problem["type"] == "already-exists" and problem["field"] == "order_id"
    status = _json(runner.invoke(app, ["shipping", "status", "m1", "--json"]).stdout)
    assert status["this_week"]["penalties_charged"] == 1 and status["owed"] == "0.00"
    listed = _json(
        runner.invoke(app, ["shipping", "overdue-list", "--merchant", "m1", "--json"]).stdout
    )
    assert [o["order_id"] for o in listed] == ["o1"]
    weeks = _json(runner.invoke(app, ["shipping", "weeks", "m1", "--json"]).stdout)
    assert [w["evaluated_by"] for w in weeks] == ["overdue"]
    assert _json(runner.invoke(app, ["shipping", "owed", "--json"]).stdout) == []
    assert _json(runner.invoke(app, ["shipping", "exemptions", "--json"]).stdout) == []
    balance = runner.invoke(app, ["ledger", "balance", "merchant:m1:wallet", "--json"])
    assert json.loads(balance.stdout)["posted"] == "85.00"


def test_bad_arguments_are_refused_naming_the_field(workspace: Path) -> None:
    runner = CliRunner()
    bad_status = runner.invoke(app, ["shipping", "exemptions", "--status", "gone", "--json"])
    refused(bad_status, "status")
    bad_week = runner.invoke(app, ["shipping", "overdue-list", "--week", "2024-03-12", "--json"])
    refused(bad_week, "week")
    no_zone = runner.invoke(
        app,
        [
            "shipping",
            "overdue",
            "o1",
            "m1",
            "--paid-at",
            "2024-03-01T10:00:00",
            "--hours",
            "48",
            "--key",
            "k",
            "--json",
        ],
    )
    refused(no_zone, "paid_at")
    future = (datetime.now(UTC) + timedelta(days=1)).isoformat(timespec="seconds")
    late = runner.invoke(
        app,
        [
            "shipping",
            "overdue",
            "o2",
            "m1",
            "--paid-at",
            future,
            "--hours",
            "48",
            "--key",
            "k2",
            "--json",
        ],
    )
    refused(late, "paid_at")
