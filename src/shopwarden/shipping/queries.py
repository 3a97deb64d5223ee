"""What the merchant views and the operators' queues read (SHIP-1..5), as response models.

``status`` is the merchant's view: this week's exemption and its use, last week's three
measures against the targets with the gap to each, and what is still owed. Last week is the
recorded SHIP-3 answer once a cycle or an overdue shipment has decided it; before that, it is
computed from the facts for the answer only (``source: live``), changing nothing.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from sqlalchemy import and_, func, not_, or_, select

from shopwarden.catalog import service as catalog
from shopwarden.context import Context
from shopwarden.errors import InvalidInput
from shopwarden.facts.service import recorded_facts_root
from shopwarden.money import Money
from shopwarden.shipping import schemas as s
from shopwarden.shipping.measures_model import WeekMeasures
from shopwarden.shipping.overdue import owed_by
from shopwarden.shipping.penalty_rules import COMPENSATION, PENALTY, local
from shopwarden.shipping.policies import FAMILY, policy_at, policy_version
from shopwarden.shipping.rules import Evaluation, evaluate_exemption
from shopwarden.shipping.tables import ExemptionRow, OverdueRow, WeekMeasureRow
from shopwarden.shipping.week_rules import WEEKDAYS, Week, week_of
from shopwarden.shipping.weeks import measures_of


def week_out(week: Week) -> s.WeekOut:
    return s.WeekOut(
        first_day=week.first_day, last_day=week.last_day, starts_at=week.start, ends_at=week.end
    )


def measures_out(m: WeekMeasures) -> s.MeasuresOut:
    return s.MeasuresOut(
        **m.as_dict(),
        late_orders=m.late_orders,
        committed_share=str(m.share) if m.share else None,
        on_time_rate=str(m.on_time_rate) if m.on_time_rate else None,
    )


def evaluation_out(
    evaluation: Evaluation, measures: WeekMeasures, week: Week, row: WeekMeasureRow | None
) -> s.EvaluationOut:
    """``week`` is the exemption's week; it was measured over the week before."""
    decision = evaluation.decision
    return s.EvaluationOut(
        merchant_id=decision.merchant_id or "",
        measured_week=week_out(week.previous()),
        exemption_week=week_out(week),
        measures=measures_out(measures),
        conditions=[
            s.ConditionOut.model_validate(c, from_attributes=True) for c in evaluation.conditions
        ],
        granted=evaluation.granted,
        summary=decision.summary,
        policy_version=decision.policy_version,
        source="recorded" if row else "live",
        evaluated_at=row.evaluated_at if row else None,
        evaluated_by=row.evaluated_by if row else None,
    )


def recorded_evaluation(ctx: Context, *, row: WeekMeasureRow) -> s.EvaluationOut:
    """A recorded week, explained again by the version that decided it (POL-2)."""
    policy = policy_version(ctx, version=row.policy_version)
    measures = WeekMeasures(
        row.paid_orders, row.committed_orders, row.flash_orders, row.due_orders, row.on_time_orders
    )
    measured = Week(row.week_start)
    evaluation = evaluate_exemption(
        measures,
        measured=measured,
        policy=policy,
        merchant_id=row.merchant_id,
    )
    return evaluation_out(evaluation, measures, measured.next(), row)


def exemption_out(ctx: Context, *, row: ExemptionRow) -> s.ExemptionOut:
    used_on = ctx.session.scalars(
        select(OverdueRow.order_id)
        .where(OverdueRow.exemption_id == row.id)
        .order_by(OverdueRow.reported_at, OverdueRow.id)
    )
    left = row.granted + row.carried_in - row.used
    if row.closed_at is None:
        status = "unused" if left > 0 else "used"
    else:
        status = "carried_over" if row.carried_out else ("lapsed" if row.lapsed else "used")
    return s.ExemptionOut(
        merchant_id=row.merchant_id,
        week=week_out(Week(row.week_start)),
        status=status,
        granted=row.granted,
        carried_in=row.carried_in,
        used=row.used,
        left=0 if row.closed_at else left,
        lapsed=row.lapsed,
        carried_out=row.carried_out,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        closed_at=row.closed_at,
        used_on=list(used_on),
        policy_version=row.policy_version,
    )


