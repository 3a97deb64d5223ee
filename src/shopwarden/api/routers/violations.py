"""Violation measures and appeals (VIO-1..6): cases, measures, enforcement answers, appeals
and the operators' queues.

An operator opens a case (with an optional penalty: a money request, so it takes an
Idempotency-Key) and lifts measures; a merchant reads its own cases and measures and appeals
them; an operator decides an appeal (upheld, a penalty is given back: a money request too).
Other systems ask ``GET /v1/violations/enforcement`` whether a merchant may do an action now,
and read the exposure weight of its short videos from ``GET /v1/violations/exposure``.
A merchant's token reaches only its own: another merchant's answers 404.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from shopwarden.api.deps import (
    PrincipalDep,
    UnitsDep,
    merchant_filter,
    require_operator,
    require_visible,
)
from shopwarden.api.idempotency import MoneyCallDep
from shopwarden.api.params import RowId
from shopwarden.api.routers.deposits_common import Limit, ViewMerchant, merchant_of
from shopwarden.catalog import service as catalog
from shopwarden.context import Context
from shopwarden.schema_types import Instant
from shopwarden.violations import appeals, cases, enforcement, queries
from shopwarden.violations import schemas as s
from shopwarden.violations.policy import Action

router = APIRouter(prefix="/v1/violations", tags=["violations"])

At = Annotated[
    Instant | None,
    Query(description="The instant asked about (default now), with its zone."),
]
Status = Annotated[
    Literal["open", "upheld", "rejected"] | None, Query(description="open, upheld or rejected")
]


# cases and measures (VIO-1..5) --------------------------------------------------------------
@router.post("/cases", status_code=201, response_model=s.CaseOut)
def open_case(body: s.CaseIn, money: MoneyCallDep) -> dict[str, Any]:
    """Open a case: measures start (a delisting one takes the products off sale at once) and
    the penalty, if any, is charged from the merchant's wallet (operators)."""
    require_operator(money.principal)

    def work(ctx: Context) -> s.CaseOut:
        row = cases.open_case(ctx, data=body, opened_by=money.principal.scope, key=money.ledger_key)
        return queries.case_out(ctx, row=row)

    return money.run(body, work)


