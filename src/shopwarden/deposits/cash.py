"""The consumer-protection cash deposit: paying, the requirement, and top-up obligations.

DEP-1 freezes paid cash in the merchant's ``cash_deposit`` account, out of its wallet's reach.
DEP-2 and DEP-3 compare that balance with what the merchant's categories require; a gap, or
compensation a consumer is still owed, opens one top-up obligation per merchant whose clock
runs from its opening (DEP-4). Paying closes it: badges come back at once, and a shield is
scheduled to lift 24 hours later (DEP-5).
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from shopwarden.catalog.tables import ProductRow
from shopwarden.decisions.model import Decision
from shopwarden.deposits import rules
from shopwarden.deposits.context import CASH, COMPENSATION, DepositContext
from shopwarden.deposits.rules import Policy
from shopwarden.deposits.tables import (
    AfterSalesRow,
    CoverRow,
    EnrolmentRow,
    ObligationRow,
)
from shopwarden.errors import RuleRefused
from shopwarden.ledger.model import TransferRequest, transfer
from shopwarden.money import Money


def cover_at(ctx: DepositContext, merchant_id: str, at: datetime) -> CoverRow | None:
    """The insurance cover running at ``at`` (DEP-6), if any."""
    return ctx.session.scalar(
        select(CoverRow)
        .where(CoverRow.merchant_id == merchant_id, CoverRow.starts_at <= at, CoverRow.ends_at > at)
        .limit(1)
    )


def unpaid_compensation(ctx: DepositContext, merchant_id: str) -> Money:
    total = ctx.session.scalar(
        select(func.coalesce(func.sum(AfterSalesRow.unpaid), 0)).where(
            AfterSalesRow.merchant_id == merchant_id
        )
    )
    return Money(int(total or 0))


def open_obligation(ctx: DepositContext, merchant_id: str) -> ObligationRow | None:
    return ctx.session.scalar(
        select(ObligationRow).where(
            ObligationRow.merchant_id == merchant_id, ObligationRow.status == "open"
        )
    )


def listed_categories(ctx: DepositContext, merchant_id: str) -> list[str]:
    """DEP-2: the categories the merchant sells in are those of its listed products."""
    statement = select(ProductRow.category_code).where(
        ProductRow.merchant_id == merchant_id, ProductRow.listed.is_(True)
    )
    return sorted(set(ctx.session.scalars(statement)))


def required(ctx: DepositContext, merchant_id: str, as_of: datetime) -> tuple[Money, Decision]:
    """DEP-2; nothing is required of a merchant not under consumer protection."""
    policy = ctx.policy(as_of)
    if ctx.session.get(EnrolmentRow, merchant_id) is None:
        return rules.ZERO, policy.decide(
            "DEP-2",
            merchant_id,
            f"merchant {merchant_id} cash deposit",
            "not_enrolled",
            "no deposit paid yet: nothing is required to stay frozen",
            rules.info("consumer protection", "not enrolled"),
        )
    return category_requirement(ctx, merchant_id, as_of)


def category_requirement(
    ctx: DepositContext, merchant_id: str, as_of: datetime
) -> tuple[Money, Decision]:
    """DEP-2 for a merchant under consumer protection (or about to be)."""
    return rules.required_cash(
        listed_categories(ctx, merchant_id),
        ctx.tree,
        cover_active=cover_at(ctx, merchant_id, as_of) is not None,
        policy=ctx.policy(as_of),
        merchant_id=merchant_id,
    )


def reassess(
    ctx: DepositContext, merchant_id: str, as_of: datetime, reason: str
) -> ObligationRow | None:
    """DEP-3: open, update or close the merchant's one top-up obligation."""
    policy = ctx.policy(as_of)
    needed, why = required(ctx, merchant_id, as_of)
    due, decision = rules.shortfall(
        required=needed,
        held=ctx.held(merchant_id, CASH),
        unpaid=unpaid_compensation(ctx, merchant_id),
        policy=policy,
        merchant_id=merchant_id,
    )
    decision = dataclasses.replace(decision, items=decision.items + why.items)
    obligation = open_obligation(ctx, merchant_id)
    if due.is_positive():
        if obligation is None:
            obligation = ObligationRow(
                merchant_id=merchant_id,
                reason=reason,
                status="open",
                amount_due=due.cents,
                opened_at=as_of,
                policy_version=policy.version,
            )
            ctx.session.add(obligation)
            ctx.session.flush()
            decision = dataclasses.replace(decision, subject=f"top-up obligation {obligation.id}")
            ctx.decide(decision, as_of=as_of, key=f"DEP-3:open:{obligation.id}")
        elif obligation.amount_due != due.cents:
            obligation.amount_due = due.cents
            ctx.event(
                merchant_id,
                "obligation_changed",
                f"top-up obligation {obligation.id} now due {due} ({reason})",
                at=as_of,
                rule="DEP-3",
                amount=due,
            )
        return obligation
    if obligation is not None:
        meet(ctx, obligation, as_of, policy)
    return None


