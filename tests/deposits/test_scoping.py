"""Every deposit route with a merchant's resource refuses another merchant's token with 404,
as if nothing were there; operator-only actions refuse merchants with 403."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.conftest import Api
from tests.deposits.conftest import fund, pay, post

JUHUASUAN = {"id": "jh-m1", "merchant_id": "m2", "kind": "juhuasuan", "juhuasuan_option": "premium"}
JUHUASUAN["ends_at"] = "2024-04-01T00:00:00+08:00"

# (route template, method, path, body): m2's resource, asked for with m1's token.
FOREIGN = [
    ("/v1/deposits/overview", "GET", "/v1/deposits/overview?merchant_id=m2", None),
    ("/v1/deposits/obligations", "GET", "/v1/deposits/obligations?merchant_id=m2", None),
    ("/v1/deposits/timeline", "GET", "/v1/deposits/timeline?merchant_id=m2", None),
    ("/v1/deposits/refundable", "GET", "/v1/deposits/refundable?merchant_id=m2", None),
    ("/v1/deposits/after-sales", "GET", "/v1/deposits/after-sales?merchant_id=m2", None),
    ("/v1/deposits/after-sales/{case_id}", "GET", "/v1/deposits/after-sales/c-m2", None),
    ("/v1/deposits/campaigns", "GET", "/v1/deposits/campaigns?merchant_id=m2", None),
    ("/v1/deposits/campaigns/{campaign_id}", "GET", "/v1/deposits/campaigns/camp-m2", None),
    ("/v1/deposits/refunds", "GET", "/v1/deposits/refunds?merchant_id=m2", None),
    ("/v1/deposits/refunds/{refund_id}", "GET", "/v1/deposits/refunds/1", None),
    (
        "/v1/deposits/cash/payments",
        "POST",
        "/v1/deposits/cash/payments",
        {"merchant_id": "m2", "amount": "1.00"},
    ),
    ("/v1/deposits/cash/unfreeze", "POST", "/v1/deposits/cash/unfreeze", {"merchant_id": "m2"}),
    ("/v1/deposits/insurance", "POST", "/v1/deposits/insurance", {"merchant_id": "m2"}),
    (
        "/v1/deposits/risk/payments",
        "POST",
        "/v1/deposits/risk/payments",
        {"merchant_id": "m2", "amount": "1.00"},
    ),
    ("/v1/deposits/campaigns", "POST", "/v1/deposits/campaigns", JUHUASUAN),
    (
        "/v1/deposits/refunds",
        "POST",
        "/v1/deposits/refunds",
        {"merchant_id": "m2", "payout_account": "alipay:thief", "amount": "1.00"},
    ),
]
# (route template, method, path, body): operator-only, refused to m1 even on its own things.
OPERATOR_ONLY = [
    ("/v1/deposits/queues/shortfalls", "GET", "/v1/deposits/queues/shortfalls", None),
    ("/v1/deposits/queues/shields", "GET", "/v1/deposits/queues/shields", None),
    ("/v1/deposits/queues/refunds", "GET", "/v1/deposits/queues/refunds", None),
    (
        "/v1/deposits/after-sales",
        "POST",
        "/v1/deposits/after-sales",
        {"case_id": "x", "merchant_id": "m1", "consumer": "me", "claimed": "1.00"},
    ),
    (
        "/v1/deposits/after-sales/{case_id}/compensation",
        "POST",
        "/v1/deposits/after-sales/c-m1/compensation",
        {"amount": "1.00"},
    ),
    (
        "/v1/deposits/after-sales/{case_id}/dismissal",
        "POST",
        "/v1/deposits/after-sales/c-m1/dismissal",
        {"reason": "x"},
    ),
    ("/v1/deposits/risk", "POST", "/v1/deposits/risk", {"merchant_id": "m1", "tier": "low"}),
    (
        "/v1/deposits/risk/violations",
        "POST",
        "/v1/deposits/risk/violations",
        {"merchant_id": "m1", "code": "fraud"},
    ),
    (
        "/v1/deposits/campaigns/{campaign_id}/orders",
        "POST",
        "/v1/deposits/campaigns/camp-m2/orders",
        {"order_id": "o", "amount": "1.00"},
    ),
    (
        "/v1/deposits/campaigns/{campaign_id}/orders/{order_id}/confirmation",
        "POST",
        "/v1/deposits/campaigns/camp-m2/orders/o/confirmation",
        {},
    ),
    (
        "/v1/deposits/proceeds",
        "POST",
        "/v1/deposits/proceeds",
        {"merchant_id": "m1", "order_id": "o", "amount": "1.00"},
    ),
    ("/v1/deposits/refunds/{refund_id}/approval", "POST", "/v1/deposits/refunds/1/approval", None),
    (
        "/v1/deposits/refunds/{refund_id}/rejection",
        "POST",
        "/v1/deposits/refunds/1/rejection",
        {"reason": "x"},
    ),
]


def _seed(api: Api) -> None:
    fund(api, "m2", "9000.00")
    assert pay(api, "m2", "1000.00", "m2-pay").status_code == 201
    for case_id, merchant_id in (("c-m2", "m2"), ("c-m1", "m1")):
        case = {"case_id": case_id, "merchant_id": merchant_id, "consumer": "b", "claimed": "9.00"}
        assert post(api, "/v1/deposits/after-sales", case, who=api.operator).status_code == 201
    campaign = {**JUHUASUAN, "id": "camp-m2"}
    assert post(api, "/v1/deposits/campaigns", campaign, who=api.m2, key="camp").status_code == 201
    assert (
        api.client.patch("/v1/merchants/m2", json={"status": "closing"}, headers=api.m2).status_code
        == 200
    )
    refund = {"merchant_id": "m2", "payout_account": "alipay:m2@example.com", "amount": "1.00"}
    response = post(api, "/v1/deposits/refunds", refund, who=api.m2)
    assert response.status_code == 201 and response.json()["id"] == 1, response.text


@pytest.mark.rule("DEP-14")
@pytest.mark.parametrize(("template", "method", "path", "body"), FOREIGN)
def test_another_merchants_deposit_answers_404(
    api: Api, template: str, method: str, path: str, body: Any
) -> None:
    _seed(api)
    response = api.client.request(
        method, path, json=body, headers={**api.m1, "Idempotency-Key": "k"}
    )
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if method == "GET":  # the owner and the operator still see it
        assert api.client.get(path, headers=api.m2).status_code == 200
        assert api.client.get(path, headers=api.operator).status_code == 200


@pytest.mark.rule("DEP-14")
@pytest.mark.parametrize(("template", "method", "path", "body"), OPERATOR_ONLY)
def test_operator_actions_refuse_merchants(
    api: Api, template: str, method: str, path: str, body: Any
) -> None:
    _seed(api)
    response = api.client.request(
        method, path, json=body, headers={**api.m1, "Idempotency-Key": "k"}
    )
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "urn:shopwarden:problem:forbidden"


@pytest.mark.rule("DEP-12")
@pytest.mark.rule("DEP-13")
def test_a_merchant_sets_no_fee_terms_even_for_itself(api: Api) -> None:
    body = {
        "id": "t",
        "merchant_id": "m1",
        "kind": "tiantiantemai",
        "ends_at": "2024-04-01T00:00:00+08:00",
    }
    response = post(api, "/v1/deposits/campaigns", body, who=api.m1, key="k")
    assert response.status_code == 403 and response.json()["field"] == "kind"


@pytest.mark.rule("DEP-14")
def test_a_merchants_lists_show_only_its_own(api: Api) -> None:
    _seed(api)
    for path in ("after-sales", "campaigns", "refunds"):
        shown = api.client.get(f"/v1/deposits/{path}", headers=api.m1).json()
        assert {item["merchant_id"] for item in shown} <= {"m1"}
    timeline = api.client.get("/v1/deposits/timeline", headers=api.m1).json()
    assert [e["kind"] for e in timeline] == ["after_sales_opened"]  # its own case only
    own = api.client.get("/v1/deposits/after-sales", headers=api.m2).json()
    assert [c["id"] for c in own] == ["c-m2"]


@pytest.mark.rule("DEP-14")
def test_every_deposit_route_is_covered(api: Api) -> None:
    """A new deposit route must be added to the tables above. Read from the OpenAPI document:
    this FastAPI keeps included routers wrapped, so ``app.routes`` does not list their routes."""
    paths = api.client.get("/openapi.json").json()["paths"]
    routes = {
        (method.upper(), path)
        for path, operations in paths.items()
        if path.startswith("/v1/deposits")
        for method in operations
    }
    covered = {(m, t) for t, m, _, _ in FOREIGN + OPERATOR_ONLY}
    assert len(routes) > 20
    assert routes == covered, (routes - covered, covered - routes)
