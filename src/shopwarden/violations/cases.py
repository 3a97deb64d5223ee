"""Cases and their measures: opening, delisting, lifting by an operator or by time (VIO-1..5).

An operator opens a case against a merchant with the rule it broke, the evidence, the
measures (types of the policy version in force) and an optional penalty, charged from the
merchant's wallet to ``platform:violation_penalties`` in the same unit of work. A measure that
takes products off sale (VIO-1) does so when it starts: at the opening for one starting now,
at the first cycle at or after its start otherwise. Delisting is one set-based change (one
INSERT … SELECT of the products taken off sale, one UPDATE of the products), then each
product is announced to the domains that re-decide something per product (the BNPL flag,
the deposit requirement). Lifting is recorded, by the operator or by time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert, literal, select, update

from shopwarden.catalog.tables import MerchantRow, ProductRow
from shopwarden.context import Context
from shopwarden.db.base import UTCDateTime
from shopwarden.db.lookup import get_or_raise, locked_or_raise
from shopwarden.errors import Conflict, InsufficientFunds, RuleRefused
from shopwarden.ledger.model import merchant_account_code, platform_account_code, transfer
from shopwarden.money import Money
from shopwarden.violations import rules
from shopwarden.violations.enforcement import facts_of
from shopwarden.violations.policy import ViolationsPolicy
from shopwarden.violations.rules import Terms
from shopwarden.violations.schemas import CaseIn
from shopwarden.violations.tables import CaseRow, DelistingRow, MeasureRow

PENALTIES = platform_account_code("violation_penalties")


def terms_at(ctx: Context, *, as_of: datetime) -> Terms:
    """The violations version in force at ``as_of`` (POL-1); refused when there is none."""
    if not ctx.has_policy(rules.FAMILY, as_of):
        raise RuleRefused(
            f"no violations policy is in force at {rules.At(as_of)}",
            field="measures",
            rule="VIO-5",
        )
    found = ctx.policy(rules.FAMILY, ViolationsPolicy, as_of)
    return Terms(found.parameters, found.version)


def open_case(ctx: Context, *, data: CaseIn, opened_by: str, key: str) -> CaseRow:
    """VIO-5: the case with its measures and penalty; measures starting now start at once."""
    now = ctx.now()
    locked_or_raise(
        ctx.session, MerchantRow, data.merchant_id, what="merchant", field="merchant_id"
    )
    terms = terms_at(ctx, as_of=now)
    kinds = [
        rules.measure_type(terms, m.measure, field=f"measures.{i}.measure")
        for i, m in enumerate(data.measures)
    ]
    for i, m in enumerate(data.measures):
        rules.check_window(m.starts_at or now, m.ends_at, now=now, field=f"measures.{i}")
    case = CaseRow(
        merchant_id=data.merchant_id,
        broken_rule=data.broken_rule,
        evidence=data.evidence,
        policy_version=terms.version,
        opened_by=opened_by,
        opened_at=now,
        appeal_deadline=now + terms.params.appeal_deadline,
        penalty_cents=data.penalty.cents if data.penalty else None,
    )
    ctx.session.add(case)
    ctx.session.flush()
    if data.penalty is not None:
        case.penalty_txn_id = _charge(ctx, case, data.penalty, key)
    for m, kind in zip(data.measures, kinds, strict=True):
        row = MeasureRow(
            case_id=case.id,
            merchant_id=case.merchant_id,
            measure=m.measure,
            rule=kind.rule,
            description=kind.description,
            forbids=list(kind.forbids),
            delist_on_start=kind.delist_on_start,
            exposure_factor=str(kind.exposure_factor) if kind.exposure_factor is not None else None,
            starts_at=m.starts_at or now,
            ends_at=m.ends_at,
            delisted_count=0,
        )
        ctx.session.add(row)
        ctx.session.flush()
        decision = rules.opened(terms, case.merchant_id, facts_of(row), kind)
        ctx.record(decision, as_of=now, key=f"vio:measure:{row.id}:imposed")
        if row.starts_at <= now:
            start(ctx, measure=row, at=now)
    return case


def _charge(ctx: Context, case: CaseRow, amount: Money, key: str) -> int:
    """The penalty from the merchant's wallet to the platform, through the ledger."""
    wallet = merchant_account_code(case.merchant_id, "wallet")
    request = transfer(
        wallet,
        PENALTIES,
        amount,
        f"violation penalty, case {case.id}: {case.broken_rule}"[:500],
        idempotency_key=f"{key}:vio-penalty",
        details={"case_id": case.id, "rule": "VIO-5"},
    )
    try:
        return ctx.ledger.post(request).id
    except InsufficientFunds as error:
        raise InsufficientFunds(
            f"the penalty {amount} is more than the merchant's wallet holds: {error.detail}",
            field="penalty",
            rule="VIO-5",
        ) from error


