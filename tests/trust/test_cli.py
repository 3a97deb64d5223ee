"""``shopwarden trust ...`` on a real workspace (TRUST-1..5): decide from the facts, switch
rights, look up, view."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from shopwarden.bootstrap import bootstrap
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate, ProductCreate
from shopwarden.cli import app
from tests.trust.conftest import REQUIRED
from tests.trust.orders import Batch, write_orders


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPWARDEN_HOME", str(tmp_path))
    monkeypatch.delenv("SHOPWARDEN_DATABASE_URL", raising=False)
    container = bootstrap()
    with container.unit_of_work() as ctx:
        catalog.create_merchant(ctx, data=MerchantCreate(id="m1", name="Case Maker"))
        for pid, title, origin in (
            ("p1", "防摔手机壳 iPhone 15", "self_built"),
            ("p2", "蓝牙耳机", "distributed"),
        ):
            data = ProductCreate.model_validate(
                {
                    "id": pid,
                    "merchant_id": "m1",
                    "title": title,
                    "category": "mobile_phones",
                    "origin": origin,
                    "listed": True,
                    "skus": [{"sku_id": "s1", "price": "9.00"}],
                }
            )
            catalog.create_product(ctx, data=data)
    container.close()
    return tmp_path


def _json(output: str) -> Any:
    start = min(i for i in (output.find("{"), output.find("[")) if i >= 0)
    return json.loads(output[start:])


@pytest.mark.rule("TRUST-2")
@pytest.mark.rule("TRUST-3")
def test_decide_then_the_last_right_grants_and_lookup_shows_it(workspace: Path) -> None:
    runner = CliRunner()
    facts = write_orders(workspace / "orders.csv", [Batch("m1", "p1", 100), Batch("m1", "p2", 5)])
    assert runner.invoke(app, ["ingest", str(facts)]).exit_code == 0
    # the cycle takes the day's score snapshot (SCORE-5) the goods-owner threshold reads
    ran = runner.invoke(app, ["cycle", "--as-of", "2024-03-08T00:00:00+08:00"])
    assert ran.exit_code == 0, ran.output
    decided = runner.invoke(
        app, ["trust", "decide", "--as-of", "2024-03-08T01:00:00+08:00", "--json"]
    )
    assert decided.exit_code == 0, decided.output
    assert _json(decided.stdout)["identities_measured"] == 2
    shown = runner.invoke(app, ["trust", "rights", "enable", "p1", *REQUIRED, "--json"])
    assert shown.exit_code == 0, shown.output
    assert _json(shown.stdout)["badge"] is True
    table = runner.invoke(app, ["trust", "lookup", "耳机"])
    assert "p2" in table.output and "p1" not in table.output
    assert (
        "paid_orders 5 >= 50 (gap 45)" in table.output.replace("\n", " ")
        or "gap 45" in table.output
    )
    as_json = _json(runner.invoke(app, ["trust", "lookup", "IPHONE", "--json"]).output)
    assert [p["product_id"] for p in as_json] == ["p1"]
    view = _json(runner.invoke(app, ["trust", "view", "m1", "--json"]).stdout)
    assert [i["met"] for i in view["identities"]] == [True, False]
    off = runner.invoke(app, ["trust", "rights", "disable", "p1", "seven_day_return", "--json"])
    assert _json(off.stdout)["badge"] is False


@pytest.mark.rule("TRUST-1")
def test_an_unknown_right_is_refused_naming_the_field(workspace: Path) -> None:
    result = CliRunner().invoke(app, ["trust", "rights", "enable", "p1", "free_massage", "--json"])
    assert result.exit_code == 2, result.output  # bad input
    assert json.loads(result.stdout)["field"] == "rights"
    catalogue = _json(CliRunner().invoke(app, ["trust", "catalogue", "--json"]).stdout)
    assert len(catalogue["rights"]) == 5
