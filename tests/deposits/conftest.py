"""The API fixture of tests/api on each backend, and helpers the deposit tests share."""

from __future__ import annotations

from typing import Any

from tests.api import conftest as api_conftest
from tests.api.conftest import Api

api = api_conftest.api  # the fixture of tests/api, for the tests of this folder too


def fund(api: Api, merchant_id: str, amount: str, key: str | None = None) -> None:
    """Pay money into the merchant's wallet from outside."""
    response = api.client.post(
        "/v1/ledger/transactions",
        json={
            "debit": "platform:bank",
            "credit": f"merchant:{merchant_id}:wallet",
            "amount": amount,
            "description": "paid in",
        },
        headers={**api.operator, "Idempotency-Key": key or f"fund-{merchant_id}-{amount}"},
    )
    assert response.status_code == 201, response.text


def post(api: Api, path: str, body: Any, *, who: dict[str, str], key: str | None = None) -> Any:
    headers = {**who, **({"Idempotency-Key": key} if key else {})}
    return api.client.post(path, json=body, headers=headers)


def pay(api: Api, merchant_id: str, amount: str, key: str) -> Any:
    return post(
        api,
        "/v1/deposits/cash/payments",
        {"merchant_id": merchant_id, "amount": amount},
        who=api.operator,
        key=key,
    )
