"""Problem documents, money requests and their idempotency, catalog use cases over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api

FUND = {
    "debit": "platform:bank",
    "credit": "merchant:m1:wallet",
    "amount": "100.00",
    "description": "paid in",
}


def _state(api: Api) -> tuple[Any, Any, Any]:
    ops = api.operator
    return (
        api.client.get("/v1/ledger/accounts", headers=ops).json(),
        api.client.get("/v1/ledger/transactions", headers=ops).json(),
        api.client.get("/v1/products", headers=ops).json(),
    )


def _post(api: Api, body: dict[str, Any], key: str) -> Any:
    return api.client.post(
        "/v1/ledger/transactions", json=body, headers={**api.operator, "Idempotency-Key": key}
    )


@pytest.mark.rule("DEP-15")
@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        (100.5, "never as a float"),
        ("1.005", "more than 2 decimals"),
        ("0.00", "more than 0.00"),
        ("-5.00", "more than 0.00"),
        ("ten", "is not an amount"),
    ],
)
def test_bad_amounts_are_refused_naming_the_field_and_change_nothing(
    api: Api, amount: Any, reason: str
) -> None:
    before = _state(api)
    response = _post(api, {**FUND, "amount": amount}, "bad")
    assert response.status_code == 422
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["type"] == "urn:shopwarden:problem:invalid-input"
    assert problem["field"] == "amount"
    assert reason in problem["detail"]
    assert _state(api) == before


@pytest.mark.rule("DEP-15")
def test_insufficient_funds_is_a_rule_refusal_and_changes_nothing(api: Api) -> None:
    before = _state(api)
    body = {
        "debit": "merchant:m1:wallet",
        "credit": "platform:bank",
        "amount": "0.01",
        "description": "x",
    }
    response = _post(api, body, "k-short")
    assert response.status_code == 422
    problem = response.json()
    assert problem["type"] == "urn:shopwarden:problem:insufficient-funds"
    assert problem["rule"] == "DEP-15"
    assert problem["field"] == "account"
    assert _state(api) == before


@pytest.mark.rule("DEP-15")
def test_same_key_same_request_replays_and_another_request_conflicts(api: Api) -> None:
    first = _post(api, FUND, "k1")
    again = _post(api, FUND, "k1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    wallet = api.client.get("/v1/ledger/accounts/merchant:m1:wallet", headers=api.operator).json()
    assert wallet["posted"] == "100.00"
    other = _post(api, {**FUND, "amount": "100.01"}, "k1")
    assert other.status_code == 409
    assert other.json()["type"] == "urn:shopwarden:problem:idempotency-key-reused"
    assert other.json()["field"] == "Idempotency-Key"


def test_money_requests_need_an_idempotency_key(api: Api) -> None:
    response = api.client.post("/v1/ledger/transactions", json=FUND, headers=api.operator)
    assert response.status_code == 422
    assert response.json()["field"] == "Idempotency-Key"


@pytest.mark.rule("DEP-15")
def test_unbalanced_postings_are_refused(api: Api) -> None:
    body = {
        "postings": [
            {"account": "platform:bank", "amount": "-10.00"},
            {"account": "merchant:m1:wallet", "amount": "9.99"},
        ],
        "description": "does not add up",
    }
    response = _post(api, body, "k-unbalanced")
    assert response.status_code == 422
    assert response.json()["field"] == "postings"
    assert "sum to -0.01" in response.json()["detail"]


@pytest.mark.rule("DEP-15")
def test_hold_then_partial_post_exactly_once(api: Api) -> None:
    _post(api, FUND, "fund")
    hold = api.client.post(
        "/v1/ledger/holds",
        json={
            "debit": "merchant:m1:wallet",
            "credit": "platform:bank",
            "amount": "30.00",
            "description": "refund reserve",
        },
        headers={**api.operator, "Idempotency-Key": "h1"},
    ).json()
    wallet = api.client.get("/v1/ledger/accounts/merchant:m1:wallet", headers=api.m1).json()
    assert (wallet["posted"], wallet["pending_out"], wallet["available"]) == (
        "100.00",
        "30.00",
        "70.00",
    )
    posted = api.client.post(
        f"/v1/ledger/holds/{hold['id']}/post",
        json={"amount": "20.00"},
        headers={**api.operator, "Idempotency-Key": "p1"},
    )
    assert posted.status_code == 201
    assert posted.json()["hold_id"] == hold["id"]
    twice = api.client.post(
        f"/v1/ledger/holds/{hold['id']}/void", headers={**api.operator, "Idempotency-Key": "v1"}
    )
    assert twice.status_code == 409
    wallet = api.client.get("/v1/ledger/accounts/merchant:m1:wallet", headers=api.m1).json()
    assert (wallet["posted"], wallet["pending_out"], wallet["available"]) == (
        "80.00",
        "0.00",
        "80.00",
    )


def test_product_with_unknown_category_or_three_decimals_is_refused(api: Api) -> None:
    product = {
        "id": "p1",
        "merchant_id": "m1",
        "title": "Tea",
        "category": "no_such",
        "skus": [{"sku_id": "s", "price": "1.00"}],
    }
    response = api.client.post("/v1/products", json=product, headers=api.m1)
    assert response.status_code == 422
    assert response.json()["field"] == "category"
    response = api.client.post(
        "/v1/products",
        json={**product, "category": "mobile_phones", "skus": [{"sku_id": "s", "price": "1.001"}]},
        headers=api.m1,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "skus.0.price"
    assert api.client.get("/v1/products", headers=api.m1).json() == []


def test_product_lifecycle_and_highest_price(api: Api) -> None:
    product = {
        "id": "p1",
        "merchant_id": "m1",
        "title": "Tea set",
        "category": "mobile_phones",
        "listed": True,
        "promised_shipping_hours": 24,
        "skus": [{"sku_id": "small", "price": "99.00"}, {"sku_id": "large", "price": "500.00"}],
    }
    created = api.client.post("/v1/products", json=product, headers=api.m1)
    assert created.status_code == 201
    assert created.json()["highest_price"] == "500.00"
    edited = api.client.patch(
        "/v1/products/p1", json={"skus": [{"sku_id": "large", "price": "500.01"}]}, headers=api.m1
    )
    assert edited.json()["highest_price"] == "500.01"
    assert api.client.post("/v1/products", json=product, headers=api.m1).status_code == 409


def test_merchant_status_moves(api: Api) -> None:
    assert (
        api.client.patch(
            "/v1/merchants/m1", json={"status": "closed"}, headers=api.operator
        ).status_code
        == 409
    )
    assert (
        api.client.patch("/v1/merchants/m1", json={"status": "closing"}, headers=api.m1).json()[
            "status"
        ]
        == "closing"
    )
    assert (
        api.client.patch("/v1/merchants/m1", json={"status": "closed"}, headers=api.m1).status_code
        == 403
    )
    assert (
        api.client.patch(
            "/v1/merchants/m1", json={"status": "closed"}, headers=api.operator
        ).json()["status"]
        == "closed"
    )
    response = api.client.patch("/v1/merchants/m1", json={"status": "bogus"}, headers=api.operator)
    assert response.status_code == 422
    assert response.json()["field"] == "status"


def test_categories_subtree_and_names(api: Api) -> None:
    subtree = api.client.get("/v1/categories?under=fresh_food", headers=api.m1).json()
    codes = {c["code"] for c in subtree}
    assert {"fresh_food", "citrus_fruit"} <= codes
    citrus = api.client.get("/v1/categories/citrus_fruit", headers=api.m1).json()
    assert citrus["path"][:2] == ["food_drinks", "fresh_food"]
    assert citrus["name_zh"]


def test_health_metrics_openapi(api: Api) -> None:
    assert api.client.get("/healthz").json()["status"] == "ok"
    api.client.get("/v1/merchants", headers=api.operator)
    assert "shopwarden_http_requests_total" in api.client.get("/metrics").text
    spec = api.client.get("/openapi.json").json()
    assert "/v1/ledger/transactions" in spec["paths"]