def start(ctx: Context, *, measure: MeasureRow, at: datetime) -> int:
    """A measure starts: one that delists takes every listed product off sale (VIO-1)."""
    if not measure.delist_on_start or measure.delisted_at is not None:
        return 0
    listed = select(ProductRow.id).where(
        ProductRow.merchant_id == measure.merchant_id, ProductRow.listed.is_(True)
    )
    ids = list(ctx.session.scalars(listed.order_by(ProductRow.id)))
    if ids:
        chosen = select(literal(measure.id), ProductRow.id, literal(at, UTCDateTime())).where(
            ProductRow.merchant_id == measure.merchant_id, ProductRow.listed.is_(True)
        )
        ctx.session.execute(
            insert(DelistingRow).from_select(["measure_id", "product_id", "delisted_at"], chosen)
        )
        ctx.session.execute(
            update(ProductRow)
            .where(ProductRow.merchant_id == measure.merchant_id, ProductRow.listed.is_(True))
            .values(listed=False, updated_at=at)
            .execution_options(synchronize_session=False)
        )
    measure.delisted_at = at
    measure.delisted_count = len(ids)
    ctx.session.flush()
    for product in ctx.session.scalars(
        select(ProductRow).where(ProductRow.id.in_(ids)).execution_options(populate_existing=True)
    ):
        ctx.product_changed(product)
    return len(ids)


def measure(ctx: Context, *, measure_id: int, lock: bool = False) -> MeasureRow:
    fetch = locked_or_raise if lock else get_or_raise
    return fetch(ctx.session, MeasureRow, measure_id, what="measure", field="measure_id")


def case(ctx: Context, *, case_id: int) -> CaseRow:
    return get_or_raise(ctx.session, CaseRow, case_id, what="case", field="case_id")


def lift(ctx: Context, *, measure_id: int, by: str, reason: str) -> MeasureRow:
    """VIO-5: an operator lifts a measure now; one that ended or was lifted is refused."""
    row = measure(ctx, measure_id=measure_id, lock=True)
    now = ctx.now()
    end = facts_of(row).end()
    if end is not None and end <= now:
        raise Conflict(
            f"measure {measure_id} is no longer in force (it ended at {rules.At(end)})",
            field="measure_id",
            rule="VIO-5",
        )
    record_lift(ctx, row=row, at=now, by=by, reason=reason)
    return row


def record_lift(ctx: Context, *, row: MeasureRow, at: datetime, by: str, reason: str) -> None:
    row.lifted_at = at
    row.lifted_by = by
    row.lift_reason = reason
    ctx.session.flush()
    version = rules_version(ctx, row=row)
    decision = rules.lifted(version, row.merchant_id, facts_of(row), at=at, by=by, reason=reason)
    ctx.record(decision, as_of=at, key=f"vio:measure:{row.id}:lifted")


def rules_version(ctx: Context, *, row: MeasureRow) -> str:
    return case(ctx, case_id=row.case_id).policy_version


def lift_due(ctx: Context, *, as_of: datetime) -> dict[str, int]:
    """VIO-5: record the lifting of every measure whose end has come (lifted at its end)."""
    due = select(MeasureRow).where(
        MeasureRow.lifted_at.is_(None),
        MeasureRow.ends_at.is_not(None),
        MeasureRow.ends_at <= as_of,
    )
    count = 0
    for row in list(ctx.session.scalars(due.order_by(MeasureRow.id))):
        assert row.ends_at is not None
        record_lift(ctx, row=row, at=row.ends_at, by="time", reason="its end was reached")
        count += 1
    return {"lifted": count}


def start_due(ctx: Context, *, as_of: datetime) -> dict[str, int]:
    """VIO-1: measures that started since the last cycle take the products off sale now."""
    due = select(MeasureRow).where(
        MeasureRow.delist_on_start.is_(True),
        MeasureRow.delisted_at.is_(None),
        MeasureRow.starts_at <= as_of,
    )
    started = delisted = 0
    for row in list(ctx.session.scalars(due.order_by(MeasureRow.id))):
        if facts_of(row).in_force(as_of):
            delisted += start(ctx, measure=row, at=as_of)
            started += 1
    return {"started": started, "delisted": delisted}
