"""Every merchant-scoped route refuses another merchant's token, as if nothing were there."""

from __future__ import annotations

import pytest

from tests.api.conftest import Api

# (method, path, body): each is m2's resource, asked for with m1's token.
FOREIGN_REQUESTS = [
    ("GET", "/v1/merchants/m2", None),
    ("PATCH", "/v1/merchants/m2", {"name": "taken over"}),
    ("POST", "/v1/products", None),  # body filled in below: a product for m2
    ("GET", "/v1/products/p-m2", None),
    ("PATCH", "/v1/products/p-m2", {"title": "mine now"}),
    ("GET", "/v1/products?merchant_id=m2", None),
    ("GET", "/v1/ledger/accounts?merchant_id=m2", None),
    ("GET", "/v1/ledger/accounts/merchant:m2:wallet", None),
    ("GET", "/v1/ledger/transactions?account=merchant:m2:wallet", None),
    ("GET", "/v1/ledger/transactions/1", None),
    ("GET", "/v1/decisions?merchant_id=m2", None),
]
OPERATOR_ONLY = [
    ("POST", "/v1/merchants", {"id": "m3", "name": "x"}),
    ("POST", "/v1/ledger/accounts", {"code": "platform:x", "purpose": "x"}),
    (
        "POST",
        "/v1/ledger/transactions",
        {
            "debit": "platform:bank",
            "credit": "merchant:m1:wallet",
            "amount": "1.00",
            "description": "x",
        },
    ),
    ("POST", "/v1/cycle/runs", {"as_of": "2024-03-01T00:00:00+08:00"}),
    (
        "POST",
        "/v1/ledger/holds",
        {
            "debit": "merchant:m1:wallet",
            "credit": "platform:bank",
            "amount": "1.00",
            "description": "x",
        },
    ),
    ("POST", "/v1/ledger/holds/1/post", {}),
    ("POST", "/v1/ledger/holds/1/void", None),
]
PRODUCT = {
    "id": "p-m2",
    "merchant_id": "m2",
    "title": "Tea",
    "category": "mobile_phones",
    "skus": [{"sku_id": "s1", "price": "10.00"}],
}


def _seed(api: Api) -> None:
    assert api.client.post("/v1/products", json=PRODUCT, headers=api.m2).status_code == 201
    response = api.client.post(
        "/v1/ledger/transactions",
        json={
            "debit": "platform:bank",
            "credit": "merchant:m2:wallet",
            "amount": "5.00",
            "description": "paid in",
        },
        headers={**api.operator, "Idempotency-Key": "seed-1"},
    )
    assert response.status_code == 201, response.text


@pytest.mark.parametrize(("method", "path", "body"), FOREIGN_REQUESTS)
def test_another_merchants_resource_answers_404(
    api: Api, method: str, path: str, body: object
) -> None:
    _seed(api)
    if path == "/v1/products" and method == "POST":
        body = {**PRODUCT, "id": "p-m2-b"}
    response = api.client.request(method, path, json=body, headers=api.m1)
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    # The owner and the operator still see it.
    if method == "GET":
        assert api.client.get(path, headers=api.m2).status_code == 200
        assert api.client.get(path, headers=api.operator).status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), OPERATOR_ONLY)
def test_operator_only_routes_refuse_merchants(
    api: Api, method: str, path: str, body: object
) -> None:
    response = api.client.request(
        method, path, json=body, headers={**api.m1, "Idempotency-Key": "k"}
    )
    assert response.status_code == 403
    assert response.json()["type"] == "urn:shopwarden:problem:forbidden"


def test_no_token_is_401(api: Api) -> None:
    response = api.client.get("/v1/merchants")
    assert response.status_code == 401
    assert response.json()["field"] == "Authorization"
    assert (
        api.client.get("/v1/merchants", headers={"Authorization": "Bearer nope"}).status_code == 401
    )


def test_merchant_lists_show_only_its_own(api: Api) -> None:
    _seed(api)
    merchants = api.client.get("/v1/merchants", headers=api.m1).json()
    assert [m["id"] for m in merchants] == ["m1"]
    assert api.client.get("/v1/products", headers=api.m1).json() == []
    accounts = api.client.get("/v1/ledger/accounts", headers=api.m1).json()
    assert {a["merchant_id"] for a in accounts} == {"m1"}
    assert api.client.get("/v1/ledger/transactions", headers=api.m1).json() == []


def test_every_route_with_a_merchant_resource_is_covered(api: Api) -> None:
    """A new foundation route that takes a merchant's resource must be added to the tables above."""
    paths = api.client.get("/openapi.json").json()["paths"]
    scoped = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith(FOUNDATION_PREFIXES)
        for method in operations
        if any(
            p in path for p in ("{merchant_id}", "{product_id}", "{code}", "{txn_id}", "{hold_id}")
        )
    }
    assert ("GET", "/v1/merchants/{merchant_id}") in scoped  # the check sees the routes
    covered = {
        ("GET", "/v1/merchants/{merchant_id}"),
        ("PATCH", "/v1/merchants/{merchant_id}"),
        ("GET", "/v1/products/{product_id}"),
        ("PATCH", "/v1/products/{product_id}"),
        ("GET", "/v1/ledger/accounts/{code}"),
        ("GET", "/v1/ledger/transactions/{txn_id}"),
        ("GET", "/v1/categories/{code}"),  # categories are public to every token
        ("POST", "/v1/ledger/holds/{hold_id}/post"),  # operator only
        ("POST", "/v1/ledger/holds/{hold_id}/void"),  # operator only
    }
    assert scoped <= covered, scoped - covered


FOUNDATION_PREFIXES = (
    "/v1/merchants",
    "/v1/products",
    "/v1/categories",
    "/v1/ledger",
    "/v1/policies",
)
