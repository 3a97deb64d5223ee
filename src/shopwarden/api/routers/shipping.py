"""Shipping (SHIP-1..5): the weekly high in-stock exemption, overdue shipments, the views.

The order system reports an overdue shipment with an operator's token and an Idempotency-Key:
in the same unit of work the rules charge the penalty or waive it with the week's exemption,
and the consumer's compensation is paid either way (money moves through the ledger). A
merchant reads its own status, weeks, exemptions and overdue shipments; another merchant's
answer 404; the operators' queues are operators' only.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter

from shopwarden.api.deps import (
    PrincipalDep,
    UnitsDep,
    merchant_filter,
    require_operator,
    require_visible,
)
from shopwarden.api.idempotency import MoneyCallDep
from shopwarden.api.routers.deposits_common import Limit, ViewMerchant, merchant_of
from shopwarden.context import Context
from shopwarden.schema_types import Day
from shopwarden.shipping import overdue, queries
from shopwarden.shipping import schemas as s

router = APIRouter(prefix="/v1/shipping", tags=["shipping"])


@router.get("/status", response_model=s.StatusOut)
def status(units: UnitsDep, principal: PrincipalDep, merchant_id: ViewMerchant = None) -> Any:
    """This week's exemption and its use, last week's paid orders, committed in-stock share and
    on-time rate against their targets with the gap to each, and what is owed (SHIP-2..5)."""
    merchant_id = merchant_of(principal, merchant_id)
    with units() as ctx:
        return queries.status(ctx, merchant_id=merchant_id, as_of=ctx.now())


@router.get("/weeks", response_model=list[s.EvaluationOut])
def weeks(
    units: UnitsDep, principal: PrincipalDep, merchant_id: ViewMerchant = None, limit: Limit = 52
) -> Any:
    """The merchant's decided weeks, the latest first: measures, targets, gaps (SHIP-3)."""
    merchant_id = merchant_of(principal, merchant_id)
    with units() as ctx:
        return queries.evaluations(ctx, merchant_id=merchant_id, limit=limit)


@router.get("/exemptions", response_model=list[s.ExemptionOut])
def exemptions(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    week: Day | None = None,
    status: Literal["unused", "used", "lapsed", "carried_over"] | None = None,
    limit: Limit = 100,
) -> Any:
    """Exemptions by week and their use: unused, used, lapsed, carried_over (SHIP-3, SHIP-4).
    ``week`` is the first day (a Monday) of the week they are for."""
    merchant_id = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        return queries.exemptions(
            ctx, merchant_id=merchant_id, week=week, status=status, limit=limit
        )


@router.get("/overdue-shipments", response_model=list[s.OverdueOut])
def list_overdue(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    week: Day | None = None,
    limit: Limit = 100,
) -> Any:
    """Overdue shipments, the latest first, with the penalty or its waiver and the
    compensation (SHIP-4, SHIP-5)."""
    merchant_id = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        return queries.overdue_shipments(ctx, merchant_id=merchant_id, week=week, limit=limit)


@router.get("/overdue-shipments/{order_id}", response_model=s.OverdueOut)
def get_overdue(order_id: str, units: UnitsDep, principal: PrincipalDep) -> Any:
    with units() as ctx:
        row = overdue.overdue(ctx, order_id=order_id)
        require_visible(principal, row.merchant_id, f"overdue shipment of order {order_id}")
        return queries.overdue_out(ctx, row=row)


@router.post("/overdue-shipments", status_code=201, response_model=s.OverdueOut)
def report_overdue(body: s.OverdueIn, money: MoneyCallDep) -> dict[str, Any]:
    """The order system reports an overdue shipment (operators): the week's first penalty is
    waived while an exemption is unused, else charged (SHIP-4); the consumer's compensation
    is paid either way (SHIP-5). What the wallet cannot pay is advanced and owed."""
    require_operator(money.principal)

    def work(ctx: Context) -> s.OverdueOut:
        row = overdue.record_overdue(
            ctx,
            order_id=body.order_id,
            merchant_id=body.merchant_id,
            paid_at=body.paid_at,
            promised_shipping_hours=body.promised_shipping_hours,
            flash_purchase=body.flash_purchase,
            shipped_at=body.shipped_at,
            key=money.ledger_key,
        )
        return queries.overdue_out(ctx, row=row)

    return money.run(body, work)


@router.get("/queues/owed", response_model=list[s.OwedOut])
def owed_queue(units: UnitsDep, principal: PrincipalDep, limit: Limit = 100) -> Any:
    """Merchants owing penalties and compensation the platform advanced (operators)."""
    require_operator(principal)
    with units() as ctx:
        return queries.owed_queue(ctx, limit=limit)
