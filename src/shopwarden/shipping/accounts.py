"""The ledger accounts shipping moves money between (SHIP-4, SHIP-5).

A penalty and the consumer's compensation are paid from the merchant's ``wallet``. What the
wallet cannot pay at once is advanced by the platform from ``shipping_receivables`` (which may
go below zero: it is what merchants owe) and collected from the wallet later. The platform
accounts are declared with the family (``families.py``) and opened by the composition root.
"""

from __future__ import annotations

from shopwarden.context import Context
from shopwarden.ledger import writer
from shopwarden.ledger.model import merchant_account_code, platform_account_code
from shopwarden.money import Money

WALLET = "wallet"
PENALTIES = platform_account_code("shipping_penalties")
COMPENSATION = platform_account_code("delay_compensation")
RECEIVABLES = platform_account_code("shipping_receivables")

PLATFORM_ACCOUNTS = {
    "shipping_penalties": False,  # SHIP-4: overdue-shipment penalties charged
    "delay_compensation": False,  # SHIP-5: compensation paid to consumers for delays
    "shipping_receivables": True,  # SHIP-4/5: advanced for merchants, owed by them
}
"""purpose → may the balance go below zero (for ``Family.platform_accounts``)."""


def wallet(ctx: Context, *, merchant_id: str) -> str:
    """The merchant's wallet, opened the first time it is needed."""
    code = merchant_account_code(merchant_id, WALLET)
    ctx.ledger.open_account(code, purpose=WALLET, merchant_id=merchant_id)
    return code


def locked_available(ctx: Context, *, code: str) -> Money:
    """What ``code`` may pay now, read under the ledger's own lock on it (held until the unit
    of work ends), so the movement that follows cannot find less than was read."""
    totals = writer.lock_accounts(ctx.session, {code})[code]
    return Money(totals.posted - totals.pending_out)