def meet(ctx: DepositContext, obligation: ObligationRow, at: datetime, policy: Policy) -> None:
    """The top-up is made: badges back at once (DEP-4), the shield lifts later (DEP-5)."""
    obligation.status = "met"
    obligation.met_at = at
    obligation.amount_due = 0
    merchant_id = obligation.merchant_id
    ctx.event(
        merchant_id, "obligation_met", f"top-up obligation {obligation.id} met", at=at, rule="DEP-3"
    )
    if obligation.badges_revoked_at is not None and obligation.badges_restored_at is None:
        obligation.badges_restored_at = at
        decision = rules.badges_restored(
            obligation_id=obligation.id, met_at=at, policy=policy, merchant_id=merchant_id
        )
        ctx.decide(decision, as_of=at, key=f"DEP-4:restore:{obligation.id}")
    if obligation.shielded_at is not None and obligation.shield_lifted_at is None:
        obligation.shield_lift_due_at = rules.shield_lift_at(at, policy)
        ctx.event(
            merchant_id,
            "shield_lift_scheduled",
            f"shield lifts at {rules.At(obligation.shield_lift_due_at)}",
            at=at,
            rule="DEP-5",
        )


def pay(
    ctx: DepositContext, merchant_id: str, amount: Money, source: str, key: str
) -> dict[str, Any]:
    """DEP-1 pay, or top up (DEP-3): compensation still owed is paid first, the rest frozen."""
    merchant = ctx.merchant(merchant_id)
    ctx.not_closed(merchant, "DEP-1")
    now = ctx.now()
    if ctx.session.get(EnrolmentRow, merchant_id) is None:
        ctx.session.add(EnrolmentRow(merchant_id=merchant_id, enrolled_at=now))
        ctx.session.flush()
        needed, _ = required(ctx, merchant_id, now)
        if amount < needed:
            raise RuleRefused(
                f"the first cash deposit is at least the required {needed}, not {amount}",
                field="amount",
                rule="DEP-1",
                extra={"required": needed.to_text()},
            )
    paying = ctx.source(merchant_id, source)
    cash = ctx.account(merchant_id, CASH)
    requests: list[TransferRequest] = []
    remaining = amount
    owed = ctx.session.scalars(
        select(AfterSalesRow)
        .where(AfterSalesRow.merchant_id == merchant_id, AfterSalesRow.unpaid > 0)
        .order_by(AfterSalesRow.closed_at, AfterSalesRow.id)
    )
    to_consumers = rules.ZERO
    for case in owed:
        part = min(remaining, Money(case.unpaid))
        if not part.is_positive():
            break
        requests.append(
            transfer(
                paying,
                COMPENSATION,
                part,
                f"compensation owed on after-sales case {case.id} (DEP-3)",
                idempotency_key=f"{key}:case:{case.id}",
            )
        )
        case.unpaid -= part.cents
        remaining -= part
        to_consumers += part
    if remaining.is_positive():
        requests.append(
            transfer(
                paying,
                cash,
                remaining,
                "cash deposit paid and frozen (DEP-1)",
                idempotency_key=f"{key}:cash",
            )
        )
    ctx.ledger.post_many(requests)
    ctx.event(
        merchant_id,
        "cash_paid",
        f"paid {amount}: {remaining} frozen as cash deposit, {to_consumers} to consumers owed",
        rule="DEP-1",
        amount=amount,
        source=source,
    )
    obligation = reassess(ctx, merchant_id, now, reason="categories")
    return {
        "merchant_id": merchant_id,
        "paid": amount.to_text(),
        "frozen": remaining.to_text(),
        "compensation_settled": to_consumers.to_text(),
        "cash_held": ctx.held(merchant_id, CASH).to_text(),
        "open_obligation_id": obligation.id if obligation is not None else None,
    }
