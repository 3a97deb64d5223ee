"""What the console and the API read: cases with their measures and appeals, the operators'
queues (open appeals by age, measures ending soon), enforcement answers (VIO-1..6)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from shopwarden.context import Context
from shopwarden.decisions.model import Decision
from shopwarden.money import Money
from shopwarden.violations import enforcement
from shopwarden.violations.schemas import (
    AppealOut,
    CaseOut,
    CheckOut,
    EndingOut,
    ExplanationOut,
    ExposureOut,
    MeasureOut,
)
from shopwarden.violations.tables import AppealRow, CaseRow, MeasureRow


def measure_out(row: MeasureRow, now: datetime) -> MeasureOut:
    facts = enforcement.facts_of(row)
    return MeasureOut(
        id=row.id,
        case_id=row.case_id,
        merchant_id=row.merchant_id,
        measure=row.measure,
        rule=row.rule,
        description=row.description,
        forbids=list(row.forbids),
        delist_on_start=row.delist_on_start,
        exposure_factor=row.exposure_factor,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        until_lifted=row.ends_at is None,
        in_force=facts.in_force(now),
        delisted_at=row.delisted_at,
        delisted_count=row.delisted_count,
        lifted_at=row.lifted_at,
        lifted_by=row.lifted_by,
        lift_reason=row.lift_reason,
    )


def appeal_out(row: AppealRow, now: datetime) -> AppealOut:
    until = row.decided_at or now
    return AppealOut(
        id=row.id,
        case_id=row.case_id,
        merchant_id=row.merchant_id,
        target=row.target,
        measure_id=row.measure_id,
        statement=row.statement,
        filed_by=row.filed_by,
        filed_at=row.filed_at,
        status=row.status,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
        refund_transaction_id=row.refund_txn_id,
        age_seconds=max(0, int((until - row.filed_at).total_seconds())),
    )


def case_out(ctx: Context, *, row: CaseRow) -> CaseOut:
    now = ctx.now()
    measures = ctx.session.scalars(
        select(MeasureRow).where(MeasureRow.case_id == row.id).order_by(MeasureRow.id)
    )
    appeals = ctx.session.scalars(
        select(AppealRow).where(AppealRow.case_id == row.id).order_by(AppealRow.id)
    )
    penalty = Money(row.penalty_cents).to_text() if row.penalty_cents is not None else None
    return CaseOut(
        id=row.id,
        merchant_id=row.merchant_id,
        broken_rule=row.broken_rule,
        evidence=row.evidence,
        policy_version=row.policy_version,
        opened_by=row.opened_by,
        opened_at=row.opened_at,
        appeal_deadline=row.appeal_deadline,
        penalty=penalty,
        penalty_transaction_id=row.penalty_txn_id,
        penalty_returned_at=row.penalty_returned_at,
        penalty_returned_transaction_id=row.penalty_returned_txn_id,
        measures=[measure_out(m, now) for m in measures],
        appeals=[appeal_out(a, now) for a in appeals],
    )


def cases(
    ctx: Context, *, merchant_id: str | None, limit: int, after: int | None = None
) -> list[CaseOut]:
    """Cases, newest first (a merchant's own when ``merchant_id`` is given)."""
    statement = select(CaseRow).order_by(CaseRow.id.desc()).limit(limit)
    if merchant_id is not None:
        statement = statement.where(CaseRow.merchant_id == merchant_id)
    if after is not None:
        statement = statement.where(CaseRow.id < after)
    return [case_out(ctx, row=row) for row in ctx.session.scalars(statement)]


def appeals(
    ctx: Context, *, merchant_id: str | None, status: str | None, limit: int
) -> list[AppealOut]:
    """Appeals, oldest first: with ``status=open``, the operators' queue by age."""
    statement = select(AppealRow).order_by(AppealRow.filed_at, AppealRow.id).limit(limit)
    if merchant_id is not None:
        statement = statement.where(AppealRow.merchant_id == merchant_id)
    if status is not None:
        statement = statement.where(AppealRow.status == status)
    now = ctx.now()
    return [appeal_out(row, now) for row in ctx.session.scalars(statement)]


def ending_soon(ctx: Context, *, within: timedelta, limit: int) -> list[EndingOut]:
    """Measures in force whose end comes within ``within``, soonest first (operators)."""
    now = ctx.now()
    statement = (
        select(MeasureRow)
        .where(
            MeasureRow.lifted_at.is_(None),
            MeasureRow.ends_at.is_not(None),
            MeasureRow.ends_at > now,
            MeasureRow.ends_at <= now + within,
        )
        .order_by(MeasureRow.ends_at, MeasureRow.id)
        .limit(limit)
    )
    return [
        EndingOut(
            measure=measure_out(row, now),
            ends_in_seconds=int((row.ends_at - now).total_seconds()) if row.ends_at else 0,
        )
        for row in ctx.session.scalars(statement)
    ]


def measures_of(ctx: Context, *, merchant_id: str, limit: int) -> list[MeasureOut]:
    """The merchant's measures, newest first, each saying whether it is in force now."""
    now = ctx.now()
    statement = (
        select(MeasureRow)
        .where(MeasureRow.merchant_id == merchant_id)
        .order_by(MeasureRow.id.desc())
        .limit(limit)
    )
    return [measure_out(row, now) for row in ctx.session.scalars(statement)]


def _explained(decision: Decision) -> list[ExplanationOut]:
    return [ExplanationOut(**item) for item in decision.explanation()]


def check_out(ctx: Context, *, merchant_id: str, action: str, at: datetime | None) -> CheckOut:
    """May the merchant do ``action`` at ``at``? With the measure that refuses it (VIO-5)."""
    when = at or ctx.now()
    decision, binding = enforcement.answer(ctx, merchant_id=merchant_id, action=action, at=when)
    facts = enforcement.refusal_facts(decision, binding, action)
    return CheckOut(
        merchant_id=merchant_id,
        at=when,
        policy_version=decision.policy_version,
        explanation=_explained(decision),
        **facts,
    )


def exposure_out(ctx: Context, *, merchant_id: str, at: datetime | None) -> ExposureOut:
    when = at or ctx.now()
    weight, decision = enforcement.exposure(ctx, merchant_id=merchant_id, at=when)
    return ExposureOut(
        merchant_id=merchant_id,
        at=when,
        weight=str(weight),
        rule=decision.rule_id,
        summary=decision.summary,
        policy_version=decision.policy_version,
        explanation=_explained(decision),
    )
