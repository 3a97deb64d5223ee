"""The API fixture of tests/api on each backend, and helpers the violations tests share."""

from __future__ import annotations

from typing import Any

from tests.api import conftest as api_conftest
from tests.api.conftest import Api

api = api_conftest.api  # the fixture of tests/api, for the tests of this folder too

CASES = "/v1/violations/cases"


def fund(api: Api, merchant_id: str, amount: str) -> None:
    """Pay money into the merchant's wallet from outside."""
    response = api.client.post(
        "/v1/ledger/transactions",
        json={
            "debit": "platform:bank",
            "credit": f"merchant:{merchant_id}:wallet",
            "amount": amount,
            "description": "paid in",
        },
        headers={**api.operator, "Idempotency-Key": f"fund-{merchant_id}-{amount}"},
    )
    assert response.status_code == 201, response.text


def product(api: Api, product_id: str, *, merchant_id: str = "m1", listed: bool = True) -> Any:
    body = {
        "id": product_id,
        "merchant_id": merchant_id,
        "title": f"Product {product_id}",
        "category": "apparel",
        "listed": listed,
        "skus": [{"sku_id": "s1", "price": "10.00"}],
    }
    return api.client.post("/v1/products", json=body, headers=api.operator)


def open_case(
    api: Api,
    measures: list[dict[str, Any]],
    *,
    merchant_id: str = "m1",
    penalty: str | None = None,
    key: str = "case-1",
) -> Any:
    body: dict[str, Any] = {
        "merchant_id": merchant_id,
        "broken_rule": "counterfeit goods",
        "evidence": "test purchase",
        "measures": measures,
    }
    if penalty is not None:
        body["penalty"] = penalty
    return api.client.post(CASES, json=body, headers={**api.operator, "Idempotency-Key": key})


def check(
    api: Api, action: str, *, merchant_id: str = "m1", who: dict[str, str] | None = None
) -> Any:
    response = api.client.get(
        "/v1/violations/enforcement",
        params={"merchant_id": merchant_id, "action": action},
        headers=who or api.operator,
    )
    assert response.status_code == 200, response.text
    return response.json()
