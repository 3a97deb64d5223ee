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
from shopwarden.decisions.model import Decision
from shopwarden.deposits import policies
from shopwarden.deposits.accounts import FORFEITED, RISK, WALLET, account, held, source
from shopwarden.deposits.merchants import merchant, not_closed
from shopwarden.deposits.risk_rules import RiskFacts, risk_amount, risk_forfeit, risk_unfreeze
from shopwarden.deposits.tables import RiskDepositRow, ViolationRow
from shopwarden.deposits.timeline import decide, event
from shopwarden.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from shopwarden.ledger.model import transfer
from shopwarden.money import Money


def assess(ctx: Context, *, merchant_id: str, tier: str) -> RiskDepositRow:
    """DEP-8: the platform's risk tier sets the amount the member pays to open its store."""
    not_closed(merchant(ctx, merchant_id=merchant_id), "DEP-8")
    if ctx.session.get(RiskDepositRow, merchant_id) is not None:
        raise AlreadyExists(f"merchant {merchant_id} has a risk deposit", field="merchant_id")
    now = ctx.now()
    policy = policies.in_force(ctx, as_of=now)
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
    decide(ctx, decision=decision, as_of=now, key=f"DEP-8:{merchant_id}")
    return row


def deposit(ctx: Context, *, merchant_id: str) -> RiskDepositRow:
    row = ctx.session.get(RiskDepositRow, merchant_id)
    if row is None:  # not the lookup helper's message: tests and clients read this one
        raise NotFound(f"merchant {merchant_id} has no risk deposit", field="merchant_id")
    return row


def pay(ctx: Context, *, merchant_id: str, amount: Money, source: str, key: str) -> RiskDepositRow:
    """Pay towards the risk deposit; the 180-day window starts at full payment (DEP-9)."""
    not_closed(merchant(ctx, merchant_id=merchant_id), "DEP-8")
    row = deposit(ctx, merchant_id=merchant_id)
    if row.status != "awaiting_payment":
        raise Conflict(f"the risk deposit is {row.status}; nothing is due", field="merchant_id")
    due = Money(row.amount - row.paid)
    if amount > due:
        raise InvalidInput(f"{amount} is more than the {due} still due", field="amount")
    ctx.ledger.post(
        transfer(
            _paid_from(ctx, merchant_id, source),
            account(ctx, merchant_id=merchant_id, purpose=RISK),
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
    event(
        ctx, merchant_id=merchant_id, kind="risk_paid", summary=summary, rule="DEP-9", amount=amount
    )
    return row


def _paid_from(ctx: Context, merchant_id: str, paid_from: str) -> str:
    return source(ctx, merchant_id=merchant_id, source=paid_from)


def facts(ctx: Context, *, row: RiskDepositRow) -> RiskFacts:
    """What DEP-9 and DEP-10 look at: full payment, activation, and the store's release."""
    assert row.paid_in_full_at is not None
    found = ctx.session.get(MerchantRow, row.merchant_id)
    released = found.status_changed_at if found and found.status == "closed" else None
    return RiskFacts(row.paid_in_full_at, row.activated_at, released)


def violation(
    ctx: Context, *, merchant_id: str, code: str, punished_at: datetime | None, key: str
) -> dict[str, Any]:
    """DEP-9: record the punishment; a specified serious one inside the window forfeits."""
    merchant(ctx, merchant_id=merchant_id)
    row = deposit(ctx, merchant_id=merchant_id)
    now = ctx.now()
    punished = punished_at or now
    if punished > now:
        raise InvalidInput("a punishment cannot lie in the future", field="punished_at")
    if row.paid_in_full_at is None:
        raise Conflict(
            "the risk deposit is not paid in full yet", field="merchant_id", rule="DEP-9"
        )
    decision = risk_forfeit(
        facts(ctx, row=row),
        code=code,
        punished_at=punished,
        frozen=row.status == "frozen",
        policy=policies.in_force(ctx, as_of=punished),
        merchant_id=merchant_id,
    )
    record = _record(ctx, row, code, (punished, now), decision, key)
    return {
        "merchant_id": merchant_id,
        "violation_id": record.id,
        "code": code,
        "punished_at": punished,
        "forfeited": record.forfeited,
        "risk_status": row.status,
        "summary": decision.summary,
    }


def _record(
    ctx: Context,
    row: RiskDepositRow,
    code: str,
    when: tuple[datetime, datetime],
    decision: Decision,
    key: str,
) -> ViolationRow:
    """Store the violation (punished, recorded ``when``); if the rule forfeits, the risk
    deposit goes to the platform (DEP-9)."""
    merchant_id, (punished, now) = row.merchant_id, when
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
        risk_held = held(ctx, merchant_id=merchant_id, purpose=RISK)
        if risk_held.is_positive():
            ctx.ledger.post(
                transfer(
                    account(ctx, merchant_id=merchant_id, purpose=RISK),
                    FORFEITED,
                    risk_held,
                    f"risk deposit forfeited for {code} (DEP-9)",
                    idempotency_key=f"{key}:forfeit",
                )
            )
        row.status = "forfeited"
        row.closed_at = now
        row.outcome = f"forfeited:{code}"
    summary = decision.summary
    event(ctx, merchant_id=merchant_id, kind="violation", summary=summary, rule="DEP-9", code=code)
    decide(ctx, decision=decision, as_of=now, key=f"DEP-9:violation:{record.id}")
    return record


def unfreeze_due(ctx: Context, *, as_of: datetime) -> dict[str, int]:
    """DEP-10: return every frozen risk deposit whose condition (a), (b) or (c) holds."""
    counts = {"unfrozen_a": 0, "unfrozen_b": 0, "unfrozen_c": 0}
    frozen = ctx.session.scalars(
        select(RiskDepositRow)
        .where(RiskDepositRow.status == "frozen")
        .order_by(RiskDepositRow.merchant_id)
    )
    for row in list(frozen):
        policy = policies.in_force(ctx, as_of=as_of)
        decision = risk_unfreeze(
            facts(ctx, row=row), as_of=as_of, policy=policy, merchant_id=row.merchant_id
        )
        if decision is None:
            continue
        risk_held = held(ctx, merchant_id=row.merchant_id, purpose=RISK)
        if risk_held.is_positive():
            ctx.ledger.post(
                transfer(
                    account(ctx, merchant_id=row.merchant_id, purpose=RISK),
                    account(ctx, merchant_id=row.merchant_id, purpose=WALLET),
                    risk_held,
                    f"risk deposit unfrozen (DEP-10 {decision.outcome[-1]})",
                    idempotency_key=f"dep:risk-unfreeze:{row.merchant_id}",
                    effective_at=as_of,
                )
            )
        row.status = "unfrozen"
        row.closed_at = as_of
        row.outcome = decision.outcome
        key = f"DEP-10:{row.merchant_id}"
        counts[decision.outcome] += decide(ctx, decision=decision, as_of=as_of, key=key)
    return counts


def on_product_changed(ctx: Context, *, product: ProductRow) -> None:
    """Default (DEP-10 a): the store is activated when its first product is listed."""
    if not product.listed:
        return
    row = ctx.session.get(RiskDepositRow, product.merchant_id)
    if row is None or row.activated_at is not None:
        return
    row.activated_at = product.updated_at
    event(
        ctx,
        merchant_id=product.merchant_id,
        kind="store_activated",
        summary=f"store activated: product {product.id} listed",
        at=product.updated_at,
        rule="DEP-10",
        product_id=product.id,
    )
