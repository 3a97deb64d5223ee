"""What the BNPL API accepts and shows. Amounts are text with at most two decimals."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, WithJsonSchema

from shopwarden.bnpl import invoice_rules, rules
from shopwarden.bnpl.checkout_rules import CheckoutDecision
from shopwarden.bnpl.flag_rules import FlagDecision
from shopwarden.bnpl.orders import CheckoutRequest
from shopwarden.bnpl.stores import LEGACY_AGREEMENT
from shopwarden.bnpl.tables import InvoiceRow, OrderRow, ProductFlagRow, StoreRow
from shopwarden.money import Money
from shopwarden.schema_types import Identifier, Instant, PositiveMoneyText

StoreStatus = Literal["not_enabled", "bnpl_1_0", "enabled", "paused"]
MONTH = invoice_rules.MONTH_PATTERN  # YYYY-MM, years 2000 to 9998


def _month_text(text: str) -> str:
    """Say what a month looks like, rather than echoing the schema's pattern (BNPL-10)."""
    if re.fullmatch(MONTH, text) is None:
        raise ValueError(
            f"{text!r} is not a month written YYYY-MM with a year from "
            f"{invoice_rules.FIRST_YEAR} to {invoice_rules.LAST_YEAR}, e.g. 2024-03"
        )
    return text


