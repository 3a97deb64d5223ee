"""The daily score snapshot (SCORE-5) and the decisions of what the score feeds (SCORE-6).

Once per Asia/Shanghai day, every merchant of the catalog that is not closed gets a snapshot:
its score or "insufficient data", each indicator's value, window, mapping and contribution,
and the outcome of each consumer. A consumer's decision is recorded when its outcome differs
from the merchant's previous snapshot (and on the first), so the decision history says when
a merchant gained or lost something, not the same thing every day. A second run for the same
day changes nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopwarden.catalog.tables import MerchantRow
from shopwarden.clock import Clock
from shopwarden.decisions.model import Decision
from shopwarden.decisions.tables import DecisionRow
from shopwarden.metrics.engines import open_engine
from shopwarden.policy.store import PolicyStore
from shopwarden.scoring.consumers import ScoreContext, all_decisions
from shopwarden.scoring.documents import breakdown, window_document
from shopwarden.scoring.rules import compile_policy, evaluate
from shopwarden.scoring.service import (
    MerchantScore,
    all_aggregates,
    parameters,
    policy_in_force,
    zero_aggregates,
)
from shopwarden.scoring.tables import ScoreSnapshotRow
from shopwarden.scoring.window import score_window


def take_snapshots(
    session: Session, clock: Clock, policies: PolicyStore, as_of: datetime, root: Path
) -> dict[str, Any]:
    version = policy_in_force(policies, as_of)
    policy = parameters(version)
    window = score_window(as_of, policy.window_days)
    day = window.day.isoformat()
    done = set(
        session.scalars(select(ScoreSnapshotRow.merchant_id).where(ScoreSnapshotRow.day == day))
    )
    merchants = [
        m
        for m in session.scalars(
            select(MerchantRow.id).where(MerchantRow.status != "closed").order_by(MerchantRow.id)
        )
        if m not in done
    ]
    if not merchants:
        return {"day": day, "snapshots": 0, "decisions": 0, "already_taken": len(done)}
    engine = open_engine(root)
    try:
        aggregates = all_aggregates(engine, policy, window)
    finally:
        engine.close()
    previous = _previous_consumers(session, day)
    compiled = compile_policy(policy)
    context = ScoreContext("", version.version, window.label())
    decisions: list[tuple[Decision, str]] = []
    scored = 0
    for merchant_id in merchants:
        result = evaluate(policy, aggregates.get(merchant_id, zero_aggregates()), compiled)
        score = MerchantScore(merchant_id, as_of, window, version, result)
        made = all_decisions(policy, result, replace(context, merchant_id=merchant_id))
        before = previous.get(merchant_id, {})
        decisions += [
            (d, f"score:{merchant_id}:{d.subject}:{day}")
            for d in made
            if before.get(d.subject) != d.outcome
        ]
        session.add(_row(score, {d.subject: d.outcome for d in made}, clock.now()))
        scored += int(result.scored)
    recorded = _record_changes(session, clock, decisions, as_of)
    session.flush()
    return {"day": day, "snapshots": len(merchants), "scored": scored, "decisions": recorded}


def _record_changes(
    session: Session, clock: Clock, decisions: list[tuple[Decision, str]], as_of: datetime
) -> int:
    """The consumers' changed outcomes, each once (its dedupe key), in one round trip."""
    keys = [key for _, key in decisions]
    seen: set[str] = set()
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        stored = select(DecisionRow.dedupe_key).where(DecisionRow.dedupe_key.in_(chunk))
        seen |= set(session.scalars(stored))
    now = clock.now()
    rows = [
        DecisionRow(
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
            recorded_at=now,
        )
        for decision, key in decisions
        if key not in seen
    ]
    session.add_all(rows)
    return len(rows)


def _row(score: MerchantScore, consumers: dict[str, str], now: datetime) -> ScoreSnapshotRow:
    result = score.result
    return ScoreSnapshotRow(
        merchant_id=score.merchant_id,
        day=score.window.day.isoformat(),
        as_of=score.as_of,
        window_start=score.window.start,
        window_end=score.window.end,
        policy_version=score.version.version,
        status=result.status,
        scored_orders=result.scored_orders,
        total_hundredths=result.total_hundredths,
        score_hundredths=result.score_hundredths,
        band=result.band,
        breakdown={
            "min_scored_orders": result.min_scored_orders,
            "window": window_document(score.window),
            "dimensions": breakdown(result),
        },
        consumers=consumers,
        recorded_at=now,
    )


def _previous_consumers(session: Session, day: str) -> dict[str, dict[str, str]]:
    """Each merchant's consumer outcomes on the last day with snapshots before ``day``."""
    last = session.scalar(select(func.max(ScoreSnapshotRow.day)).where(ScoreSnapshotRow.day < day))
    if last is None:
        return {}
    rows = session.execute(
        select(ScoreSnapshotRow.merchant_id, ScoreSnapshotRow.consumers).where(
            ScoreSnapshotRow.day == last
        )
    )
    return {merchant: dict(consumers) for merchant, consumers in rows}


def _hundredths(value: int | None) -> str | None:
    if value is None:
        return None
    return f"{value // 100}.{value % 100:02d}"


def snapshot_document(row: ScoreSnapshotRow) -> dict[str, Any]:
    """A stored snapshot in the shape of a live score (``documents.score_document``)."""
    doc = row.breakdown
    return {
        "merchant_id": row.merchant_id,
        "day": row.day,
        "as_of": row.as_of.isoformat(),
        "source": "snapshot",
        "policy": {"family": "score", "version": row.policy_version},
        "status": row.status,
        "scored_orders": row.scored_orders,
        "min_scored_orders": doc.get("min_scored_orders"),
        "total": _hundredths(row.total_hundredths),
        "band": row.band,
        "score": _hundredths(row.score_hundredths),
        "window": doc.get("window"),
        "dimensions": doc.get("dimensions", []),
        "consumers": dict(row.consumers),
    }


def snapshot_for(session: Session, merchant_id: str, day: str) -> ScoreSnapshotRow | None:
    return session.scalar(
        select(ScoreSnapshotRow).where(
            ScoreSnapshotRow.merchant_id == merchant_id, ScoreSnapshotRow.day == day
        )
    )


def history(
    session: Session,
    merchant_id: str,
    *,
    from_day: str | None = None,
    to_day: str | None = None,
    limit: int = 90,
) -> list[ScoreSnapshotRow]:
    """A merchant's snapshots, newest first."""
    statement = (
        select(ScoreSnapshotRow)
        .where(ScoreSnapshotRow.merchant_id == merchant_id)
        .order_by(ScoreSnapshotRow.day.desc())
        .limit(limit)
    )
    if from_day:
        statement = statement.where(ScoreSnapshotRow.day >= from_day)
    if to_day:
        statement = statement.where(ScoreSnapshotRow.day <= to_day)
    return list(session.scalars(statement))
