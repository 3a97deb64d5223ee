"""Records decisions once: applying the same decision again changes nothing."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopwarden.clock import Clock
from shopwarden.decisions.model import Decision
from shopwarden.decisions.tables import DecisionRow


def record_decision(
    session: Session, clock: Clock, decision: Decision, *, as_of: datetime, dedupe_key: str
) -> tuple[DecisionRow, bool]:
    """Store ``decision`` unless one with ``dedupe_key`` exists; says whether it was new."""
    existing = session.scalar(select(DecisionRow).where(DecisionRow.dedupe_key == dedupe_key))
    if existing is not None:
        return existing, False
    row = DecisionRow(
        rule_id=decision.rule_id,
        merchant_id=decision.merchant_id,
        subject=decision.subject,
        outcome=decision.outcome,
        summary=decision.summary,
        policy_family=decision.policy_family,
        policy_version=decision.policy_version,
        explanation=decision.explanation(),
        as_of=as_of,
        dedupe_key=dedupe_key,
        recorded_at=clock.now(),
    )
    session.add(row)
    session.flush()
    return row, True


def decisions_for(
    session: Session,
    *,
    merchant_id: str | None = None,
    rule_id: str | None = None,
    limit: int = 100,
) -> list[DecisionRow]:
    statement = (
        select(DecisionRow).order_by(DecisionRow.as_of.desc(), DecisionRow.id.desc()).limit(limit)
    )
    if merchant_id:
        statement = statement.where(DecisionRow.merchant_id == merchant_id)
    if rule_id:
        statement = statement.where(DecisionRow.rule_id == rule_id)
    return list(session.scalars(statement))
