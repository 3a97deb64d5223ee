"""The deposit steps of the governance cycle apply each decision once.

Run again for the same instant, the steps change nothing — not even when called directly,
past ``run_cycle``'s own guard — and a later run does not repeat an escalation.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from shopwarden.context import Context
from shopwarden.cycle.registry import CycleStep
from shopwarden.deposits.steps import STEPS
from shopwarden.families import POLICY_SCHEMAS, metadata
from shopwarden.policy.store import PolicyStore
from tests.api.conftest import Api
from tests.deposits.conftest import fund, pay, post

T0 = datetime.fromisoformat("2024-03-01T09:00:00+08:00")


def deposit_steps() -> list[CycleStep]:
    assert all(s.name.startswith("deposits-") for s in STEPS)
    return list(STEPS)


WATCHED = [
    t for t in metadata.sorted_tables if t.name.startswith(("deposit_", "ledger_", "decisions"))
]


def snapshot(api: Api) -> dict[str, Any]:
    with api.container.db.transaction() as session:
        found: dict[str, Any] = {
            t.name: session.scalar(select(func.count()).select_from(t)) for t in WATCHED
        }
        found["balances"] = session.execute(
            select(
                metadata.tables["ledger_accounts"].c.code,
                metadata.tables["ledger_accounts"].c.posted,
            )
        ).all()
        obligations = metadata.tables["deposit_obligations"]
        found["obligations"] = session.execute(select(obligations)).all()
    return found


def run_steps_directly(api: Api, as_of: datetime) -> list[dict[str, Any]]:
    c = api.container
    with c.unit_of_work() as ctx:
        return [step(ctx, as_of=as_of) for step in deposit_steps()]


def _world(api: Api) -> None:
    """Every deposit step has something to do: a shortfall, a shield to lift, a risk deposit,
    a campaign that ends, a refund application that goes overdue."""
    fund(api, "m1", "9000.00")
    fund(api, "m2", "9000.00")
    assert pay(api, "m1", "1000.00", "p1").status_code == 201
    assert pay(api, "m2", "1000.00", "p2").status_code == 201
    phone = {
        "id": "p",
        "merchant_id": "m1",
        "title": "Phone",
        "category": "mobile_phones",
        "listed": True,
        "skus": [{"sku_id": "s", "price": "9.00"}],
    }
    assert api.client.post("/v1/products", json=phone, headers=api.m1).status_code == 201
    assert (
        post(
            api, "/v1/deposits/risk", {"merchant_id": "m2", "tier": "low"}, who=api.operator
        ).status_code
        == 201
    )
    risk = {"merchant_id": "m2", "amount": "1000.00"}
    assert post(api, "/v1/deposits/risk/payments", risk, who=api.m2, key="r").status_code == 201
    campaign = {
        "id": "jh",
        "merchant_id": "m2",
        "kind": "juhuasuan",
        "juhuasuan_option": "premium",
        "ends_at": "2024-03-03T00:00:00+08:00",
    }
    assert post(api, "/v1/deposits/campaigns", campaign, who=api.m2, key="c").status_code == 201
    api.client.patch("/v1/merchants/m2", json={"status": "closing"}, headers=api.m2)
    refund = {"merchant_id": "m2", "payout_account": "alipay:m2@example.com", "amount": "10.00"}
    assert post(api, "/v1/deposits/refunds", refund, who=api.m2).status_code == 201


@pytest.mark.rule("DEP-4")
@pytest.mark.rule("DEP-10")
@pytest.mark.rule("DEP-14")
def test_steps_called_twice_for_an_instant_change_nothing_the_second_time(api: Api) -> None:
    _world(api)
    for days in (1, 4, 6, 9, 10, 12):
        as_of = T0 + timedelta(days=days)
        api.clock.advance_to(as_of)
        if days == 9:
            assert pay(api, "m1", "1000.00", "top-up").status_code == 201
        first = run_steps_directly(api, as_of)
        after_first = snapshot(api)
        second = run_steps_directly(api, as_of)
        assert snapshot(api) == after_first, f"day {days}"
        assert not any(
            v for r in second for k, v in r.items() if k not in ("merchants", "open_obligations")
        )
        assert first  # the steps ran
    decisions = api.client.get("/v1/decisions?limit=1000", headers=api.operator).json()
    outcomes = sorted(d["outcome"] for d in decisions if d["policy_family"] == "deposits")
    for once in (
        "badges_revoked",
        "shielded",
        "badges_restored",
        "shield_lifted",
        "overdue",
        "unfrozen_a",
        "deposit_returned",
    ):
        assert outcomes.count(once) <= 1, once
    for happened in ("badges_revoked", "shielded", "shield_lifted", "overdue", "unfrozen_a"):
        assert happened in outcomes, (happened, outcomes)


@pytest.mark.rule("DEP-4")
def test_a_later_cycle_does_not_repeat_an_escalation(api: Api) -> None:
    _world(api)  # the phone listed at T0 opens its obligation at T0 (DEP-3): shield at 5 d
    for hours in (24, 24 * 4, 24 * 4 + 1, 24 * 5 - 1):
        api.clock.advance_to(T0 + timedelta(hours=hours))
        result = api.container.run_cycle(api.clock.now())
        assert not result.already_run
        assert api.container.run_cycle(api.clock.now()).already_run
    revoked = api.client.get("/v1/decisions?rule_id=DEP-4", headers=api.operator).json()
    assert [d["outcome"] for d in revoked] == ["badges_revoked"]


@pytest.mark.rule("DEP-4")
def test_without_a_deposits_policy_the_steps_skip(api: Api) -> None:
    c = api.container
    with c.db.transaction() as session:
        ctx = Context(session, c.clock, PolicyStore([], schemas=POLICY_SCHEMAS), c.categories)
        assert all(step(ctx, as_of=T0).get("skipped") for step in deposit_steps())
