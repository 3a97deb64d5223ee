"""Security deposits (DEP-1..14): payments, compensation, covers, risk and campaign deposits,
refunds, the merchant's views and the operators' queues.

Every request that moves money needs an Idempotency-Key (DEP-15). A merchant reaches only its
own deposits: another merchant's answers 404, an operator-only action 403.

Money enters the platform only through a movement an operator confirms (DEP-15): a merchant
pays from its wallet (``source: wallet``); ``source: external`` (money from outside, debited
from ``platform:bank``) is for operators only, and a merchant brings money in through
``POST /v1/payments/incoming``, confirmed by an operator.

Campaigns and proceeds are ``deposits_campaigns.py``, included here in their place.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from shopwarden.api.amounts import check_amounts
from shopwarden.api.deps import PrincipalDep, UnitsDep, require_operator, require_visible
from shopwarden.api.idempotency import MoneyCallDep
from shopwarden.api.params import RowId
from shopwarden.api.routers import deposits_campaigns
from shopwarden.api.routers.deposits_common import Limit, ViewMerchant, merchant_of, paid_from
from shopwarden.context import Context
from shopwarden.deposits import aftersales, cash, dues, insurance, refunds, risk, views
from shopwarden.deposits import out as o
from shopwarden.deposits import schemas as s
from shopwarden.deposits.merchants import merchant
from shopwarden.deposits.policies import agreed

router = APIRouter(prefix="/v1/deposits", tags=["deposits"])


# merchant views -----------------------------------------------------------------------------
@router.get("/overview", response_model=views.OverviewOut)
def overview(
    units: UnitsDep, principal: PrincipalDep, merchant_id: ViewMerchant = None
) -> views.OverviewOut:
    """Deposits held and required, badges and shield, cover, risk and campaign deposits."""
    merchant_id = merchant_of(principal, merchant_id)
    with units() as ctx:
        return views.overview(ctx, merchant_id=merchant_id)


@router.get("/obligations", response_model=list[dues.DueOut])
def obligations(
    units: UnitsDep, principal: PrincipalDep, merchant_id: ViewMerchant = None
) -> list[dues.DueOut]:
    """What the merchant owes or waits for, each with its deadlines (DEP-4, 5, 10, 14)."""
    merchant_id = merchant_of(principal, merchant_id)
    with units() as ctx:
        return dues.obligations(ctx, merchant_id=merchant_id)


@router.get("/timeline", response_model=list[o.EventOut])
def timeline(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: ViewMerchant = None,
    limit: Limit = 500,
) -> list[o.EventOut]:
    """Every payment, deduction, decision and refund step, oldest first."""
    merchant_id = merchant_of(principal, merchant_id)
    with units() as ctx:
        return views.timeline(ctx, merchant_id=merchant_id, limit=limit)


@router.get("/refundable", response_model=views.RefundableOut)
def refundable(
    units: UnitsDep, principal: PrincipalDep, merchant_id: ViewMerchant = None
) -> views.RefundableOut:
    """What a refund could pay now, and what open obligations keep frozen (DEP-14)."""
    merchant_id = merchant_of(principal, merchant_id)
    with units() as ctx:
        merchant(ctx, merchant_id=merchant_id, lock=False)
        return views.refundable(ctx, merchant_id=merchant_id)


# operator queues ----------------------------------------------------------------------------
@router.get("/queues/shortfalls", response_model=list[o.ObligationOut])
def shortfall_queue(
    units: UnitsDep, principal: PrincipalDep, limit: Limit = 100
) -> list[o.ObligationOut]:
    """Open top-up obligations, oldest first, with their escalation stage (DEP-3, DEP-4)."""
    require_operator(principal)
    with units() as ctx:
        return views.shortfall_queue(ctx, limit=limit)


@router.get("/queues/shields", response_model=list[views.ShieldOut])
def shield_queue(
    units: UnitsDep, principal: PrincipalDep, limit: Limit = 100
) -> list[views.ShieldOut]:
    """Shielded stores, proceeds held for them, and when the shield lifts (DEP-4, DEP-5)."""
    require_operator(principal)
    with units() as ctx:
        return views.shield_queue(ctx, limit=limit)


@router.get("/queues/refunds", response_model=list[o.RefundOut])
def refund_queue(
    units: UnitsDep, principal: PrincipalDep, status: str = "pending", limit: Limit = 100
) -> list[o.RefundOut]:
    """Refund applications by deadline; ``overdue`` once the cycle flagged one (DEP-14)."""
    require_operator(principal)
    with units() as ctx:
        return views.refund_queue(ctx, status=status, limit=limit)


# cash deposit and insurance (DEP-1..7) ------------------------------------------------------
@router.post("/cash/payments", status_code=201, response_model=o.CashPaymentOut)
def pay_cash(body: s.CashPaymentIn, money: MoneyCallDep) -> dict[str, Any]:
    """Pay or top up the cash deposit; it is frozen at once (DEP-1, DEP-3, DEP-5)."""
    require_visible(money.principal, body.merchant_id, f"merchant {body.merchant_id}")
    paid_from(money.principal, body.source)

    def work(ctx: Context) -> o.CashPaymentOut:
        result = cash.pay(
            ctx,
            merchant_id=body.merchant_id,
            amount=body.amount,
            source=body.source,
            key=money.ledger_key,
        )
        return o.CashPaymentOut(**result)

    return money.run(body, work)


@router.post("/cash/unfreeze", status_code=201, response_model=o.UnfreezeOut)
def unfreeze_cash(body: s.MerchantIn, money: MoneyCallDep) -> dict[str, Any]:
    """With insurance cover running, the cash deposit goes back to the wallet (DEP-7)."""
    require_visible(money.principal, body.merchant_id, f"merchant {body.merchant_id}")

    def work(ctx: Context) -> o.UnfreezeOut:
        result = insurance.unfreeze_cash(ctx, merchant_id=body.merchant_id, key=money.ledger_key)
        return o.UnfreezeOut(**result)

    return money.run(body, work)


@router.post("/insurance", status_code=201, response_model=o.CoverOut)
def buy_cover(body: s.InsuranceIn, money: MoneyCallDep) -> dict[str, Any]:
    """Buy or renew a year of insurance cover; the fee goes to the insurer (DEP-6)."""
    require_visible(money.principal, body.merchant_id, f"merchant {body.merchant_id}")
    paid_from(money.principal, body.source)

    def work(ctx: Context) -> o.CoverOut:
        row = insurance.buy(
            ctx, merchant_id=body.merchant_id, source=body.source, key=money.ledger_key
        )
        return o.cover_out(row, ctx.now())

    return money.run(body, work)


# after-sales (DEP-3, DEP-6) -----------------------------------------------------------------
@router.post("/after-sales", status_code=201, response_model=o.CaseOut)
def open_case(body: s.CaseIn, units: UnitsDep, principal: PrincipalDep) -> o.CaseOut:
    require_operator(principal)
    with units() as ctx:
        check_amounts(ctx, body)  # DEP-15
        row = aftersales.open_case(
            ctx,
            case_id=body.case_id,
            merchant_id=body.merchant_id,
            consumer=body.consumer,
            claimed=body.claimed,
        )
        return o.case_out(row)


@router.get("/after-sales", response_model=list[o.CaseOut])
def list_cases(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    status: str | None = None,
    limit: Limit = 100,
) -> list[o.CaseOut]:
    if not principal.is_operator:
        merchant_id = merchant_of(principal, merchant_id)
    with units() as ctx:
        rows = aftersales.cases(ctx, merchant_id=merchant_id, status=status, limit=limit)
        return [o.case_out(r) for r in rows]


@router.get("/after-sales/{case_id}", response_model=o.CaseOut)
def get_case(case_id: str, units: UnitsDep, principal: PrincipalDep) -> o.CaseOut:
    with units() as ctx:
        row = aftersales.case(ctx, case_id=case_id)
        require_visible(principal, row.merchant_id, f"after-sales case {case_id}")
        return o.case_out(row)


@router.post("/after-sales/{case_id}/compensation", status_code=201, response_model=o.CaseOut)
def compensate(case_id: str, body: s.CompensationIn, money: MoneyCallDep) -> dict[str, Any]:
    """Compensate the consumer: from the insurer under cover (DEP-6), else the deposit (DEP-3)."""
    require_operator(money.principal)

    def work(ctx: Context) -> o.CaseOut:
        row = aftersales.compensate(ctx, case_id=case_id, amount=body.amount, key=money.ledger_key)
        return o.case_out(row)

    return money.run(body, work)


@router.post("/after-sales/{case_id}/dismissal", response_model=o.CaseOut)
def dismiss_case(
    case_id: str, body: s.ReasonIn, units: UnitsDep, principal: PrincipalDep
) -> o.CaseOut:
    require_operator(principal)
    with units() as ctx:
        return o.case_out(aftersales.dismiss(ctx, case_id=case_id, reason=body.reason))


# risk deposit (DEP-8..10) -------------------------------------------------------------------
@router.post("/risk", status_code=201, response_model=o.RiskOut)
def assess_risk(body: s.RiskAssessmentIn, units: UnitsDep, principal: PrincipalDep) -> o.RiskOut:
    """Assess the member's risk tier; the tier sets the deposit (DEP-8)."""
    require_operator(principal)
    with units() as ctx:
        row = risk.assess(ctx, merchant_id=body.merchant_id, tier=body.tier)
        return o.risk_out(row, agreed(ctx, version=row.policy_version))


