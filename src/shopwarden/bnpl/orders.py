"""BNPL orders: the checkout decision and placing an order with its fee (BNPL-4, 5, 6, 9).

Placing charges the fee, merchant wallet → ``platform:bnpl_fee_revenue``, through the ledger
(DEP-15) with an idempotency key derived from the order, so a retry never charges twice; it is
never returned. What happens to the order afterwards is ``fulfilment.py``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from shopwarden.bnpl import flags, rules
from shopwarden.bnpl.checkout_rules import CheckoutDecision, CheckoutFacts, Reason, decide_checkout
from shopwarden.bnpl.credit import CreditProvider, credit_provider
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.tables import OrderRow
from shopwarden.catalog import service as catalog
from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise, locked_or_raise
from shopwarden.errors import (
    AlreadyExists,
    InsufficientFunds,
    InvalidInput,
    NotFound,
    RuleRefused,
)
from shopwarden.ledger.model import (
    merchant_account_code,
    platform_account_code,
    transfer,
)
from shopwarden.money import Money

FEE_ACCOUNT = platform_account_code("bnpl_fee_revenue")
CLEARING = platform_account_code("bnpl_clearing")
RECEIVABLES = platform_account_code("consumer_receivables")
BANK = platform_account_code("bank")

PLACED, SHIPPED, CONFIRMED, SETTLED, REFUNDED = (
    "placed",
    "shipped",
    "receipt_confirmed",
    "settled",
    "refunded",
)
# The input a reason points at, for the problem document's ``field``.
REASON_FIELDS = {
    "store_not_enabled": "merchant_id",
    "store_paused": "merchant_id",
    "product_not_flagged": "product_id",
    "consumer_credit_not_good": "consumer_id",
    "wallet_cannot_pay_fee": "amount",
}


@dataclass(frozen=True)
class CheckoutRequest:
    merchant_id: str
    product_id: str
    consumer_id: str
    amount: Money
    credit_provider: str | None = None


class NotOffered(RuleRefused):
    """BNPL is not offered for this order; every reason is in the problem document."""

    def __init__(self, decided: CheckoutDecision, order_id: str, as_of: datetime) -> None:
        first = decided.reasons[0]
        super().__init__(
            "BNPL is not offered for this order: "
            + "; ".join(f"{r.detail} ({r.rule})" for r in decided.reasons),
            field=REASON_FIELDS[first.code],
            rule=first.rule,
            extra={"reasons": [r.as_dict() for r in decided.reasons]},
        )
        self.decided = decided
        self.order_id = order_id
        self.as_of = as_of


def record_refusal(ctx: Context, *, error: NotOffered) -> None:
    """The refused order's reasons go to the decision log (BNPL-6: "BNPL is not offered for
    that order, and the reason is recorded"); ``ctx`` is a unit of work of its own, apart from
    the rolled-back work of the refused order."""
    key = f"bnpl:refused:{error.order_id}:{error.as_of.isoformat()}"
    ctx.record(error.decided.decision, as_of=error.as_of, key=key)


# BNPL-4, 6, 9: the checkout decision -------------------------------------------------------
def checkout(
    ctx: Context,
    *,
    request: CheckoutRequest,
    as_of: datetime | None = None,
    record: bool = True,
    provider: CreditProvider | None = None,
) -> CheckoutDecision:
    """Offered or not, with every reason; recorded in the decision log."""
    as_of = as_of or ctx.now()
    terms = ctx.policy(rules.FAMILY, BnplPolicy, as_of)
    policy = terms.parameters
    chosen = request.credit_provider or policy.credit_providers[0]
    if chosen not in policy.credit_providers:
        raise InvalidInput(
            f"credit_provider must be one of {', '.join(policy.credit_providers)}",
            field="credit_provider",
            rule="BNPL-4",
        )
    catalog.merchant(ctx, merchant_id=request.merchant_id)
    product = catalog.product(ctx, product_id=request.product_id)
    if product.merchant_id != request.merchant_id:
        raise NotFound(
            f"no product {request.product_id} at store {request.merchant_id}",
            field="product_id",
        )
    row = flags.flag_for(ctx, product=product, as_of=as_of)
    standing = (provider or credit_provider()).credit_standing(request.consumer_id, provider=chosen)
    wallet = ctx.ledger.balance(merchant_account_code(request.merchant_id, "wallet"))
    facts = CheckoutFacts(
        product=flags.facts_of(row),
        consumer_id=request.consumer_id,
        amount=request.amount,
        credit_provider=chosen,
        credit_good=standing.good,
        wallet_available=Money(wallet.available),
    )
    decided = decide_checkout(facts, policy, terms.version)
    if record:
        key = "bnpl:checkout:" + _digest(request, chosen, as_of)
        ctx.record(decided.decision, as_of=as_of, key=key)
    return decided


# BNPL-5, 6: placing, and the fee ------------------------------------------------------------
def place(
    ctx: Context,
    *,
    order_id: str,
    request: CheckoutRequest,
    as_of: datetime | None = None,
    provider: CreditProvider | None = None,
) -> OrderRow:
    """Place a BNPL order for 0.00 now and charge the merchant's fee; refused if not offered."""
    as_of = as_of or ctx.now()
    if ctx.session.get(OrderRow, order_id) is not None:
        raise AlreadyExists(f"order {order_id} exists already", field="id")
    decided = checkout(ctx, request=request, as_of=as_of, record=False, provider=provider)
    if not decided.offered:
        raise NotOffered(decided, order_id, as_of)
    terms = ctx.policy(rules.FAMILY, BnplPolicy, as_of)
    policy = terms.parameters
    fee_txn = _charge_fee(ctx, order_id, request, decided, policy, as_of)
    order = OrderRow(
        id=order_id,
        merchant_id=request.merchant_id,
        product_id=request.product_id,
        consumer_id=request.consumer_id,
        credit_provider=request.credit_provider or policy.credit_providers[0],
        amount_cents=request.amount.cents,
        fee_cents=decided.fee.cents,
        fee_rate=str(policy.fee_rate),
        fee_transaction_id=fee_txn,
        status=PLACED,
        placed_at=as_of,
        clearing_cents=0,
        claim_cents=0,
        refunded_cents=0,
        refund_count=0,
        settled_cents=0,
        policy_version=terms.version,
        updated_at=as_of,
    )
    ctx.session.add(order)
    ctx.session.flush()
    ctx.record(decided.decision, as_of=as_of, key=f"bnpl:order:{order_id}")
    return order


