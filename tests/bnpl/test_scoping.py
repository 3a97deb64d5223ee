"""Every merchant-scoped BNPL route refuses another merchant's token, as if nothing were
there; operator-only routes refuse merchants (the BNPL part of tests/api/test_scoping.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tests.bnpl.api_calls import AGREEMENT, call, ok, open_store, place


def seed_m2(api: Api) -> int:
    open_store(api, "m2")
    ok(place(api, "o-m2", "m2", "100.00", "o-m2"), 201)
    api.clock.advance_to(api.clock.now().replace(month=4, day=1))
    invoice = ok(call(api, "POST", "/v1/bnpl/invoices", api.m2, {"merchant_id": "m2"}), 201)
    return int(invoice["id"])


# Each is m2's resource, asked for with m1's token.
FOREIGN = [
    ("GET", "/v1/bnpl/stores/m2", None),
    ("POST", "/v1/bnpl/stores/m2/enable", AGREEMENT),
    ("POST", "/v1/bnpl/stores/m2/pause", None),
    ("POST", "/v1/bnpl/stores/m2/resume", None),
    ("GET", "/v1/bnpl/flags?merchant_id=m2", None),
    ("GET", "/v1/bnpl/products/p-m2/flag", None),
    (
        "POST",
        "/v1/bnpl/checkout",
        {"merchant_id": "m2", "product_id": "p-m2", "consumer_id": "c1", "amount": "1.00"},
    ),
    ("GET", "/v1/bnpl/orders?merchant_id=m2", None),
    ("GET", "/v1/bnpl/orders/o-m2", None),
    ("POST", "/v1/bnpl/orders/o-m2/shipment", None),
    ("POST", "/v1/bnpl/orders/o-m2/refunds", {}),
    ("POST", "/v1/bnpl/orders/o-m2/early-payout", None),
    ("POST", "/v1/bnpl/invoices", {"merchant_id": "m2", "month": "2024-03"}),
    ("GET", "/v1/bnpl/invoices?merchant_id=m2", None),
    ("GET", "/v1/bnpl/invoices/{invoice}", None),
]
OPERATOR_ONLY = [
    (
        "POST",
        "/v1/bnpl/legacy-stores",
        {"merchant_id": "m1", "enabled_at": "2024-01-01T00:00:00+08:00"},
    ),
    ("POST", "/v1/bnpl/upgrade", {}),
    ("POST", "/v1/bnpl/reflag", {}),
    (
        "POST",
        "/v1/bnpl/orders",
        {"id": "x", "merchant_id": "m1", "product_id": "p", "consumer_id": "c", "amount": "1.00"},
    ),
    ("POST", "/v1/bnpl/orders/o-m2/receipt", {}),
]


@pytest.mark.rule("BNPL-1")
@pytest.mark.parametrize(("method", "path", "body"), FOREIGN)
def test_another_merchants_bnpl_resource_answers_404(
    api: Api, method: str, path: str, body: Any
) -> None:
    invoice = seed_m2(api)
    path = path.replace("{invoice}", str(invoice))
    before = ok(call(api, "GET", "/v1/bnpl/orders/o-m2", api.m2))
    response = call(api, method, path, api.m1, body, "foreign")
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert ok(call(api, "GET", "/v1/bnpl/orders/o-m2", api.m2)) == before
    assert ok(call(api, "GET", "/v1/bnpl/stores/m2", api.m2))["status"] == "enabled"
    if method == "GET":
        assert call(api, method, path, api.m2).status_code == 200
        assert call(api, method, path, api.operator).status_code == 200


@pytest.mark.parametrize(("method", "path", "body"), OPERATOR_ONLY)
def test_operator_only_bnpl_routes_refuse_merchants(
    api: Api, method: str, path: str, body: Any
) -> None:
    response = call(api, method, path, api.m1, body, "k")
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "urn:shopwarden:problem:forbidden"


def test_every_bnpl_route_with_a_path_parameter_is_covered(api: Api) -> None:
    """A new BNPL route that takes a resource must be added to the tables above."""
    # The OpenAPI document lists every route, also those of included routers (which this
    # FastAPI keeps out of ``app.routes``).
    paths = api.client.app.openapi()["paths"]  # type: ignore[attr-defined]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/v1/bnpl/") and "{" in path
        for method in operations
    }
    assert len(routes) == 12
    covered = {
        ("GET", "/v1/bnpl/stores/{merchant_id}"),
        ("POST", "/v1/bnpl/stores/{merchant_id}/enable"),
        ("POST", "/v1/bnpl/stores/{merchant_id}/pause"),
        ("POST", "/v1/bnpl/stores/{merchant_id}/resume"),
        ("GET", "/v1/bnpl/products/{product_id}/flag"),
        ("GET", "/v1/bnpl/orders/{order_id}"),
        ("POST", "/v1/bnpl/orders/{order_id}/shipment"),
        ("POST", "/v1/bnpl/orders/{order_id}/refunds"),
        ("POST", "/v1/bnpl/orders/{order_id}/early-payout"),
        ("POST", "/v1/bnpl/orders/{order_id}/receipt"),  # operator only
        ("GET", "/v1/bnpl/invoices/{invoice_id}"),
        ("GET", "/v1/bnpl/categories/{code}"),  # public to every token
    }
    assert routes <= covered, routes - covered
