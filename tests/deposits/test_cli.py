"""``shopwarden deposit ...`` on a real workspace: a payment runs once per key, views print."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shopwarden.bootstrap import bootstrap
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import MerchantCreate, MerchantUpdate
from shopwarden.cli import app
from shopwarden.ledger.model import transfer
from shopwarden.money import Money


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("SHOPWARDEN_HOME", str(tmp_path))
    monkeypatch.delenv("SHOPWARDEN_DATABASE_URL", raising=False)
    container = bootstrap()
    with container.unit_of_work() as ctx:
        catalog.create_merchant(ctx, data=MerchantCreate(id="m1", name="Tea"))
        ctx.ledger.post(
            transfer("platform:bank", "merchant:m1:wallet", Money.parse("3000.00"), "paid in")
        )
    container.close()
    return tmp_path


def _json(output: str) -> dict[str, object]:
    start = output.index("{")
    found: dict[str, object] = json.loads(output[start:])
    return found


@pytest.mark.rule("DEP-1")
@pytest.mark.rule("DEP-15")
def test_pay_runs_once_per_key_and_show_prints_the_deposit(workspace: Path) -> None:
    runner = CliRunner()
    first = runner.invoke(app, ["deposit", "pay", "m1", "1000.00", "--key", "k1", "--json"])
    assert first.exit_code == 0, first.output
    assert _json(first.stdout)["cash_held"] == "1000.00"
    again = runner.invoke(app, ["deposit", "pay", "m1", "1000.00", "--key", "k1"])
    assert again.exit_code == 0 and "nothing moved" in again.output
    shown = runner.invoke(app, ["deposit", "show", "m1", "--json"])
    assert shown.exit_code == 0, shown.output
    overview = _json(shown.stdout)
    assert overview["cash"] == {**overview["cash"], "held": "1000.00", "required": "1000.00"}  # type: ignore[dict-item]
    timeline = runner.invoke(app, ["deposit", "timeline", "m1", "--json"])
    (paid,) = [e for e in json.loads(timeline.stdout) if e["kind"] == "cash_paid"]
    assert (paid["rule_id"], paid["amount"]) == ("DEP-1", "1000.00")
    assert "cash_paid" in runner.invoke(app, ["deposit", "timeline", "m1"]).output
    queue = runner.invoke(app, ["deposit", "queue", "shortfalls", "--json"])
    assert queue.exit_code == 0 and json.loads(queue.stdout) == []


@pytest.mark.rule("DEP-1")
def test_a_bad_amount_is_refused_naming_the_field(workspace: Path) -> None:
    result = CliRunner().invoke(app, ["deposit", "pay", "m1", "10.005", "--key", "k", "--json"])
    assert result.exit_code == 2  # bad input
    assert json.loads(result.stdout)["field"] == "amount"


@pytest.mark.rule("DEP-14")
def test_refund_apply_and_approve(workspace: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["deposit", "pay", "m1", "1000.00", "--key", "k1"]).exit_code == 0
    container = bootstrap()
    with container.unit_of_work() as ctx:
        catalog.update_merchant(ctx, merchant_id="m1", data=MerchantUpdate(status="closing"))
    container.close()
    applied = runner.invoke(
        app, ["deposit", "refund-apply", "m1", "alipay:m1@example.com", "600.00", "--json"]
    )
    assert applied.exit_code == 0, applied.output
    refund_id = _json(applied.stdout)["id"]
    approved = runner.invoke(
        app, ["deposit", "refund-approve", str(refund_id), "--key", "a1", "--json"]
    )
    assert approved.exit_code == 0, approved.output
    assert _json(approved.stdout)["status"] == "approved"
    balance = runner.invoke(app, ["ledger", "balance", "platform:payouts", "--json"])
    assert json.loads(balance.stdout)["posted"] == "600.00"