def _charge_fee(
    ctx: Context,
    order_id: str,
    request: CheckoutRequest,
    decided: CheckoutDecision,
    policy: BnplPolicy,
    as_of: datetime,
) -> int | None:
    """The fee, merchant wallet → fee revenue, once per order (BNPL-6, DEP-15)."""
    if not decided.fee.is_positive():
        return None  # 1 % of 0.01 is 0.00 after rounding: nothing to move
    wallet = merchant_account_code(request.merchant_id, "wallet")
    try:
        txn = ctx.ledger.post(
            transfer(
                wallet,
                FEE_ACCOUNT,
                decided.fee,
                f"BNPL fee of order {order_id} (BNPL-6)",
                idempotency_key=f"bnpl:fee:{order_id}",
                effective_at=as_of,
                details={
                    "order_id": order_id,
                    "rule": "BNPL-6",
                    "order_amount": request.amount.to_text(),
                    "fee_rate": str(policy.fee_rate),
                },
            )
        )
    except InsufficientFunds:
        # Another order took the money since the decision: not offered after all.
        raise NotOffered(_wallet_short(decided), order_id, as_of) from None
    return txn.id


def _wallet_short(decided: CheckoutDecision) -> CheckoutDecision:
    reason = Reason(
        "wallet_cannot_pay_fee", "BNPL-6", f"the wallet cannot pay the fee {decided.fee}"
    )
    return dataclasses.replace(
        decided,
        offered=False,
        reasons=(reason,),
        decision=dataclasses.replace(
            decided.decision, outcome="not offered", summary=reason.detail
        ),
    )


# reading ------------------------------------------------------------------------------------
def order(ctx: Context, *, order_id: str, lock: bool = False) -> OrderRow:
    """The order; locked for the rest of the unit of work (PostgreSQL) when it is to change."""
    find = locked_or_raise if lock else get_or_raise
    return find(ctx.session, OrderRow, order_id, what="BNPL order", field="order_id")


def orders(
    ctx: Context,
    *,
    merchant_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
    after: str | None = None,
) -> list[OrderRow]:
    statement = select(OrderRow).order_by(OrderRow.id).limit(limit)
    if merchant_id:
        statement = statement.where(OrderRow.merchant_id == merchant_id)
    if status:
        statement = statement.where(OrderRow.status == status)
    if after:
        statement = statement.where(OrderRow.id > after)
    return list(ctx.session.scalars(statement))


def _digest(request: CheckoutRequest, provider: str, as_of: datetime) -> str:
    text = "|".join(
        (
            request.merchant_id,
            request.product_id,
            request.consumer_id,
            request.amount.to_text(),
            provider,
            as_of.isoformat(),
        )
    )
    return hashlib.sha256(text.encode()).hexdigest()[:40]
