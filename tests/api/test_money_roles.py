"""Who may bring money in, and bounded amounts (DEP-15), on SQLite and PostgreSQL.

Money enters the platform only through a movement an operator confirms: a merchant's token
pays from its wallet or announces an incoming payment that stays pending until an operator
confirms it. Every money endpoint is tried with a merchant's token aimed outside the
merchant's own accounts; each is refused and no ledger balance changes.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from shopwarden.clock import SimulatedClock
from shopwarden.errors import Conflict
from shopwarden.ledger.model import Balance
from shopwarden.ledger.service import Ledger
from shopwarden.ledger.verify import verify_ledger
from shopwarden.money import Money
from shopwarden.payments import service as payments
from tests.api.conftest import Api, make_container

pytestmark = pytest.mark.rule("DEP-15")

JUHUASUAN = {
    "id": "j1",
    "merchant_id": "m1",
    "kind": "juhuasuan",
    "ends_at": "2024-04-01T00:00:00+08:00",
    "juhuasuan_option": "deposit",
}


def post(api: Api, path: str, body: Any, who: dict[str, str], key: str | None = "k") -> Any:
    headers = {**who, **({"Idempotency-Key": key} if key else {})}
    return api.client.post(path, json=body, headers=headers)


def fund(api: Api, merchant_id: str, amount: str) -> None:
    body = {
        "debit": "platform:bank",
        "credit": f"merchant:{merchant_id}:wallet",
        "amount": amount,
        "description": "paid in",
    }
    response = post(api, "/v1/ledger/transactions", body, api.operator, f"fund-{merchant_id}")
    assert response.status_code == 201, response.text


def balances(api: Api) -> dict[str, tuple[str, str, str]]:
    """Every account's posted, pending out and pending in."""
    accounts = api.client.get("/v1/ledger/accounts", headers=api.operator)
    assert accounts.status_code == 200, accounts.text
    return {a["code"]: (a["posted"], a["pending_out"], a["pending_in"]) for a in accounts.json()}


def ledger_state(api: Api) -> tuple[Any, ...]:
    transactions = api.client.get("/v1/ledger/transactions", headers=api.operator).json()
    return balances(api), [t["id"] for t in transactions]


def clean(api: Api) -> None:
    with api.container.db.transaction() as session:
        assert verify_ledger(session) == []


