"""``shopwarden bnpl …`` on a real workspace: the 1.0 → 2.0 upgrade, status, pause, refusals."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopwarden.bootstrap import bootstrap
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate, ProductCreate, SkuIn
from shopwarden.cli import app
from shopwarden.money import Money


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPWARDEN_HOME", str(tmp_path))
    monkeypatch.delenv("SHOPWARDEN_DATABASE_URL", raising=False)
    container = bootstrap()
    with container.unit_of_work() as ctx:
        catalog.create_merchant(ctx, data=MerchantCreate(id="old", name="Old Store"))
        catalog.create_merchant(ctx, data=MerchantCreate(id="new", name="New Store"))
        for product_id, price in (("cup", "30.00"), ("teapot", "800.00")):
            catalog.create_product(
                ctx,
                data=ProductCreate(
                    id=product_id,
                    merchant_id="old",
                    title=product_id,
                    category="tea_leaves",
                    listed=True,
                    skus=[SkuIn(sku_id="a", price=Money.parse(price))],
                ),
            )
    container.close()
    return tmp_path


def status(runner: CliRunner, merchant_id: str) -> dict[str, object]:
    result = runner.invoke(app, ["bnpl", "status", merchant_id, "--json"])
    assert result.exit_code == 0, result.output
    document: dict[str, object] = json.loads(result.stdout)
    return document


@pytest.mark.rule("BNPL-11")
def test_the_upgrade_command_moves_1_0_stores_and_flags_their_products(workspace: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(
        app, ["bnpl", "legacy", "old", "--enabled-at", "2021-11-11T00:00:00+08:00"]
    )
    assert result.exit_code == 0, result.output
    assert status(runner, "old")["status"] == "bnpl_1_0"
    result = runner.invoke(app, ["bnpl", "upgrade", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == [{"merchant_id": "old", "moved_to": "2.0", "flagged": 1}]
    upgraded = status(runner, "old")
    assert (upgraded["status"], upgraded["flagged_products"]) == ("enabled", 1)
    again = runner.invoke(app, ["bnpl", "upgrade"])
    assert "no BNPL 1.0 store to upgrade" in again.output
    paused = runner.invoke(app, ["bnpl", "pause", "old"])
    assert paused.exit_code == 0, paused.output
    assert status(runner, "old")["status"] == "paused"


@pytest.mark.rule("BNPL-1")
def test_enable_without_an_upgraded_wallet_is_refused(workspace: Path) -> None:
    result = CliRunner().invoke(app, ["bnpl", "enable", "new", "--json"])
    assert result.exit_code == 1  # refused by a rule
    problem = json.loads(result.stdout)
    assert problem["rule"] == "BNPL-1" and problem["field"] == "wallet_upgraded"


@pytest.mark.rule("BNPL-2")
def test_reflag_reports_what_it_did(workspace: Path) -> None:
    result = CliRunner().invoke(app, ["bnpl", "reflag", "--full", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["policy_version"] == "2022-06-23" and report["inserted"] == 2