MonthText = Annotated[
    str,
    AfterValidator(_month_text),
    WithJsonSchema({"type": "string", "pattern": MONTH, "examples": ["2024-03"]}),
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EnableIn(Strict):
    """One click: the merchant accepts the service agreement in force (BNPL-1)."""

    agreement_version: str = Field(min_length=1, max_length=100)
    accepted: bool = Field(strict=True)


class StoreOut(BaseModel):
    merchant_id: str
    status: StoreStatus
    generation: str | None
    agreement_version: str | None
    agreement_accepted_at: datetime | None
    enabled_at: datetime | None
    paused_at: datetime | None
    upgraded_at: datetime | None
    policy_version: str | None
    flagged_products: int


class LegacyStoreIn(Strict):
    """A store that had BNPL 1.0 before the upgrade (BNPL-11)."""

    merchant_id: Identifier
    enabled_at: Instant
    agreement_version: str = Field(default=LEGACY_AGREEMENT, min_length=1, max_length=100)


class UpgradeIn(Strict):
    merchant_ids: list[Identifier] | None = Field(default=None, max_length=10_000)


class UpgradeOut(BaseModel):
    upgraded: list[str]


class ReflagIn(Strict):
    full: StrictBool = False


class ReflagOut(BaseModel):
    policy_version: str
    inserted: int
    redecided: int
    changed_categories: int
    unknown_excluded: list[str]
    full: bool


class FlagOut(BaseModel):
    product_id: str
    merchant_id: str
    flagged: bool
    eligible: bool
    store_status: StoreStatus
    highest_price: str | None
    category: str
    excluded_by: str | None
    policy_version: str
    decided_at: datetime
    summary: str
    explanation: list[dict[str, Any]]


class CategoryOut(BaseModel):
    code: str
    excluded: bool
    excluded_by: str | None
    policy_version: str


class CheckoutIn(Strict):
    merchant_id: Identifier
    product_id: Identifier
    consumer_id: Identifier
    amount: PositiveMoneyText
    credit_provider: str | None = Field(default=None, max_length=32)

    def to_request(self) -> CheckoutRequest:
        return CheckoutRequest(
            merchant_id=self.merchant_id,
            product_id=self.product_id,
            consumer_id=self.consumer_id,
            amount=self.amount,
            credit_provider=self.credit_provider,
        )


class ReasonOut(BaseModel):
    code: str
    rule: str
    detail: str


class CheckoutOut(BaseModel):
    offered: bool
    amount: str
    pay_now: str  # BNPL-5: 0.00 now, paid after delivery
    fee: str
    reasons: list[ReasonOut]
    policy_version: str
    explanation: list[dict[str, Any]]


class OrderIn(CheckoutIn):
    id: Identifier


class OrderOut(BaseModel):
    """The merchant's view: the normal price; only the payment method differs (BNPL-5)."""

    id: str
    merchant_id: str
    product_id: str
    consumer_id: str
    payment_method: Literal["bnpl"]
    credit_provider: str
    amount: str
    paid_at_order: str
    fee: str
    fee_rate: str
    fee_transaction_id: int | None
    status: str
    placed_at: datetime
    shipped_at: datetime | None
    receipt_confirmed_at: datetime | None
    confirmed_by: str | None
    debit_status: str | None
    claim: str
    refunded: str
    settle_due_at: datetime | None
    settled_at: datetime | None
    settled: str
    policy_version: str


class ReceiptIn(Strict):
    """Relayed by the order system when the consumer confirms receipt."""

    confirmed_by: Literal["consumer"] = "consumer"


class RefundIn(Strict):
    amount: PositiveMoneyText | None = None  # default: all that is not refunded yet


class InvoiceIn(Strict):
    merchant_id: Identifier
    month: MonthText | None = None


class InvoiceOut(BaseModel):
    id: int
    merchant_id: str
    month: str
    period_start: datetime
    period_end: datetime
    fee_total: str
    order_count: int
    policy_version: str
    issued_at: datetime


def store_out(merchant_id: str, row: StoreRow | None, flagged: int) -> StoreOut:
    if row is None:
        return StoreOut(
            merchant_id=merchant_id,
            status="not_enabled",
            generation=None,
            agreement_version=None,
            agreement_accepted_at=None,
            enabled_at=None,
            paused_at=None,
            upgraded_at=None,
            policy_version=None,
            flagged_products=flagged,
        )
    status = rules.STORE_LEGACY if row.generation == "1.0" else row.status
    return StoreOut(
        merchant_id=row.merchant_id,
        status=status,  # type: ignore[arg-type]
        generation=row.generation,
        agreement_version=row.agreement_version,
        agreement_accepted_at=row.agreement_accepted_at,
        enabled_at=row.enabled_at,
        paused_at=row.paused_at,
        upgraded_at=row.upgraded_at,
        policy_version=row.policy_version,
        flagged_products=flagged,
    )


def flag_out(row: ProductFlagRow, decided: FlagDecision) -> FlagOut:
    price = row.highest_price_cents
    return FlagOut(
        product_id=row.product_id,
        merchant_id=row.merchant_id,
        flagged=row.flagged,
        eligible=row.eligible,
        store_status=row.store_status,  # type: ignore[arg-type]
        highest_price=Money(price).to_text() if price is not None else None,
        category=row.category_code,
        excluded_by=row.excluded_by,
        policy_version=row.policy_version,
        decided_at=row.decided_at,
        summary=decided.decision.summary,
        explanation=decided.decision.explanation(),
    )


def checkout_out(decided: CheckoutDecision, amount: Money) -> CheckoutOut:
    return CheckoutOut(
        offered=decided.offered,
        amount=amount.to_text(),
        pay_now="0.00",
        fee=decided.fee.to_text(),
        reasons=[ReasonOut(**r.as_dict()) for r in decided.reasons],
        policy_version=decided.decision.policy_version,
        explanation=decided.decision.explanation(),
    )


def order_out(row: OrderRow) -> OrderOut:
    return OrderOut(
        id=row.id,
        merchant_id=row.merchant_id,
        product_id=row.product_id,
        consumer_id=row.consumer_id,
        payment_method="bnpl",
        credit_provider=row.credit_provider,
        amount=Money(row.amount_cents).to_text(),
        paid_at_order="0.00",
        fee=Money(row.fee_cents).to_text(),
        fee_rate=row.fee_rate,
        fee_transaction_id=row.fee_transaction_id,
        status=row.status,
        placed_at=row.placed_at,
        shipped_at=row.shipped_at,
        receipt_confirmed_at=row.receipt_confirmed_at,
        confirmed_by=row.confirmed_by,
        debit_status=row.debit_status,
        claim=Money(row.claim_cents).to_text(),
        refunded=Money(row.refunded_cents).to_text(),
        settle_due_at=row.settle_due_at,
        settled_at=row.settled_at,
        settled=Money(row.settled_cents).to_text(),
        policy_version=row.policy_version,
    )


def invoice_out(row: InvoiceRow) -> InvoiceOut:
    return InvoiceOut(
        id=row.id,
        merchant_id=row.merchant_id,
        month=row.month,
        period_start=row.period_start,
        period_end=row.period_end,
        fee_total=Money(row.fee_total_cents).to_text(),
        order_count=row.order_count,
        policy_version=row.policy_version,
        issued_at=row.issued_at,
    )
