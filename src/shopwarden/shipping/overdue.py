"""Overdue shipments reported by the order system: penalty or waiver, and compensation (SHIP-4, 5).

One use case, one unit of work: the merchant is locked, the week's exemption is decided if no
cycle has yet (``weeks.py``), the rules decide penalty or waiver (``penalty_rules.py``), the
exemption is used, the money moves in one balanced ledger transaction and both decisions are
recorded; a refusal changes nothing. The wallet pays what it can; the platform advances the
rest from ``shipping_receivables`` and the daily cycle collects it from the wallet later
(:func:`collect_owed`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from shopwarden.catalog.tables import MerchantRow
from shopwarden.context import Context
from shopwarden.db.lookup import locked_or_raise
from shopwarden.errors import AlreadyExists, Conflict, InvalidInput, NotFound, RuleRefused
from shopwarden.ledger.model import Posting, TransferRequest, transfer
from shopwarden.money import Money
from shopwarden.shipping import weeks
from shopwarden.shipping.accounts import (
    COMPENSATION,
    PENALTIES,
    RECEIVABLES,
    locked_available,
    wallet,
)
from shopwarden.shipping.penalty_rules import Overdue, local, overdue_outcome, split_charge
from shopwarden.shipping.policies import policy_at
from shopwarden.shipping.rules import Policy
from shopwarden.shipping.tables import ExemptionRow, OverdueRow
from shopwarden.shipping.week_rules import Week, committed_in_stock, overdue_now, week_of


def record_overdue(
    ctx: Context,
    *,
    order_id: str,
    merchant_id: str,
    paid_at: datetime,
    promised_shipping_hours: int,
    flash_purchase: bool,
    shipped_at: datetime | None,
    key: str,
) -> OverdueRow:
    """The order system reports that ``order_id`` missed its promised shipping time."""
    now = ctx.now()
    _lock_new(ctx, merchant_id, order_id)
    deadline = paid_at + timedelta(hours=promised_shipping_hours)
    _check_overdue(paid_at, deadline, shipped_at, now)
    policy = policy_at(ctx, as_of=now)
    week = week_of(now, policy.params.week.starts_on)
    exemption = _week_exemption(ctx, merchant_id, week, now)
    left = 0 if exemption is None else exemption.granted + exemption.carried_in - exemption.used
    outcome = overdue_outcome(
        order_id=order_id, merchant_id=merchant_id, deadline=deadline, shipped_at=shipped_at,
        week=week, exemptions_left=left, policy=policy,
    )  # fmt: skip
    if outcome.waived:
        assert exemption is not None
        _use(ctx, exemption)
    row = OverdueRow(
        order_id=order_id,
        merchant_id=merchant_id,
        paid_at=paid_at,
        promised_shipping_hours=promised_shipping_hours,
        flash_purchase=flash_purchase,
        deadline=deadline,
        shipped_at=shipped_at,
        reported_at=now,
        week_start=week.first_day,
        exemption_id=exemption.id if outcome.waived and exemption else None,
        **_decided(outcome, policy, promised_shipping_hours, flash_purchase),
    )
    _pay(ctx, row, outcome, key)
    ctx.session.add(row)
    ctx.session.flush()
    ctx.record(outcome.penalty_decision, as_of=now, key=f"SHIP-4:overdue:{order_id}")
    ctx.record(outcome.compensation_decision, as_of=now, key=f"SHIP-5:overdue:{order_id}")
    return row


def _lock_new(ctx: Context, merchant_id: str, order_id: str) -> None:
    """Lock the merchant first (its reports take turns); an order is reported once."""
    locked_or_raise(ctx.session, MerchantRow, merchant_id, what="merchant", field="merchant_id")
    if ctx.session.scalar(select(OverdueRow.id).where(OverdueRow.order_id == order_id)):
        raise AlreadyExists(
            f"the overdue shipment of order {order_id} is recorded already", field="order_id"
        )


def _decided(outcome: Overdue, policy: Policy, hours: int, flash: bool) -> dict[str, object]:
    """The columns the rules decided: the classification, the outcome and its amounts."""
    return {
        "committed_in_stock": committed_in_stock(hours, flash, policy.params.committed_in_stock),
        "outcome": outcome.penalty_decision.outcome,
        "penalty": outcome.penalty.cents,
        "charged": outcome.charged.cents,
        "compensation": outcome.compensation.cents,
        "collected": 0,
        "policy_version": policy.version,
    }


def _check_overdue(
    paid_at: datetime, deadline: datetime, shipped_at: datetime | None, now: datetime
) -> None:
    """Refuse a report the facts in it contradict: nothing overdue is charged."""
    if paid_at > now:
        raise InvalidInput(f"paid_at {local(paid_at)} is in the future", field="paid_at")
    if shipped_at is not None and not paid_at <= shipped_at <= now:
        raise InvalidInput(
            f"shipped_at {local(shipped_at)} must lie between paid_at and now", field="shipped_at"
        )
    if not overdue_now(deadline=deadline, shipped_at=shipped_at, now=now):
        if shipped_at is not None:
            detail, where = f"shipped {local(shipped_at)}, by its promised time", "shipped_at"
        else:
            detail, where = "its promised time has not passed yet", "paid_at"
        raise RuleRefused(
            f"not overdue: {detail} ({local(deadline)}: paid_at + promised hours); a shipment "
            "is overdue once its promised time has passed without it",
            field=where,
            rule="SHIP-4",
        )


def _week_exemption(
    ctx: Context, merchant_id: str, week: Week, now: datetime
) -> ExemptionRow | None:
    """The merchant's exemptions of ``week``, decided now if no cycle has yet (SHIP-3)."""
    weeks.close_ended(ctx, as_of=now, merchant_id=merchant_id)
    weeks.evaluate_week(ctx, week=week, merchant_ids=[merchant_id], by=weeks.OVERDUE)
    statement = select(ExemptionRow).where(
        ExemptionRow.merchant_id == merchant_id, ExemptionRow.week_start == week.first_day
    )
    return ctx.session.scalars(statement).first()


