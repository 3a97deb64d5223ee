"""The ledger's promises (DEP-15), each proved on a real SQLite file and a real PostgreSQL.

Every call runs in its own ``db.transaction()``, as the API will run it, so a refused request
is rolled back by the unit of work and the test can check that it left nothing behind.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.orm import Session

from shopwarden.clock import SimulatedClock
from shopwarden.db.engine import Database
from shopwarden.errors import Conflict, IdempotencyKeyReused, InsufficientFunds, InvalidInput
from shopwarden.ledger.model import Balance, HoldRequest, Posting, TransferRequest, transfer
from shopwarden.ledger.service import Ledger
from shopwarden.ledger.tables import EntryRow, TransactionRow
from shopwarden.ledger.verify import verify_ledger
from shopwarden.money import Money

pytestmark = pytest.mark.rule("DEP-15")

FUNDING = "platform:funding"  # may go negative: where money enters the ledger
ALICE = "merchant:alice:deposit"  # flagged no_negative
BOB = "merchant:bob:deposit"  # flagged no_negative
FEES = "platform:fees"  # flagged no_negative


def cny(text_amount: str) -> Money:
    return Money.parse(text_amount)


@pytest.fixture
def ledger_db(db: Database, clock: SimulatedClock) -> Database:
    """Four accounts, Alice funded with 100.00."""
    with db.transaction() as session:
        ledger = Ledger(session, clock)
        ledger.open_account(FUNDING, purpose="funding", no_negative=False)
        for code in (ALICE, BOB, FEES):
            ledger.open_account(code, purpose=code.rsplit(":", 1)[-1])
        ledger.post(transfer(FUNDING, ALICE, cny("100.00"), "fund alice", idempotency_key="f1"))
    return db


def balances(db: Database, clock: SimulatedClock) -> dict[str, Balance]:
    with db.transaction() as session:
        ledger = Ledger(session, clock)
        return {code: ledger.balance(code) for code in (FUNDING, ALICE, BOB, FEES)}


def counts(db: Database) -> tuple[int, int]:
    with db.transaction() as session:
        entries = session.scalar(select(func.count()).select_from(EntryRow))
        txns = session.scalar(select(func.count()).select_from(TransactionRow))
        return int(entries or 0), int(txns or 0)


def entry_rows(db: Database) -> list[tuple[Any, ...]]:
    """Every stored entry, column by column, to compare before and after."""
    with db.transaction() as session:
        return [
            tuple(row) for row in session.execute(select(EntryRow.__table__).order_by(EntryRow.id))
        ]


def post(db: Database, clock: SimulatedClock, request: TransferRequest) -> TransactionRow:
    with db.transaction() as session:
        return Ledger(session, clock).post(request)


def hold(db: Database, clock: SimulatedClock, request: HoldRequest) -> TransactionRow:
    with db.transaction() as session:
        return Ledger(session, clock).hold(request)


def verify(db: Database) -> list[Any]:
    with db.transaction() as session:
        return list(verify_ledger(session))


# building ------------------------------------------------------------------------------
def test_an_unbalanced_transaction_cannot_be_built() -> None:
    with pytest.raises(InvalidInput, match=r"sum to 0\.00") as refused:
        TransferRequest(
            postings=(Posting(ALICE, cny("-10.00")), Posting(BOB, cny("9.99"))),
            description="lost a cent",
        )
    assert refused.value.rule == "DEP-15"
    with pytest.raises(InvalidInput):
        TransferRequest(
            postings=(Posting(ALICE, cny("0.00")), Posting(BOB, cny("0.00"))), description=""
        )
    with pytest.raises(InvalidInput):
        TransferRequest(postings=(Posting(ALICE, cny("1.00")),), description="one leg")
    with pytest.raises(InvalidInput):
        transfer(ALICE, BOB, cny("-1.00"), "negative")


# transfers -----------------------------------------------------------------------------
def test_a_transfer_moves_money_and_its_entries_sum_to_zero(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    txn = post(
        ledger_db, clock, transfer(ALICE, BOB, cny("30.00"), "pay bob", idempotency_key="t1")
    )
    after = balances(ledger_db, clock)
    assert (after[ALICE].posted, after[BOB].posted, after[FUNDING].posted) == (7000, 3000, -10000)
    with ledger_db.transaction() as session:
        entries = Ledger(session, clock).entries([txn.id])
    assert sorted(e.amount for e in entries) == [-3000, 3000]
    assert sum(e.amount for e in entries) == 0
    assert all(e.recorded_at == clock.now() and e.effective_at == clock.now() for e in entries)
    assert verify(ledger_db) == []


def test_a_three_leg_transaction_posts_all_legs_together(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    split = TransferRequest(
        postings=(
            Posting(ALICE, cny("-10.00")),
            Posting(BOB, cny("9.70")),
            Posting(FEES, cny("0.30")),
        ),
        description="sale with a fee",
    )
    post(ledger_db, clock, split)
    after = balances(ledger_db, clock)
    assert (after[ALICE].posted, after[BOB].posted, after[FEES].posted) == (9000, 970, 30)
    assert verify(ledger_db) == []


def test_a_flagged_account_refuses_to_go_below_zero_and_changes_nothing(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    before, counted = balances(ledger_db, clock), counts(ledger_db)
    with pytest.raises(InsufficientFunds) as refused:
        post(ledger_db, clock, transfer(ALICE, BOB, cny("100.01"), "too much", idempotency_key="x"))
    assert refused.value.rule == "DEP-15"
    assert balances(ledger_db, clock) == before
    assert counts(ledger_db) == counted
    # the refused key was not consumed: the same key may carry an affordable request later
    post(ledger_db, clock, transfer(ALICE, BOB, cny("100.00"), "all of it", idempotency_key="x"))
    assert balances(ledger_db, clock)[ALICE].available == 0


def test_a_refused_posting_in_a_batch_refuses_the_whole_batch(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    before, counted = balances(ledger_db, clock), counts(ledger_db)
    with pytest.raises(InsufficientFunds), ledger_db.transaction() as session:
        Ledger(session, clock).post_many(
            [
                transfer(ALICE, BOB, cny("60.00"), "first", idempotency_key="b1"),
                transfer(ALICE, FEES, cny("60.00"), "second", idempotency_key="b2"),
            ]
        )
    assert balances(ledger_db, clock) == before
    assert counts(ledger_db) == counted


def test_an_unflagged_account_may_go_negative(ledger_db: Database, clock: SimulatedClock) -> None:
    post(ledger_db, clock, transfer(FUNDING, BOB, cny("5000.00"), "more funding"))
    assert balances(ledger_db, clock)[FUNDING].posted == -510000
    assert verify(ledger_db) == []


# idempotency ---------------------------------------------------------------------------
def test_the_same_key_and_request_returns_the_first_transaction_and_moves_nothing(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    request = transfer(ALICE, BOB, cny("25.00"), "pay bob", idempotency_key="k1")
    first = post(ledger_db, clock, request)
    before, counted = balances(ledger_db, clock), counts(ledger_db)
    clock.advance_to(clock.now().replace(year=2025))
    again = post(ledger_db, clock, request)
    assert again.id == first.id and again.recorded_at == first.recorded_at
    assert balances(ledger_db, clock) == before
    assert counts(ledger_db) == counted
    with ledger_db.transaction() as session:  # also when it comes back inside a batch
        replayed, fresh = Ledger(session, clock).post_many(
            [request, transfer(ALICE, BOB, cny("1.00"), "new", idempotency_key="k2")]
        )
    assert replayed.id == first.id and fresh.id != first.id
    assert balances(ledger_db, clock)[BOB].posted == 2600


def test_the_same_key_with_another_request_is_refused(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    post(ledger_db, clock, transfer(ALICE, BOB, cny("25.00"), "pay bob", idempotency_key="k1"))
    before, counted = balances(ledger_db, clock), counts(ledger_db)
    others = [
        transfer(ALICE, BOB, cny("25.01"), "pay bob", idempotency_key="k1"),
        transfer(ALICE, FEES, cny("25.00"), "pay bob", idempotency_key="k1"),
        transfer(ALICE, BOB, cny("25.00"), "pay bob twice", idempotency_key="k1"),
    ]
    for other in others:
        with pytest.raises(IdempotencyKeyReused):
            post(ledger_db, clock, other)
    with pytest.raises(IdempotencyKeyReused):  # a hold may not take a transfer's key either
        hold(ledger_db, clock, HoldRequest(ALICE, BOB, cny("1.00"), "hold", idempotency_key="k1"))
    assert balances(ledger_db, clock) == before
    assert counts(ledger_db) == counted


def test_a_key_twice_in_one_batch_is_refused(ledger_db: Database, clock: SimulatedClock) -> None:
    request = transfer(ALICE, BOB, cny("1.00"), "pay bob", idempotency_key="dup")
    with pytest.raises(InvalidInput), ledger_db.transaction() as session:
        Ledger(session, clock).post_many([request, request])
    assert counts(ledger_db) == (2, 1)


# holds ---------------------------------------------------------------------------------
def test_a_hold_reserves_money_that_is_no_longer_available(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    held = hold(
        ledger_db, clock, HoldRequest(ALICE, BOB, cny("40.00"), "freeze", idempotency_key="h1")
    )
    assert (held.kind, held.status) == ("hold", "pending")
    after = balances(ledger_db, clock)
    assert after[ALICE] == Balance(posted=10000, pending_out=4000, pending_in=0)
    assert after[ALICE].available == 6000
    assert after[BOB] == Balance(posted=0, pending_out=0, pending_in=4000)
    with pytest.raises(InsufficientFunds):  # only the available 60.00 can leave
        post(ledger_db, clock, transfer(ALICE, FEES, cny("60.01"), "over"))
    with pytest.raises(InsufficientFunds):
        hold(ledger_db, clock, HoldRequest(ALICE, FEES, cny("60.01"), "over"))
    again = hold(
        ledger_db, clock, HoldRequest(ALICE, BOB, cny("40.00"), "freeze", idempotency_key="h1")
    )
    assert again.id == held.id
    assert balances(ledger_db, clock) == after
    assert verify(ledger_db) == []


def test_posting_a_hold_in_full_happens_exactly_once(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    held = hold(ledger_db, clock, HoldRequest(ALICE, BOB, cny("40.00"), "freeze"))
    with ledger_db.transaction() as session:
        settlement = Ledger(session, clock).post_hold(held.id)
    assert (settlement.kind, settlement.hold_id) == ("settlement", held.id)
    after = balances(ledger_db, clock)
    assert after[ALICE] == Balance(6000, 0, 0) and after[BOB] == Balance(4000, 0, 0)
    counted = counts(ledger_db)
    for again in ("post", "void"):
        with pytest.raises(Conflict), ledger_db.transaction() as session:
            ledger = Ledger(session, clock)
            ledger.post_hold(held.id) if again == "post" else ledger.void_hold(held.id)
    assert balances(ledger_db, clock) == after and counts(ledger_db) == counted
    with ledger_db.transaction() as session:
        assert Ledger(session, clock).transaction(held.id).status == "posted"
    assert verify(ledger_db) == []


def test_posting_part_of_a_hold_releases_the_rest(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    held = hold(ledger_db, clock, HoldRequest(ALICE, BOB, cny("40.00"), "freeze"))
    with pytest.raises(InvalidInput), ledger_db.transaction() as session:
        Ledger(session, clock).post_hold(held.id, amount=cny("40.01"))
    with ledger_db.transaction() as session:
        settlement = Ledger(session, clock).post_hold(held.id, amount=cny("15.00"))
        assert sorted(e.amount for e in Ledger(session, clock).entries([settlement.id])) == [
            -1500,
            1500,
        ]
    after = balances(ledger_db, clock)
    assert after[ALICE] == Balance(8500, 0, 0)  # 25.00 released, available again
    assert after[BOB] == Balance(1500, 0, 0)
    with pytest.raises(Conflict), ledger_db.transaction() as session:
        Ledger(session, clock).post_hold(held.id, amount=cny("25.00"))
    assert balances(ledger_db, clock) == after
    assert verify(ledger_db) == []


def test_voiding_a_hold_happens_exactly_once_and_releases_it(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    held = hold(ledger_db, clock, HoldRequest(ALICE, BOB, cny("40.00"), "freeze"))
    with ledger_db.transaction() as session:
        voided = Ledger(session, clock).void_hold(held.id)
    assert voided.status == "voided" and voided.resolved_at == clock.now()
    after = balances(ledger_db, clock)
    assert after[ALICE] == Balance(10000, 0, 0) and after[BOB] == Balance(0, 0, 0)
    for again in ("void", "post"):
        with pytest.raises(Conflict), ledger_db.transaction() as session:
            ledger = Ledger(session, clock)
            ledger.void_hold(held.id) if again == "void" else ledger.post_hold(held.id)
    assert balances(ledger_db, clock) == after
    assert verify(ledger_db) == []


# append-only ---------------------------------------------------------------------------
def test_entries_are_append_only(ledger_db: Database, clock: SimulatedClock) -> None:
    """Resolving holds adds entries and never rewrites one; the SQL sent proves it too."""
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement.lower())

    event.listen(ledger_db.engine, "before_cursor_execute", record)
    try:
        first = hold(ledger_db, clock, HoldRequest(ALICE, BOB, cny("10.00"), "one"))
        second = hold(ledger_db, clock, HoldRequest(ALICE, BOB, cny("20.00"), "two"))
        before = entry_rows(ledger_db)
        with ledger_db.transaction() as session:
            Ledger(session, clock).void_hold(first.id)
        assert entry_rows(ledger_db) == before  # a void appends nothing and changes nothing
        with ledger_db.transaction() as session:
            Ledger(session, clock).post_hold(second.id, amount=cny("5.00"))
        after = entry_rows(ledger_db)
        assert after[: len(before)] == before and len(after) == len(before) + 2
        post(ledger_db, clock, transfer(BOB, ALICE, cny("5.00"), "refund"))
    finally:
        event.remove(ledger_db.engine, "before_cursor_execute", record)
    writes = [s for s in statements if s.startswith(("update", "delete"))]
    assert writes and not [s for s in writes if "ledger_entries" in s.split("where")[0]]
    assert verify(ledger_db) == []


# verification --------------------------------------------------------------------------
@pytest.fixture
def busy_ledger(ledger_db: Database, clock: SimulatedClock) -> Database:
    post(ledger_db, clock, transfer(ALICE, BOB, cny("30.00"), "pay"))
    held = hold(ledger_db, clock, HoldRequest(ALICE, FEES, cny("20.00"), "fee"))
    with ledger_db.transaction() as session:
        Ledger(session, clock).post_hold(held.id, amount=cny("2.00"))
    hold(ledger_db, clock, HoldRequest(BOB, ALICE, cny("10.00"), "pending"))
    return ledger_db


def test_verify_finds_nothing_on_a_good_ledger(busy_ledger: Database) -> None:
    assert verify(busy_ledger) == []


def test_verify_reports_a_tampered_balance(busy_ledger: Database) -> None:
    with busy_ledger.transaction() as session:
        session.execute(
            text("UPDATE ledger_accounts SET posted = posted + 1 WHERE code = :code"), {"code": BOB}
        )
    found = verify(busy_ledger)
    assert [m.subject for m in found] == [f"account {BOB}"]
    assert "entries give" in found[0].problem


def test_verify_reports_a_tampered_pending_total(busy_ledger: Database) -> None:
    with busy_ledger.transaction() as session:
        session.execute(
            text("UPDATE ledger_accounts SET pending_out = 0 WHERE code = :code"), {"code": BOB}
        )
    assert [m.subject for m in verify(busy_ledger)] == [f"account {BOB}"]


def tamper_with_entry(session: Session, entry_id: int, change: int) -> None:
    """Edits an entry behind the database's back: its append-only triggers (migration 0002)
    are lifted for this one statement, as only someone with owner rights could do."""
    update_entry = text("UPDATE ledger_entries SET amount = amount + :change WHERE id = :id")
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ALTER TABLE ledger_entries DISABLE TRIGGER USER"))
        session.execute(update_entry, {"change": change, "id": entry_id})
        session.execute(text("ALTER TABLE ledger_entries ENABLE TRIGGER USER"))
        return
    triggers = session.execute(
        text(
            "SELECT name, sql FROM sqlite_master"
            " WHERE type = 'trigger' AND tbl_name = 'ledger_entries'"
        )
    ).all()
    for name, _ in triggers:
        session.execute(text(f'DROP TRIGGER "{name}"'))
    session.execute(update_entry, {"change": change, "id": entry_id})
    for _, sql in triggers:
        session.execute(text(sql))


def test_verify_reports_a_tampered_entry(busy_ledger: Database) -> None:
    with busy_ledger.transaction() as session:
        entry_id, txn_id = session.execute(
            select(EntryRow.id, EntryRow.transaction_id).order_by(EntryRow.id.desc()).limit(1)
        ).one()
        tamper_with_entry(session, entry_id, 100)
    subjects = {m.subject for m in verify(busy_ledger)}
    assert f"transaction {txn_id}" in subjects  # no longer sums to zero
    assert any(s.startswith("account ") for s in subjects)  # and totals disagree


def test_verify_reports_a_flagged_account_below_zero(
    busy_ledger: Database, clock: SimulatedClock
) -> None:
    with busy_ledger.transaction() as session:
        session.execute(text("UPDATE ledger_accounts SET no_negative = false"))
    post(busy_ledger, clock, transfer(ALICE, BOB, cny("500.00"), "x"))
    with busy_ledger.transaction() as session:
        session.execute(
            text("UPDATE ledger_accounts SET no_negative = true WHERE code = :code"),
            {"code": ALICE},
        )
    assert [m.subject for m in verify(busy_ledger)] == [f"account {ALICE}"]
