"""What happens to a placed BNPL order: shipment, receipt and the consumer's debit,
settlement after the normal period, and refunds (BNPL-6, BNPL-7, BNPL-8).

Money moves only through the ledger, each movement keyed by the order so a retry moves
nothing twice: receipt moves ``platform:bank`` (the consumer paid) or
``platform:consumer_receivables`` (the platform advanced the money and holds the claim) into
``platform:bnpl_clearing``; settlement moves clearing to the merchant's wallet; a refund goes
back to where the money came from. The fee stays with the platform (BNPL-6).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopwarden.bnpl import rules
from shopwarden.bnpl.credit import CreditProvider, credit_provider
from shopwarden.bnpl.orders import (
    BANK,
    CLEARING,
    CONFIRMED,
    PLACED,
    RECEIVABLES,
    REFUNDED,
    SETTLED,
    SHIPPED,
    find_order,
)
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.tables import OrderRow
from shopwarden.clock import Clock
from shopwarden.decisions.model import Decision
from shopwarden.decisions.service import record_decision
from shopwarden.errors import Conflict, InvalidInput, RuleRefused
from shopwarden.ledger.model import TransferRequest, merchant_account_code, transfer
from shopwarden.ledger.service import Ledger
from shopwarden.money import Money
from shopwarden.policy.model import PolicyVersion
from shopwarden.policy.store import PolicyStore


class Fulfilment:
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

    def order(self, order_id: str, *, lock: bool = False) -> OrderRow:
        return find_order(self.session, order_id, lock=lock)

    # shipment and receipt (BNPL-7) ----------------------------------------------------------
    def ship(self, order_id: str, *, as_of: datetime | None = None) -> tuple[OrderRow, bool]:
        """The merchant shipped: the system confirms receipt after the policy's period."""
        as_of = as_of or self.clock.now()
        order = self.order(order_id, lock=True)
        if order.status != PLACED:
            if order.status == REFUNDED:
                raise Conflict(f"order {order_id} is refunded", field="order_id")
            return order, False
        order.status = SHIPPED
        order.shipped_at = as_of
        order.updated_at = as_of
        self.session.flush()
        return order, True

    def confirm_receipt(self, order_id: str, *, by: str, as_of: datetime | None = None) -> OrderRow:
        """Debit the consumer; if that fails, the platform advances the money and holds the
        claim, so the merchant is settled anyway (BNPL-7)."""
        as_of = as_of or self.clock.now()
        order = self.order(order_id, lock=True)
        if order.status not in (PLACED, SHIPPED):
            raise Conflict(
                f"order {order_id} is {order.status}; receipt is confirmed once, while open",
                field="order_id",
            )
        version, policy = self._policy(as_of)
        due = order.amount_cents - order.refunded_cents
        result = self.provider.debit(
            order.consumer_id,
            Money(due),
            provider=order.credit_provider,
            reference=f"bnpl:{order.id}",
        )
        order.debit_reference = result.reference
        details = {"order_id": order.id, "rule": "BNPL-7", "provider": order.credit_provider}
        if result.ok:
            source, order.debit_status, what = BANK, "debited", "consumer paid"
        else:
            source, order.debit_status, what = RECEIVABLES, "failed", "platform advanced"
            order.claim_cents = due
        self.ledger.post(
            transfer(
                source,
                CLEARING,
                Money(due),
                f"BNPL order {order.id}: {what} (BNPL-7)",
                idempotency_key=f"bnpl:collect:{order.id}",
                effective_at=as_of,
                details=details,
            )
        )
        order.clearing_cents = due
        order.status = CONFIRMED
        order.receipt_confirmed_at = as_of
        order.confirmed_by = by
        order.settle_due_at = rules.settlement_due(as_of, policy)
        order.updated_at = as_of
        self.session.flush()
        if not result.ok:
            self._record(
                _claim_decision(order, result.detail, version.version), f"claim:{order.id}", as_of
            )
        return order

    def auto_confirm(self, as_of: datetime) -> list[OrderRow]:
        """The system confirms receipt of shipped orders once the policy's period has passed."""
        _, policy = self._policy(as_of)
        cutoff = as_of - policy.auto_confirm_receipt_after
        due = self.session.scalars(
            select(OrderRow.id)
            .where(OrderRow.status == SHIPPED, OrderRow.shipped_at <= cutoff)
            .order_by(OrderRow.id)
        ).all()
        return [self.confirm_receipt(order_id, by="system", as_of=as_of) for order_id in due]

    # settlement (BNPL-8) --------------------------------------------------------------------
    def settle_due(self, as_of: datetime) -> list[OrderRow]:
        """Pay the merchants of every order whose normal settlement period has passed."""
        due = list(
            self.session.scalars(
                select(OrderRow)
                .where(OrderRow.status == CONFIRMED, OrderRow.settle_due_at <= as_of)
                .order_by(OrderRow.id)
                .with_for_update()
            )
        )
        self._settle(due, as_of)
        return due

    def _settle(self, orders: list[OrderRow], as_of: datetime) -> None:
        payouts: list[TransferRequest] = [
            transfer(
                CLEARING,
                merchant_account_code(order.merchant_id, "wallet"),
                Money(order.clearing_cents),
                f"BNPL order {order.id} settled (BNPL-8)",
                idempotency_key=f"bnpl:settle:{order.id}",
                effective_at=as_of,
                details={"order_id": order.id, "rule": "BNPL-8"},
            )
            for order in orders
            if order.clearing_cents > 0
        ]
        self.ledger.post_many(payouts)
        for order in orders:
            order.settled_cents = order.clearing_cents
            order.clearing_cents = 0
            order.status = SETTLED
            order.settled_at = as_of
            order.updated_at = as_of
        self.session.flush()

    def early_payout(self, order_id: str, *, as_of: datetime | None = None) -> OrderRow:
        """BNPL orders are never paid out early (BNPL-8), unless a policy says otherwise."""
        as_of = as_of or self.clock.now()
        order = self.order(order_id, lock=True)
        version, policy = self._policy(as_of)
        decision = rules.decide_early_payout(order.id, order.merchant_id, policy, version.version)
        if decision.outcome != "allowed":
            raise RuleRefused(decision.summary, field="order_id", rule="BNPL-8")
        if order.status != CONFIRMED:
            raise Conflict(
                f"order {order_id} is {order.status}; nothing to pay out", field="order_id"
            )
        self._settle([order], as_of)
        return order

    # refunds (BNPL-6: the fee stays) --------------------------------------------------------
    def refund(
        self, order_id: str, amount: Money | None = None, *, as_of: datetime | None = None
    ) -> OrderRow:
        """Refund all or part of the order, from where the money is now; never the fee."""
        as_of = as_of or self.clock.now()
        order = self.order(order_id, lock=True)
        remaining = order.amount_cents - order.refunded_cents
        if order.status == REFUNDED or remaining <= 0:
            raise Conflict(f"order {order_id} is refunded in full already", field="order_id")
        cents = remaining if amount is None else amount.cents
        if cents <= 0 or cents > remaining:
            raise InvalidInput(
                f"a refund is more than 0.00 and at most the {Money(remaining)} not yet refunded",
                field="amount",
            )
        order.refund_count += 1
        if order.status in (CONFIRMED, SETTLED):
            self._return_money(order, cents, as_of)
        # placed or shipped: the consumer has paid nothing yet (BNPL-5), so nothing moves.
        order.refunded_cents += cents
        if order.refunded_cents == order.amount_cents:
            order.status = REFUNDED
        order.updated_at = as_of
        self.session.flush()
        return order

    def _return_money(self, order: OrderRow, cents: int, as_of: datetime) -> None:
        if order.status == CONFIRMED:
            source = CLEARING
            order.clearing_cents -= cents
        else:
            source = merchant_account_code(order.merchant_id, "wallet")
        # A consumer who paid gets the money back; one who did not owes that much less.
        target = BANK if order.debit_status == "debited" else RECEIVABLES
        if order.debit_status == "failed":
            order.claim_cents -= cents
        self.ledger.post(
            transfer(
                source,
                target,
                Money(cents),
                f"BNPL order {order.id} refund {order.refund_count}",
                idempotency_key=f"bnpl:refund:{order.id}:{order.refund_count}",
                effective_at=as_of,
                details={"order_id": order.id, "fee_kept": Money(order.fee_cents).to_text()},
            )
        )

    def _record(self, decision: Decision, key: str, as_of: datetime) -> None:
        record_decision(self.session, self.clock, decision, as_of=as_of, dedupe_key=f"bnpl:{key}")


def _claim_decision(order: OrderRow, detail: str, version: str) -> Decision:
    return Decision(
        rule_id="BNPL-7",
        subject=f"order:{order.id}",
        outcome="claim recorded",
        summary=(
            f"{detail}; the merchant is settled anyway and the platform holds a claim of "
            f"{Money(order.claim_cents)} on consumer {order.consumer_id}"
        ),
        policy_family=rules.FAMILY,
        policy_version=version,
        merchant_id=order.merchant_id,
    )
