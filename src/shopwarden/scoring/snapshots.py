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
from shopwarden.context import Context
from shopwarden.decisions.model import Decision
from shopwarden.decisions.service import record_new_decisions
from shopwarden.metrics.engines import shared_engine
from shopwarden.scoring.consumer_rules import ScoreContext, all_decisions
from shopwarden.scoring.documents import breakdown, window_document
from shopwarden.scoring.merchant_aggregates import MerchantAggregates
from shopwarden.scoring.policy import ScorePolicy
from shopwarden.scoring.rules import compile_policy, evaluate
from shopwarden.scoring.service import (
    MerchantScore,
    all_aggregates,
    parameters,
    policy_in_force,
    zero_aggregates,
)
from shopwarden.scoring.tables import ScoreSnapshotRow
from shopwarden.scoring.window_rules import Window, score_window


def take_snapshots(ctx: Context, *, as_of: datetime, root: Path) -> dict[str, Any]:
    """The day's snapshot of every open merchant not snapshotted yet (SCORE-5), and the
    consumers' changed outcomes as decisions (SCORE-6); the facts are read from ``root``."""
    version = policy_in_force(ctx.policies, as_of)
    policy = parameters(version)
    window = score_window(as_of, policy.window_days)
    day = window.day.isoformat()
    done, merchants = _pending_merchants(ctx.session, day)
    if not merchants:
        return {"day": day, "snapshots": 0, "decisions": 0, "already_taken": len(done)}
    aggregates = _window_aggregates(root, policy, window)
    previous = _previous_consumers(ctx.session, day)
    compiled = compile_policy(policy)
    base = ScoreContext("", version.version, window.label())
    decisions: list[tuple[Decision, str]] = []
    scored = 0
    for merchant_id in merchants:
        result = evaluate(policy, aggregates.get(merchant_id, zero_aggregates()), compiled)
        score = MerchantScore(merchant_id, as_of, window, version, result)
        made = all_decisions(policy, result, replace(base, merchant_id=merchant_id))
        before = previous.get(merchant_id, {})
        decisions += [
            (d, f"score:{merchant_id}:{d.subject}:{day}")
            for d in made
            if before.get(d.subject) != d.outcome
        ]
        ctx.session.add(_row(score, {d.subject: d.outcome for d in made}, ctx.now()))
        scored += int(result.scored)
    # The consumers' changed outcomes, each once (its dedupe key), in one round trip.
    recorded = record_new_decisions(ctx.session, decisions, as_of=as_of, recorded_at=ctx.now())
    ctx.session.flush()
    return {"day": day, "snapshots": len(merchants), "scored": scored, "decisions": recorded}


def _pending_merchants(session: Session, day: str) -> tuple[set[str], list[str]]:
    """The merchants with a snapshot for ``day`` already, and the open ones without, in order."""
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
    return done, merchants


def _window_aggregates(root: Path, policy: ScorePolicy, window: Window) -> MerchantAggregates:
    """Read through the engine kept between cycles (``shared_engine``): it is reopened only
    when the stored facts change, not each day."""
    return all_aggregates(shared_engine(root), policy, window)


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


def snapshot_for(ctx: Context, *, merchant_id: str, day: str) -> ScoreSnapshotRow | None:
    """The merchant's snapshot of ``day`` (``YYYY-MM-DD``, Asia/Shanghai), if taken."""
    return ctx.session.scalar(
        select(ScoreSnapshotRow).where(
            ScoreSnapshotRow.merchant_id == merchant_id, ScoreSnapshotRow.day == day
        )
    )


def history(
    ctx: Context,
    *,
    merchant_id: str,
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
    return list(ctx.session.scalars(statement))
