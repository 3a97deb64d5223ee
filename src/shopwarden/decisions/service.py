"""Records decisions once: applying the same decision again changes nothing."""

from __future__ import annotations

from collections.abc import Sequence
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
    row = decision_row(decision, as_of=as_of, key=dedupe_key, recorded_at=clock.now())
    session.add(row)
    session.flush()
    return row, True


def record_new_decisions(
    session: Session,
    decisions: Sequence[tuple[Decision, str]],
    *,
    as_of: datetime,
    recorded_at: datetime,
) -> int:
    """Store each ``(decision, dedupe key)`` whose key is not stored yet; says how many were.

    For many decisions at once (a daily snapshot of every merchant): the stored keys are
    looked up 500 at a time, not one query per decision.
    """
    keys = [key for _, key in decisions]
    seen: set[str] = set()
    for start in range(0, len(keys), _KEYS_PER_QUERY):
        chunk = keys[start : start + _KEYS_PER_QUERY]
        stored = select(DecisionRow.dedupe_key).where(DecisionRow.dedupe_key.in_(chunk))
        seen |= set(session.scalars(stored))
    rows = [
        decision_row(decision, as_of=as_of, key=key, recorded_at=recorded_at)
        for decision, key in decisions
        if key not in seen
    ]
    session.add_all(rows)
    return len(rows)


_KEYS_PER_QUERY = 500


def decision_row(
    decision: Decision, *, as_of: datetime, key: str, recorded_at: datetime
) -> DecisionRow:
    """The stored form of ``decision``, once under its dedupe ``key`` (POL-3)."""
    return DecisionRow(
        rule_id=decision.rule_id,
        merchant_id=decision.merchant_id,
        subject=decision.subject,
        outcome=decision.outcome,
        summary=decision.summary,
        policy_family=decision.policy_family,
        policy_version=decision.policy_version,
        explanation=decision.explanation(),
        as_of=as_of,
        dedupe_key=key,
        recorded_at=recorded_at,
    )


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
