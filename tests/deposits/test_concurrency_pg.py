"""Concurrent requests on one deposit against a real server on PostgreSQL.

Deductions and a refund racing for one merchant's deposit never take more than it holds, and
whatever order they land in, the books add up; a payment sent many times with one
Idempotency-Key pays once.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn

from shopwarden.api.app import create_app
from shopwarden.clock import SimulatedClock
from shopwarden.ledger.verify import verify_ledger
from tests.api.conftest import bearer, make_container

pytestmark = [pytest.mark.postgres]


class Server:
    def __init__(self, base: str, operator: dict[str, str], container: Any) -> None:
        self.base = base
        self.operator = operator
        self.container = container

    def call(
        self, method: str, path: str, body: Any = None, key: str | None = None
    ) -> httpx.Response:
        headers = {**self.operator, **({"Idempotency-Key": key} if key else {})}
        with httpx.Client(base_url=self.base, timeout=60) as client:
            return client.request(method, path, json=body, headers=headers)

    def ok(self, method: str, path: str, body: Any = None, key: str | None = None) -> Any:
        response = self.call(method, path, body, key)
        assert response.status_code in (200, 201), response.text
        return response.json()

    def race(self, calls: list[Callable[[], httpx.Response]]) -> list[httpx.Response]:
        start = threading.Barrier(len(calls))

        def run(call: Callable[[], httpx.Response]) -> httpx.Response:
            start.wait()
            return call()

        with ThreadPoolExecutor(len(calls)) as pool:
            return list(pool.map(run, calls))

    def posted(self, code: str) -> int:
        return int(self.ok("GET", f"/v1/ledger/accounts/{code}")["posted"].replace(".", ""))


@pytest.fixture
def server(postgres_url: str, tmp_path: Path, clock: SimulatedClock) -> Iterator[Server]:
    container = make_container(postgres_url, tmp_path, clock)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(container), host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)
    thread = threading.Thread(target=instance.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not instance.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    yield Server(f"http://127.0.0.1:{port}", bearer(container, "operator"), container)
    instance.should_exit = True
    thread.join(timeout=20)
    container.close()


def _merchant_with_deposit(server: Server, merchant_id: str, deposit: str) -> None:
    if merchant_id not in ("m1", "m2"):
        server.ok("POST", "/v1/merchants", {"id": merchant_id, "name": merchant_id})
    transfer = {
        "debit": "platform:bank",
        "credit": f"merchant:{merchant_id}:wallet",
        "amount": deposit,
        "description": "paid in",
    }
    server.ok("POST", "/v1/ledger/transactions", transfer, key=f"fund-{merchant_id}")
    body = {"merchant_id": merchant_id, "amount": deposit}
    server.ok("POST", "/v1/deposits/cash/payments", body, key=f"pay-{merchant_id}")


def _open_case(server: Server, case_id: str, merchant_id: str, claimed: str) -> None:
    body = {"case_id": case_id, "merchant_id": merchant_id, "consumer": "c", "claimed": claimed}
    server.ok("POST", "/v1/deposits/after-sales", body)


def _verify(server: Server) -> None:
    with server.container.db.transaction() as session:
        assert verify_ledger(session) == []


@pytest.mark.rule("DEP-3")
@pytest.mark.rule("DEP-15")
def test_concurrent_deductions_never_take_more_than_the_deposit_holds(server: Server) -> None:
    _merchant_with_deposit(server, "m1", "1000.00")
    for n in range(10):
        _open_case(server, f"c{n}", "m1", "300.00")
    responses = server.race(
        [
            (
                lambda n=n: server.call(
                    "POST",
                    f"/v1/deposits/after-sales/c{n}/compensation",
                    {"amount": "300.00"},
                    f"comp-{n}",
                )
            )
            for n in range(10)
        ]
    )
    assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses]
    cases = [r.json() for r in responses]
    from_deposit = sum(300_00 - int(c["unpaid"].replace(".", "")) for c in cases)
    assert from_deposit == 1000_00  # 300 + 300 + 300 + 100, in whatever order
    assert sum(int(c["unpaid"].replace(".", "")) for c in cases) == 2000_00
    assert server.posted("merchant:m1:cash_deposit") == 0
    assert server.posted("platform:consumer_compensation") == 1000_00
    overview = server.ok("GET", "/v1/deposits/overview?merchant_id=m1")
    assert overview["cash"]["top_up_due"] == "3000.00"  # 1000 to refill + 2000 still owed
    _verify(server)


@pytest.mark.rule("DEP-14")
@pytest.mark.rule("DEP-15")
@pytest.mark.parametrize("round_", range(4))
def test_a_refund_racing_deductions_keeps_the_books(server: Server, round_: int) -> None:
    merchant = f"r{round_}"
    _merchant_with_deposit(server, merchant, "1000.00")
    server.ok("PATCH", f"/v1/merchants/{merchant}", {"status": "closing"})
    body = {"merchant_id": merchant, "payout_account": "alipay:x@example.com", "amount": "400.00"}
    refund = server.ok("POST", "/v1/deposits/refunds", body)
    _open_case(server, f"{merchant}-a", merchant, "300.00")
    _open_case(server, f"{merchant}-b", merchant, "300.00")
    calls: list[Callable[[], httpx.Response]] = [
        lambda: server.call(
            "POST", f"/v1/deposits/refunds/{refund['id']}/approval", None, "approve"
        ),
        lambda: server.call(
            "POST",
            f"/v1/deposits/after-sales/{merchant}-a/compensation",
            {"amount": "300.00"},
            "ca",
        ),
        lambda: server.call(
            "POST",
            f"/v1/deposits/after-sales/{merchant}-b/compensation",
            {"amount": "300.00"},
            "cb",
        ),
    ]
    approval, *compensations = server.race(calls)
    assert [c.status_code for c in compensations] == [201, 201]
    assert approval.status_code in (201, 422), approval.text
    refunded = 400_00 if approval.status_code == 201 else 0
    if approval.status_code == 422:
        assert approval.json()["rule"] == "DEP-14"  # a deduction came first: no longer refundable
    held = server.posted(f"merchant:{merchant}:cash_deposit")
    deducted = sum(300_00 - int(c.json()["unpaid"].replace(".", "")) for c in compensations)
    assert held >= 0
    assert deducted + refunded + held == 1000_00
    _verify(server)


@pytest.mark.rule("DEP-14")
def test_two_approvals_of_one_refund_pay_once(server: Server) -> None:
    _merchant_with_deposit(server, "m1", "1000.00")
    server.ok("PATCH", "/v1/merchants/m1", {"status": "closing"})
    body = {"merchant_id": "m1", "payout_account": "alipay:m1@example.com", "amount": "1000.00"}
    refund = server.ok("POST", "/v1/deposits/refunds", body)
    path = f"/v1/deposits/refunds/{refund['id']}/approval"
    responses = server.race(
        [(lambda n=n: server.call("POST", path, None, f"approve-{n}")) for n in range(8)]
    )
    assert sorted(r.status_code for r in responses) == [201] + [409] * 7
    assert server.posted("platform:payouts") == 1000_00
    _verify(server)


@pytest.mark.rule("DEP-1")
@pytest.mark.rule("DEP-15")
def test_one_idempotency_key_sent_many_times_pays_once(server: Server) -> None:
    transfer = {
        "debit": "platform:bank",
        "credit": "merchant:m1:wallet",
        "amount": "5000.00",
        "description": "in",
    }
    server.ok("POST", "/v1/ledger/transactions", transfer, key="fund")
    body = {"merchant_id": "m1", "amount": "1000.00"}
    responses = server.race(
        [
            (lambda: server.call("POST", "/v1/deposits/cash/payments", body, "same-key"))
            for _ in range(16)
        ]
    )
    assert {r.status_code for r in responses} == {201}
    assert len({r.text for r in responses}) == 1
    assert server.posted("merchant:m1:cash_deposit") == 1000_00
    assert server.posted("merchant:m1:wallet") == 4000_00
    again = server.call("POST", "/v1/deposits/cash/payments", body, "same-key")
    assert again.headers["Idempotent-Replayed"] == "true"
    _verify(server)
