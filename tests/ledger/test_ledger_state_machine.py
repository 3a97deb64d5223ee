"""Random sequences of ledger requests against a real database, checked after every step (DEP-15).

Hypothesis drives transfers (two- and three-leg, single and batched), holds, full and partial
posts of holds, voids, and retries of earlier idempotency keys, with the same and with another
request. A pure in-memory model predicts every outcome (accepted, or which error) and every
balance; after each step the database must agree with the model, with the sum of its own
entries, and with ``verify_ledger``.

Steps per run: 2 backends × 100 examples × 50 steps = 10,000 steps; the test keeps generating
examples until that many steps have run on each backend, and asserts it.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select, text

from shopwarden.clock import SimulatedClock
from shopwarden.db.engine import Database
from shopwarden.errors import Conflict, IdempotencyKeyReused, InsufficientFunds
from shopwarden.families import metadata
from shopwarden.ledger.model import HoldRequest, Posting, TransferRequest, transfer
from shopwarden.ledger.service import Ledger
from shopwarden.ledger.tables import AccountRow, EntryRow, TransactionRow
from shopwarden.ledger.verify import verify_ledger
from shopwarden.money import Money

pytestmark = pytest.mark.rule("DEP-15")

EXAMPLES, STEPS = 100, 50  # per backend; two backends give 10,000 steps per run
START = datetime.fromisoformat("2024-03-01T09:00:00+08:00")

FUNDING = "platform:funding"  # the one account allowed below zero: money enters here
FLAGGED = ("merchant:m1:deposit", "merchant:m2:deposit", "merchant:m3:wallet", "platform:fees")
CODES = (FUNDING, *FLAGGED)

pairs = st.lists(st.sampled_from(CODES), min_size=2, max_size=2, unique=True)
triples = st.lists(st.sampled_from(CODES), min_size=3, max_size=3, unique=True)
cents = st.integers(min_value=1, max_value=10_000)


@dataclass
class Totals:
    posted: int = 0
    pending_out: int = 0
    pending_in: int = 0


@dataclass
class Model:
    """What the ledger should hold: totals per account, holds, keys, and row counts."""

    totals: dict[str, Totals] = field(default_factory=lambda: {c: Totals() for c in CODES})
    holds: dict[int, tuple[str, str, int]] = field(default_factory=dict)  # id → debit, credit, held
    resolved: set[int] = field(default_factory=set)
    keyed: list[tuple[TransferRequest | HoldRequest, int]] = field(default_factory=list)
    entries: int = 0
    transactions: int = 0

    def available(self, code: str) -> int:
        return self.totals[code].posted - self.totals[code].pending_out

    def can_pay(self, code: str, amount: int) -> bool:
        return code == FUNDING or self.available(code) >= amount

    def copy(self) -> Model:
        return replace(
            self,
            totals={c: replace(t) for c, t in self.totals.items()},
            holds=dict(self.holds),
            resolved=set(self.resolved),
            keyed=list(self.keyed),
        )


class Backend:
    """Hands each Hypothesis example a migrated, empty database."""

    def fresh(self) -> Database:
        raise NotImplementedError

    def release(self, db: Database) -> None:
        db.dispose()


class SqliteBackend(Backend):
    """A fresh copy of the migrated template file for each example.

    One extra connection stays open on it meanwhile: the engine opens a connection per unit
    of work, and the last one to close a WAL database checkpoints it, a disk write per step
    that would triple the run time without testing anything more.
    """

    def __init__(self, template: Path, folder: Path) -> None:
        self.template, self.folder, self.made = template, folder, 0
        self.keeper: sqlite3.Connection | None = None

    def fresh(self) -> Database:
        self.made += 1
        path = self.folder / f"example-{self.made}.db"
        shutil.copy(self.template, path)
        self.keeper = sqlite3.connect(path)
        self.keeper.execute("SELECT count(*) FROM ledger_accounts").fetchall()
        return Database(f"sqlite:///{path}")

    def release(self, db: Database) -> None:
        db.dispose()
        if self.keeper is not None:
            self.keeper.close()
        assert db.engine.url.database is not None
        for suffix in ("", "-wal", "-shm"):
            Path(db.engine.url.database + suffix).unlink(missing_ok=True)


class PostgresBackend(Backend):
    """One database for the run, its ledger tables truncated before each example."""

    def __init__(self, url: str) -> None:
        self.db = Database(url)
        tables = ", ".join(
            f'"{t.name}"' for t in metadata.sorted_tables if t.name.startswith("ledger_")
        )
        self.truncate = text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE")

    def fresh(self) -> Database:
        with self.db.engine.begin() as connection:
            connection.execute(self.truncate)
        return self.db

    def release(self, db: Database) -> None:
        """Kept open for the next example; disposed when the test ends."""


def ledger_machine(backend: Backend, counter: list[int]) -> type[RuleBasedStateMachine]:
    """The state machine class, bound to one backend; ``counter[0]`` counts steps run."""

    class LedgerMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.db = backend.fresh()
            self.clock = SimulatedClock(START)
            self.model = Model()
            self.serial = 0
            with self.db.transaction() as session:
                ledger = Ledger(session, self.clock)
                ledger.open_account(FUNDING, purpose="funding", no_negative=False)
                for code in FLAGGED:
                    ledger.open_account(code, purpose=code.rsplit(":", 1)[-1])

        def teardown(self) -> None:
            backend.release(self.db)

        # helpers -----------------------------------------------------------------------
        def step(self) -> None:
            """Called at the start of each rule: counts it and moves the clock on."""
            counter[0] += 1
            self.clock.advance_to(self.clock.now() + timedelta(minutes=1))

        def key(self, keyed: bool) -> str | None:
            self.serial += 1
            return f"key-{self.serial}" if keyed else None

        def apply(self, model: Model, request: TransferRequest) -> bool:
            """Applies ``request`` to ``model`` the way the ledger checks it; False if refused."""
            for posting in request.postings:
                if posting.amount.cents < 0 and not model.can_pay(
                    posting.account, -posting.amount.cents
                ):
                    return False
            for posting in request.postings:
                model.totals[posting.account].posted += posting.amount.cents
            model.entries += len(request.postings)
            model.transactions += 1
            return True

        def post_many(self, requests: list[TransferRequest]) -> None:
            expected = self.model.copy()
            accepted = all(self.apply(expected, r) for r in requests)
            if not accepted:
                with pytest.raises(InsufficientFunds), self.db.transaction() as session:
                    Ledger(session, self.clock).post_many(requests)
                return
            with self.db.transaction() as session:
                rows = Ledger(session, self.clock).post_many(requests)
            assert len({row.id for row in rows}) == len(requests)
            assert all(row.kind == "transfer" and row.status == "posted" for row in rows)
            self.model = expected
            self.model.keyed += [
                (r, row.id) for r, row in zip(requests, rows, strict=True) if r.idempotency_key
            ]

        # rules -------------------------------------------------------------------------
        @rule(credit=st.sampled_from(FLAGGED), amount=st.integers(1, 300_000))
        def fund(self, credit: str, amount: int) -> None:
            """Money in from the funding account, so flagged accounts have something to move."""
            self.step()
            request = transfer(
                FUNDING, credit, Money(amount), "fund", idempotency_key=self.key(True)
            )
            self.post_many([request])

        @rule(accounts=pairs, amount=cents, keyed=st.booleans())
        def move(self, accounts: list[str], amount: int, keyed: bool) -> None:
            """A two-leg transfer between any two accounts, with or without a key."""
            self.step()
            debit, credit = accounts
            self.post_many(
                [transfer(debit, credit, Money(amount), "move", idempotency_key=self.key(keyed))]
            )

        @rule(accounts=triples, first=cents, second=cents)
        def split(self, accounts: list[str], first: int, second: int) -> None:
            """One debit, two credits (e.g. a sale paying the merchant and a fee)."""
            self.step()
            debit, one, two = accounts
            postings = (
                Posting(debit, Money(-first - second)),
                Posting(one, Money(first)),
                Posting(two, Money(second)),
            )
            self.post_many([TransferRequest(postings, "split", idempotency_key=self.key(True))])

        @rule(moves=st.lists(st.tuples(pairs, cents), min_size=2, max_size=4))
        def batch(self, moves: list[tuple[list[str], int]]) -> None:
            """All of a batch posts, or none of it."""
            self.step()
            self.post_many(
                [
                    transfer(d, c, Money(a), "batch", idempotency_key=self.key(True))
                    for (d, c), a in moves
                ]
            )

        @rule(accounts=pairs, amount=cents, keyed=st.booleans())
        def hold(self, accounts: list[str], amount: int, keyed: bool) -> None:
            self.step()
            debit, credit = accounts
            request = HoldRequest(
                debit, credit, Money(amount), "hold", idempotency_key=self.key(keyed)
            )
            if not self.model.can_pay(debit, amount):
                with pytest.raises(InsufficientFunds), self.db.transaction() as session:
                    Ledger(session, self.clock).hold(request)
                return
            with self.db.transaction() as session:
                row = Ledger(session, self.clock).hold(request)
            assert (row.kind, row.status) == ("hold", "pending")
            self.model.totals[debit].pending_out += amount
            self.model.totals[credit].pending_in += amount
            self.model.holds[row.id] = (debit, credit, amount)
            self.model.entries += 2
            self.model.transactions += 1
            if request.idempotency_key:
                self.model.keyed.append((request, row.id))

        @precondition(lambda self: self.model.holds)
        @rule(pick=st.integers(min_value=0), part=st.none() | st.integers(min_value=1))
        def post_hold(self, pick: int, part: int | None) -> None:
            """Full or partial; a hold already posted or voided refuses."""
            self.step()
            hold_id = sorted(self.model.holds)[pick % len(self.model.holds)]
            debit, credit, held = self.model.holds[hold_id]
            posted = held if part is None else 1 + (part - 1) % held
            amount = None if part is None else Money(posted)
            if hold_id in self.model.resolved:
                with pytest.raises(Conflict), self.db.transaction() as session:
                    Ledger(session, self.clock).post_hold(hold_id, amount=amount)
                return
            with self.db.transaction() as session:
                row = Ledger(session, self.clock).post_hold(hold_id, amount=amount)
            assert (row.kind, row.hold_id) == ("settlement", hold_id)
            self.resolve(hold_id)
            self.model.totals[debit].posted -= posted
            self.model.totals[credit].posted += posted
            self.model.entries += 2
            self.model.transactions += 1

        @precondition(lambda self: self.model.holds)
        @rule(pick=st.integers(min_value=0))
        def void_hold(self, pick: int) -> None:
            self.step()
            hold_id = sorted(self.model.holds)[pick % len(self.model.holds)]
            if hold_id in self.model.resolved:
                with pytest.raises(Conflict), self.db.transaction() as session:
                    Ledger(session, self.clock).void_hold(hold_id)
                return
            with self.db.transaction() as session:
                row = Ledger(session, self.clock).void_hold(hold_id)
            assert (row.id, row.status) == (hold_id, "voided")
            self.resolve(hold_id)

        def resolve(self, hold_id: int) -> None:
            debit, credit, held = self.model.holds[hold_id]
            self.model.totals[debit].pending_out -= held
            self.model.totals[credit].pending_in -= held
            self.model.resolved.add(hold_id)

        @precondition(lambda self: self.model.keyed)
        @rule(pick=st.integers(min_value=0))
        def retry_same(self, pick: int) -> None:
            """The same key and request: the first transaction comes back, nothing moves."""
            self.step()
            request, txn_id = self.model.keyed[pick % len(self.model.keyed)]
            with self.db.transaction() as session:
                ledger = Ledger(session, self.clock)
                row = (
                    ledger.hold(request)
                    if isinstance(request, HoldRequest)
                    else ledger.post(request)
                )
            assert row.id == txn_id

        @precondition(lambda self: self.model.keyed)
        @rule(pick=st.integers(min_value=0), change=st.sampled_from(["amount", "text", "kind"]))
        def retry_other(self, pick: int, change: str) -> None:
            """The same key with another request is refused, and nothing moves."""
            self.step()
            request, _ = self.model.keyed[pick % len(self.model.keyed)]
            other: TransferRequest | HoldRequest
            if change == "text":
                other = replace(request, description=request.description + " (changed)")
            elif isinstance(request, HoldRequest):
                other = (
                    replace(request, amount=request.amount + Money(1))
                    if change == "amount"
                    else transfer(
                        request.debit,
                        request.credit,
                        request.amount,
                        request.description,
                        idempotency_key=request.idempotency_key,
                    )
                )
            elif change == "amount":
                debit, credit = request.postings[0], request.postings[-1]
                other = transfer(
                    debit.account,
                    credit.account,
                    Money(1 + abs(debit.amount.cents)),
                    request.description,
                    idempotency_key=request.idempotency_key,
                )
            else:
                debit, credit = request.postings[0], request.postings[-1]
                other = HoldRequest(
                    debit.account,
                    credit.account,
                    credit.amount,
                    request.description,
                    idempotency_key=request.idempotency_key,
                )
            with pytest.raises(IdempotencyKeyReused), self.db.transaction() as session:
                ledger = Ledger(session, self.clock)
                ledger.hold(other) if isinstance(other, HoldRequest) else ledger.post(other)

        # after every step --------------------------------------------------------------
        @invariant()
        def database_agrees_with_the_model(self) -> None:
            with self.db.transaction() as session:
                assert verify_ledger(session) == []  # sums to zero, totals = entries, flags hold
                stored = {
                    code: Totals(posted, out, in_)
                    for code, posted, out, in_ in session.execute(
                        select(
                            AccountRow.code,
                            AccountRow.posted,
                            AccountRow.pending_out,
                            AccountRow.pending_in,
                        )
                    )
                }
                sums = {
                    code: int(total)
                    for code, total in session.execute(
                        select(AccountRow.code, func.coalesce(func.sum(EntryRow.amount), 0))
                        .join(
                            EntryRow,
                            (EntryRow.account_id == AccountRow.id) & EntryRow.pending.is_(False),
                            isouter=True,
                        )
                        .group_by(AccountRow.code)
                    )
                }
                counts = (
                    session.scalar(select(func.count()).select_from(EntryRow)),
                    session.scalar(select(func.count()).select_from(TransactionRow)),
                )
            assert stored == self.model.totals
            assert {code: t.posted for code, t in stored.items()} == {
                c: int(s) for c, s in sums.items()
            }
            assert all(self.model.available(code) >= 0 for code in FLAGGED)
            assert counts == (self.model.entries, self.model.transactions)

    return LedgerMachine


@pytest.mark.parametrize("backend_name", ["sqlite", "postgresql"])
def test_ledger_state_machine(
    request: pytest.FixtureRequest, tmp_path: Path, backend_name: str
) -> None:
    backend: Backend
    if backend_name == "sqlite":
        backend = SqliteBackend(request.getfixturevalue("sqlite_template"), tmp_path)
    else:
        backend = PostgresBackend(request.getfixturevalue("pg_url"))
    counter = [0]
    machine = ledger_machine(backend, counter)
    try:
        # Hypothesis runs up to STEPS steps per example, sometimes fewer: go on until the
        # budget of EXAMPLES × STEPS steps has really run.
        examples = EXAMPLES
        while counter[0] < EXAMPLES * STEPS:
            run_state_machine_as_test(
                machine,
                settings=settings(max_examples=examples, stateful_step_count=STEPS, deadline=None),
            )
            examples = 1 + (EXAMPLES * STEPS - counter[0]) // STEPS
    finally:
        if isinstance(backend, PostgresBackend):
            backend.db.dispose()
    assert counter[0] >= EXAMPLES * STEPS
