"""32 concurrent requests with one Idempotency-Key against a real server on PostgreSQL."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import uvicorn

from shopwarden.api.app import create_app
from shopwarden.clock import SimulatedClock
from tests.api.conftest import bearer, make_container

pytestmark = [pytest.mark.postgres, pytest.mark.rule("DEP-15")]


@pytest.fixture
def server(
    postgres_url: str, tmp_path: Path, clock: SimulatedClock
) -> Iterator[tuple[str, dict[str, str]]]:
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
    yield f"http://127.0.0.1:{port}", bearer(container, "operator")
    instance.should_exit = True
    thread.join(timeout=20)
    container.close()


def test_32_concurrent_requests_with_one_key_make_one_transaction(
    server: tuple[str, dict[str, str]],
) -> None:
    base, operator = server
    body = {
        "debit": "platform:bank",
        "credit": "merchant:m1:wallet",
        "amount": "10.00",
        "description": "paid in",
    }
    headers = {**operator, "Idempotency-Key": "same-key"}
    start = threading.Barrier(32)

    def send(_: int) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=60) as client:
            start.wait()
            return client.post("/v1/ledger/transactions", json=body, headers=headers)

    with ThreadPoolExecutor(32) as pool:
        responses = list(pool.map(send, range(32)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    with httpx.Client(base_url=base) as client:
        transactions = client.get("/v1/ledger/transactions", headers=operator).json()
        wallet = client.get("/v1/ledger/accounts/merchant:m1:wallet", headers=operator).json()
        other = client.post(
            "/v1/ledger/transactions", json={**body, "amount": "10.01"}, headers=headers
        )
    assert len(transactions) == 1
    assert wallet["posted"] == "10.00"
    assert other.status_code == 409
    assert other.json()["type"] == "urn:shopwarden:problem:idempotency-key-reused"
