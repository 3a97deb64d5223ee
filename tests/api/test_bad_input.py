"""Bad input never answers a 500 (issue 9, part B): every refusal is a problem document.

NUL characters, ids beyond a 64-bit row id, impossible months and instants, JSON numbers as
amounts, bodies beyond the size limits: each answers 4xx naming the field, on both backends,
and changes nothing. An unexpected error answers a 500 problem document with an error id that
is also in the server log.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from shopwarden.api.app import create_app
from shopwarden.api.edge import MAX_BODY_BYTES, MAX_POLICY_BODY_BYTES
from shopwarden.cycle.tables import CycleRunRow
from shopwarden.ledger.tables import TransactionRow
from shopwarden.schema_types import MAX_DETAILS_BYTES
from tests.api.conftest import Api

PROBLEM = "application/problem+json"
TOO_BIG = "99999999999999999999"  # > 2^63 - 1
FUND = {
    "debit": "platform:bank",
    "credit": "merchant:m1:wallet",
    "amount": "100.00",
    "description": "paid in",
}


def refused(response: Any, status: int, field: str, slug: str = "invalid-input") -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    problem: dict[str, Any] = response.json()
    assert problem["type"] == f"urn:shopwarden:problem:{slug}"
    assert problem["field"] == field, problem
    return problem


def transactions(api: Api) -> int:
    with api.container.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(TransactionRow)) or 0)


def post(api: Api, path: str, body: Any, key: str = "k1", **extra: Any) -> Any:
    headers = {**api.operator, "Idempotency-Key": key}
    return api.client.post(path, json=body, headers=headers, **extra)


# --- NUL in text: PostgreSQL cannot store it, so it is refused at the edge, naming the field.


NUL_IN_REQUEST_LINE = [
    ("/v1/merchants?after=%00", "after"),
    ("/v1/merchants?after=a%00b", "after"),
    ("/v1/products/%00x", "product_id"),
    ("/v1/ledger/accounts/merchant:m1%00:wallet", "code"),
    ("/v1/decisions?rule_id=DEP-1%00", "rule_id"),
]


def test_a_nul_in_the_path_or_query_is_refused_naming_it(api: Api) -> None:
    for path, field in NUL_IN_REQUEST_LINE:
        problem = refused(api.client.get(path, headers=api.operator), 422, field)
        assert "NUL" in problem["detail"], path


@pytest.mark.rule("DEP-15")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"description": "paid\u0000in"}, "description"),
        ({"details": {"note": "a\u0000"}}, "details.note"),
        ({"details": {"k\u0000": 1}}, "details.?"),
    ],
)
def test_a_nul_in_a_json_body_is_refused_naming_the_field(
    api: Api, change: dict[str, Any], field: str
) -> None:
    refused(post(api, "/v1/ledger/transactions", {**FUND, **change}), 422, field)
    assert transactions(api) == 0


@pytest.mark.rule("DEP-15")
def test_a_lone_surrogate_in_a_json_body_is_refused_naming_the_field(api: Api) -> None:
    body = json.dumps({**FUND, "details": {"list": ["ok", "\ud800"]}}).encode()
    assert b"\\ud800" in body  # json.dumps escapes it; the client cannot encode it raw
    response = api.client.post(
        "/v1/ledger/transactions",
        content=body,
        headers={**api.operator, "Idempotency-Key": "k", "Content-Type": "application/json"},
    )
    refused(response, 422, "details.list.1")
    assert transactions(api) == 0


def test_a_nul_in_a_product_field_is_refused(api: Api) -> None:
    product = {
        "id": "p1",
        "merchant_id": "m1",
        "title": "Tea\u0000",
        "category": "mobile_phones",
        "skus": [{"sku_id": "s", "price": "1.00"}],
    }
    refused(api.client.post("/v1/products", json=product, headers=api.m1), 422, "title")


def test_a_raw_nul_byte_in_a_body_is_refused(api: Api) -> None:
    response = api.client.post(
        "/v1/policies",
        content=b"family: platform\x00\n",
        headers={**api.operator, "Content-Type": "application/yaml"},
    )
    refused(response, 422, "body")


def test_an_escaped_backslash_u0000_is_plain_text_and_accepted(api: Api) -> None:
    body = {**FUND, "description": "literally \\u0000"}
    assert post(api, "/v1/ledger/transactions", body).status_code == 201


# --- ids beyond a 64-bit row id: 422 naming the parameter, never an overflow.


ID_PATHS = [
    ("get", "/v1/ledger/transactions/{}", "txn_id"),
    ("post", "/v1/ledger/holds/{}/post", "hold_id"),
    ("post", "/v1/ledger/holds/{}/void", "hold_id"),
    ("post", "/v1/deposits/refunds/{}/approval", "refund_id"),
    ("get", "/v1/deposits/refunds/{}", "refund_id"),
    ("get", "/v1/bnpl/invoices/{}", "invoice_id"),
    ("get", "/v1/payments/incoming/{}", "payment_id"),
    ("post", "/v1/payments/incoming/{}/confirmation", "payment_id"),
]


def test_ids_outside_a_row_id_are_refused_naming_them(api: Api) -> None:
    headers = {**api.operator, "Idempotency-Key": "k"}
    for bad in (TOO_BIG, "9223372036854775808", "0", "-1"):
        for method, path, field in ID_PATHS:
            kwargs: dict[str, Any] = {"json": {}} if method == "post" else {}
            response = getattr(api.client, method)(path.format(bad), headers=headers, **kwargs)
            refused(response, 422, field)


def test_the_largest_row_id_is_simply_not_found(api: Api) -> None:
    response = api.client.get("/v1/ledger/transactions/9223372036854775807", headers=api.operator)
    assert response.status_code == 404
    assert response.json()["type"] == "urn:shopwarden:problem:not-found"


# --- amounts: JSON numbers of any size are refused, as is everything off the grammar.


BAD_AMOUNTS: list[tuple[Any, str]] = [
    (10, "never as a number"),
    (100000000000000000000, "never as a number"),
    (1e20, "never as a float"),
    ("١٠.٠٠", "ASCII digits"),
    ("１０.００", "ASCII digits"),
    (" 10.00 ", "spaces or line breaks"),
    ("10.00\n", "spaces or line breaks"),
    ("10", "exactly two decimals"),
    ("10.5", "exactly two decimals"),
    ("-0.99", "more than 0.00"),
    ("99999999999999999999.00", "more than 15 whole digits"),
]


@pytest.mark.rule("DEP-15")
def test_amounts_off_the_grammar_are_refused_naming_the_field(api: Api) -> None:
    for amount, reason in BAD_AMOUNTS:
        body = {**FUND, "amount": amount}
        problem = refused(post(api, "/v1/ledger/transactions", body), 422, "amount")
        assert reason in problem["detail"], amount
    assert transactions(api) == 0


@pytest.mark.rule("DEP-15")
def test_a_posting_amount_names_its_place(api: Api) -> None:
    body = {
        "postings": [
            {"account": "platform:bank", "amount": "-10.00"},
            {"account": "merchant:m1:wallet", "amount": 10},
        ],
        "description": "x",
    }
    refused(post(api, "/v1/ledger/transactions", body), 422, "postings.1.amount")


@pytest.mark.rule("DEP-15")
def test_a_deposit_payment_refuses_a_json_integer(api: Api) -> None:
    body = {"merchant_id": "m1", "amount": 100000000000000000000}
    refused(post(api, "/v1/deposits/cash/payments", body), 422, "amount")


# --- months and instants stay inside the calendar.


@pytest.mark.rule("BNPL-10")
def test_impossible_months_are_refused_naming_month(api: Api) -> None:
    for month in ("0000-01", "9999-12", "1999-12", "2024-13", "2024-3", "٢٠٢٤-03", "2024-03\n"):
        response = api.client.post(
            "/v1/bnpl/invoices", json={"merchant_id": "m1", "month": month}, headers=api.operator
        )
        refused(response, 422, "month")


@pytest.mark.rule("BNPL-10")
def test_the_last_month_accepted_does_not_overflow(api: Api) -> None:
    response = api.client.post(
        "/v1/bnpl/invoices", json={"merchant_id": "m1", "month": "9998-12"}, headers=api.operator
    )
    assert response.status_code == 422  # not over yet: refused by BNPL-10, not an overflow
    assert response.json()["field"] == "month"


OUT_OF_BOOK = [
    "0001-01-01T00:00:00-14:00",
    "0001-01-01T00:00:00+14:00",
    "9999-12-31T23:59:59-14:00",
    "2021-12-31T23:59:59+08:00",  # before the first platform policy (2022-01-01 +08:00)
    "2999-01-01T00:00:00Z",
]


@pytest.mark.rule("POL-1")
def test_cycle_runs_refuse_instants_outside_the_policy_book(api: Api) -> None:
    for as_of in OUT_OF_BOOK:
        response = api.client.post("/v1/cycle/runs", json={"as_of": as_of}, headers=api.operator)
        refused(response, 422, "as_of")
    with api.container.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(CycleRunRow)) == 0


@pytest.mark.rule("POL-1")
def test_a_cycle_run_at_the_first_policy_instant_is_taken(api: Api) -> None:
    response = api.client.post(
        "/v1/cycle/runs", json={"as_of": "2022-01-01T00:00:00+08:00"}, headers=api.operator
    )
    assert response.status_code == 200, response.text


def test_query_instants_outside_the_range_are_refused(api: Api) -> None:
    for as_of in ("0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"):
        response = api.client.get(
            "/v1/policies/platform/in-force", params={"as_of": as_of}, headers=api.operator
        )
        refused(response, 422, "as_of")


# --- request limits.


def test_a_body_over_one_mib_is_refused_before_parsing(api: Api) -> None:
    body = {**FUND, "details": {"blob": "x" * MAX_BODY_BYTES}}
    problem = refused(post(api, "/v1/ledger/transactions", body), 413, "body", "payload-too-large")
    assert str(MAX_BODY_BYTES) in problem["detail"]
    assert transactions(api) == 0


def test_a_streamed_body_without_content_length_is_counted(api: Api) -> None:
    def chunks() -> Any:
        for _ in range(20):
            yield b"x" * 65536

    response = api.client.post(
        "/v1/ledger/transactions",
        content=chunks(),
        headers={**api.operator, "Idempotency-Key": "s", "Content-Type": "application/json"},
    )
    refused(response, 413, "body", "payload-too-large")


def test_a_lying_content_length_is_refused_at_once(api: Api) -> None:
    response = api.client.post(
        "/v1/ledger/transactions",
        content=b"{}",
        headers={**api.operator, "Idempotency-Key": "s", "Content-Length": str(10 * 2**20)},
    )
    assert response.status_code in (413, 400)


def test_a_policy_upload_has_its_own_smaller_limit(api: Api) -> None:
    document = "# " + "x" * MAX_POLICY_BODY_BYTES + "\n"
    response = api.client.post(
        "/v1/policies",
        content=document.encode(),
        headers={**api.operator, "Content-Type": "application/yaml"},
    )
    refused(response, 413, "body", "payload-too-large")


@pytest.mark.rule("DEP-15")
def test_details_are_limited_to_16_kib(api: Api) -> None:
    body = {**FUND, "details": {"blob": "x" * MAX_DETAILS_BYTES}}
    problem = refused(post(api, "/v1/ledger/transactions", body), 422, "details")
    assert str(MAX_DETAILS_BYTES) in problem["detail"]
    assert transactions(api) == 0
    fits = {**FUND, "details": {"blob": "x" * (MAX_DETAILS_BYTES - 100)}}
    assert post(api, "/v1/ledger/transactions", fits, key="k2").status_code == 201


@pytest.mark.rule("DEP-15")
def test_descriptions_are_limited(api: Api) -> None:
    refused(
        post(api, "/v1/ledger/transactions", {**FUND, "description": "x" * 501}), 422, "description"
    )


# --- an unknown account names the field that named it.


@pytest.mark.rule("DEP-15")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"credit": "merchant:nobody:wallet"}, "credit"),
        ({"debit": "platform:nothing"}, "debit"),
    ],
)
def test_an_unknown_account_names_debit_or_credit(
    api: Api, change: dict[str, Any], field: str
) -> None:
    refused(post(api, "/v1/ledger/transactions", {**FUND, **change}), 404, field, "not-found")
    hold = {**FUND, **change}
    refused(post(api, "/v1/ledger/holds", hold, key="h"), 404, field, "not-found")


@pytest.mark.rule("DEP-15")
def test_an_unknown_posting_account_names_its_place(api: Api) -> None:
    body = {
        "postings": [
            {"account": "platform:bank", "amount": "-10.00"},
            {"account": "merchant:nobody:wallet", "amount": "10.00"},
        ],
        "description": "x",
    }
    refused(post(api, "/v1/ledger/transactions", body), 404, "postings.1.account", "not-found")


# --- an unexpected error is still a problem document, with an id that is in the log.


def test_an_unexpected_error_is_a_500_problem_with_an_error_id_in_the_log(
    api: Api, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(api.container)

    @app.get("/boom")
    def boom() -> None:
        raise RuntimeError("secret internals")

    with (
        caplog.at_level(logging.ERROR, logger="shopwarden.api"),
        TestClient(app, raise_server_exceptions=False) as client,
    ):
        response = client.get("/boom")
    assert response.status_code == 500
    assert response.headers["content-type"].startswith(PROBLEM)
    problem = response.json()
    assert problem["type"] == "urn:shopwarden:problem:internal-error"
    assert problem["status"] == 500
    assert "secret internals" not in response.text
    error_id = problem["error_id"]
    assert error_id in problem["detail"]
    logged = [r for r in caplog.records if error_id in r.getMessage()]
    assert logged and logged[0].exc_info is not None