def problem(response: Any, status: int, slug: str, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:shopwarden:problem:{slug}", body
    if field is not None:
        assert body["field"] == field, body
    return body


# --- the reported reproductions -------------------------------------------------------------
def test_a_merchant_cannot_pay_its_deposit_from_outside(api: Api) -> None:
    """Reported: 201 and 1,000,000.00 credited from ``platform:bank`` without proof."""
    before = ledger_state(api)
    body = {"merchant_id": "m1", "amount": "1000000.00", "source": "external"}
    response = post(api, "/v1/deposits/cash/payments", body, api.m1)
    problem(response, 403, "forbidden", "source")
    assert ledger_state(api) == before
    # ... so cover and unfreezing have nothing to move into the wallet
    problem(
        post(
            api,
            "/v1/deposits/insurance",
            {"merchant_id": "m1", "source": "external"},
            api.m1,
            "cover",
        ),
        403,
        "forbidden",
        "source",
    )
    assert ledger_state(api) == before
    clean(api)


def test_a_huge_amount_is_refused_and_leaves_the_bank_intact(api: Api) -> None:
    """Reported: 999999999999999.99 wrapped ``platform:bank``; every movement then gave 500."""
    fund(api, "m1", "100.00")
    before = ledger_state(api)
    huge = {"merchant_id": "m1", "amount": "999999999999999.99", "source": "external"}
    problem(post(api, "/v1/deposits/cash/payments", huge, api.m1, "h1"), 403, "forbidden", "source")
    problem(
        post(api, "/v1/deposits/cash/payments", huge, api.operator, "h2"),
        422,
        "invalid-input",
        "amount",
    )
    assert ledger_state(api) == before
    # the bank still works: an ordinary movement out of it succeeds
    fund(api, "m2", "5.00")
    assert balances(api)["platform:bank"][0] == "-105.00"
    clean(api)


def test_the_91st_huge_transfer_into_one_account_is_a_422_not_a_500(api: Api) -> None:
    body = {
        "debit": "platform:bank",
        "credit": "merchant:m1:wallet",
        "amount": "999999999999999.99",
        "description": "huge",
    }
    before = ledger_state(api)
    for n in range(3):  # the first one is already above the ceiling
        problem(
            post(api, "/v1/ledger/transactions", body, api.operator, f"t{n}"),
            422,
            "invalid-input",
            "amount",
        )
    assert ledger_state(api) == before
    clean(api)


# --- every money endpoint with a merchant's token ------------------------------------------
# (path, body, status, field): m1's token aimed at money outside m1's own accounts.
REFUSED: list[tuple[str, dict[str, Any] | None, int, str | None]] = [
    (
        "/v1/ledger/transactions",
        {
            "debit": "platform:bank",
            "credit": "merchant:m1:wallet",
            "amount": "10.00",
            "description": "mint",
        },
        403,
        "Authorization",
    ),
    (
        "/v1/ledger/transactions",
        {
            "postings": [
                {"account": "platform:bank", "amount": "-10.00"},
                {"account": "merchant:m1:wallet", "amount": "10.00"},
            ],
            "description": "mint",
        },
        403,
        "Authorization",
    ),
    (
        "/v1/ledger/holds",
        {
            "debit": "platform:bank",
            "credit": "merchant:m1:wallet",
            "amount": "10.00",
            "description": "mint",
        },
        403,
        "Authorization",
    ),
    ("/v1/ledger/holds/{hold}/post", {}, 403, "Authorization"),
    ("/v1/ledger/holds/{hold}/void", None, 403, "Authorization"),
    (
        "/v1/deposits/cash/payments",
        {"merchant_id": "m1", "amount": "10.00", "source": "external"},
        403,
        "source",
    ),
    (
        "/v1/deposits/cash/payments",
        {"merchant_id": "m2", "amount": "10.00", "source": "wallet"},
        404,
        None,
    ),
    ("/v1/deposits/cash/unfreeze", {"merchant_id": "m2"}, 404, None),
    ("/v1/deposits/insurance", {"merchant_id": "m1", "source": "external"}, 403, "source"),
    ("/v1/deposits/insurance", {"merchant_id": "m2"}, 404, None),
    ("/v1/deposits/after-sales/c1/compensation", {"amount": "1.00"}, 403, "Authorization"),
    (
        "/v1/deposits/risk/payments",
        {"merchant_id": "m1", "amount": "10.00", "source": "external"},
        403,
        "source",
    ),
    ("/v1/deposits/risk/payments", {"merchant_id": "m2", "amount": "10.00"}, 404, None),
    ("/v1/deposits/risk/violations", {"merchant_id": "m1", "code": "x"}, 403, "Authorization"),
    ("/v1/deposits/campaigns", {**JUHUASUAN, "source": "external"}, 403, "source"),
    ("/v1/deposits/campaigns", {**JUHUASUAN, "merchant_id": "m2"}, 404, None),
    (
        "/v1/deposits/campaigns",
        {
            "id": "t",
            "merchant_id": "m1",
            "kind": "taoqianggou",
            "ends_at": "2024-04-01T00:00:00+08:00",
            "fee_mode": "fixed_fee",
            "fee": "1.00",
        },
        403,
        "kind",
    ),
    ("/v1/deposits/campaigns/j1/orders/o1/confirmation", {}, 403, "Authorization"),
    (
        "/v1/deposits/proceeds",
        {"merchant_id": "m1", "order_id": "o1", "amount": "10.00"},
        403,
        "Authorization",
    ),
    ("/v1/deposits/refunds/1/approval", None, 403, "Authorization"),
    (
        "/v1/bnpl/orders",
        {"id": "o", "merchant_id": "m1", "product_id": "p", "consumer_id": "c", "amount": "1.00"},
        403,
        "Authorization",
    ),
    ("/v1/bnpl/orders/o-m2/receipt", {"confirmed_by": "consumer"}, 403, "Authorization"),
    ("/v1/bnpl/orders/o-m2/refunds", {}, 404, None),
    (
        "/v1/payments/incoming",
        {"merchant_id": "m2", "amount": "10.00", "reference": "r"},
        404,
        None,
    ),
    ("/v1/payments/incoming/{incoming}/confirmation", None, 403, "Authorization"),
    ("/v1/payments/incoming/{incoming}/rejection", {"reason": "no"}, 403, "Authorization"),
    (
        "/v1/violations/cases",
        {"merchant_id": "m1", "broken_rule": "r", "evidence": "e", "penalty": "1.00"},
        403,
        "Authorization",
    ),
    (
        "/v1/violations/appeals/1/decision",
        {"outcome": "upheld", "reason": "r"},
        403,
        "Authorization",
    ),
    (
        "/v1/shipping/overdue-shipments",
        {
            "order_id": "o1",
            "merchant_id": "m1",
            "paid_at": "2024-02-26T10:00:00+08:00",
            "promised_shipping_hours": 48,
        },
        403,
        "Authorization",
    ),
    # operator actions that move money or set what is owed, without an Idempotency-Key
    ("/v1/cycle/runs", {"as_of": "2024-03-02T00:00:00+08:00"}, 403, "Authorization"),
    ("/v1/deposits/risk", {"merchant_id": "m1", "tier": "standard"}, 403, "Authorization"),
    (
        "/v1/deposits/after-sales",
        {"case_id": "c9", "merchant_id": "m1", "consumer": "b", "claimed": "1.00"},
        403,
        "Authorization",
    ),
    (
        "/v1/deposits/campaigns/j1/orders",
        {"order_id": "o1", "amount": "1.00"},
        403,
        "Authorization",
    ),
    (
        "/v1/ledger/accounts",
        {"code": "merchant:m1:extra", "purpose": "extra", "merchant_id": "m1"},
        403,
        "Authorization",
    ),
]


def seeded(api: Api) -> dict[str, str]:
    """Money in both wallets, an operator's hold and m1's pending incoming payment."""
    fund(api, "m1", "1000.00")
    fund(api, "m2", "1000.00")
    hold = post(
        api,
        "/v1/ledger/holds",
        {
            "debit": "merchant:m2:wallet",
            "credit": "merchant:m1:wallet",
            "amount": "5.00",
            "description": "held",
        },
        api.operator,
        "hold",
    )
    assert hold.status_code == 201, hold.text
    incoming = post(
        api,
        "/v1/payments/incoming",
        {"merchant_id": "m1", "amount": "50.00", "reference": "bank-1"},
        api.m1,
        "in",
    )
    assert incoming.status_code == 201, incoming.text
    return {"{hold}": str(hold.json()["id"]), "{incoming}": str(incoming.json()["id"])}


@pytest.mark.parametrize(("path", "body", "status", "field"), REFUSED)
def test_every_money_endpoint_refuses_a_merchant_aiming_outside_its_own_money(
    api: Api, path: str, body: dict[str, Any] | None, status: int, field: str | None
) -> None:
    ids = seeded(api)
    for name, value in ids.items():
        path = path.replace(name, value)
    before = ledger_state(api)
    response = post(api, path, body, api.m1, "refused")
    problem(response, status, {403: "forbidden", 404: "not-found"}[status], field)
    assert ledger_state(api) == before
    clean(api)


def test_the_role_matrix_covers_every_money_endpoint(api: Api) -> None:
    """A new endpoint that takes an Idempotency-Key moves money: it must be in the table."""
    paths = api.client.get("/openapi.json").json()["paths"]
    money = {
        path
        for path, operations in paths.items()
        for operation in operations.values()
        if any(p["name"] == "Idempotency-Key" for p in operation.get("parameters", []))
    }
    covered = {
        path.replace("{hold}", "{hold_id}")
        .replace("{incoming}", "{payment_id}")
        .replace("/c1/", "/{case_id}/")
        .replace("/j1/orders/o1/", "/{campaign_id}/orders/{order_id}/")
        .replace("/refunds/1/", "/refunds/{refund_id}/")
        .replace("/o-m2/", "/{order_id}/")
        .replace("/appeals/1/", "/appeals/{appeal_id}/")
        for path, *_ in REFUSED
    }
    assert len(money) >= 20
    assert money <= covered, money - covered


def test_what_a_merchant_may_do_moves_only_its_own_money(api: Api) -> None:
    """Paying from the wallet, cover, unfreezing, a Juhuasuan deposit: never from the bank."""
    fund(api, "m1", "600000.00")
    bank = balances(api)["platform:bank"]
    steps = [
        ("/v1/deposits/cash/payments", {"merchant_id": "m1", "amount": "1000.00"}),
        ("/v1/deposits/insurance", {"merchant_id": "m1"}),
        ("/v1/deposits/cash/unfreeze", {"merchant_id": "m1"}),
        ("/v1/deposits/campaigns", JUHUASUAN),
        ("/v1/deposits/campaigns", {**JUHUASUAN, "id": "j2", "juhuasuan_option": "premium"}),
    ]
    for n, (path, body) in enumerate(steps):
        response = post(api, path, body, api.m1, f"own-{n}")
        assert response.status_code == 201, response.text
        assert balances(api)["platform:bank"] == bank
    merchant_total = sum(
        Decimal(posted)
        for code, (posted, _, _) in balances(api).items()
        if code.startswith("merchant:m1:")
    )
    assert merchant_total < Decimal("600000.00")  # the fee and premium went out; nothing in
    clean(api)


# --- incoming payments ----------------------------------------------------------------------
def incoming(api: Api, who: dict[str, str], key: str, **changes: Any) -> Any:
    body = {"merchant_id": "m1", "amount": "1000.00", "reference": "bank-42", **changes}
    return post(api, "/v1/payments/incoming", body, who, key)


def test_an_incoming_payment_is_pending_until_an_operator_confirms_it_once(api: Api) -> None:
    before = balances(api)
    created = incoming(api, api.m1, "in-1")
    assert created.status_code == 201, created.text
    payment = created.json()
    assert (payment["status"], payment["amount"], payment["requested_by"]) == (
        "pending",
        "1000.00",
        "merchant:m1",
    )
    # pending: nothing posted, nothing spendable; the wallet shows it as pending in
    now = balances(api)
    assert now["merchant:m1:wallet"] == ("0.00", "0.00", "1000.00")
    assert now["platform:bank"] == (before["platform:bank"][0], "1000.00", "0.00")
    spend = post(
        api,
        "/v1/deposits/cash/payments",
        {"merchant_id": "m1", "amount": "1000.00"},
        api.m1,
        "spend",
    )
    assert spend.status_code == 422, spend.text
    # the same key returns the first answer and creates nothing more
    again = incoming(api, api.m1, "in-1")
    assert again.status_code == 201 and again.json() == payment
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(api.client.get("/v1/payments/incoming", headers=api.m1).json()) == 1
    # only an operator confirms; the merchant's own try is 403 and moves nothing
    path = f"/v1/payments/incoming/{payment['id']}/confirmation"
    problem(post(api, path, None, api.m1, "c-m1"), 403, "forbidden")
    assert balances(api) == now
    confirmed = post(api, path, None, api.operator, "c-1")
    assert confirmed.status_code == 201, confirmed.text
    body = confirmed.json()
    assert (body["status"], body["resolved_by"]) == ("confirmed", "operator")
    after = balances(api)
    assert after["merchant:m1:wallet"] == ("1000.00", "0.00", "0.00")
    assert after["platform:bank"] == ("-1000.00", "0.00", "0.00")
    txn = api.client.get(f"/v1/ledger/transactions/{body['transaction_id']}", headers=api.m1)
    assert txn.status_code == 200, txn.text
    # exactly once: the same key replays, another key is a conflict, a rejection too
    replay = post(api, path, None, api.operator, "c-1")
    assert replay.status_code == 201 and replay.json() == body
    problem(post(api, path, None, api.operator, "c-2"), 409, "conflict", "payment_id")
    rejection = f"/v1/payments/incoming/{payment['id']}/rejection"
    problem(post(api, rejection, {"reason": "late"}, api.operator, "r-1"), 409, "conflict")
    assert balances(api) == after
    # now the merchant pays its deposit from money the platform holds for it
    paid = post(
        api, "/v1/deposits/cash/payments", {"merchant_id": "m1", "amount": "1000.00"}, api.m1, "pay"
    )
    assert paid.status_code == 201, paid.text
    clean(api)


def test_a_rejected_incoming_payment_moves_nothing(api: Api) -> None:
    before = balances(api)
    payment = incoming(api, api.operator, "in-op").json()
    assert payment["requested_by"] == "operator"
    rejection = f"/v1/payments/incoming/{payment['id']}/rejection"
    problem(post(api, rejection, {"reason": "no"}, api.m1, "r-m1"), 403, "forbidden")
    rejected = post(api, rejection, {"reason": "no such transfer"}, api.operator, "r-1")
    assert rejected.status_code == 200, rejected.text
    assert (rejected.json()["status"], rejected.json()["reason"]) == (
        "rejected",
        "no such transfer",
    )
    assert balances(api) == {**before, "merchant:m1:wallet": ("0.00", "0.00", "0.00")}
    confirm = f"/v1/payments/incoming/{payment['id']}/confirmation"
    problem(post(api, confirm, None, api.operator, "c-1"), 409, "conflict", "payment_id")
    assert (
        api.client.get("/v1/payments/incoming?status=rejected", headers=api.m1).json()[0]["id"]
        == payment["id"]
    )
    clean(api)


def test_incoming_payments_are_the_merchants_own(api: Api) -> None:
    payment = incoming(api, api.m1, "in-1").json()
    problem(
        api.client.get(f"/v1/payments/incoming/{payment['id']}", headers=api.m2), 404, "not-found"
    )
    assert api.client.get("/v1/payments/incoming", headers=api.m2).json() == []
    problem(
        api.client.get("/v1/payments/incoming?merchant_id=m1", headers=api.m2), 404, "not-found"
    )
    mine = api.client.get(f"/v1/payments/incoming/{payment['id']}", headers=api.m1)
    assert mine.status_code == 200 and mine.json() == payment
    listed = api.client.get("/v1/payments/incoming?merchant_id=m1", headers=api.operator).json()
    assert [p["id"] for p in listed] == [payment["id"]]
    problem(incoming(api, api.m2, "in-2"), 404, "not-found")  # for m1, with m2's token
    problem(incoming(api, api.m1, "in-3"), 409, "already-exists", "reference")  # same reference
    problem(
        incoming(api, api.m1, "in-4", reference="bank-43", amount="100000000.01"),
        422,
        "invalid-input",
        "amount",
    )
    problem(
        post(
            api,
            "/v1/payments/incoming",
            {"merchant_id": "m1", "amount": "1.00", "reference": "x"},
            api.m1,
            None,
        ),
        422,
        "invalid-input",
        "Idempotency-Key",
    )


# --- the ceiling of a single amount ---------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        (
            "/v1/ledger/transactions",
            {
                "debit": "platform:bank",
                "credit": "merchant:m1:wallet",
                "amount": "100000000.01",
                "description": "x",
            },
            "amount",
        ),
        (
            "/v1/ledger/transactions",
            {
                "postings": [
                    {"account": "platform:bank", "amount": "-100000000.01"},
                    {"account": "merchant:m1:wallet", "amount": "100000000.01"},
                ],
                "description": "x",
            },
            "postings.0.amount",
        ),
        (
            "/v1/ledger/holds",
            {
                "debit": "platform:bank",
                "credit": "merchant:m1:wallet",
                "amount": "100000000.01",
                "description": "x",
            },
            "amount",
        ),
        ("/v1/deposits/cash/payments", {"merchant_id": "m1", "amount": "100000000.01"}, "amount"),
        (
            "/v1/deposits/risk/payments",
            {"merchant_id": "m1", "amount": "999999999999999.99"},
            "amount",
        ),
        (
            "/v1/deposits/proceeds",
            {"merchant_id": "m1", "order_id": "o1", "amount": "100000000.01"},
            "amount",
        ),
        (
            "/v1/deposits/after-sales",
            {"case_id": "c1", "merchant_id": "m1", "consumer": "b", "claimed": "100000000.01"},
            "claimed",
        ),
        (
            "/v1/payments/incoming",
            {"merchant_id": "m1", "amount": "100000000.01", "reference": "r"},
            "amount",
        ),
    ],
)
def test_an_amount_above_the_ceiling_is_refused_naming_the_field(
    api: Api, path: str, body: dict[str, Any], field: str
) -> None:
    before = ledger_state(api)
    body_ = problem(post(api, path, body, api.operator, "big"), 422, "invalid-input", field)
    assert "100000000.00" in body_["detail"]
    assert ledger_state(api) == before