def overdue_out(ctx: Context, *, row: OverdueRow) -> s.OverdueOut:
    """An overdue shipment; ``assumed`` names the amounts the sources do not give."""
    assumed = policy_version(ctx, version=row.policy_version).assumed
    text = Money.to_text
    return s.OverdueOut(
        order_id=row.order_id,
        merchant_id=row.merchant_id,
        paid_at=row.paid_at,
        promised_shipping_hours=row.promised_shipping_hours,
        flash_purchase=row.flash_purchase,
        committed_in_stock=row.committed_in_stock,
        deadline=row.deadline,
        shipped_at=row.shipped_at,
        reported_at=row.reported_at,
        week=week_out(Week(row.week_start)),
        outcome="waived" if row.outcome == "waived" else "charged",
        penalty=text(Money(row.penalty)),
        charged=text(Money(row.charged)),
        compensation=text(Money(row.compensation)),
        from_wallet=text(Money(row.from_wallet)),
        owed=text(Money(row.owed)),
        collected=text(Money(row.collected)),
        outstanding=text(Money(row.owed - row.collected)),
        transaction_id=row.transaction_id,
        policy_version=row.policy_version,
        assumed=[
            name
            for name, path in (("penalty", PENALTY), ("compensation", COMPENSATION))
            if path in assumed
        ],
    )


# lists --------------------------------------------------------------------------------------
def evaluations(ctx: Context, *, merchant_id: str, limit: int) -> list[s.EvaluationOut]:
    """The merchant's recorded weeks, the latest first."""
    catalog.merchant(ctx, merchant_id=merchant_id)
    rows = ctx.session.scalars(
        select(WeekMeasureRow)
        .where(WeekMeasureRow.merchant_id == merchant_id)
        .order_by(WeekMeasureRow.week_start.desc())
        .limit(limit)
    )
    return [recorded_evaluation(ctx, row=row) for row in rows]


def week_start(ctx: Context, *, day: date | None) -> date | None:
    """A ``week`` filter names the first day of a week (a Monday); another day is refused."""
    if day is None:
        return None
    starts_on = (
        policy_at(ctx, as_of=ctx.now()).params.week.starts_on if _has(ctx, ctx.now()) else "monday"
    )
    if WEEKDAYS[day.weekday()] != starts_on:  # by the calendar alone: any year is answered
        raise InvalidInput(
            f"{day.isoformat()} does not start a week: weeks start on {starts_on}", field="week"
        )
    return day


def overdue_shipments(
    ctx: Context, *, merchant_id: str | None, week: date | None, limit: int
) -> list[s.OverdueOut]:
    week = week_start(ctx, day=week)
    statement = select(OverdueRow).order_by(OverdueRow.reported_at.desc(), OverdueRow.id.desc())
    if merchant_id:
        statement = statement.where(OverdueRow.merchant_id == merchant_id)
    if week:
        statement = statement.where(OverdueRow.week_start == week)
    return [overdue_out(ctx, row=row) for row in ctx.session.scalars(statement.limit(limit))]


def exemptions(
    ctx: Context, *, merchant_id: str | None, week: date | None, status: str | None, limit: int
) -> list[s.ExemptionOut]:
    """Exemptions by week, the latest first, filtered by what ``status`` shows."""
    week = week_start(ctx, day=week)
    statement = select(ExemptionRow).order_by(
        ExemptionRow.week_start.desc(), ExemptionRow.merchant_id
    )
    if merchant_id:
        statement = statement.where(ExemptionRow.merchant_id == merchant_id)
    if week:
        statement = statement.where(ExemptionRow.week_start == week)
    if status:
        statement = statement.where(_STATUS[status])
    return [exemption_out(ctx, row=row) for row in ctx.session.scalars(statement.limit(limit))]


_OPEN = ExemptionRow.closed_at.is_(None)
_LEFT = ExemptionRow.used < ExemptionRow.granted + ExemptionRow.carried_in
_STATUS = {
    "unused": and_(_OPEN, _LEFT),
    "used": or_(
        and_(_OPEN, not_(_LEFT)),
        and_(not_(_OPEN), ExemptionRow.lapsed == 0, ExemptionRow.carried_out == 0),
    ),
    "lapsed": and_(not_(_OPEN), ExemptionRow.lapsed > 0),
    "carried_over": and_(not_(_OPEN), ExemptionRow.carried_out > 0),
}
"""What ``exemption_out`` shows as ``status``, as SQL."""


