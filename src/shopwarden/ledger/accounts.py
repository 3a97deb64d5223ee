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
    "bnpl_fee_revenue": False,  # BNPL-6
    "bnpl_clearing": False,  # BNPL-7/8: collected, owed to merchants until settlement
    "consumer_receivables": True,  # BNPL-7: claims on consumers (negative = owed to us)
    "insurer": True,  # DEP-6: the insurer outside our books advances compensation, gets fees
    "consumer_compensation": False,  # DEP-3, DEP-6: compensation paid to consumers
    "campaign_fees": False,  # DEP-12, DEP-13: Taoqianggou and Tiantiantemai fees
    "forfeited_deposits": False,  # DEP-9: forfeited risk deposits
    "payouts": False,  # DEP-14: deposit refunds paid out to the merchant's named account
}


def ensure_platform_accounts(session: Session, clock: Clock) -> None:
    ledger = Ledger(session, clock)
    for purpose, may_go_negative in PLATFORM_ACCOUNTS.items():
        ledger.open_account(
            platform_account_code(purpose), purpose=purpose, no_negative=not may_go_negative
        )
