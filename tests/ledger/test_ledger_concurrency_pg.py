"""The ledger's guarantees under real concurrency on PostgreSQL (DEP-15).

Each request runs on its own thread and its own connection, all released together by a
barrier, so the row locks and the conditional updates in ``ledger/service.py`` are what keeps
the flagged balance at or above zero, a hold resolved once, and an idempotency key used once.
PostgreSQL allows 100 connections; the largest test here takes 64 plus one observer, opened
before the race and waited for while other test workers hold the server's connections.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TypeVar

import pytest
from sqlalchemy import Connection, func, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from shopwarden.clock import SimulatedClock
from shopwarden.db.engine import Database
from shopwarden.errors import Conflict, IdempotencyKeyReused, InsufficientFunds
from shopwarden.ledger.model import HoldRequest, TransferRequest, transfer
from shopwarden.ledger.service import Ledger
from shopwarden.ledger.tables import AccountRow, TransactionRow
from shopwarden.ledger.verify import verify_ledger
from shopwarden.money import Money

pytestmark = [pytest.mark.rule("DEP-15"), pytest.mark.postgres]

FUNDING = "platform:funding"
SHOP = "merchant:shop:wallet"  # flagged: the account everybody withdraws from
PAYOUT = "platform:payouts"
FEES = "platform:fees"
START = datetime.fromisoformat("2024-03-01T09:00:00+08:00")

T = TypeVar("T")


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock(START)


def open_ledger(url: str, clock: SimulatedClock, *, threads: int, funded: int) -> Database:
    db = Database(url, pool_size=threads + 1)
    reserve_connections(db, threads + 1)
    with db.transaction() as session:
        ledger = Ledger(session, clock)
        ledger.open_account(FUNDING, purpose="funding", no_negative=False)
        for code in (SHOP, PAYOUT, FEES):
            ledger.open_account(code, purpose=code.rsplit(":", 1)[-1])
        ledger.post(transfer(FUNDING, SHOP, Money(funded), "fund the shop"))
    return db


def reserve_connections(db: Database, count: int) -> None:
    """Opens ``count`` connections into the pool before the race, waiting while the server is
    full: other test workers may hold many of its 100 connections for a moment. The pool keeps
    them open, so the race itself never has to connect."""
    held: list[Connection] = []
    deadline = time.monotonic() + 120
    try:
        while len(held) < count:
            try:
                held.append(db.engine.connect())
            except OperationalError as error:
                if "too many clients" not in str(error) or time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        for connection in held:
            connection.close()


@pytest.fixture
def databases() -> Iterator[list[Database]]:
    opened: list[Database] = []
    yield opened
    for db in opened:
        db.dispose()


def race(db: Database, calls: list[Callable[[Session], T]]) -> list[T | Exception]:
    """Runs each call in its own thread and transaction, all starting together.

    Every thread holds its connection before the barrier, so none is late for lack of one.
    A refusal (InsufficientFunds, Conflict, IdempotencyKeyReused) is returned, its
    transaction rolled back; anything else is raised.
    """
    barrier = threading.Barrier(len(calls))

    def one(call: Callable[[Session], T]) -> T | Exception:
        try:
            with db.transaction() as session:
                session.connection()
                barrier.wait(timeout=60)
                return call(session)
        except (InsufficientFunds, Conflict) as error:
            return error

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(one, calls))


def posted(db: Database, code: str) -> int:
    with db.transaction() as session:
        return int(session.scalar(select(AccountRow.posted).where(AccountRow.code == code)) or 0)


def verify(db: Database) -> list[object]:
    with db.transaction() as session:
        return list(verify_ledger(session))


def test_64_concurrent_withdrawals_never_overdraw(
    postgres_url: str, clock: SimulatedClock, databases: list[Database]
) -> None:
    balance = 100_000  # 1000.00
    amounts = [2_500 + (i * 379) % 1_000 for i in range(64)]  # 25.00 … 34.99, 1,91x the balance
    assert sum(amounts) > balance
    db = open_ledger(postgres_url, clock, threads=65, funded=balance)
    databases.append(db)

    lowest = [balance]
    done = threading.Event()

    def observe() -> None:
        """Watches the committed balance while the race runs, on a connection of its own."""
        while not done.is_set():
            lowest[0] = min(lowest[0], posted(db, SHOP))

    def withdraw(i: int) -> Callable[[Session], TransactionRow]:
        request = transfer(SHOP, PAYOUT, Money(amounts[i]), f"payout {i}", idempotency_key=f"w{i}")
        return lambda session: Ledger(session, clock).post(request)

    observer = threading.Thread(target=observe)
    observer.start()
    try:
        results = race(db, [withdraw(i) for i in range(64)])
    finally:
        done.set()
        observer.join()

    accepted = [a for a, r in zip(amounts, results, strict=True) if isinstance(r, TransactionRow)]
    refused = [a for a, r in zip(amounts, results, strict=True) if isinstance(r, InsufficientFunds)]
    assert len(accepted) + len(refused) == 64  # every failure was an InsufficientFunds
    assert accepted and refused
    left = posted(db, SHOP)
    assert left >= 0 and lowest[0] >= 0
    assert sum(accepted) == balance - left == posted(db, PAYOUT)
    # the balance only fell, so each refused withdrawal asked for more than what is left now
    assert min(refused) > left
    with db.transaction() as session:
        payouts = session.scalar(
            select(func.count()).where(TransactionRow.description.like("payout %"))
        )
    assert payouts == len(accepted)
    assert verify(db) == []


def test_32_concurrent_posts_of_one_hold_settle_it_once(
    postgres_url: str, clock: SimulatedClock, databases: list[Database]
) -> None:
    db = open_ledger(postgres_url, clock, threads=32, funded=10_000)
    databases.append(db)
    with db.transaction() as session:
        held = Ledger(session, clock).hold(HoldRequest(SHOP, FEES, Money(4_000), "fee"))

    results = race(db, [lambda s: Ledger(s, clock).post_hold(held.id)] * 32)

    settled = [r for r in results if isinstance(r, TransactionRow)]
    assert len(settled) == 1 and settled[0].hold_id == held.id
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, TransactionRow))
    assert (posted(db, SHOP), posted(db, FEES)) == (6_000, 4_000)
    with db.transaction() as session:
        settlements = session.scalar(select(func.count()).where(TransactionRow.hold_id == held.id))
        assert settlements == 1
        assert Ledger(session, clock).balance(SHOP).pending_out == 0
    assert verify(db) == []


def test_posts_and_voids_racing_on_one_hold_resolve_it_once(
    postgres_url: str, clock: SimulatedClock, databases: list[Database]
) -> None:
    db = open_ledger(postgres_url, clock, threads=32, funded=10_000)
    databases.append(db)
    with db.transaction() as session:
        held = Ledger(session, clock).hold(HoldRequest(SHOP, FEES, Money(4_000), "fee"))
    post_part: Callable[[Session], TransactionRow] = lambda s: Ledger(s, clock).post_hold(  # noqa: E731
        held.id, amount=Money(1_000)
    )
    void: Callable[[Session], TransactionRow] = lambda s: Ledger(s, clock).void_hold(held.id)  # noqa: E731

    results = race(db, [post_part, void] * 16)

    winners = [r for r in results if isinstance(r, TransactionRow)]
    assert len(winners) == 1
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, TransactionRow))
    expected = (9_000, 1_000) if winners[0].kind == "settlement" else (10_000, 0)
    assert (posted(db, SHOP), posted(db, FEES)) == expected
    assert verify(db) == []


def test_32_concurrent_requests_with_one_key_make_one_transaction(
    postgres_url: str, clock: SimulatedClock, databases: list[Database]
) -> None:
    db = open_ledger(postgres_url, clock, threads=32, funded=10_000)
    databases.append(db)
    request = transfer(SHOP, PAYOUT, Money(1_500), "payout", idempotency_key="once")

    results = race(db, [lambda s: Ledger(s, clock).post(request)] * 32)

    assert all(isinstance(r, TransactionRow) for r in results)
    ids = {r.id for r in results if isinstance(r, TransactionRow)}
    assert len(ids) == 1
    with db.transaction() as session:
        keyed = session.scalar(select(func.count()).where(TransactionRow.idempotency_key == "once"))
    assert keyed == 1
    assert posted(db, PAYOUT) == 1_500
    assert verify(db) == []


def test_one_key_raced_with_two_different_requests_keeps_the_first(
    postgres_url: str, clock: SimulatedClock, databases: list[Database]
) -> None:
    """Whichever request takes the key first wins; the same request gets its answer back,
    the other request is refused as a reused key (HTTP 409)."""
    db = open_ledger(postgres_url, clock, threads=32, funded=10_000)
    databases.append(db)
    one = transfer(SHOP, PAYOUT, Money(1_500), "payout", idempotency_key="contested")
    other = transfer(SHOP, FEES, Money(700), "fee", idempotency_key="contested")

    def send(request: TransferRequest) -> Callable[[Session], TransactionRow]:
        return lambda session: Ledger(session, clock).post(request)

    results = race(db, [send(one), send(other)] * 16)

    with db.transaction() as session:
        stored = session.scalars(
            select(TransactionRow).where(TransactionRow.idempotency_key == "contested")
        ).all()
    assert len(stored) == 1
    winner = one if stored[0].description == "payout" else other
    for request, result in zip([one, other] * 16, results, strict=True):
        if request is winner:
            assert isinstance(result, TransactionRow) and result.id == stored[0].id
        else:
            assert isinstance(result, IdempotencyKeyReused)
    assert posted(db, PAYOUT) + posted(db, FEES) == winner.postings[1].amount.cents
    assert verify(db) == []
