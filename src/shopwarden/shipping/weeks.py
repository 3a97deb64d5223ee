"""The week's exemption, decided once per merchant and week (SHIP-2, SHIP-3), and its end (SHIP-4).

The first governance cycle of a week measures the week before from the order facts for every
merchant of the catalog that is not closed, records each answer as a SHIP-3 decision (granted,
or which conditions failed and by how much) and opens the exemptions of the granted. A
merchant's first overdue shipment of a week that no cycle has reached yet decides that
merchant's week on the spot, the same way. Either way the week is measured as of its end and
under the policy in force when the new week starts, so the answer does not depend on which came
first or when. The week's end lapses what was not used (SHIP-4), recorded by the first cycle
after it; nothing can use an exemption after its ``valid_until`` in any case.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from shopwarden.catalog.tables import MerchantRow
from shopwarden.context import Context
from shopwarden.decisions.service import record_new_decisions
from shopwarden.facts.service import recorded_facts_root
from shopwarden.shipping.measures import measure_week
from shopwarden.shipping.measures_model import WeekMeasures
from shopwarden.shipping.penalty_rules import week_end
from shopwarden.shipping.policies import FAMILY, policy_at
from shopwarden.shipping.rules import Evaluation, Policy, evaluate_exemption
from shopwarden.shipping.tables import ExemptionRow, WeekMeasureRow
from shopwarden.shipping.week_rules import Week

CYCLE = "cycle"
OVERDUE = "overdue"


def measures_of(
    root: Path | None, week: Week, policy: Policy, *, merchant_id: str | None = None
) -> dict[str, WeekMeasures]:
    """The measured week from the facts under ``root`` (none stored: nobody had orders)."""
    if root is None:
        return {}
    rule = policy.params.committed_in_stock
    return measure_week(root, week, rule, merchant_id=merchant_id)


def evaluate_week(
    ctx: Context, *, week: Week, merchant_ids: Sequence[str], by: str
) -> list[Evaluation]:
    """SHIP-3 for ``week`` (the week the exemption is for) and each merchant not decided yet.

    The week before is measured as of its end, under the policy in force at ``week.start``.
    """
    measured = week.previous()
    decided = set(
        ctx.session.scalars(
            select(WeekMeasureRow.merchant_id).where(
                WeekMeasureRow.week_start == measured.first_day
            )
        )
    )
    todo = sorted(set(merchant_ids) - decided)
    if not todo or not ctx.has_policy(FAMILY, week.start):
        return []  # no shipping policy when the week starts: no exemption to grant
    policy = policy_at(ctx, as_of=week.start)
    one = todo[0] if len(todo) == 1 else None
    found = measures_of(recorded_facts_root(ctx), measured, policy, merchant_id=one)
    carried = _carried_in(ctx, measured, todo)
    evaluations = []
    for merchant_id in todo:
        measures = found.get(merchant_id, WeekMeasures())
        evaluation = evaluate_exemption(
            measures, measured=measured, policy=policy, merchant_id=merchant_id
        )
        _store(ctx, week, merchant_id, measures, evaluation, carried.get(merchant_id, 0), by)
        evaluations.append(evaluation)
    record_new_decisions(
        ctx.session,
        [(e.decision, f"SHIP-3:{e.decision.merchant_id}:{week.first_day}") for e in evaluations],
        as_of=week.start,
        recorded_at=ctx.now(),
    )
    ctx.session.flush()
    return evaluations


def _store(
    ctx: Context,
    week: Week,
    merchant_id: str,
    measures: WeekMeasures,
    evaluation: Evaluation,
    carried_in: int,
    by: str,
) -> None:
    now = ctx.now()
    ctx.session.add(
        WeekMeasureRow(
            merchant_id=merchant_id,
            week_start=week.previous().first_day,
            **measures.as_dict(),
            granted=evaluation.granted,
            policy_version=evaluation.decision.policy_version,
            evaluated_at=now,
            evaluated_by=by,
        )
    )
    if evaluation.exemptions or carried_in:
        ctx.session.add(
            ExemptionRow(
                merchant_id=merchant_id,
                week_start=week.first_day,
                valid_from=week.start,
                valid_until=week.end,
                granted=evaluation.exemptions,
                carried_in=carried_in,
                used=0,
                lapsed=0,
                carried_out=0,
                granted_at=now,
                policy_version=evaluation.decision.policy_version,
            )
        )


def _carried_in(ctx: Context, previous: Week, merchant_ids: Iterable[str]) -> dict[str, int]:
    """What the week before carried over into this one (only under a carrying policy)."""
    rows = ctx.session.execute(
        select(ExemptionRow.merchant_id, ExemptionRow.carried_out).where(
            ExemptionRow.week_start == previous.first_day,
            ExemptionRow.carried_out > 0,
            ExemptionRow.merchant_id.in_(list(merchant_ids)),
        )
    ).all()
    return {merchant_id: carried for merchant_id, carried in rows}


def evaluate_everyone(ctx: Context, *, week: Week) -> list[Evaluation]:
    """The cycle's SHIP-3 run: every merchant of the catalog that is not closed and not decided
    yet. Each is locked first; one a concurrent overdue report holds is skipped, since that
    report decides it (PostgreSQL ``SKIP LOCKED``; SQLite serialises writers anyway)."""
    decided = select(WeekMeasureRow.merchant_id).where(
        WeekMeasureRow.week_start == week.previous().first_day
    )
    undecided = (
        select(MerchantRow.id)
        .where(MerchantRow.status != "closed", MerchantRow.id.not_in(decided))
        .order_by(MerchantRow.id)
        .with_for_update(skip_locked=True)
    )
    merchants = list(ctx.session.scalars(undecided))
    return evaluate_week(ctx, week=week, merchant_ids=merchants, by=CYCLE)


def close_ended(
    ctx: Context, *, as_of: datetime, merchant_id: str | None = None
) -> list[ExemptionRow]:
    """SHIP-4: the exemptions of every week that ended by ``as_of`` lapse (or carry over).

    For one merchant (an overdue report, the merchant locked) its rows are locked and waited
    for; the cycle skips a row a report holds, which closes it itself."""
    statement = select(ExemptionRow).where(
        ExemptionRow.valid_until <= as_of, ExemptionRow.closed_at.is_(None)
    )
    if merchant_id is not None:
        statement = statement.where(ExemptionRow.merchant_id == merchant_id).with_for_update()
    else:
        statement = statement.with_for_update(skip_locked=True)
    rows = list(ctx.session.scalars(statement.order_by(ExemptionRow.merchant_id, ExemptionRow.id)))
    for row in rows:
        week = Week(row.week_start)
        policy = policy_at(ctx, as_of=row.valid_until)
        ended = week_end(
            merchant_id=row.merchant_id,
            week=week,
            granted=row.granted,
            carried_in=row.carried_in,
            used=row.used,
            policy=policy,
        )
        row.lapsed, row.carried_out, row.closed_at = ended.lapsed, ended.carried_over, week.end
        key = f"SHIP-4:week-end:{row.merchant_id}:{row.week_start}"
        ctx.record(ended.decision, as_of=week.end, key=key)
    ctx.session.flush()
    return rows
