"""No ledger total leaves the signed 64-bit range (DEP-15), on SQLite and PostgreSQL.

Reported: 999999999999999.99 into one account, again and again, gave a 500 (the 91st time)
and wrapped ``platform:bank`` to -92233720368547758.08. The ledger service itself refuses any
movement that would take a posting or an account's posted, pending in, pending out or
available total past the range, with ``invalid-input`` naming ``amount``, for every caller;
what was posted stays and ``verify_ledger`` stays clean.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from shopwarden.clock import SimulatedClock
from shopwarden.db.engine import Database
from shopwarden.errors import InvalidInput
from shopwarden.ledger.bounds import INT64_MAX, INT64_MIN
from shopwarden.ledger.model import Balance, HoldRequest, Posting, TransferRequest, transfer
from shopwarden.ledger.service import Ledger
from shopwarden.ledger.verify import verify_ledger
from shopwarden.money import Money
from tests.api import conftest as api_conftest
from tests.api.conftest import Api

pytestmark = pytest.mark.rule("DEP-15")

api = api_conftest.api  # the API fixture of tests/api, for the HTTP case below

BANK = "platform:outside"  # may go negative, as platform:bank does
WALLET = "merchant:m:wallet"
OTHER = "merchant:o:wallet"
LOOSE = "merchant:m:loose"  # may go negative
HUGE = Money.of_cents(99_999_999_999_999_999)  # 999999999999999.99, the reported amount


@pytest.fixture
def ledger_db(db: Database, clock: SimulatedClock) -> Database:
    with db.transaction() as session:
        ledger = Ledger(session, clock)
        ledger.open_account(BANK, purpose="outside", no_negative=False)
        ledger.open_account(LOOSE, purpose="loose", no_negative=False)
        ledger.open_account(WALLET, purpose="wallet")
        ledger.open_account(OTHER, purpose="wallet")
    return db


def snapshot(db: Database, clock: SimulatedClock) -> dict[str, Balance]:
    with db.transaction() as session:
        ledger = Ledger(session, clock)
        return {code: ledger.balance(code) for code in (BANK, LOOSE, WALLET, OTHER)}


def refused(db: Database, clock: SimulatedClock, move: Callable[[Ledger], object]) -> InvalidInput:
    """Runs ``move(ledger)``; it must be refused naming ``amount`` and change nothing."""
    before = snapshot(db, clock)
    with pytest.raises(InvalidInput) as caught, db.transaction() as session:
        move(Ledger(session, clock))
    assert caught.value.field == "amount"
    assert caught.value.rule == "DEP-15"
    assert snapshot(db, clock) == before
    with db.transaction() as session:
        assert verify_ledger(session) == []
    return caught.value


def fill(db: Database, clock: SimulatedClock, count: int, amount: Money = HUGE) -> None:
    with db.transaction() as session:
        Ledger(session, clock).post_many(
            [transfer(BANK, WALLET, amount, f"in {n}") for n in range(count)]
        )


def test_the_93rd_huge_transfer_is_refused_not_wrapped(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    fill(ledger_db, clock, 92)  # 9199999999999999908 cents: still inside the range
    balances = snapshot(ledger_db, clock)
    assert balances[WALLET].posted == 92 * HUGE.cents
    assert balances[BANK].posted == -92 * HUGE.cents
    error = refused(ledger_db, clock, lambda lg: lg.post(transfer(BANK, WALLET, HUGE, "93rd")))
    assert error.extra["account"] in (BANK, WALLET)
    # the accounts still work both ways
    with ledger_db.transaction() as session:
        ledger = Ledger(session, clock)
        ledger.post(transfer(WALLET, OTHER, Money(1), "out"))
        ledger.post(transfer(BANK, OTHER, Money(1), "in"))
        assert verify_ledger(session) == []


def test_a_debit_may_not_take_an_account_below_the_range(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    """The reported wrap: ``platform:bank`` driven below −2⁶³."""
    with ledger_db.transaction() as session:
        Ledger(session, clock).post(transfer(BANK, WALLET, Money(INT64_MAX - 10), "edge"))
    assert snapshot(ledger_db, clock)[BANK].posted == -(INT64_MAX - 10)
    refused(ledger_db, clock, lambda lg: lg.post(transfer(BANK, OTHER, Money(12), "past")))
    with ledger_db.transaction() as session:  # exactly to the edge is allowed
        Ledger(session, clock).post(transfer(BANK, OTHER, Money(11), "to the edge"))
    assert snapshot(ledger_db, clock)[BANK].posted == INT64_MIN
    with ledger_db.transaction() as session:
        assert verify_ledger(session) == []


def test_one_posting_larger_than_the_range_is_refused(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    too_big = Money(2**63)
    request = TransferRequest(
        postings=(Posting(LOOSE, -too_big), Posting(BANK, too_big)), description="too big"
    )
    refused(ledger_db, clock, lambda lg: lg.post(request))


def test_a_batch_is_refused_whole_when_one_transfer_overflows(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    fill(ledger_db, clock, 92)
    batch = [transfer(BANK, OTHER, Money(1), "fine"), transfer(BANK, WALLET, HUGE, "over")]
    refused(ledger_db, clock, lambda lg: lg.post_many(batch))


def test_holds_keep_pending_totals_inside_the_range(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    with ledger_db.transaction() as session:
        Ledger(session, clock).hold(
            HoldRequest(debit=BANK, credit=WALLET, amount=Money(INT64_MAX - 5), description="in")
        )
    # pending in of the wallet, pending out (and available) of the bank
    refused(
        ledger_db,
        clock,
        lambda lg: lg.hold(
            HoldRequest(debit=BANK, credit=WALLET, amount=Money(6), description="over")
        ),
    )
    refused(
        ledger_db,
        clock,
        lambda lg: lg.hold(
            HoldRequest(debit=LOOSE, credit=OTHER, amount=Money(2**63), description="too big")
        ),
    )


def test_posting_a_hold_past_the_range_is_refused_and_it_stays_pending(
    ledger_db: Database, clock: SimulatedClock
) -> None:
    with ledger_db.transaction() as session:
        ledger = Ledger(session, clock)
        ledger.post(transfer(LOOSE, WALLET, Money(INT64_MAX - 100), "nearly full"))
        hold = ledger.hold(
            HoldRequest(debit=BANK, credit=WALLET, amount=Money(101), description="in")
        )
        hold_id = hold.id
    refused(ledger_db, clock, lambda lg: lg.post_hold(hold_id))
    with ledger_db.transaction() as session:
        ledger = Ledger(session, clock)
        assert ledger.transaction(hold_id).status == "pending"
        ledger.post_hold(hold_id, amount=Money(100))  # a part that fits is fine
        assert ledger.balance(WALLET).posted == INT64_MAX
        assert verify_ledger(session) == []


def test_accumulating_to_the_edge_over_http_is_a_422_not_a_500(api: Api) -> None:
    """Amounts below the ceiling, into an account already near the top: 422, never a 500."""
    with api.container.db.transaction() as session:
        ledger = Ledger(session, api.container.clock)
        ledger.post(
            transfer("platform:bank", "merchant:m1:wallet", Money(INT64_MAX - 500), "near the top")
        )
    accounts = api.client.get("/v1/ledger/accounts", headers=api.operator).json()
    body = {
        "debit": "platform:bank",
        "credit": "merchant:m1:wallet",
        "amount": "10.00",
        "description": "over the top",
    }
    for path, request in [
        ("/v1/ledger/transactions", body),
        ("/v1/ledger/holds", body),
        ("/v1/payments/incoming", {"merchant_id": "m1", "amount": "10.00", "reference": "r1"}),
    ]:
        response = api.client.post(
            path, json=request, headers={**api.operator, "Idempotency-Key": f"k-{len(path)}"}
        )
        assert response.status_code == 422, response.text
        problem = response.json()
        assert (problem["type"], problem["field"]) == (
            "urn:shopwarden:problem:invalid-input",
            "amount",
        )
    assert api.client.get("/v1/ledger/accounts", headers=api.operator).json() == accounts
    with api.container.db.transaction() as session:
        assert verify_ledger(session) == []
