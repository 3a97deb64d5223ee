"""Refused deposit requests: a problem document naming the field and the reason, and no change.

On SQLite and PostgreSQL. "No change" is checked on every ledger account, every transaction,
every decision and every row of the deposit tables.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from shopwarden.families import metadata
from tests.api.conftest import Api
from tests.deposits.conftest import fund, pay, post

DEPOSIT_TABLES = [t for t in metadata.sorted_tables if t.name.startswith("deposit_")]


def state(api: Api) -> tuple[Any, ...]:
    ops = api.operator
    with api.container.db.transaction() as session:
        counts = {
            t.name: session.scalar(select(func.count()).select_from(t)) for t in DEPOSIT_TABLES
        }
    return (
        api.client.get("/v1/ledger/accounts", headers=ops).json(),
        api.client.get("/v1/ledger/transactions", headers=ops).json(),
        api.client.get("/v1/decisions", headers=ops).json(),
        counts,
    )


def problem(response: Any, status: int, field: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["field"] == field, body
    assert body["detail"]
    return body


@pytest.fixture
def seeded(api: Api) -> Api:
    """m1 with 1000.00 frozen, an open case and a campaign; m2 open with money in its wallet."""
    fund(api, "m1", "5000.00")
    fund(api, "m2", "5000.00")
    assert pay(api, "m1", "1000.00", "seed-pay").status_code == 201
    case = {"case_id": "c1", "merchant_id": "m1", "consumer": "buyer", "claimed": "100.00"}
    assert post(api, "/v1/deposits/after-sales", case, who=api.operator).status_code == 201
    campaign = {
        "id": "tt",
        "merchant_id": "m1",
        "kind": "tiantiantemai",
        "ends_at": "2024-04-01T00:00:00+08:00",
    }
    assert (
        post(api, "/v1/deposits/campaigns", campaign, who=api.operator, key="camp").status_code
        == 201
    )
    return api


AMOUNT_REQUESTS = [
    ("/v1/deposits/cash/payments", {"merchant_id": "m1"}, "amount"),
    ("/v1/deposits/risk/payments", {"merchant_id": "m1"}, "amount"),
    ("/v1/deposits/after-sales/c1/compensation", {}, "amount"),
    (
        "/v1/deposits/after-sales",
        {"case_id": "c2", "merchant_id": "m1", "consumer": "x"},
        "claimed",
    ),
    ("/v1/deposits/proceeds", {"merchant_id": "m1", "order_id": "o1"}, "amount"),
    ("/v1/deposits/campaigns/tt/orders", {"order_id": "o1"}, "amount"),
    ("/v1/deposits/refunds", {"merchant_id": "m1", "payout_account": "alipay:x"}, "amount"),
    ("/v1/deposits/campaigns/tt/orders/o1/confirmation", {}, "amount"),
]
BAD_AMOUNTS = [
    ("0.00", "more than 0.00"),
    ("-5.00", "more than 0.00"),
    ("1.005", "more than 2 decimals"),
    (100.5, "never as a float"),
    ("ten", "is not an amount"),
]


@pytest.mark.rule("DEP-1")
@pytest.mark.rule("DEP-15")
@pytest.mark.parametrize(("path", "body", "field"), AMOUNT_REQUESTS)
def test_bad_amounts_are_refused_and_change_nothing(
    seeded: Api, path: str, body: dict[str, Any], field: str
) -> None:
    before = state(seeded)
    for amount, reason in BAD_AMOUNTS:
        response = post(seeded, path, {**body, field: amount}, who=seeded.operator, key="bad")
        found = problem(response, 422, field)
        assert found["type"] == "urn:shopwarden:problem:invalid-input"
        assert reason in found["detail"], (amount, found)
    assert state(seeded) == before


UNKNOWN_MERCHANT = [
    ("/v1/deposits/cash/payments", {"merchant_id": "ghost", "amount": "1000.00"}),
    ("/v1/deposits/insurance", {"merchant_id": "ghost"}),
    ("/v1/deposits/cash/unfreeze", {"merchant_id": "ghost"}),
    ("/v1/deposits/risk", {"merchant_id": "ghost", "tier": "low"}),
    ("/v1/deposits/risk/payments", {"merchant_id": "ghost", "amount": "1.00"}),
    ("/v1/deposits/risk/violations", {"merchant_id": "ghost", "code": "fraud"}),
    (
        "/v1/deposits/after-sales",
        {"case_id": "c9", "merchant_id": "ghost", "consumer": "x", "claimed": "1.00"},
    ),
    ("/v1/deposits/proceeds", {"merchant_id": "ghost", "order_id": "o", "amount": "1.00"}),
    (
        "/v1/deposits/refunds",
        {"merchant_id": "ghost", "payout_account": "alipay:x", "amount": "1.00"},
    ),
    (
        "/v1/deposits/campaigns",
        {
            "id": "c",
            "merchant_id": "ghost",
            "kind": "tiantiantemai",
            "ends_at": "2024-04-01T00:00:00+08:00",
        },
    ),
]


@pytest.mark.rule("DEP-1")
@pytest.mark.parametrize(("path", "body"), UNKNOWN_MERCHANT)
def test_an_unknown_merchant_is_404_naming_merchant_id(seeded: Api, path: str, body: Any) -> None:
    before = state(seeded)
    found = problem(post(seeded, path, body, who=seeded.operator, key="k"), 404, "merchant_id")
    assert found["type"] == "urn:shopwarden:problem:not-found"
    assert state(seeded) == before


@pytest.mark.rule("DEP-1")
@pytest.mark.parametrize("view", ["overview", "obligations", "timeline", "refundable"])
def test_views_of_an_unknown_merchant_are_404(seeded: Api, view: str) -> None:
    response = seeded.client.get(f"/v1/deposits/{view}?merchant_id=ghost", headers=seeded.operator)
    problem(response, 404, "merchant_id")
    problem(seeded.client.get(f"/v1/deposits/{view}", headers=seeded.operator), 422, "merchant_id")


@pytest.mark.rule("DEP-14")
def test_a_refund_for_a_store_not_closing_is_refused(seeded: Api) -> None:
    before = state(seeded)
    body = {"merchant_id": "m1", "payout_account": "alipay:m1@example.com", "amount": "100.00"}
    found = problem(post(seeded, "/v1/deposits/refunds", body, who=seeded.m1), 409, "merchant_id")
    assert found["rule"] == "DEP-14" and "closing" in found["detail"]
    assert state(seeded) == before


@pytest.mark.rule("DEP-3")
@pytest.mark.rule("DEP-6")
def test_a_closed_store_tops_up_nothing_and_buys_no_cover(seeded: Api) -> None:
    for status in ("closing", "closed"):
        response = seeded.client.patch(
            "/v1/merchants/m1", json={"status": status}, headers=seeded.operator
        )
        assert response.status_code == 200
    before = state(seeded)
    top_up = {"merchant_id": "m1", "amount": "500.00"}
    found = problem(
        post(seeded, "/v1/deposits/cash/payments", top_up, who=seeded.m1, key="t"),
        409,
        "merchant_id",
    )
    assert "closed" in found["detail"]
    cover = {"merchant_id": "m1"}
    problem(
        post(seeded, "/v1/deposits/insurance", cover, who=seeded.m1, key="i"), 409, "merchant_id"
    )
    assert state(seeded) == before


@pytest.mark.rule("DEP-15")
def test_money_requests_need_an_idempotency_key(seeded: Api) -> None:
    before = state(seeded)
    body = {"merchant_id": "m2", "amount": "1000.00"}
    problem(post(seeded, "/v1/deposits/cash/payments", body, who=seeded.m2), 422, "Idempotency-Key")
    assert state(seeded) == before


@pytest.mark.rule("DEP-1")
@pytest.mark.rule("DEP-15")
def test_the_same_key_pays_once_and_another_body_conflicts(seeded: Api) -> None:
    first = pay(seeded, "m2", "1000.00", "k1")
    after_first = state(seeded)
    again = pay(seeded, "m2", "1000.00", "k1")
    assert (again.status_code, again.json()) == (first.status_code, first.json())
    assert again.headers["Idempotent-Replayed"] == "true"
    assert state(seeded) == after_first
    other = pay(seeded, "m2", "1000.01", "k1")
    assert other.json()["type"] == "urn:shopwarden:problem:idempotency-key-reused"
    wallet = seeded.client.get("/v1/ledger/accounts/merchant:m2:wallet", headers=seeded.m2).json()
    assert wallet["available"] == "4000.00"


@pytest.mark.rule("DEP-1")
def test_insufficient_wallet_refuses_the_payment_whole(seeded: Api) -> None:
    before = state(seeded)
    response = pay(seeded, "m2", "5000.01", "too-much")
    found = problem(response, 422, "account")
    assert found["type"] == "urn:shopwarden:problem:insufficient-funds"
    assert state(seeded) == before


@pytest.mark.rule("DEP-12")
def test_campaign_terms_name_the_offending_field(seeded: Api) -> None:
    before = state(seeded)
    base = {
        "id": "tq",
        "merchant_id": "m2",
        "kind": "taoqianggou",
        "ends_at": "2024-04-01T00:00:00+08:00",
    }
    cases = [
        ({"fee_mode": "fixed"}, "fee"),
        ({"fee_mode": "commission", "rate": "0.05", "floor": "1.00"}, "floor"),
        ({"fee_mode": "cheap", "rate": "0.05"}, "fee_mode"),
        ({"fee_mode": "commission", "rate": "1.5"}, "rate"),
        ({}, "fee_mode"),
        (
            {"fee_mode": "commission", "rate": "0.05", "juhuasuan_option": "deposit"},
            "juhuasuan_option",
        ),
        (
            {"fee_mode": "commission", "rate": "0.05", "ends_at": "2024-02-01T00:00:00+08:00"},
            "ends_at",
        ),
    ]
    for extra, field in cases:
        response = post(
            seeded, "/v1/deposits/campaigns", {**base, **extra}, who=seeded.operator, key=field
        )
        problem(response, 422, field)
    assert state(seeded) == before


@pytest.mark.rule("DEP-14")
def test_a_rejection_without_reason_is_refused(seeded: Api) -> None:
    seeded.client.patch("/v1/merchants/m1", json={"status": "closing"}, headers=seeded.m1)
    dismissal = seeded.client.post(
        "/v1/deposits/after-sales/c1/dismissal",
        json={"reason": "no fault"},
        headers=seeded.operator,
    )
    assert dismissal.status_code == 200
    body = {"merchant_id": "m1", "payout_account": "alipay:m1@example.com", "amount": "1000.00"}
    refund = post(seeded, "/v1/deposits/refunds", body, who=seeded.m1)
    assert refund.status_code == 201, refund.text
    before = state(seeded)
    path = f"/v1/deposits/refunds/{refund.json()['id']}/rejection"
    problem(seeded.client.post(path, json={"reason": ""}, headers=seeded.operator), 422, "reason")
    problem(seeded.client.post(path, json={}, headers=seeded.operator), 422, "reason")
    assert state(seeded) == before
