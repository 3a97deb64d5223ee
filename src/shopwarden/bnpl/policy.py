"""Parameters of the ``bnpl`` policy family: buy now, pay later 2.0 (BNPL-1..11, seed 001)."""

from __future__ import annotations

from pydantic import Field

from shopwarden.policy.types import Amount, Codes, Duration, PolicyModel, PositiveCount, Rate


class BnplPolicy(PolicyModel):
    """Who may enable BNPL, which products qualify, and what it costs the merchant."""

    agreement_version: str = Field(min_length=1)  # BNPL-1: the agreement a merchant accepts
    wallet_upgrade_required: bool = Field(strict=True)  # BNPL-1
    price_limit: Amount  # BNPL-2: highest SKU price
    price_limit_inclusive: bool = Field(strict=True)  # BNPL-2: "≤ 500.00"
    # BNPL-3: codes of the category tree; a code excludes its subcategories too.
    excluded_categories: Codes
    credit_providers: Codes = Field(min_length=1)  # BNPL-4
    fee_rate: Rate  # BNPL-6
    auto_confirm_receipt_after: Duration  # BNPL-7: when the system confirms receipt
    settlement_period: Duration  # BNPL-8: the normal settlement period
    short_settlement_allowed: bool = Field(strict=True)  # BNPL-8
    invoice_from_day: PositiveCount = Field(le=28)  # BNPL-10: day of the month