@router.get("/cases", response_model=list[s.CaseOut])
def list_cases(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    limit: Limit = 100,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> list[s.CaseOut]:
    """Cases, newest first: an operator's of every merchant (or one), a merchant's own."""
    merchant = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        return queries.cases(ctx, merchant_id=merchant, limit=limit, after=before)


@router.get("/cases/{case_id}", response_model=s.CaseOut)
def get_case(case_id: RowId, units: UnitsDep, principal: PrincipalDep) -> s.CaseOut:
    """A case with its measures, penalty and appeals."""
    with units() as ctx:
        row = cases.case(ctx, case_id=case_id)
        require_visible(principal, row.merchant_id, f"case {case_id}")
        return queries.case_out(ctx, row=row)


@router.get("/measures", response_model=list[s.MeasureOut])
def list_measures(
    units: UnitsDep, principal: PrincipalDep, merchant_id: ViewMerchant = None, limit: Limit = 100
) -> list[s.MeasureOut]:
    """The merchant's measures, newest first, each saying whether it is in force now."""
    merchant = merchant_of(principal, merchant_id)
    with units() as ctx:
        catalog.merchant(ctx, merchant_id=merchant)
        return queries.measures_of(ctx, merchant_id=merchant, limit=limit)


@router.post("/measures/{measure_id}/lifting", response_model=s.MeasureOut)
def lift_measure(
    measure_id: RowId, body: s.LiftIn, units: UnitsDep, principal: PrincipalDep
) -> s.MeasureOut:
    """Lift a measure now, with the reason (operators); the lifting is recorded (VIO-5)."""
    require_operator(principal)
    with units() as ctx:
        row = cases.lift(ctx, measure_id=measure_id, by=principal.scope, reason=body.reason)
        return queries.measure_out(row, ctx.now())


# enforcement (VIO-1..5) ---------------------------------------------------------------------
@router.get("/enforcement", response_model=s.CheckOut)
def may_merchant(
    units: UnitsDep,
    principal: PrincipalDep,
    action: Annotated[Action, Query(description="The action the other system is about to do.")],
    merchant_id: ViewMerchant = None,
    at: At = None,
) -> s.CheckOut:
    """May the merchant do the action now? ``allowed`` with the rule, the case, the measure and
    its end when refused; for systems that enforce on their own path (live streams, short
    videos, the store entry, private messages, promotion)."""
    merchant = merchant_of(principal, merchant_id)
    with units() as ctx:
        catalog.merchant(ctx, merchant_id=merchant)
        return queries.check_out(ctx, merchant_id=merchant, action=action, at=at)


@router.get("/exposure", response_model=s.ExposureOut)
def exposure_weight(
    units: UnitsDep, principal: PrincipalDep, merchant_id: ViewMerchant = None, at: At = None
) -> s.ExposureOut:
    """The weight on the exposure of the merchant's short videos (VIO-4; 1 is neutral)."""
    merchant = merchant_of(principal, merchant_id)
    with units() as ctx:
        catalog.merchant(ctx, merchant_id=merchant)
        return queries.exposure_out(ctx, merchant_id=merchant, at=at)


@router.get("/status", response_model=s.StatusOut)
def merchant_status(
    units: UnitsDep, principal: PrincipalDep, merchant_id: ViewMerchant = None, at: At = None
) -> dict[str, Any]:
    """Every action's answer and the exposure weight, at one instant."""
    merchant = merchant_of(principal, merchant_id)
    with units() as ctx:
        return enforcement.status(ctx, merchant_id=merchant, at=at)


# appeals (VIO-6) ----------------------------------------------------------------------------
@router.post("/appeals", status_code=201, response_model=s.AppealOut)
def file_appeal(body: s.AppealIn, units: UnitsDep, principal: PrincipalDep) -> s.AppealOut:
    """Appeal a case, one of its measures, or its penalty, before the case's deadline."""
    with units() as ctx:
        row = cases.case(ctx, case_id=body.case_id)
        require_visible(principal, row.merchant_id, f"case {body.case_id}")
        appeal = appeals.file(ctx, data=body, filed_by=principal.scope)
        return queries.appeal_out(appeal, ctx.now())


@router.get("/appeals", response_model=list[s.AppealOut])
def list_appeals(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    status: Status = None,
    limit: Limit = 100,
) -> list[s.AppealOut]:
    """Appeals, oldest first: an operator's of every merchant (or one), a merchant's own."""
    merchant = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        return queries.appeals(ctx, merchant_id=merchant, status=status, limit=limit)


@router.get("/appeals/{appeal_id}", response_model=s.AppealOut)
def get_appeal(appeal_id: RowId, units: UnitsDep, principal: PrincipalDep) -> s.AppealOut:
    """An appeal and, once decided, its outcome and the operator's reason."""
    with units() as ctx:
        row = appeals.appeal(ctx, appeal_id=appeal_id)
        require_visible(principal, row.merchant_id, f"appeal {appeal_id}")
        return queries.appeal_out(row, ctx.now())


@router.post("/appeals/{appeal_id}/decision", response_model=s.AppealOut)
def decide_appeal(
    appeal_id: RowId, body: s.AppealDecisionIn, money: MoneyCallDep
) -> dict[str, Any]:
    """Uphold (the contested measures lift at once, a contested penalty is given back) or
    reject (nothing changes), with the reason the merchant reads (operators)."""
    require_operator(money.principal)

    def work(ctx: Context) -> s.AppealOut:
        row = appeals.decide(
            ctx,
            appeal_id=appeal_id,
            outcome=body.outcome,
            reason=body.reason,
            decided_by=money.principal.scope,
            key=money.ledger_key,
        )
        return queries.appeal_out(row, ctx.now())

    return money.run(body, work, status=200)


# operator queues ----------------------------------------------------------------------------
@router.get("/queues/appeals", response_model=list[s.AppealOut])
def appeal_queue(units: UnitsDep, principal: PrincipalDep, limit: Limit = 100) -> list[s.AppealOut]:
    """Open appeals, oldest first, with their age (operators)."""
    require_operator(principal)
    with units() as ctx:
        return queries.appeals(ctx, merchant_id=None, status="open", limit=limit)


@router.get("/queues/ending", response_model=list[s.EndingOut])
def ending_queue(
    units: UnitsDep,
    principal: PrincipalDep,
    within_hours: Annotated[int, Query(ge=1, le=24 * 366)] = 72,
    limit: Limit = 100,
) -> list[s.EndingOut]:
    """Measures in force that end within ``within_hours``, soonest first (operators)."""
    require_operator(principal)
    with units() as ctx:
        return queries.ending_soon(ctx, within=timedelta(hours=within_hours), limit=limit)
