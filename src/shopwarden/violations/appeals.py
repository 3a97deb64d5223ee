"""Appeals: filed by the merchant within the deadline, decided by an operator (VIO-6).

Upheld, what the appeal contests is reversed at once: its measures lift (the products they
took off sale may be listed again; nothing relists them by itself) and the penalty it
contests is given back by a new ledger transaction from ``platform:violation_penalties`` to
the merchant's wallet, so the ledger keeps both movements and verifies clean. Rejected,
nothing changes. Either way the merchant reads the outcome and the reason on the appeal.
"""

from __future__ import annotations

from sqlalchemy import select

from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise, locked_or_raise
from shopwarden.errors import Conflict
from shopwarden.ledger.model import merchant_account_code, transfer
from shopwarden.money import Money
from shopwarden.violations import appeal_rules, cases
from shopwarden.violations.appeal_rules import Contested
from shopwarden.violations.enforcement import facts_of
from shopwarden.violations.schemas import AppealIn
from shopwarden.violations.tables import AppealRow, CaseRow, MeasureRow


def contested(row: AppealRow) -> Contested:
    return Contested(row.target, row.measure_id)


def file(ctx: Context, *, data: AppealIn, filed_by: str) -> AppealRow:
    """VIO-6: in time (at the deadline's instant included), on something not appealed yet."""
    case = locked_or_raise(ctx.session, CaseRow, data.case_id, what="case", field="case_id")
    now = ctx.now()
    timely = appeal_rules.appeal_in_time(
        case.merchant_id,
        case.id,
        deadline=case.appeal_deadline,
        filed_at=now,
        version=case.policy_version,
    )
    appeal_rules.refuse_late(timely)
    earlier = ctx.session.scalars(select(AppealRow).where(AppealRow.case_id == case.id))
    measure_ids = ctx.session.scalars(select(MeasureRow.id).where(MeasureRow.case_id == case.id))
    wanted = Contested(data.target, data.measure_id)
    appeal_rules.check_target(
        wanted,
        measure_ids=set(measure_ids),
        has_penalty=case.penalty_txn_id is not None,
        penalty_returned=case.penalty_returned_txn_id is not None,
        earlier=[contested(row) for row in earlier],
    )
    row = AppealRow(
        case_id=case.id,
        merchant_id=case.merchant_id,
        target=data.target,
        measure_id=data.measure_id,
        statement=data.statement,
        filed_by=filed_by,
        filed_at=now,
        status="open",
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.record(timely, as_of=now, key=f"vio:appeal:{row.id}:filed")
    return row


def appeal(ctx: Context, *, appeal_id: int, lock: bool = False) -> AppealRow:
    fetch = locked_or_raise if lock else get_or_raise
    return fetch(ctx.session, AppealRow, appeal_id, what="appeal", field="appeal_id")


def decide(
    ctx: Context, *, appeal_id: int, outcome: str, reason: str, decided_by: str, key: str
) -> AppealRow:
    """VIO-6: an operator upholds or rejects an open appeal, with the reason."""
    row = appeal(ctx, appeal_id=appeal_id, lock=True)
    if row.status != "open":
        raise Conflict(f"appeal {appeal_id} is {row.status} already", field="appeal_id")
    case = locked_or_raise(ctx.session, CaseRow, row.case_id, what="case", field="case_id")
    now = ctx.now()
    decision = appeal_rules.appeal_decided(
        case.merchant_id,
        case.id,
        contested=contested(row),
        outcome=outcome,
        reason=reason,
        version=case.policy_version,
    )
    row.status = outcome
    row.decided_by = decided_by
    row.decided_at = now
    row.reason = reason
    if outcome == "upheld":
        _lift_contested(ctx, row, reason)
        if row.target in ("case", "penalty"):
            row.refund_txn_id = _give_back(ctx, case, key)
    ctx.session.flush()
    ctx.record(decision, as_of=now, key=f"vio:appeal:{row.id}:decided")
    return row


def _lift_contested(ctx: Context, row: AppealRow, reason: str) -> None:
    """The contested measures still in force, or still to start, lift now."""
    statement = select(MeasureRow).where(MeasureRow.case_id == row.case_id)
    if row.target == "measure":
        statement = statement.where(MeasureRow.id == row.measure_id)
    elif row.target == "penalty":
        return
    now = ctx.now()
    for found in list(ctx.session.scalars(statement.order_by(MeasureRow.id))):
        end = facts_of(found).end()
        if end is None or end > now:
            why = f"appeal {row.id} upheld: {reason}"
            cases.record_lift(ctx, row=found, at=now, by="appeal", reason=why[:1000])


def _give_back(ctx: Context, case: CaseRow, key: str) -> int | None:
    """The penalty the case charged, back to the merchant's wallet in a new transaction."""
    if case.penalty_txn_id is None or case.penalty_returned_txn_id is not None:
        return None
    assert case.penalty_cents is not None
    txn = ctx.ledger.post(
        transfer(
            cases.PENALTIES,
            merchant_account_code(case.merchant_id, "wallet"),
            Money(case.penalty_cents),
            f"violation penalty given back, case {case.id}: appeal upheld (VIO-6)",
            idempotency_key=f"{key}:vio-penalty-back:{case.id}",
            details={"case_id": case.id, "rule": "VIO-6", "reverses": case.penalty_txn_id},
        )
    )
    case.penalty_returned_txn_id = txn.id
    case.penalty_returned_at = ctx.now()
    return txn.id
