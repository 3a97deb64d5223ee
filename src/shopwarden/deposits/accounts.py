"""The ledger accounts the deposit rules move money between, and what they hold.

A merchant's deposit money is only in the ledger (DEP-15): its ``cash_deposit``,
``risk_deposit`` and ``campaign_deposit`` accounts beside its ``wallet`` (DEP-1, DEP-8, DEP-11),
and the platform's accounts that pay or receive (``ledger/accounts.py`` opens those).
"""

from __future__ import annotations

from shopwarden.context import Context
from shopwarden.errors import NotFound
from shopwarden.ledger.model import merchant_account_code, platform_account_code
from shopwarden.money import Money

# The merchant's ledger accounts the deposit rules use (DEP-1, DEP-8, DEP-11).
WALLET = "wallet"
CASH = "cash_deposit"
RISK = "risk_deposit"
CAMPAIGN = "campaign_deposit"

# Platform accounts (ledger/accounts.py opens them).
BANK = platform_account_code("bank")
INSURER = platform_account_code("insurer")
COMPENSATION = platform_account_code("consumer_compensation")
CAMPAIGN_FEES = platform_account_code("campaign_fees")
FORFEITED = platform_account_code("forfeited_deposits")
PAYOUTS = platform_account_code("payouts")


def account(ctx: Context, *, merchant_id: str, purpose: str) -> str:
    """The merchant's account for ``purpose``, opened the first time it is needed."""
    code = merchant_account_code(merchant_id, purpose)
    ctx.ledger.open_account(code, purpose=purpose, merchant_id=merchant_id)
    return code


def source(ctx: Context, *, merchant_id: str, source: str) -> str:
    """Where a merchant's payment comes from: its wallet, or from outside (a bank card)."""
    if source == "wallet":
        return account(ctx, merchant_id=merchant_id, purpose=WALLET)
    return BANK


def held(ctx: Context, *, merchant_id: str, purpose: str) -> Money:
    """What the merchant's ``purpose`` account holds and may move now; 0 before it opens."""
    code = merchant_account_code(merchant_id, purpose)
    try:
        return Money(ctx.ledger.balance(code).available)
    except NotFound:
        return Money(0)
