"""The OpenAPI document says what the server does (issue 9): problem responses, required
headers, clean names, valid examples; 405 and 401 carry their headers; /docs works offline."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator

from shopwarden.api.app import create_app
from shopwarden.api.openapi import api_routes, is_money_route
from tests.api.conftest import bearer, make_container

PROBLEM = "application/problem+json"
CDN = re.compile(r"cdn\.jsdelivr\.net|unpkg\.com|cdnjs\.cloudflare\.com|fonts\.googleapis\.com")


@pytest.fixture(scope="module")
def client(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[TestClient]:
    from datetime import datetime

    from shopwarden.clock import SimulatedClock

    home = tmp_path_factory.mktemp("openapi")
    shutil.copy(sqlite_template, home / "shopwarden.db")
    clock = SimulatedClock(datetime.fromisoformat("2024-03-01T09:00:00+08:00"))
    container = make_container(f"sqlite:///{home / 'shopwarden.db'}", home, clock)
    with TestClient(create_app(container)) as test_client:
        test_client.headers.update(bearer(container, "operator"))
        yield test_client
    container.close()


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    body: dict[str, Any] = answer.json()
    return body


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def validator(document: dict[str, Any], schema: dict[str, Any]) -> Draft202012Validator:
    return Draft202012Validator(
        {**schema, "components": document["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def test_every_api_operation_documents_401_422_500_as_problems(document: dict[str, Any]) -> None:
    count = 0
    for method, path, operation in operations(document):
        if not path.startswith("/v1/"):
            continue
        count += 1
        for status in ("401", "422", "500"):
            assert status in operation["responses"], (method, path, status)
        for status, response in operation["responses"].items():
            if status.startswith("2"):
                continue
            assert list(response["content"]) == [PROBLEM], (method, path, status)
            assert response["content"][PROBLEM]["schema"] == {
                "$ref": "#/components/schemas/Problem"
            }
    assert count > 80


def test_roles_and_names_give_403_and_404(document: dict[str, Any]) -> None:
    responses = {(m, p): set(o["responses"]) for m, p, o in operations(document)}
    assert "403" in responses[("POST", "/v1/merchants")]  # operators only
    assert "403" in responses[("POST", "/v1/deposits/cash/payments")]  # source: external
    assert "403" not in responses[("GET", "/v1/merchants/{merchant_id}")]
    assert "404" in responses[("GET", "/v1/merchants/{merchant_id}")]
    assert "404" not in responses[("GET", "/v1/deposits/queues/shortfalls")]
    assert "409" in responses[("POST", "/v1/ledger/transactions")]
    assert "409" not in responses[("GET", "/v1/ledger/transactions")]
    assert "413" in responses[("POST", "/v1/ledger/transactions")]


def test_the_problem_schema_describes_the_answers(
    client: TestClient, document: dict[str, Any]
) -> None:
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance"} <= set(problem["required"])
    assert {"field", "rule", "errors", "error_id"} <= set(problem["properties"])
    check = validator(document, {"$ref": "#/components/schemas/Problem"})
    answers = [
        client.get("/v1/merchants", headers={"Authorization": ""}),
        client.post("/v1/merchants", json={"id": "", "name": ""}),
        client.get("/v1/merchants/nobody"),
        client.post("/v1/ledger/transactions", json={"description": "x"}),
    ]
    for answer in answers:
        assert answer.headers["content-type"] == PROBLEM
        check.validate(answer.json())


def test_no_fastapi_validation_error_and_clean_component_names(document: dict[str, Any]) -> None:
    names = set(document["components"]["schemas"])
    assert not names & {"HTTPValidationError", "ValidationError"}
    assert not [n for n in names if "__" in n]
    assert {"BnplCategoryOut", "CatalogCategoryOut", "Problem"} <= names


def test_money_operations_require_an_idempotency_key(
    client: TestClient, document: dict[str, Any]
) -> None:
    money = {
        (method, route.path_format)
        for route in api_routes(client.app)  # type: ignore[arg-type]
        if is_money_route(route)
        for method in route.methods or ()
    }
    assert ("POST", "/v1/ledger/transactions") in money
    assert ("POST", "/v1/deposits/cash/payments") in money
    for method, path in money:
        operation = document["paths"][path][method.lower()]
        (key,) = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
        assert key["in"] == "header" and key["required"] is True, (method, path)
    refused = client.post(
        "/v1/ledger/transactions",
        json={"debit": "platform:bank", "credit": "merchant:m1:wallet", "amount": "1.00"},
    )
    assert refused.status_code == 422


def test_operator_views_document_merchant_id(document: dict[str, Any]) -> None:
    for view in ("overview", "obligations", "timeline", "refundable"):
        operation = document["paths"][f"/v1/deposits/{view}"]["get"]
        (merchant,) = [p for p in operation["parameters"] if p["name"] == "merchant_id"]
        assert merchant["required"] is False
        assert "Required for an operator" in merchant["description"]


def test_product_patch_fields_are_not_nullable_and_null_is_refused(
    client: TestClient, document: dict[str, Any]
) -> None:
    listed = document["components"]["schemas"]["ProductUpdate"]["properties"]["listed"]
    assert listed == {"type": "boolean", "title": "Listed"}
    client.post(
        "/v1/products",
        json={
            "id": "p1",
            "merchant_id": "m1",
            "title": "Dress",
            "category": "womens_dresses",
            "skus": [{"sku_id": "s1", "price": "10.00"}],
        },
    )
    refused = client.patch("/v1/products/p1", json={"listed": None})
    assert refused.status_code == 422 and refused.json()["field"] == "listed"
    assert client.patch("/v1/products/p1", json={"listed": True}).json()["listed"] is True


def test_every_operation_has_valid_request_and_response_examples(
    document: dict[str, Any],
) -> None:
    for method, path, operation in operations(document):
        where = (method, path)
        for parameter in operation.get("parameters", []):
            assert "example" in parameter, (*where, parameter["name"])
            validator(document, parameter["schema"]).validate(parameter["example"])
        for media in operation.get("requestBody", {}).get("content", {}).values():
            assert "example" in media, where
            validator(document, media["schema"]).validate(media["example"])
        documented = 0
        for status, response in operation["responses"].items():
            for media in response.get("content", {}).values():
                if "schema" not in media:
                    continue
                assert "example" in media, (*where, status)
                validator(document, media["schema"]).validate(media["example"])
                documented += 1
        assert documented, where


def test_405_names_the_allowed_methods(client: TestClient) -> None:
    answer = client.delete("/v1/merchants")
    assert answer.status_code == 405
    assert answer.headers["content-type"] == PROBLEM
    assert {m.strip() for m in answer.headers["allow"].split(",")} >= {"GET", "POST"}


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic dXNlcjpwdw=="])
def test_401_asks_for_a_bearer_token(client: TestClient, authorization: str | None) -> None:
    headers = {"Authorization": authorization} if authorization else {"Authorization": ""}
    answer = client.get("/v1/merchants", headers=headers)
    assert answer.status_code == 401
    assert answer.headers["www-authenticate"] == "Bearer"


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_are_served_offline(client: TestClient, page: str) -> None:
    html = client.get(page)
    assert html.status_code == 200
    assert not re.search(r"https?://", html.text), "the page loads nothing from the internet"
    assets = re.findall(r"""(?:src|href)=["']?(/[^"' >]+)""", html.text) + re.findall(
        r"""url: ['"](/[^'"]+)['"]""", html.text
    )
    assert any(a.endswith(".js") for a in assets)
    for asset in assets:
        answer = client.get(asset)
        assert answer.status_code == 200, asset
        if asset.endswith((".js", ".css")):
            assert not CDN.search(answer.text), asset
    assert "validatorUrl" not in html.text or '"validatorUrl": null' in html.text
