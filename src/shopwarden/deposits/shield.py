"""Escalation of an unmet top-up: badges, the shield, and proceeds under guarantee (DEP-4, 5).

The cycle takes each step once per obligation (the decision's dedupe key says so), so running
it again for an instant, or at a later one, changes nothing already done. While a shield is
in force, the proceeds of orders made under it are a ledger hold towards the merchant's
wallet: owed, not available, and posted when the shield lifts.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from shopwarden.catalog.tables import MerchantRow
from shopwarden.deposits import rules
from shopwarden.deposits.context import BANK, WALLET, DepositContext
from shopwarden.deposits.tables import ObligationRow, ProceedsRow
from shopwarden.errors import AlreadyExists, InvalidInput
from shopwarden.ledger.model import HoldRequest, Posting, TransferRequest, transfer
from shopwarden.money import Money


def escalate(ctx: DepositContext, as_of: datetime) -> dict[str, int]:
    """DEP-4: revoke badges at 3 days, shield at 5, each open obligation on its own clock.

    The oldest unmet obligation reaches each step first, so the store's escalation follows
    it; a younger one records its own step when its own time comes."""
    counts = {"badges_revoked": 0, "shielded": 0}
    statement = (
        select(ObligationRow)
        .join(MerchantRow, MerchantRow.id == ObligationRow.merchant_id)
        .where(ObligationRow.status == "open", MerchantRow.status != "closed")
        .order_by(ObligationRow.id)
    )
    policy = ctx.policy(as_of)
    for obligation in ctx.session.scalars(statement):
        decisions = rules.escalation(
            obligation_id=obligation.id,
            opened_at=obligation.opened_at,
            as_of=as_of,
            badges_revoked=obligation.badges_revoked_at is not None,
            shielded=obligation.shielded_at is not None,
            policy=policy,
            merchant_id=obligation.merchant_id,
        )
        for decision in decisions:
            if decision.outcome == "badges_revoked":
                obligation.badges_revoked_at = as_of
            else:
                obligation.shielded_at = as_of
            key = f"DEP-4:{decision.outcome}:{obligation.id}"
            counts[decision.outcome] += ctx.decide(decision, as_of=as_of, key=key)
    return counts


def lift_due(ctx: DepositContext, as_of: datetime) -> dict[str, int]:
    """DEP-5: lift shields whose 24 hours after the top-up have passed; release proceeds."""
    lifted = released = 0
    statement = (
        select(ObligationRow)
        .where(
            ObligationRow.shield_lift_due_at.is_not(None),
            ObligationRow.shield_lift_due_at <= as_of,
            ObligationRow.shield_lifted_at.is_(None),
        )
        .order_by(ObligationRow.id)
    )
    for obligation in ctx.session.scalars(statement):
        assert obligation.met_at is not None
        decision = rules.shield_lift(
            obligation_id=obligation.id,
            met_at=obligation.met_at,
            as_of=as_of,
            policy=ctx.policy(obligation.met_at),
            merchant_id=obligation.merchant_id,
        )
        if decision is None:
            continue
        obligation.shield_lifted_at = as_of
        released += release(ctx, obligation, as_of)
        lifted += ctx.decide(decision, as_of=as_of, key=f"DEP-5:{obligation.id}")
        other = shield_over(ctx, obligation.merchant_id, as_of, besides=obligation.id)
        if other is not None:  # DEP-4: another obligation, unmet at 5 days, still shields
            ctx.event(
                obligation.merchant_id,
                "still_shielded",
                f"shield of top-up obligation {obligation.id} lifted; the store stays shielded "
                f"for top-up obligation {other.id}",
                at=as_of,
                rule="DEP-4",
            )
    return {"shields_lifted": lifted, "proceeds_released": released}


def release(ctx: DepositContext, obligation: ObligationRow, at: datetime) -> int:
    """Post the proceeds held under this obligation's shield, except those of orders another
    shield still in force also covered: they stay held under that one (DEP-4, DEP-5)."""
    held = ctx.session.scalars(
        select(ProceedsRow)
        .where(ProceedsRow.obligation_id == obligation.id, ProceedsRow.released_at.is_(None))
        .order_by(ProceedsRow.id)
    )
    count = 0
    for proceeds in list(held):
        assert proceeds.hold_id is not None
        other = shield_over(ctx, proceeds.merchant_id, proceeds.ordered_at, besides=obligation.id)
        if other is not None:
            proceeds.obligation_id = other.id
            ctx.event(
                proceeds.merchant_id,
                "proceeds_still_held",
                f"proceeds of order {proceeds.order_id} stay held: the store is still shielded "
                f"for top-up obligation {other.id}",
                at=at,
                rule="DEP-4",
                amount=Money(proceeds.amount - proceeds.fee),
            )
            continue
        ctx.ledger.post_hold(
            proceeds.hold_id,
            description=f"order {proceeds.order_id}: settlement guarantee released (DEP-5)",
            effective_at=at,
        )
        proceeds.released_at = at
        ctx.event(
            proceeds.merchant_id,
            "proceeds_released",
            f"proceeds of order {proceeds.order_id} released to the wallet",
            at=at,
            rule="DEP-5",
            amount=Money(proceeds.amount - proceeds.fee),
        )
        count += 1
    return count


def shield_over(
    ctx: DepositContext, merchant_id: str, at: datetime, *, besides: int | None = None
) -> ObligationRow | None:
    """The shield in force at ``at`` and still in force now, if any (DEP-4). Several
    obligations may each have shielded the store: the oldest holds the order, and when it
    lifts another still in force takes the order over (see :func:`release`)."""
    statement = (
        select(ObligationRow)
        .where(
            ObligationRow.merchant_id == merchant_id,
            ObligationRow.shielded_at.is_not(None),
            ObligationRow.shielded_at <= at,
            ObligationRow.shield_lifted_at.is_(None),
        )
        .order_by(ObligationRow.id)
    )
    if besides is not None:
        statement = statement.where(ObligationRow.id != besides)
    return ctx.session.scalar(statement.limit(1))


def settle(
    ctx: DepositContext,
    merchant_id: str,
    order_id: str,
    amount: Money,
    *,
    ordered_at: datetime,
    key: str,
    fee: Money = rules.ZERO,
    fee_account: str | None = None,
) -> dict[str, Any]:
    """Pay an order's proceeds (less a fee) to the wallet, or hold them while shielded."""
    now = ctx.now()
    if ordered_at > now:
        raise InvalidInput("an order cannot be made in the future", field="ordered_at")
    if ctx.session.scalar(select(ProceedsRow.id).where(ProceedsRow.order_id == order_id)):
        raise AlreadyExists(f"the proceeds of order {order_id} are settled", field="order_id")
    wallet = ctx.account(merchant_id, WALLET)
    net = amount - fee
    shield = shield_over(ctx, merchant_id, ordered_at)
    row = ProceedsRow(
        merchant_id=merchant_id,
        order_id=order_id,
        amount=amount.cents,
        fee=fee.cents,
        ordered_at=ordered_at,
        settled_at=now,
    )
    what = f"order {order_id} proceeds"
    if shield is None:
        postings = [Posting(BANK, -amount)]
        postings += [Posting(wallet, net)] if net.is_positive() else []
        postings += [Posting(fee_account, fee)] if fee.is_positive() and fee_account else []
        request = TransferRequest(tuple(postings), f"{what} settled", idempotency_key=f"{key}:pay")
        ctx.ledger.post(request)
    else:
        if fee.is_positive() and fee_account:
            fee_key = f"{key}:fee"
            ctx.ledger.post(
                transfer(BANK, fee_account, fee, f"{what}: fee", idempotency_key=fee_key)
            )
        if net.is_positive():
            hold = HoldRequest(
                BANK,
                wallet,
                net,
                f"{what} held under settlement guarantee (DEP-4)",
                idempotency_key=f"{key}:hold",
            )
            row.hold_id = ctx.ledger.hold(hold).id
            row.obligation_id = shield.id
        ctx.event(
            merchant_id,
            "proceeds_held",
            f"{what} held while the store is shielded",
            rule="DEP-4",
            amount=net,
            order_id=order_id,
        )
    ctx.session.add(row)
    ctx.session.flush()
    return {
        "merchant_id": merchant_id,
        "order_id": order_id,
        "amount": amount.to_text(),
        "fee": fee.to_text(),
        "held": shield is not None and net.is_positive(),
        "shield_obligation_id": shield.id if shield is not None else None,
    }