def _use(ctx: Context, exemption: ExemptionRow) -> None:
    """SHIP-4: the exemption is used, exactly once even if two reports race."""
    result = ctx.session.execute(
        update(ExemptionRow)
        .where(ExemptionRow.id == exemption.id, ExemptionRow.used == exemption.used)
        .values(used=exemption.used + 1)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict("the week's exemption was used meanwhile; report again", field="order_id")
    ctx.session.refresh(exemption)


def _pay(ctx: Context, row: OverdueRow, outcome: Overdue, key: str) -> None:
    """One balanced transaction: the wallet pays what it can, the platform advances the rest
    (owed), the penalty (unless waived) and the compensation (always) are credited."""
    due = outcome.due
    source = wallet(ctx, merchant_id=row.merchant_id)
    from_wallet, owed = split_charge(due, locked_available(ctx, code=source))
    row.from_wallet, row.owed = from_wallet.cents, owed.cents
    if not due.is_positive():
        return
    legs = [
        Posting(source, -from_wallet),
        Posting(RECEIVABLES, -owed),
        Posting(PENALTIES, outcome.charged),
        Posting(COMPENSATION, outcome.compensation),
    ]
    penalty = "waived (SHIP-4)" if outcome.waived else f"penalty {outcome.charged} (SHIP-4)"
    request = TransferRequest(
        postings=tuple(leg for leg in legs if leg.amount.cents != 0),
        description=f"overdue shipment of order {row.order_id}: {penalty}, "
        f"compensation {outcome.compensation} (SHIP-5)"
        + (f"; {owed} advanced, owed by the merchant" if owed.is_positive() else ""),
        idempotency_key=f"{key}:overdue",
        details={"order_id": row.order_id, "merchant_id": row.merchant_id},
    )
    row.transaction_id = ctx.ledger.post(request).id


def overdue(ctx: Context, *, order_id: str) -> OverdueRow:
    """The recorded overdue shipment of ``order_id``; 404 naming it otherwise."""
    row = ctx.session.scalar(select(OverdueRow).where(OverdueRow.order_id == order_id))
    if row is None:
        raise NotFound(f"no overdue shipment of order {order_id}", field="order_id")
    return row


# collection ---------------------------------------------------------------------------------
def collect_owed(ctx: Context, *, as_of: datetime) -> dict[str, int]:
    """Take what merchants owe for advanced penalties and compensation from their wallets,
    oldest first, as far as each wallet can pay now."""
    owing = select(OverdueRow.merchant_id).where(OverdueRow.owed > OverdueRow.collected)
    merchants = sorted(set(ctx.session.scalars(owing)))
    collected = 0
    for merchant_id in merchants:
        collected += _collect(ctx, merchant_id, as_of)
    return {"merchants_owing": len(merchants), "collected_cents": collected}


def _collect(ctx: Context, merchant_id: str, as_of: datetime) -> int:
    rows = list(
        ctx.session.scalars(
            select(OverdueRow)
            .where(OverdueRow.merchant_id == merchant_id, OverdueRow.owed > OverdueRow.collected)
            .order_by(OverdueRow.reported_at, OverdueRow.id)
        )
    )
    remaining = sum(r.owed - r.collected for r in rows)
    source = wallet(ctx, merchant_id=merchant_id)
    take = min(remaining, max(locked_available(ctx, code=source).cents, 0))
    if take <= 0:
        return 0
    ctx.ledger.post(
        transfer(
            source,
            RECEIVABLES,
            Money(take),
            f"collected: penalties and compensation advanced for {len(rows)} overdue "
            "shipment(s) (SHIP-4, SHIP-5)",
            idempotency_key=f"shipping:collect:{merchant_id}:{as_of.isoformat()}",
            details={"merchant_id": merchant_id, "orders": [r.order_id for r in rows][:50]},
        )
    )
    left = take
    for row in rows:
        part = min(left, row.owed - row.collected)
        row.collected += part
        left -= part
    return take


def owed_by(ctx: Context, *, merchant_id: str) -> Money:
    """What the merchant still owes for advanced penalties and compensation."""
    total = ctx.session.scalar(
        select(func.coalesce(func.sum(OverdueRow.owed - OverdueRow.collected), 0)).where(
            OverdueRow.merchant_id == merchant_id
        )
    )
    return Money(int(total or 0))