def owed_queue(ctx: Context, *, limit: int) -> list[s.OwedOut]:
    """Merchants owing advanced penalties and compensation, the largest first."""
    outstanding = func.sum(OverdueRow.owed - OverdueRow.collected)
    rows = ctx.session.execute(
        select(OverdueRow.merchant_id, outstanding, func.count(), func.min(OverdueRow.reported_at))
        .where(OverdueRow.owed > OverdueRow.collected)
        .group_by(OverdueRow.merchant_id)
        .order_by(outstanding.desc(), OverdueRow.merchant_id)
        .limit(limit)
    ).all()
    return [
        s.OwedOut(
            merchant_id=m,
            outstanding=Money(int(total)).to_text(),
            overdue_shipments=n,
            oldest_reported_at=oldest,
        )
        for m, total, n, oldest in rows
    ]


# the merchant's view ------------------------------------------------------------------------
def status(ctx: Context, *, merchant_id: str, as_of: datetime) -> s.StatusOut:
    """This week, last week and what is owed, as of ``as_of`` (now)."""
    catalog.merchant(ctx, merchant_id=merchant_id)
    starts_on = policy_at(ctx, as_of=as_of).params.week.starts_on if _has(ctx, as_of) else "monday"
    week = week_of(as_of, starts_on)
    last, note = _last_week(ctx, merchant_id, week, recorded_facts_root(ctx))
    this_week = _this_week(ctx, merchant_id, week)
    if last is not None and last.source == "live":
        earned = "would be granted" if last.granted else "would not be granted"
        this_week.status = f"not decided yet: on last week's measures an exemption {earned}"
    return s.StatusOut(
        merchant_id=merchant_id,
        as_of=as_of,
        this_week=this_week,
        last_week=last,
        note=note,
        owed=owed_by(ctx, merchant_id=merchant_id).to_text(),
    )


def _has(ctx: Context, as_of: datetime) -> bool:
    return ctx.has_policy(FAMILY, as_of)


def _last_week(
    ctx: Context, merchant_id: str, week: Week, root: Path | None
) -> tuple[s.EvaluationOut | None, str | None]:
    row = ctx.session.get(WeekMeasureRow, (merchant_id, week.previous().first_day))
    if row is not None:
        return recorded_evaluation(ctx, row=row), None
    if not _has(ctx, week.start):
        return None, f"no shipping policy was in force on {week.first_day}: no exemption"
    policy = policy_at(ctx, as_of=week.start)
    found = measures_of(root, week.previous(), policy, merchant_id=merchant_id)
    measures = found.get(merchant_id, WeekMeasures())
    evaluation = evaluate_exemption(
        measures, measured=week.previous(), policy=policy, merchant_id=merchant_id
    )
    note = "not decided yet: the week's first cycle (or first overdue shipment) decides it"
    return evaluation_out(evaluation, measures, week, None), note


def _this_week(ctx: Context, merchant_id: str, week: Week) -> s.ThisWeekOut:
    row = ctx.session.scalar(
        select(ExemptionRow).where(
            ExemptionRow.merchant_id == merchant_id, ExemptionRow.week_start == week.first_day
        )
    )
    exemption = exemption_out(ctx, row=row) if row else None
    outcomes = list(
        ctx.session.scalars(
            select(OverdueRow.outcome).where(
                OverdueRow.merchant_id == merchant_id, OverdueRow.week_start == week.first_day
            )
        )
    )
    if exemption is None:
        text = "no exemption this week"
    elif exemption.left:
        text = (
            f"{exemption.left} exemption(s) unused; the first overdue-shipment penalty of the "
            f"week is waived; unused, it lapses at {local(week.end)} and does not carry over"
        )
    else:
        text = "the week's exemption is used: " + ", ".join(exemption.used_on)
    return s.ThisWeekOut(
        week=week_out(week),
        exemption=exemption,
        status=text,
        overdue_shipments=len(outcomes),
        penalties_waived=outcomes.count("waived"),
        penalties_charged=outcomes.count("charged"),
    )
