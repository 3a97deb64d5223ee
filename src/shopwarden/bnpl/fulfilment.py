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

from shopwarden.bnpl import rules, settlement_rules
from shopwarden.bnpl.credit import CreditProvider, DebitResult, credit_provider
from shopwarden.bnpl.orders import (
    BANK,
    CLEARING,
    CONFIRMED,
    PLACED,
    RECEIVABLES,
    REFUNDED,
    SETTLED,
    SHIPPED,
    order,
)
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.tables import OrderRow
from shopwarden.context import Context
from shopwarden.decisions.model import Decision
from shopwarden.errors import Conflict, InvalidInput, RuleRefused
from shopwarden.ledger.model import TransferRequest, merchant_account_code, transfer
from shopwarden.money import Money


# shipment and receipt (BNPL-7) --------------------------------------------------------------
def ship(ctx: Context, *, order_id: str, as_of: datetime | None = None) -> tuple[OrderRow, bool]:
    """The merchant shipped: the system confirms receipt after the policy's period."""
    as_of = as_of or ctx.now()
    row = order(ctx, order_id=order_id, lock=True)
    if row.status != PLACED:
        if row.status == REFUNDED:
            raise Conflict(f"order {order_id} is refunded", field="order_id")
        return row, False
    row.status = SHIPPED
    row.shipped_at = as_of
    row.updated_at = as_of
    ctx.session.flush()
    return row, True


def confirm_receipt(
    ctx: Context,
    *,
    order_id: str,
    by: str,
    as_of: datetime | None = None,
    provider: CreditProvider | None = None,
) -> OrderRow:
    """Debit the consumer; if that fails, the platform advances the money and holds the
    claim, so the merchant is settled anyway (BNPL-7)."""
    as_of = as_of or ctx.now()
    row = order(ctx, order_id=order_id, lock=True)
    if row.status not in (PLACED, SHIPPED):
        raise Conflict(
            f"order {order_id} is {row.status}; receipt is confirmed once, while open",
            field="order_id",
        )
    terms = ctx.policy(rules.FAMILY, BnplPolicy, as_of)
    result = _collect(ctx, row, provider or credit_provider(), as_of)
    row.status = CONFIRMED
    row.receipt_confirmed_at = as_of
    row.confirmed_by = by
    row.settle_due_at = settlement_rules.settlement_due(as_of, terms.parameters)
    row.updated_at = as_of
    ctx.session.flush()
    if not result.ok:
        decision = _claim_decision(row, result.detail, terms.version)
        ctx.record(decision, as_of=as_of, key=f"bnpl:claim:{row.id}")
    return row


def _collect(ctx: Context, row: OrderRow, provider: CreditProvider, as_of: datetime) -> DebitResult:
    """The consumer's debit into clearing; if it fails the platform advances the money and
    holds the claim (BNPL-7)."""
    due = row.amount_cents - row.refunded_cents
    result = provider.debit(
        row.consumer_id,
        Money(due),
        provider=row.credit_provider,
        reference=f"bnpl:{row.id}",
    )
    row.debit_reference = result.reference
    details = {"order_id": row.id, "rule": "BNPL-7", "provider": row.credit_provider}
    if result.ok:
        source, row.debit_status, what = BANK, "debited", "consumer paid"
    else:
        source, row.debit_status, what = RECEIVABLES, "failed", "platform advanced"
        row.claim_cents = due
    ctx.ledger.post(
        transfer(
            source,
            CLEARING,
            Money(due),
            f"BNPL order {row.id}: {what} (BNPL-7)",
            idempotency_key=f"bnpl:collect:{row.id}",
            effective_at=as_of,
            details=details,
        )
    )
    row.clearing_cents = due
    return result


def auto_confirm(
    ctx: Context, *, as_of: datetime, provider: CreditProvider | None = None
) -> list[OrderRow]:
    """The system confirms receipt of shipped orders once the policy's period has passed."""
    policy = ctx.policy(rules.FAMILY, BnplPolicy, as_of).parameters
    cutoff = as_of - policy.auto_confirm_receipt_after
    due = ctx.session.scalars(
        select(OrderRow.id)
        .where(OrderRow.status == SHIPPED, OrderRow.shipped_at <= cutoff)
        .order_by(OrderRow.id)
    ).all()
    return [
        confirm_receipt(ctx, order_id=order_id, by="system", as_of=as_of, provider=provider)
        for order_id in due
    ]


