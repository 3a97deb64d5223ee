"""Decisions carry rule, policy version and explanation items; each is recorded once.

POL-2, POL-3.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from shopwarden.decisions.model import Decision, compare
from shopwarden.decisions.service import record_decision
from tests.api.conftest import Api


def _decision(merchant_id: str) -> Decision:
    return Decision(
        rule_id="SHIP-3",
        subject=f"merchant:{merchant_id}",
        outcome="exempt",
        summary="granted one exemption for the week",
        policy_family="shipping",
        policy_version="2023-02-27",
        merchant_id=merchant_id,
        items=(
            compare("paid orders", 3001, ">", 3000, window="2024-02-26..2024-03-03"),
            compare("on-time shipment rate", Decimal("0.97"), ">=", Decimal("0.97")),
        ),
    )


@pytest.mark.rule("POL-3")
def test_compare_explains_its_own_outcome() -> None:
    assert compare("paid orders", 3000, ">", 3000).outcome == "not met"
    assert compare("paid orders", 3001, ">", 3000).outcome == "met"


@pytest.mark.rule("POL-2")
def test_a_decision_is_recorded_once_and_shown_to_its_merchant_only(api: Api) -> None:
    as_of = api.clock.now()
    with api.container.db.transaction() as session:
        first, created = record_decision(
            session, api.clock, _decision("m1"), as_of=as_of, dedupe_key="SHIP-3:m1:w9"
        )
        again, created_again = record_decision(
            session, api.clock, _decision("m1"), as_of=as_of, dedupe_key="SHIP-3:m1:w9"
        )
    assert created and not created_again and again.id == first.id
    shown = api.client.get("/v1/decisions", headers=api.m1).json()
    assert len(shown) == 1
    assert shown[0]["policy_version"] == "2023-02-27"
    assert shown[0]["explanation"][0] == {
        "measure": "paid orders",
        "value": "3001",
        "target": "3000",
        "comparison": ">",
        "outcome": "met",
        "window": "2024-02-26..2024-03-03",
    }
    assert api.client.get("/v1/decisions", headers=api.m2).json() == []
