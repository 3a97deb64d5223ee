"""Bulk-posted rows store instants exactly as ORM-written rows do, so they compare alike."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shopwarden.clock import SimulatedClock
from shopwarden.db.engine import Database
from shopwarden.ledger.model import transfer
from shopwarden.ledger.service import Ledger
from shopwarden.money import Money

STORED_INSTANTS = """
    SELECT CAST(created_at AS TEXT) FROM ledger_accounts
    UNION SELECT CAST(recorded_at AS TEXT) FROM ledger_entries
    UNION SELECT CAST(recorded_at AS TEXT) FROM ledger_transactions
"""


@pytest.mark.rule("DEP-15")
def test_one_instant_is_stored_in_one_form(db: Database, clock: SimulatedClock) -> None:
    """The clock stands still, so the ORM rows and the bulk rows carry the same instant."""
    with db.transaction() as session:
        ledger = Ledger(session, clock)
        ledger.open_account("platform:bank", purpose="bank", no_negative=False)  # ORM write
        ledger.open_account("merchant:m1:wallet", purpose="wallet")
        ledger.post_batch(  # bulk write
            [transfer("platform:bank", "merchant:m1:wallet", Money.parse("5.00"), "paid in")]
        )
    with db.transaction() as session:
        forms = session.execute(text(STORED_INSTANTS)).scalars().all()
    assert len(forms) == 1, forms
