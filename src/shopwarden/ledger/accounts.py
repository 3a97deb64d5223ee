"""The platform's own accounts, opened by the bootstrap so every deployment has them.

``bank`` stands for the world outside the ledger (money paid in or out), so it may go
negative; every other platform account is flagged no-negative. Domains add theirs here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from shopwarden.clock import Clock
from shopwarden.ledger.model import platform_account_code
from shopwarden.ledger.service import Ledger

# purpose → may the balance go below zero?
PLATFORM_ACCOUNTS: dict[str, bool] = {
    "bank": True,
    "fee_revenue": False,
}


def ensure_platform_accounts(session: Session, clock: Clock) -> None:
    ledger = Ledger(session, clock)
    for purpose, may_go_negative in PLATFORM_ACCOUNTS.items():
        ledger.open_account(
            platform_account_code(purpose), purpose=purpose, no_negative=not may_go_negative
        )
