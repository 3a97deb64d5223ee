"""HTTP helpers for the BNPL API tests: calls, expected statuses, a store ready to sell."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api

AGREEMENT = {"agreement_version": "bnpl-service-agreement-2.0", "accepted": True}


def call(
    api: Api, method: str, path: str, who: dict[str, str], body: Any = None, key: str = ""
) -> Any:
    headers = {**who, **({"Idempotency-Key": key} if key else {})}
    return api.client.request(method, path, json=body, headers=headers)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def product(
    product_id: str, merchant_id: str, price: str = "120.00", **extra: Any
) -> dict[str, Any]:
    return {
        "id": product_id,
        "merchant_id": merchant_id,
        "title": product_id,
        "category": "mobile_phones",
        "listed": True,
        "skus": [{"sku_id": "s1", "price": price}],
        **extra,
    }


def open_store(api: Api, merchant_id: str, wallet: str = "20.00") -> None:
    """Upgrade the wallet, pay in, enable BNPL, list one product."""
    ok(call(api, "PATCH", f"/v1/merchants/{merchant_id}", api.operator, {"wallet_upgraded": True}))
    body = {
        "debit": "platform:bank",
        "credit": f"merchant:{merchant_id}:wallet",
        "amount": wallet,
        "description": "paid in",
    }
    ok(call(api, "POST", "/v1/ledger/transactions", api.operator, body, f"in-{merchant_id}"), 201)
    ok(call(api, "POST", f"/v1/bnpl/stores/{merchant_id}/enable", api.operator, AGREEMENT))
    ok(
        call(api, "POST", "/v1/products", api.operator, product(f"p-{merchant_id}", merchant_id)),
        201,
    )


def place(api: Api, order_id: str, merchant_id: str, amount: str, key: str) -> Any:
    body = {
        "id": order_id,
        "merchant_id": merchant_id,
        "product_id": f"p-{merchant_id}",
        "consumer_id": "c1",
        "amount": amount,
    }
    return call(api, "POST", "/v1/bnpl/orders", api.operator, body, key)
