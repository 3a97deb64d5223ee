"""The store-opening risk deposit: assessment, payment, forfeiture, unfreezing (DEP-8..10).

The window starts at full payment. The store counts as activated when its first product is
listed (SPEC Default), which the catalog tells us through ``on_product_changed``; "fully
released" is the merchant's store closing for good. The cycle returns the deposit when one
of DEP-10's conditions holds; a specified serious violation inside the window forfeits it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from shopwarden.catalog.tables import MerchantRow, ProductRow
from shopwarden.context import Context
from shopwarden.deposits.context import FORFEITED, RISK, WALLET, DepositContext
from shopwarden.deposits.risk_rules import RiskFacts, risk_amount, risk_forfeit, risk_unfreeze
from shopwarden.deposits.tables import EventRow, RiskDepositRow, ViolationRow
from shopwarden.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from shopwarden.ledger.model import transfer
from shopwarden.money import Money


def assess(ctx: DepositContext, merchant_id: str, tier: str) -> RiskDepositRow:
    """DEP-8: the platform's risk tier sets the amount the member pays to open its store."""
    merchant = ctx.merchant(merchant_id)
    ctx.not_closed(merchant, "DEP-8")
    if ctx.session.get(RiskDepositRow, merchant_id) is not None:
        raise AlreadyExists(f"merchant {merchant_id} has a risk deposit", field="merchant_id")
    now = ctx.now()
    policy = ctx.policy(now)
    amount, decision = risk_amount(tier, policy, merchant_id)
    listed = ctx.session.scalar(
        select(ProductRow.id).where(ProductRow.merchant_id == merchant_id, ProductRow.listed)
    )
    row = RiskDepositRow(
        merchant_id=merchant_id,
        tier=tier,
        amount=amount.cents,
        paid=0,
        status="awaiting_payment",
        assessed_at=now,
        activated_at=now if listed else None,  # already selling: activated
        policy_version=policy.version,
    )
    ctx.session.add(row)
    ctx.decide(decision, as_of=now, key=f"DEP-8:{merchant_id}")
    return row


def deposit(ctx: DepositContext, merchant_id: str) -> RiskDepositRow:
    row = ctx.session.get(RiskDepositRow, merchant_id)
    if row is None:
        raise NotFound(f"merchant {merchant_id} has no risk deposit", field="merchant_id")
    return row


def pay(
    ctx: DepositContext, merchant_id: str, amount: Money, source: str, key: str
) -> RiskDepositRow:
    """Pay towards the risk deposit; the 180-day window starts at full payment (DEP-9)."""
    merchant = ctx.merchant(merchant_id)
    ctx.not_closed(merchant, "DEP-8")
    row = deposit(ctx, merchant_id)
    if row.status != "awaiting_payment":
        raise Conflict(f"the risk deposit is {row.status}; nothing is due", field="merchant_id")
    due = Money(row.amount - row.paid)
    if amount > due:
        raise InvalidInput(f"{amount} is more than the {due} still due", field="amount")
    ctx.ledger.post(
        transfer(
            ctx.source(merchant_id, source),
            ctx.account(merchant_id, RISK),
            amount,
            "store-opening risk deposit paid and frozen (DEP-8)",
            idempotency_key=f"{key}:risk",
        )
    )
    now = ctx.now()
    row.paid += amount.cents
    summary = f"risk deposit: {amount} paid, {Money(row.amount - row.paid)} still due"
    if row.paid == row.amount:
        row.status = "frozen"
        row.paid_in_full_at = now
        summary = f"risk deposit paid in full ({Money(row.amount)}): the 180-day window starts"
    ctx.event(merchant_id, "risk_paid", summary, rule="DEP-9", amount=amount)
    return row


def facts(ctx: DepositContext, row: RiskDepositRow) -> RiskFacts:
    assert row.paid_in_full_at is not None
    merchant = ctx.session.get(MerchantRow, row.merchant_id)
    released = merchant.status_changed_at if merchant and merchant.status == "closed" else None
    return RiskFacts(row.paid_in_full_at, row.activated_at, released)


