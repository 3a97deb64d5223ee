"""The deposit rules the governance cycle applies, in order, as of its instant.

Order matters: a lapsed cover is a new shortfall (DEP-7) before shortfalls are swept (DEP-3),
opened at the cover's end (``cash.reassess``), and an obligation opened before now — a late
cycle's lapse or policy version — can be escalated in the same run (DEP-4). Every step records its
decisions under a dedupe key and changes state only when the decision is new, so a second run
for the same instant, or a later one, applies nothing twice. Importing this module also
subscribes the risk deposit (activation, DEP-10 a) and the cash deposit's requirement (DEP-2,
DEP-3) to product changes.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, union

from shopwarden.catalog.service import on_product_changed
from shopwarden.catalog.tables import MerchantRow
from shopwarden.cycle.registry import StepContext, cycle_step
from shopwarden.deposits import campaigns, cash, insurance, refunds, risk, shield
from shopwarden.deposits.cash import reassess
from shopwarden.deposits.context import DepositContext
from shopwarden.deposits.tables import (
    CampaignRow,
    EnrolmentRow,
    ObligationRow,
    RefundRow,
    RiskDepositRow,
)
from shopwarden.errors import NotFound

on_product_changed(risk.on_product_changed)
on_product_changed(cash.on_product_changed)  # DEP-2, DEP-3: a dearer listing opens its top-up


def _context(step: StepContext) -> DepositContext | None:
    """None when no deposits policy is in force at the instant: nothing to apply then."""
    try:
        step.policies.in_force("deposits", step.as_of)
    except NotFound:
        return None
    return DepositContext(step.session, step.clock, step.policies)


SKIPPED = {"skipped": "no deposits policy in force"}


@cycle_step("deposits-lock", "DEP-15")
def lock_merchants(step: StepContext) -> dict[str, Any]:
    """Lock every merchant with deposit state first, in id order, before any money moves."""
    ctx = _context(step)
    if ctx is None:
        return SKIPPED
    ids = union(
        select(EnrolmentRow.merchant_id),
        select(ObligationRow.merchant_id).where(ObligationRow.shield_lifted_at.is_(None)),
        select(RiskDepositRow.merchant_id).where(RiskDepositRow.status == "frozen"),
        select(CampaignRow.merchant_id).where(CampaignRow.status == "running"),
        select(RefundRow.merchant_id).where(RefundRow.status == "pending"),
    )
    found = list(step.session.scalars(ids))
    ctx.lock_merchants(found)
    return {"merchants": len(found)}


@cycle_step("deposits-insurance-lapse", "DEP-7")
def insurance_lapse(step: StepContext) -> dict[str, Any]:
    ctx = _context(step)
    return SKIPPED if ctx is None else insurance.lapse_due(ctx, step.as_of)


@cycle_step("deposits-shortfalls", "DEP-2", "DEP-3")
def shortfalls(step: StepContext) -> dict[str, Any]:
    """The categories a merchant sells in may need more than it holds now (DEP-2, DEP-3)."""
    ctx = _context(step)
    if ctx is None:
        return SKIPPED
    statement = (
        select(EnrolmentRow.merchant_id)
        .join(MerchantRow, MerchantRow.id == EnrolmentRow.merchant_id)
        .where(MerchantRow.status == "open")
        .order_by(EnrolmentRow.merchant_id)
    )
    open_now = 0
    for merchant_id in list(step.session.scalars(statement)):
        open_now += reassess(ctx, merchant_id, step.as_of, reason="categories") is not None
    return {"open_obligations": open_now}


@cycle_step("deposits-escalation", "DEP-4")
def escalation(step: StepContext) -> dict[str, Any]:
    ctx = _context(step)
    return SKIPPED if ctx is None else dict(shield.escalate(ctx, step.as_of))


@cycle_step("deposits-shield-lift", "DEP-5")
def shield_lift(step: StepContext) -> dict[str, Any]:
    ctx = _context(step)
    return SKIPPED if ctx is None else dict(shield.lift_due(ctx, step.as_of))


@cycle_step("deposits-risk", "DEP-10")
def risk_unfreeze(step: StepContext) -> dict[str, Any]:
    ctx = _context(step)
    return SKIPPED if ctx is None else dict(risk.unfreeze_due(ctx, step.as_of))


@cycle_step("deposits-campaigns", "DEP-11")
def campaign_end(step: StepContext) -> dict[str, Any]:
    ctx = _context(step)
    return SKIPPED if ctx is None else dict(campaigns.end_due(ctx, step.as_of))


@cycle_step("deposits-refunds-overdue", "DEP-14")
def refunds_overdue(step: StepContext) -> dict[str, Any]:
    ctx = _context(step)
    return SKIPPED if ctx is None else dict(refunds.flag_overdue(ctx, step.as_of))