def test_the_ceiling_itself_is_allowed(api: Api) -> None:
    fund(api, "m1", "100000000.00")
    assert balances(api)["merchant:m1:wallet"][0] == "100000000.00"


LOWER_CEILING = """\
family: platform
version: "2024-03-10"
title: Platform conventions
revised_on: 2024-03-01
published_at: "2024-03-01T09:00:00+08:00"
effective_from: "2024-03-10T00:00:00+08:00"
rules: [POL-4]
parameters:
  notice_period: "7d"
  timezone: Asia/Shanghai
  working_day_calendar: CN
  max_single_amount: "1000.00"
"""


def test_the_ceiling_is_the_platform_policy_in_force(api: Api) -> None:
    published = api.client.post(
        "/v1/policies",
        content=LOWER_CEILING,
        headers={**api.operator, "Content-Type": "application/yaml"},
    )
    assert published.status_code == 201, published.text
    body = {"merchant_id": "m1", "amount": "1000.01", "reference": "r1"}
    assert post(api, "/v1/payments/incoming", body, api.m1, "before").status_code == 201
    api.clock.advance_to(api.clock.now().replace(day=10))
    refusal = problem(
        post(api, "/v1/payments/incoming", {**body, "reference": "r2"}, api.m1, "after"),
        422,
        "invalid-input",
        "amount",
    )
    assert "1000.00" in refusal["detail"]
    assert (
        post(
            api,
            "/v1/payments/incoming",
            {**body, "reference": "r3", "amount": "1000.00"},
            api.m1,
            "at",
        ).status_code
        == 201
    )


@pytest.mark.postgres
def test_racing_confirmations_post_the_money_once(
    postgres_url: str, tmp_path: Path, clock: SimulatedClock
) -> None:
    """Eight operators confirm one incoming payment at once on PostgreSQL: one wins."""
    container = make_container(postgres_url, tmp_path, clock)
    try:
        with container.unit_of_work() as ctx:
            payment = payments.create(
                ctx,
                merchant_id="m1",
                amount=Money.parse("25.00"),
                reference="race",
                by="merchant:m1",
            )
            payment_id = payment.id
        start = threading.Barrier(8)

        def confirm(n: int) -> str:
            start.wait()
            try:
                with container.unit_of_work() as ctx:
                    payments.confirm(ctx, payment_id=payment_id, by=f"operator {n}")
                return "confirmed"
            except Conflict:
                return "conflict"

        with ThreadPoolExecutor(8) as pool:
            outcomes = sorted(pool.map(confirm, range(8)))
        assert outcomes == ["confirmed"] + ["conflict"] * 7
        with container.db.transaction() as session:
            assert Ledger(session, clock).balance("merchant:m1:wallet") == Balance(2500, 0, 0)
            assert verify_ledger(session) == []
    finally:
        container.close()