@router.post("/risk/payments", status_code=201, response_model=o.RiskOut)
def pay_risk(body: s.RiskPaymentIn, money: MoneyCallDep) -> dict[str, Any]:
    """Pay the risk deposit; its 180-day window starts at full payment (DEP-9)."""
    require_visible(money.principal, body.merchant_id, f"merchant {body.merchant_id}")
    paid_from(money.principal, body.source)

    def work(ctx: Context) -> o.RiskOut:
        row = risk.pay(
            ctx,
            merchant_id=body.merchant_id,
            amount=body.amount,
            source=body.source,
            key=money.ledger_key,
        )
        return o.risk_out(row, agreed(ctx, version=row.policy_version))

    return money.run(body, work)


@router.post("/risk/violations", status_code=201, response_model=o.ViolationOut)
def record_violation(body: s.ViolationIn, money: MoneyCallDep) -> dict[str, Any]:
    """A punished violation; a specified serious one in the window forfeits (DEP-9)."""
    require_operator(money.principal)

    def work(ctx: Context) -> o.ViolationOut:
        result = risk.violation(
            ctx,
            merchant_id=body.merchant_id,
            code=body.code,
            punished_at=body.punished_at,
            key=money.ledger_key,
        )
        return o.ViolationOut(**result)

    return money.run(body, work)