def violation(
    ctx: DepositContext, merchant_id: str, code: str, punished_at: datetime | None, key: str
) -> dict[str, Any]:
    """DEP-9: record the punishment; a specified serious one inside the window forfeits."""
    ctx.merchant(merchant_id)
    row = deposit(ctx, merchant_id)
    now = ctx.now()
    punished = punished_at or now
    if punished > now:
        raise InvalidInput("a punishment cannot lie in the future", field="punished_at")
    if row.paid_in_full_at is None:
        raise Conflict(
            "the risk deposit is not paid in full yet", field="merchant_id", rule="DEP-9"
        )
    decision = risk_forfeit(
        facts(ctx, row),
        code=code,
        punished_at=punished,
        frozen=row.status == "frozen",
        policy=ctx.policy(punished),
        merchant_id=merchant_id,
    )
    forfeits = decision.outcome == "forfeited"
    record = ViolationRow(
        merchant_id=merchant_id,
        code=code,
        punished_at=punished,
        recorded_at=now,
        forfeited=forfeits,
    )
    ctx.session.add(record)
    ctx.session.flush()
    if forfeits:
        held = ctx.held(merchant_id, RISK)
        if held.is_positive():
            ctx.ledger.post(
                transfer(
                    ctx.account(merchant_id, RISK),
                    FORFEITED,
                    held,
                    f"risk deposit forfeited for {code} (DEP-9)",
                    idempotency_key=f"{key}:forfeit",
                )
            )
        row.status = "forfeited"
        row.closed_at = now
        row.outcome = f"forfeited:{code}"
    ctx.event(merchant_id, "violation", decision.summary, rule="DEP-9", code=code)
    ctx.decide(decision, as_of=now, key=f"DEP-9:violation:{record.id}")
    return {
        "merchant_id": merchant_id,
        "violation_id": record.id,
        "code": code,
        "punished_at": punished,
        "forfeited": forfeits,
        "risk_status": row.status,
        "summary": decision.summary,
    }


def unfreeze_due(ctx: DepositContext, as_of: datetime) -> dict[str, int]:
    """DEP-10: return every frozen risk deposit whose condition (a), (b) or (c) holds."""
    counts = {"unfrozen_a": 0, "unfrozen_b": 0, "unfrozen_c": 0}
    frozen = ctx.session.scalars(
        select(RiskDepositRow)
        .where(RiskDepositRow.status == "frozen")
        .order_by(RiskDepositRow.merchant_id)
    )
    for row in list(frozen):
        decision = risk_unfreeze(
            facts(ctx, row), as_of=as_of, policy=ctx.policy(as_of), merchant_id=row.merchant_id
        )
        if decision is None:
            continue
        held = ctx.held(row.merchant_id, RISK)
        if held.is_positive():
            ctx.ledger.post(
                transfer(
                    ctx.account(row.merchant_id, RISK),
                    ctx.account(row.merchant_id, WALLET),
                    held,
                    f"risk deposit unfrozen (DEP-10 {decision.outcome[-1]})",
                    idempotency_key=f"dep:risk-unfreeze:{row.merchant_id}",
                    effective_at=as_of,
                )
            )
        row.status = "unfrozen"
        row.closed_at = as_of
        row.outcome = decision.outcome
        counts[decision.outcome] += ctx.decide(
            decision, as_of=as_of, key=f"DEP-10:{row.merchant_id}"
        )
    return counts


def on_product_changed(ctx: Context, product: ProductRow) -> None:
    """Default (DEP-10 a): the store is activated when its first product is listed."""
    session = ctx.session
    if not product.listed:
        return
    row = session.get(RiskDepositRow, product.merchant_id)
    if row is None or row.activated_at is not None:
        return
    row.activated_at = product.updated_at
    session.add(
        EventRow(
            merchant_id=product.merchant_id,
            at=product.updated_at,
            kind="store_activated",
            rule_id="DEP-10",
            amount=None,
            summary=f"store activated: product {product.id} listed",
            details={"product_id": product.id},
        )
    )
