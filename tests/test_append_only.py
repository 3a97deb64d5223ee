"""The database itself refuses to change or remove a ledger entry (DEP-15)."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from shopwarden.clock import SimulatedClock
from shopwarden.db.engine import Database
from shopwarden.ledger.model import transfer
from shopwarden.ledger.service import Ledger
from shopwarden.money import Money


@pytest.mark.rule("DEP-15")
@pytest.mark.parametrize(
    "statement", ["UPDATE ledger_entries SET amount = amount + 1", "DELETE FROM ledger_entries"]
)
def test_entries_cannot_be_updated_or_deleted(
    db: Database, clock: SimulatedClock, statement: str
) -> None:
    with db.transaction() as session:
        ledger = Ledger(session, clock)
        ledger.open_account("platform:bank", purpose="bank", no_negative=False)
        ledger.open_account("merchant:m1:wallet", purpose="wallet")
        ledger.post(transfer("platform:bank", "merchant:m1:wallet", Money.parse("1.00"), "paid in"))
    with pytest.raises(DBAPIError, match="append-only"), db.transaction() as session:
        session.execute(text(statement))
    with db.transaction() as session:
        assert session.execute(text("SELECT count(*), sum(amount) FROM ledger_entries")).one() == (
            2,
            0,
        )