# campaigns (DEP-11..13) and proceeds (DEP-4, DEP-5), in this place among the routes ----------
router.include_router(deposits_campaigns.router)


# refund on leaving (DEP-14) -----------------------------------------------------------------
@router.post("/refunds", status_code=201, response_model=o.RefundOut)
def apply_for_refund(body: s.RefundIn, units: UnitsDep, principal: PrincipalDep) -> o.RefundOut:
    """A closing merchant applies, naming the payout account and the amount."""
    require_visible(principal, body.merchant_id, f"merchant {body.merchant_id}")
    with units() as ctx:
        check_amounts(ctx, body)  # DEP-15
        row = refunds.apply(
            ctx,
            merchant_id=body.merchant_id,
            payout_account=body.payout_account,
            amount=body.amount,
        )
        return o.refund_out(row, ctx.now())


@router.get("/refunds", response_model=list[o.RefundOut])
def list_refunds(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    limit: Limit = 100,
) -> list[o.RefundOut]:
    if not principal.is_operator:
        merchant_id = merchant_of(principal, merchant_id)
    with units() as ctx:
        return views.refunds_of(ctx, merchant_id=merchant_id, limit=limit)


@router.get("/refunds/{refund_id}", response_model=o.RefundOut)
def get_refund(refund_id: RowId, units: UnitsDep, principal: PrincipalDep) -> o.RefundOut:
    with units() as ctx:
        row = refunds.refund(ctx, refund_id=refund_id)
        require_visible(principal, row.merchant_id, f"refund application {refund_id}")
        return o.refund_out(row, ctx.now())


@router.post("/refunds/{refund_id}/approval", status_code=201, response_model=o.RefundOut)
def approve_refund(refund_id: RowId, money: MoneyCallDep) -> dict[str, Any]:
    """Approve: the refund is paid out through the ledger to the named account."""
    require_operator(money.principal)

    def work(ctx: Context) -> o.RefundOut:
        row = refunds.approve(ctx, refund_id=refund_id, key=money.ledger_key)
        return o.refund_out(row, ctx.now())

    return money.run({}, work)


@router.post("/refunds/{refund_id}/rejection", response_model=o.RefundOut)
def reject_refund(
    refund_id: RowId, body: s.ReasonIn, units: UnitsDep, principal: PrincipalDep
) -> o.RefundOut:
    """Reject, with the reason the merchant reads."""
    require_operator(principal)
    with units() as ctx:
        row = refunds.reject(ctx, refund_id=refund_id, reason=body.reason)
        return o.refund_out(row, ctx.now())
