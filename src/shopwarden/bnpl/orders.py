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
from sqlalchemy.orm import Session

from shopwarden.bnpl import flags, rules
from shopwarden.bnpl.credit import CreditProvider, credit_provider
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.tables import OrderRow
from shopwarden.catalog.tables import MerchantRow, ProductRow
from shopwarden.clock import Clock
from shopwarden.db.engine import Database
from shopwarden.db.lookup import get_or_raise
from shopwarden.decisions.model import Decision
from shopwarden.decisions.service import record_decision
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
from shopwarden.ledger.service import Ledger
from shopwarden.money import Money
from shopwarden.policy.model import PolicyVersion
from shopwarden.policy.store import PolicyStore

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

    def __init__(self, decided: rules.CheckoutDecision, order_id: str, as_of: datetime) -> None:
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


def find_order(session: Session, order_id: str, *, lock: bool = False) -> OrderRow:
    """The order, locked for update on PostgreSQL when it is about to change."""
    row = session.get(OrderRow, order_id, with_for_update=lock or None)
    if row is None:
        raise NotFound(f"no BNPL order {order_id}", field="order_id")
    return row


def record_refusal(db: Database, clock: Clock, error: NotOffered) -> None:
    """The refused order's reasons go to the decision log, apart from the rolled-back work
    (BNPL-6: "BNPL is not offered for that order, and the reason is recorded")."""
    with db.transaction() as session:
        record_decision(
            session,
            clock,
            error.decided.decision,
            as_of=error.as_of,
            dedupe_key=f"bnpl:refused:{error.order_id}:{error.as_of.isoformat()}",
        )


class Orders:
    def __init__(
        self,
        session: Session,
        clock: Clock,
        policies: PolicyStore,
        provider: CreditProvider | None = None,
    ) -> None:
        self.session = session
        self.clock = clock
        self.policies = policies
        self.provider = provider or credit_provider()
        self.ledger = Ledger(session, clock)

    def _policy(self, as_of: datetime) -> tuple[PolicyVersion, BnplPolicy]:
        version = self.policies.in_force(rules.FAMILY, as_of)
        return version, version.parameters_as(BnplPolicy)

    # BNPL-4, 6, 9: the checkout decision ---------------------------------------------------
    def checkout(
        self, request: CheckoutRequest, *, as_of: datetime | None = None, record: bool = True
    ) -> rules.CheckoutDecision:
        """Offered or not, with every reason; recorded in the decision log."""
        as_of = as_of or self.clock.now()
        version, policy = self._policy(as_of)
        provider = request.credit_provider or policy.credit_providers[0]
        if provider not in policy.credit_providers:
            raise InvalidInput(
                f"credit_provider must be one of {', '.join(policy.credit_providers)}",
                field="credit_provider",
                rule="BNPL-4",
            )
        get_or_raise(
            self.session, MerchantRow, request.merchant_id, what="merchant", field="merchant_id"
        )
        product = get_or_raise(
            self.session, ProductRow, request.product_id, what="product", field="product_id"
        )
        if product.merchant_id != request.merchant_id:
            raise NotFound(
                f"no product {request.product_id} at store {request.merchant_id}",
                field="product_id",
            )
        row = flags.flag_for(self.session, self.policies, product, as_of)
        standing = self.provider.credit_standing(request.consumer_id, provider=provider)
        wallet = self.ledger.balance(merchant_account_code(request.merchant_id, "wallet"))
        facts = rules.CheckoutFacts(
            product=flags.facts_of(row),
            consumer_id=request.consumer_id,
            amount=request.amount,
            credit_provider=provider,
            credit_good=standing.good,
            wallet_available=Money(wallet.available),
        )
        decided = rules.decide_checkout(facts, policy, version.version)
        if record:
            self._record(decided.decision, "checkout:" + _digest(request, provider, as_of), as_of)
        return decided

    # BNPL-5, 6: placing, and the fee --------------------------------------------------------
    def place(
        self, order_id: str, request: CheckoutRequest, *, as_of: datetime | None = None
    ) -> OrderRow:
        """Place a BNPL order for 0.00 now and charge the merchant's fee; refused if not offered."""
        as_of = as_of or self.clock.now()
        if self.session.get(OrderRow, order_id) is not None:
            raise AlreadyExists(f"order {order_id} exists already", field="id")
        decided = self.checkout(request, as_of=as_of, record=False)
        if not decided.offered:
            raise NotOffered(decided, order_id, as_of)
        version, policy = self._policy(as_of)
        fee_txn = self._charge_fee(order_id, request, decided, policy, as_of)
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
            policy_version=version.version,
            updated_at=as_of,
        )
        self.session.add(order)
        self.session.flush()
        self._record(decided.decision, f"order:{order_id}", as_of)
        return order

    def _charge_fee(
        self,
        order_id: str,
        request: CheckoutRequest,
        decided: rules.CheckoutDecision,
        policy: BnplPolicy,
        as_of: datetime,
    ) -> int | None:
        if not decided.fee.is_positive():
            return None  # 1 % of 0.01 is 0.00 after rounding: nothing to move
        wallet = merchant_account_code(request.merchant_id, "wallet")
        try:
            txn = self.ledger.post(
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
            reason = rules.Reason(
                "wallet_cannot_pay_fee", "BNPL-6", f"the wallet cannot pay the fee {decided.fee}"
            )
            refused = dataclasses.replace(
                decided,
                offered=False,
                reasons=(reason,),
                decision=dataclasses.replace(
                    decided.decision, outcome="not offered", summary=reason.detail
                ),
            )
            raise NotOffered(refused, order_id, as_of) from None
        return txn.id

    # reading --------------------------------------------------------------------------------
    def order(self, order_id: str, *, lock: bool = False) -> OrderRow:
        return find_order(self.session, order_id, lock=lock)

    def orders(
        self,
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
        return list(self.session.scalars(statement))

    def _record(self, decision: Decision, key: str, as_of: datetime) -> None:
        record_decision(self.session, self.clock, decision, as_of=as_of, dedupe_key=f"bnpl:{key}")


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
