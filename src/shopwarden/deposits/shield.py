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
from shopwarden.context import Context
from shopwarden.deposits import policies, rules
from shopwarden.deposits.accounts import BANK, WALLET, account
from shopwarden.deposits.tables import ObligationRow, ProceedsRow
from shopwarden.deposits.timeline import decide, event
from shopwarden.errors import AlreadyExists, InvalidInput
from shopwarden.ledger.model import HoldRequest, Posting, TransferRequest, transfer
from shopwarden.money import Money


def escalate(ctx: Context, *, as_of: datetime) -> dict[str, int]:
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
    policy = policies.in_force(ctx, as_of=as_of)
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
            counts[decision.outcome] += decide(ctx, decision=decision, as_of=as_of, key=key)
    return counts


def lift_due(ctx: Context, *, as_of: datetime) -> dict[str, int]:
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
            policy=policies.in_force(ctx, as_of=obligation.met_at),
            merchant_id=obligation.merchant_id,
        )
        if decision is None:
            continue
        obligation.shield_lifted_at = as_of
        released += release(ctx, obligation=obligation, at=as_of)
        lifted += decide(ctx, decision=decision, as_of=as_of, key=f"DEP-5:{obligation.id}")
        merchant_id = obligation.merchant_id
        other = shield_over(ctx, merchant_id=merchant_id, at=as_of, besides=obligation.id)
        if other is not None:  # DEP-4: another obligation, unmet at 5 days, still shields
            event(
                ctx,
                merchant_id=merchant_id,
                kind="still_shielded",
                summary=f"shield of top-up obligation {obligation.id} lifted; the store stays "
                f"shielded for top-up obligation {other.id}",
                at=as_of,
                rule="DEP-4",
            )
    return {"shields_lifted": lifted, "proceeds_released": released}


def release(ctx: Context, *, obligation: ObligationRow, at: datetime) -> int:
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
        merchant_id, net = proceeds.merchant_id, Money(proceeds.amount - proceeds.fee)
        other = shield_over(
            ctx, merchant_id=merchant_id, at=proceeds.ordered_at, besides=obligation.id
        )
        if other is not None:
            proceeds.obligation_id = other.id
            event(
                ctx,
                merchant_id=merchant_id,
                kind="proceeds_still_held",
                summary=f"proceeds of order {proceeds.order_id} stay held: the store is still "
                f"shielded for top-up obligation {other.id}",
                at=at,
                rule="DEP-4",
                amount=net,
            )
            continue
        ctx.ledger.post_hold(
            proceeds.hold_id,
            description=f"order {proceeds.order_id}: settlement guarantee released (DEP-5)",
            effective_at=at,
        )
        proceeds.released_at = at
        event(
            ctx,
            merchant_id=merchant_id,
            kind="proceeds_released",
            summary=f"proceeds of order {proceeds.order_id} released to the wallet",
            at=at,
            rule="DEP-5",
            amount=net,
        )
        count += 1
    return count


def shield_over(
    ctx: Context, *, merchant_id: str, at: datetime, besides: int | None = None
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
    ctx: Context,
    *,
    merchant_id: str,
    order_id: str,
    amount: Money,
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
    wallet = account(ctx, merchant_id=merchant_id, purpose=WALLET)
    shield = shield_over(ctx, merchant_id=merchant_id, at=ordered_at)
    row = ProceedsRow(
        merchant_id=merchant_id,
        order_id=order_id,
        amount=amount.cents,
        fee=fee.cents,
        ordered_at=ordered_at,
        settled_at=now,
    )
    fees = (fee, fee_account) if fee.is_positive() and fee_account else None
    if shield is None:
        _pay_out(ctx, row, wallet, fees, key)
    else:
        _hold(ctx, row, shield, wallet, fees, key)
    ctx.session.add(row)
    ctx.session.flush()
    net = amount - fee
    return {
        "merchant_id": merchant_id,
        "order_id": order_id,
        "amount": amount.to_text(),
        "fee": fee.to_text(),
        "held": shield is not None and net.is_positive(),
        "shield_obligation_id": shield.id if shield is not None else None,
    }


def _pay_out(
    ctx: Context, row: ProceedsRow, wallet: str, fees: tuple[Money, str] | None, key: str
) -> None:
    """Not shielded: the proceeds less the fee go to the wallet at once, in one posting."""
    amount, net = Money(row.amount), Money(row.amount - row.fee)
    postings = [Posting(BANK, -amount)]
    postings += [Posting(wallet, net)] if net.is_positive() else []
    postings += [Posting(fees[1], fees[0])] if fees else []
    request = TransferRequest(
        tuple(postings), f"order {row.order_id} proceeds settled", idempotency_key=f"{key}:pay"
    )
    ctx.ledger.post(request)


def _hold(
    ctx: Context,
    row: ProceedsRow,
    shield: ObligationRow,
    wallet: str,
    fees: tuple[Money, str] | None,
    key: str,
) -> None:
    """Shielded (DEP-4): the fee is charged, the rest held towards the wallet until it lifts."""
    what = f"order {row.order_id} proceeds"
    net = Money(row.amount - row.fee)
    if fees:
        fee, fee_account = fees
        ctx.ledger.post(
            transfer(BANK, fee_account, fee, f"{what}: fee", idempotency_key=f"{key}:fee")
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
    event(
        ctx,
        merchant_id=row.merchant_id,
        kind="proceeds_held",
        summary=f"{what} held while the store is shielded",
        rule="DEP-4",
        amount=net,
        order_id=row.order_id,
    )
