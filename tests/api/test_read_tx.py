"""One transaction per request, reads that do not queue behind writes, tokens still checked.

A GET looks its token up inside the transaction its work then continues; on SQLite that
transaction is a deferred BEGIN, so a read answers while another connection holds the write
lock. A request that moves money still takes the write lock when its unit of work begins
(DEP-15). Unknown and revoked tokens answer 401 whatever the request asks.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, update

from shopwarden.auth.service import hash_token
from shopwarden.auth.tables import TokenRow
from shopwarden.ledger.model import merchant_account_code, platform_account_code, transfer
from shopwarden.money import Money
from tests.api.conftest import Api

OVERVIEW = "/v1/deposits/overview"


@contextmanager
def statements(api: Api) -> Iterator[list[tuple[str, Any]]]:
    """Every statement the API's engine runs meanwhile, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    engine = api.container.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def begins(seen: list[tuple[str, Any]]) -> Counter[str]:
    return Counter(s.strip().upper() for s, _ in seen if s.strip().upper().startswith("BEGIN"))


def fund_and_pay(api: Api, merchant: str = "m1") -> None:
    with api.container.unit_of_work() as ctx:
        ctx.ledger.post(
            transfer(
                platform_account_code("bank"),
                merchant_account_code(merchant, "wallet"),
                Money(10_000_000),
                "paid in",
            )
        )
    answer = api.client.post(
        "/v1/deposits/cash/payments",
        json={"merchant_id": merchant, "amount": "5000.00", "source": "wallet"},
        headers={**api.m1, "Idempotency-Key": "first"},
    )
    assert answer.status_code == 201, answer.text


def test_a_sqlite_read_answers_while_another_connection_holds_the_write_lock(
    api: Api, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("the write lock is SQLite's")
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with ThreadPoolExecutor(1) as pool:
            # a deadline, not a timing: queued behind the lock it would wait 60 s and fail
            answer = pool.submit(api.client.get, OVERVIEW, headers=api.m1).result(timeout=30)
        assert answer.status_code == 200, answer.text
        assert answer.json()["merchant_id"] == "m1"
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_get_is_one_transaction_with_its_token_lookup(api: Api, database_url: str) -> None:
    fund_and_pay(api)
    with statements(api) as seen:
        answer = api.client.get(OVERVIEW, headers=api.m1)
    assert answer.status_code == 200, answer.text
    if database_url.startswith("sqlite"):
        assert begins(seen) == Counter({"BEGIN": 1})  # deferred: no write lock for a read
    token_reads = [s for s, _ in seen if "tokens" in s]
    assert len(token_reads) == 1


def test_the_overview_reads_each_thing_once(api: Api) -> None:
    fund_and_pay(api)
    with statements(api) as seen:
        answer = api.client.get(OVERVIEW, headers=api.m1)
    assert answer.status_code == 200, answer.text
    queries = [(s, repr(p)) for s, p in seen if s.lstrip().upper().startswith("SELECT")]
    repeated = [q for q, n in Counter(queries).items() if n > 1]
    assert repeated == []
    assert answer.json()["cash"]["held"] == "5000.00"
    assert answer.json()["refund"]["cash_held"] == "5000.00"


@pytest.mark.rule("DEP-15")
def test_money_still_takes_the_write_lock_when_its_unit_of_work_begins(
    api: Api, database_url: str
) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("BEGIN IMMEDIATE is SQLite's write lock")
    fund_and_pay(api)
    with statements(api) as seen:
        answer = api.client.post(
            "/v1/deposits/cash/payments",
            json={"merchant_id": "m1", "amount": "1.00", "source": "wallet"},
            headers={**api.m1, "Idempotency-Key": "top-up"},
        )
    assert answer.status_code == 201, answer.text
    found = begins(seen)
    assert found["BEGIN IMMEDIATE"] == 1
    # the work's first statement comes after the lock is taken
    first_write_lock = next(i for i, (s, _) in enumerate(seen) if s.strip() == "BEGIN IMMEDIATE")
    assert all("idempotency" not in s for s, _ in seen[:first_write_lock])


def test_unknown_and_revoked_tokens_answer_401(api: Api) -> None:
    unknown = {"Authorization": "Bearer sw_not-a-token"}
    assert api.client.get(OVERVIEW, headers=unknown).status_code == 401
    token = api.m2["Authorization"].removeprefix("Bearer ")
    assert api.client.get(OVERVIEW, headers=api.m2).status_code == 200
    with api.container.db.transaction() as session:
        session.execute(
            update(TokenRow)
            .where(TokenRow.token_hash == hash_token(token))
            .values(revoked_at=datetime.now(UTC))
        )
    for headers in (api.m2, unknown):
        assert api.client.get(OVERVIEW, headers=headers).status_code == 401
        assert api.client.get("/v1/policies", headers=headers).status_code == 401
        paid = api.client.post(
            "/v1/deposits/cash/payments",
            json={"merchant_id": "m2", "amount": "1.00", "source": "wallet"},
            headers={**headers, "Idempotency-Key": "k"},
        )
        assert paid.status_code == 401


def test_a_bad_token_answers_401_before_the_input_is_judged(api: Api) -> None:
    """As when the token was looked up before anything else: 401, not the 422 of the body."""
    unknown = {"Authorization": "Bearer sw_not-a-token", "Idempotency-Key": "k"}
    paid = api.client.post(
        "/v1/deposits/cash/payments", json={"amount": "nonsense"}, headers=unknown
    )
    assert paid.status_code == 401
    assert api.client.get(f"{OVERVIEW}?merchant_id=m2", headers=unknown).status_code == 401


def test_another_merchants_overview_is_404_and_changes_nothing(api: Api) -> None:
    answer = api.client.get(f"{OVERVIEW}?merchant_id=m2", headers=api.m1)
    assert answer.status_code == 404
    assert api.client.get(OVERVIEW, headers=api.m1).status_code == 200