# settlement (BNPL-8) ------------------------------------------------------------------------
def settle_due(ctx: Context, *, as_of: datetime) -> list[OrderRow]:
    """Pay the merchants of every order whose normal settlement period has passed."""
    due = list(
        ctx.session.scalars(
            select(OrderRow)
            .where(OrderRow.status == CONFIRMED, OrderRow.settle_due_at <= as_of)
            .order_by(OrderRow.id)
            .with_for_update()
        )
    )
    _settle(ctx, due, as_of)
    return due


def _settle(ctx: Context, rows: list[OrderRow], as_of: datetime) -> None:
    payouts: list[TransferRequest] = [
        transfer(
            CLEARING,
            merchant_account_code(row.merchant_id, "wallet"),
            Money(row.clearing_cents),
            f"BNPL order {row.id} settled (BNPL-8)",
            idempotency_key=f"bnpl:settle:{row.id}",
            effective_at=as_of,
            details={"order_id": row.id, "rule": "BNPL-8"},
        )
        for row in rows
        if row.clearing_cents > 0
    ]
    ctx.ledger.post_many(payouts)
    for row in rows:
        row.settled_cents = row.clearing_cents
        row.clearing_cents = 0
        row.status = SETTLED
        row.settled_at = as_of
        row.updated_at = as_of
    ctx.session.flush()


def early_payout(ctx: Context, *, order_id: str, as_of: datetime | None = None) -> OrderRow:
    """BNPL orders are never paid out early (BNPL-8), unless a policy says otherwise."""
    as_of = as_of or ctx.now()
    row = order(ctx, order_id=order_id, lock=True)
    terms = ctx.policy(rules.FAMILY, BnplPolicy, as_of)
    decision = settlement_rules.decide_early_payout(
        row.id, row.merchant_id, terms.parameters, terms.version
    )
    if decision.outcome != "allowed":
        raise RuleRefused(decision.summary, field="order_id", rule="BNPL-8")
    if row.status != CONFIRMED:
        raise Conflict(f"order {order_id} is {row.status}; nothing to pay out", field="order_id")
    _settle(ctx, [row], as_of)
    return row


# refunds (BNPL-6: the fee stays) ------------------------------------------------------------
def refund(
    ctx: Context,
    *,
    order_id: str,
    amount: Money | None = None,
    as_of: datetime | None = None,
) -> OrderRow:
    """Refund all or part of the order, from where the money is now; never the fee."""
    as_of = as_of or ctx.now()
    row = order(ctx, order_id=order_id, lock=True)
    remaining = row.amount_cents - row.refunded_cents
    if row.status == REFUNDED or remaining <= 0:
        raise Conflict(f"order {order_id} is refunded in full already", field="order_id")
    cents = remaining if amount is None else amount.cents
    if cents <= 0 or cents > remaining:
        raise InvalidInput(
            f"a refund is more than 0.00 and at most the {Money(remaining)} not yet refunded",
            field="amount",
        )
    row.refund_count += 1
    if row.status in (CONFIRMED, SETTLED):
        _return_money(ctx, row, cents, as_of)
    # placed or shipped: the consumer has paid nothing yet (BNPL-5), so nothing moves.
    row.refunded_cents += cents
    if row.refunded_cents == row.amount_cents:
        row.status = REFUNDED
    row.updated_at = as_of
    ctx.session.flush()
    return row


def _return_money(ctx: Context, row: OrderRow, cents: int, as_of: datetime) -> None:
    if row.status == CONFIRMED:
        source = CLEARING
        row.clearing_cents -= cents
    else:
        source = merchant_account_code(row.merchant_id, "wallet")
    # A consumer who paid gets the money back; one who did not owes that much less.
    target = BANK if row.debit_status == "debited" else RECEIVABLES
    if row.debit_status == "failed":
        row.claim_cents -= cents
    ctx.ledger.post(
        transfer(
            source,
            target,
            Money(cents),
            f"BNPL order {row.id} refund {row.refund_count}",
            idempotency_key=f"bnpl:refund:{row.id}:{row.refund_count}",
            effective_at=as_of,
            details={"order_id": row.id, "fee_kept": Money(row.fee_cents).to_text()},
        )
    )


def _claim_decision(row: OrderRow, detail: str, version: str) -> Decision:
    return Decision(
        rule_id="BNPL-7",
        subject=f"order:{row.id}",
        outcome="claim recorded",
        summary=(
            f"{detail}; the merchant is settled anyway and the platform holds a claim of "
            f"{Money(row.claim_cents)} on consumer {row.consumer_id}"
        ),
        policy_family=rules.FAMILY,
        policy_version=version,
        merchant_id=row.merchant_id,
    )
