"""The deposit rules the governance cycle applies, in order, as of its instant.

Order matters: a lapsed cover is a new shortfall (DEP-7) before shortfalls are swept (DEP-3),
opened at the cover's end (``obligations.reassess``), and an obligation opened before now — a late
cycle's lapse or policy version — can be escalated in the same run (DEP-4). Every step records its
decisions under a dedupe key and changes state only when the decision is new, so a second run
for the same instant, or a later one, applies nothing twice. The product
listeners (risk activation, DEP-10 a; the cash requirement, DEP-2, DEP-3) are wired by the
composition root, ``families.py``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, union

from shopwarden.catalog.tables import MerchantRow
from shopwarden.context import Context
from shopwarden.cycle.registry import cycle_step
from shopwarden.deposits import campaigns, insurance, merchants, refunds, risk, rules, shield
from shopwarden.deposits.obligations import reassess
from shopwarden.deposits.sweep import settled_as_assessed
from shopwarden.deposits.tables import (
    CampaignRow,
    EnrolmentRow,
    ObligationRow,
    RefundRow,
    RiskDepositRow,
)

SKIPPED = {"skipped": "no deposits policy in force"}


def _skipped(ctx: Context, as_of: datetime) -> bool:
    """True when no deposits policy is in force at the instant: nothing to apply then."""
    return not ctx.has_policy(rules.FAMILY, as_of)


@cycle_step("deposits-lock", "DEP-15")
def lock_merchants(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    """Lock every merchant with deposit state first, in id order, before any money moves."""
    if _skipped(ctx, as_of):
        return SKIPPED
    ids = union(
        select(EnrolmentRow.merchant_id),
        select(ObligationRow.merchant_id).where(ObligationRow.shield_lifted_at.is_(None)),
        select(RiskDepositRow.merchant_id).where(RiskDepositRow.status == "frozen"),
        select(CampaignRow.merchant_id).where(CampaignRow.status == "running"),
        select(RefundRow.merchant_id).where(RefundRow.status == "pending"),
    )
    found = list(ctx.session.scalars(ids))
    merchants.lock_merchants(ctx, merchant_ids=found)
    return {"merchants": len(found)}


@cycle_step("deposits-insurance-lapse", "DEP-7")
def insurance_lapse(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    return SKIPPED if _skipped(ctx, as_of) else insurance.lapse_due(ctx, as_of=as_of)


@cycle_step("deposits-shortfalls", "DEP-2", "DEP-3")
def shortfalls(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    """The categories a merchant sells in may need more than it holds now (DEP-2, DEP-3)."""
    if _skipped(ctx, as_of):
        return SKIPPED
    statement = (
        select(EnrolmentRow.merchant_id)
        .join(MerchantRow, MerchantRow.id == EnrolmentRow.merchant_id)
        .where(MerchantRow.status == "open")
        .order_by(EnrolmentRow.merchant_id)
    )
    enrolled = list(ctx.session.scalars(statement))
    # Read set-wise first: only a merchant whose due may have moved is reassessed on its own.
    settled = settled_as_assessed(ctx, merchant_ids=enrolled, as_of=as_of)
    open_now = sum(settled.values())
    for merchant_id in enrolled:
        if merchant_id not in settled:
            found = reassess(ctx, merchant_id=merchant_id, as_of=as_of, reason="categories")
            open_now += found is not None
    return {"open_obligations": open_now}


@cycle_step("deposits-escalation", "DEP-4")
def escalation(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    return SKIPPED if _skipped(ctx, as_of) else dict(shield.escalate(ctx, as_of=as_of))


@cycle_step("deposits-shield-lift", "DEP-5")
def shield_lift(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    return SKIPPED if _skipped(ctx, as_of) else dict(shield.lift_due(ctx, as_of=as_of))


@cycle_step("deposits-risk", "DEP-10")
def risk_unfreeze(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    return SKIPPED if _skipped(ctx, as_of) else dict(risk.unfreeze_due(ctx, as_of=as_of))


@cycle_step("deposits-campaigns", "DEP-11")
def campaign_end(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    return SKIPPED if _skipped(ctx, as_of) else dict(campaigns.end_due(ctx, as_of=as_of))


@cycle_step("deposits-refunds-overdue", "DEP-14")
def refunds_overdue(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    return SKIPPED if _skipped(ctx, as_of) else dict(refunds.flag_overdue(ctx, as_of=as_of))


STEPS = (
    lock_merchants,
    insurance_lapse,
    shortfalls,
    escalation,
    shield_lift,
    risk_unfreeze,
    campaign_end,
    refunds_overdue,
)
