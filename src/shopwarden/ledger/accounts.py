"""The platform's own accounts, opened by the composition root so every deployment has them.

``bank`` stands for the world outside the ledger (money paid in or out), so it may go
negative. The accounts a rule family posts to are declared with the family
(``families.py``: ``Family.platform_accounts``) and opened with these.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from sqlalchemy.orm import Session

from shopwarden.clock import Clock
from shopwarden.ledger.model import platform_account_code
from shopwarden.ledger.service import Ledger

# purpose → may the balance go below zero?
CORE_ACCOUNTS: Mapping[str, bool] = MappingProxyType(
    {
        "bank": True,
        "fee_revenue": False,  # the platform's own trading fees
    }
)


def ensure_platform_accounts(
    session: Session, clock: Clock, accounts: Mapping[str, bool] = CORE_ACCOUNTS
) -> None:
    """Open every account of ``accounts`` (purpose → may go negative) that is not open yet."""
    ledger = Ledger(session, clock)
    for purpose, may_go_negative in accounts.items():
        ledger.open_account(
            platform_account_code(purpose), purpose=purpose, no_negative=not may_go_negative
        )
