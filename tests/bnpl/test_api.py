"""The BNPL API on both backends: refusals as problem documents, idempotent orders, invoices,
and bad input that changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from shopwarden.bnpl.tables import FlagBasisRow, ProductFlagRow
from tests.api.conftest import Api
from tests.bnpl.api_calls import AGREEMENT, call, ok, open_store, place, product


@pytest.mark.rule("BNPL-1")
def test_enable_refused_without_an_upgraded_wallet_names_the_wallet(api: Api) -> None:
    response = call(api, "POST", "/v1/bnpl/stores/m1/enable", api.m1, AGREEMENT)
    problem = response.json()
    assert response.status_code == 422
    assert (problem["type"], problem["rule"], problem["field"]) == (
        "urn:shopwarden:problem:rule-refused",
        "BNPL-1",
        "wallet_upgraded",
    )
    assert "upgrade it first" in problem["detail"]
    assert ok(call(api, "GET", "/v1/bnpl/stores/m1", api.m1))["status"] == "not_enabled"
    ok(call(api, "PATCH", "/v1/merchants/m1", api.m1, {"wallet_upgraded": True}))
    store = ok(call(api, "POST", "/v1/bnpl/stores/m1/enable", api.m1, AGREEMENT))
    assert (
        store["status"] == "enabled"
        and store["agreement_version"] == AGREEMENT["agreement_version"]
    )
    assert store["agreement_accepted_at"] == "2024-03-01T01:00:00Z"


@pytest.mark.rule("BNPL-2")
@pytest.mark.rule("BNPL-3")
def test_bad_input_is_a_problem_document_and_changes_nothing(api: Api) -> None:
    open_store(api, "m1")
    flags_before = ok(call(api, "GET", "/v1/bnpl/flags", api.m1))
    three = call(api, "POST", "/v1/products", api.m1, product("p3", "m1", "10.001"))
    assert three.status_code == 422 and three.json()["field"] == "skus.0.price"
    unknown = call(api, "POST", "/v1/products", api.m1, product("p4", "m1", category="no_such"))
    assert unknown.status_code == 422 and unknown.json()["field"] == "category"
    edit = call(
        api, "PATCH", "/v1/products/p-m1", api.m1, {"skus": [{"sku_id": "s1", "price": "1.001"}]}
    )
    assert edit.status_code == 422
    assert ok(call(api, "GET", "/v1/bnpl/flags", api.m1)) == flags_before
    wallet = ok(call(api, "GET", "/v1/ledger/accounts/merchant:m1:wallet", api.m1))
    bad_amount = place(api, "o1", "m1", "100.005", "k-bad")
    assert bad_amount.status_code == 422 and bad_amount.json()["field"] == "amount"
    assert ok(call(api, "GET", "/v1/ledger/accounts/merchant:m1:wallet", api.m1)) == wallet
    assert ok(call(api, "GET", "/v1/bnpl/orders", api.m1)) == []
    missing = call(api, "GET", "/v1/bnpl/categories/no_such", api.m1)
    assert missing.status_code == 404


@pytest.mark.rule("BNPL-6")
def test_an_order_is_placed_once_per_idempotency_key(api: Api) -> None:
    open_store(api, "m1")
    first = place(api, "o1", "m1", "100.50", "k1")
    assert ok(first, 201)["fee"] == "1.01"
    again = place(api, "o1", "m1", "100.50", "k1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    wallet = ok(call(api, "GET", "/v1/ledger/accounts/merchant:m1:wallet", api.m1))
    assert wallet["posted"] == "18.99"
    assert place(api, "o1", "m1", "100.50", "k2").status_code == 409  # a second order o1
    view = ok(call(api, "GET", "/v1/bnpl/orders/o1", api.m1))
    assert (view["amount"], view["payment_method"], view["paid_at_order"]) == (
        "100.50",
        "bnpl",
        "0.00",
    )


@pytest.mark.rule("BNPL-6")
def test_a_refused_order_records_its_reason(api: Api) -> None:
    open_store(api, "m1", wallet="1.00")
    refused = place(api, "o1", "m1", "100.50", "k1")
    assert refused.status_code == 422
    assert refused.json()["rule"] == "BNPL-6"
    assert refused.json()["reasons"][0]["code"] == "wallet_cannot_pay_fee"
    decisions = ok(call(api, "GET", "/v1/decisions?rule_id=BNPL-4", api.m1))
    assert [d["outcome"] for d in decisions] == ["not offered"]
    assert "fee is 1.01" in decisions[0]["summary"]


@pytest.mark.rule("BNPL-8")
def test_early_payout_is_refused_with_rule_bnpl_8(api: Api) -> None:
    open_store(api, "m1")
    ok(place(api, "o1", "m1", "10.00", "k1"), 201)
    response = call(api, "POST", "/v1/bnpl/orders/o1/early-payout", api.m1)
    assert response.status_code == 422
    assert (response.json()["rule"], response.json()["field"]) == ("BNPL-8", "order_id")


@pytest.mark.rule("BNPL-10")
def test_invoices_are_asked_for_once_the_month_is_over(api: Api) -> None:
    open_store(api, "m1")
    ok(place(api, "o1", "m1", "100.50", "k1"), 201)
    early = call(
        api, "POST", "/v1/bnpl/invoices", api.m1, {"merchant_id": "m1", "month": "2024-03"}
    )
    assert early.status_code == 422 and early.json()["rule"] == "BNPL-10"
    api.clock.advance_to(api.clock.now().replace(month=4, day=1))
    first = ok(call(api, "POST", "/v1/bnpl/invoices", api.m1, {"merchant_id": "m1"}), 201)
    assert (first["month"], first["fee_total"], first["order_count"]) == ("2024-03", "1.01", 1)
    again = ok(
        call(api, "POST", "/v1/bnpl/invoices", api.m1, {"merchant_id": "m1", "month": "2024-03"})
    )
    assert again == first
    bad = call(api, "POST", "/v1/bnpl/invoices", api.m1, {"merchant_id": "m1", "month": "2024-13"})
    assert bad.status_code == 422 and bad.json()["field"] == "month"


@pytest.mark.rule("BNPL-2")
def test_reading_a_flag_before_any_store_has_bnpl_changes_nothing(api: Api) -> None:
    ok(call(api, "POST", "/v1/products", api.operator, product("p1", "m1", "500.00")), 201)
    flag = ok(call(api, "GET", "/v1/bnpl/products/p1/flag", api.m1))
    assert (flag["eligible"], flag["flagged"], flag["store_status"]) == (True, False, "not_enabled")
    assert flag["explanation"][2]["outcome"] == "met"
    with api.container.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ProductFlagRow)) == 0
        assert session.scalar(select(func.count()).select_from(FlagBasisRow)) == 0
