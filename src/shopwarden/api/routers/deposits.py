"""Security deposits (DEP-1..14): payments, compensation, covers, risk and campaign deposits,
refunds, the merchant's views and the operators' queues.

Every request that moves money needs an Idempotency-Key (DEP-15). A merchant reaches only its
own deposits: another merchant's answers 404, an operator-only action 403.

Money enters the platform only through a movement an operator confirms (DEP-15): a merchant
pays from its wallet (``source: wallet``); ``source: external`` (money from outside, debited
from ``platform:bank``) is for operators only, and a merchant brings money in through
``POST /v1/payments/incoming``, confirmed by an operator.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel
from sqlalchemy.orm import Session

from shopwarden.api.amounts import check_amounts
from shopwarden.api.deps import (
    ContainerDep,
    PrincipalDep,
    merchant_filter,
    require_operator,
    require_visible,
)
from shopwarden.api.idempotency import MoneyCall, MoneyCallDep
from shopwarden.api.params import RowId
from shopwarden.auth.service import Principal
from shopwarden.bootstrap import Container
from shopwarden.deposits import aftersales, campaigns, cash, insurance, refunds, risk, shield, views
from shopwarden.deposits import out as o
from shopwarden.deposits import schemas as s
from shopwarden.deposits.context import DepositContext
from shopwarden.errors import Forbidden, InvalidInput

router = APIRouter(prefix="/v1/deposits", tags=["deposits"])
Limit = Annotated[int, Query(ge=1, le=1000)]
ViewMerchant = Annotated[
    str | None,
    Query(
        description="The merchant the view is about. Required for an operator (422 without it); "
        "a merchant's token defaults to its own, and naming another merchant answers 404.",
        examples=["m1"],
    ),
]
Work = Callable[[DepositContext, str], BaseModel]


def _context(container: Container, session: Session) -> DepositContext:
    return DepositContext(session, container.clock, container.policies, container.categories)


class DepositCall(MoneyCall):
    """A money request whose work runs in the deposits' context with the request's ledger key."""

    def in_deposits(self, body: Any, work: Work, status: int = 201) -> dict[str, Any]:
        return self.run(
            body, lambda session: work(_context(self.container, session), self.ledger_key), status
        )


def deposit_call(call: MoneyCallDep) -> DepositCall:
    return DepositCall(call.request, call.response, call.container, call.principal, call.key)


Money = Annotated[DepositCall, Depends(deposit_call)]


def _paid_from(principal: Principal, source: str) -> None:
    """Only an operator may say money came from outside: from a merchant's request nothing is
    credited from ``platform:bank`` without an operator's confirmation (DEP-15)."""
    if source == "external" and not principal.is_operator:
        raise Forbidden(
            "a merchant pays from its wallet; money from outside comes in through "
            "POST /v1/payments/incoming and an operator's confirmation",
            field="source",
            rule="DEP-15",
        )


def _merchant_of(principal: Principal, merchant_id: str | None) -> str:
    """The merchant a view is about: a merchant's own by default; operators must name one."""
    merchant = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    if not merchant:
        raise InvalidInput("name the merchant", field="merchant_id")
    return merchant


# merchant views -----------------------------------------------------------------------------
@router.get("/overview", response_model=views.OverviewOut)
def overview(
    container: ContainerDep, principal: PrincipalDep, merchant_id: ViewMerchant = None
) -> views.OverviewOut:
    """Deposits held and required, badges and shield, cover, risk and campaign deposits."""
    merchant_id = _merchant_of(principal, merchant_id)
    with container.db.transaction() as session:
        return views.overview(_context(container, session), merchant_id)


@router.get("/obligations", response_model=list[views.DueOut])
def obligations(
    container: ContainerDep, principal: PrincipalDep, merchant_id: ViewMerchant = None
) -> list[views.DueOut]:
    """What the merchant owes or waits for, each with its deadlines (DEP-4, 5, 10, 14)."""
    merchant_id = _merchant_of(principal, merchant_id)
    with container.db.transaction() as session:
        return views.obligations(_context(container, session), merchant_id)


@router.get("/timeline", response_model=list[o.EventOut])
def timeline(
    container: ContainerDep,
    principal: PrincipalDep,
    merchant_id: ViewMerchant = None,
    limit: Limit = 500,
) -> list[o.EventOut]:
    """Every payment, deduction, decision and refund step, oldest first."""
    merchant_id = _merchant_of(principal, merchant_id)
    with container.db.transaction() as session:
        return views.timeline(_context(container, session), merchant_id, limit=limit)


@router.get("/refundable", response_model=views.RefundableOut)
def refundable(
    container: ContainerDep, principal: PrincipalDep, merchant_id: ViewMerchant = None
) -> views.RefundableOut:
    """What a refund could pay now, and what open obligations keep frozen (DEP-14)."""
    merchant_id = _merchant_of(principal, merchant_id)
    with container.db.transaction() as session:
        ctx = _context(container, session)
        ctx.merchant(merchant_id, lock=False)
        return views.refundable(ctx, merchant_id)


# operator queues ----------------------------------------------------------------------------
@router.get("/queues/shortfalls", response_model=list[o.ObligationOut])
def shortfall_queue(
    container: ContainerDep, principal: PrincipalDep, limit: Limit = 100
) -> list[o.ObligationOut]:
    """Open top-up obligations, oldest first, with their escalation stage (DEP-3, DEP-4)."""
    require_operator(principal)
    with container.db.transaction() as session:
        return views.shortfall_queue(_context(container, session), limit=limit)


@router.get("/queues/shields", response_model=list[views.ShieldOut])
def shield_queue(
    container: ContainerDep, principal: PrincipalDep, limit: Limit = 100
) -> list[views.ShieldOut]:
    """Shielded stores, proceeds held for them, and when the shield lifts (DEP-4, DEP-5)."""
    require_operator(principal)
    with container.db.transaction() as session:
        return views.shield_queue(_context(container, session), limit=limit)


@router.get("/queues/refunds", response_model=list[o.RefundOut])
def refund_queue(
    container: ContainerDep, principal: PrincipalDep, status: str = "pending", limit: Limit = 100
) -> list[o.RefundOut]:
    """Refund applications by deadline; ``overdue`` once the cycle flagged one (DEP-14)."""
    require_operator(principal)
    with container.db.transaction() as session:
        return views.refund_queue(_context(container, session), status=status, limit=limit)


# cash deposit and insurance (DEP-1..7) ------------------------------------------------------
@router.post("/cash/payments", status_code=201, response_model=o.CashPaymentOut)
def pay_cash(body: s.CashPaymentIn, call: Money) -> dict[str, Any]:
    """Pay or top up the cash deposit; it is frozen at once (DEP-1, DEP-3, DEP-5)."""
    require_visible(call.principal, body.merchant_id, f"merchant {body.merchant_id}")
    _paid_from(call.principal, body.source)

    def work(ctx: DepositContext, key: str) -> BaseModel:
        result = cash.pay(ctx, body.merchant_id, body.amount, body.source, key)
        return o.CashPaymentOut(**result)

    return call.in_deposits(body, work)


@router.post("/cash/unfreeze", status_code=201, response_model=o.UnfreezeOut)
def unfreeze_cash(body: s.MerchantIn, call: Money) -> dict[str, Any]:
    """With insurance cover running, the cash deposit goes back to the wallet (DEP-7)."""
    require_visible(call.principal, body.merchant_id, f"merchant {body.merchant_id}")

    def work(ctx: DepositContext, key: str) -> BaseModel:
        return o.UnfreezeOut(**insurance.unfreeze_cash(ctx, body.merchant_id, key))

    return call.in_deposits(body, work)


@router.post("/insurance", status_code=201, response_model=o.CoverOut)
def buy_cover(body: s.InsuranceIn, call: Money) -> dict[str, Any]:
    """Buy or renew a year of insurance cover; the fee goes to the insurer (DEP-6)."""
    require_visible(call.principal, body.merchant_id, f"merchant {body.merchant_id}")
    _paid_from(call.principal, body.source)

    def work(ctx: DepositContext, key: str) -> BaseModel:
        row = insurance.buy(ctx, body.merchant_id, body.source, key)
        return o.cover_out(row, ctx.now())

    return call.in_deposits(body, work)


# after-sales (DEP-3, DEP-6) -----------------------------------------------------------------
@router.post("/after-sales", status_code=201, response_model=o.CaseOut)
def open_case(body: s.CaseIn, container: ContainerDep, principal: PrincipalDep) -> o.CaseOut:
    require_operator(principal)
    check_amounts(container, body)  # DEP-15
    with container.db.transaction() as session:
        ctx = _context(container, session)
        row = aftersales.open_case(ctx, body.case_id, body.merchant_id, body.consumer, body.claimed)
        return o.case_out(row)


@router.get("/after-sales", response_model=list[o.CaseOut])
def list_cases(
    container: ContainerDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    status: str | None = None,
    limit: Limit = 100,
) -> list[o.CaseOut]:
    if not principal.is_operator:
        merchant_id = _merchant_of(principal, merchant_id)
    with container.db.transaction() as session:
        ctx = _context(container, session)
        rows = aftersales.cases(ctx, merchant_id=merchant_id, status=status, limit=limit)
        return [o.case_out(r) for r in rows]


@router.get("/after-sales/{case_id}", response_model=o.CaseOut)
def get_case(case_id: str, container: ContainerDep, principal: PrincipalDep) -> o.CaseOut:
    with container.db.transaction() as session:
        row = aftersales.case(_context(container, session), case_id)
        require_visible(principal, row.merchant_id, f"after-sales case {case_id}")
        return o.case_out(row)


@router.post("/after-sales/{case_id}/compensation", status_code=201, response_model=o.CaseOut)
def compensate(case_id: str, body: s.CompensationIn, call: Money) -> dict[str, Any]:
    """Compensate the consumer: from the insurer under cover (DEP-6), else the deposit (DEP-3)."""
    require_operator(call.principal)

    def work(ctx: DepositContext, key: str) -> BaseModel:
        return o.case_out(aftersales.compensate(ctx, case_id, body.amount, key))

    return call.in_deposits(body, work)


@router.post("/after-sales/{case_id}/dismissal", response_model=o.CaseOut)
def dismiss_case(
    case_id: str, body: s.ReasonIn, container: ContainerDep, principal: PrincipalDep
) -> o.CaseOut:
    require_operator(principal)
    with container.db.transaction() as session:
        return o.case_out(aftersales.dismiss(_context(container, session), case_id, body.reason))


# risk deposit (DEP-8..10) -------------------------------------------------------------------
@router.post("/risk", status_code=201, response_model=o.RiskOut)
def assess_risk(
    body: s.RiskAssessmentIn, container: ContainerDep, principal: PrincipalDep
) -> o.RiskOut:
    """Assess the member's risk tier; the tier sets the deposit (DEP-8)."""
    require_operator(principal)
    with container.db.transaction() as session:
        ctx = _context(container, session)
        row = risk.assess(ctx, body.merchant_id, body.tier)
        return o.risk_out(row, ctx.policy_version(row.policy_version))


@router.post("/risk/payments", status_code=201, response_model=o.RiskOut)
def pay_risk(body: s.RiskPaymentIn, call: Money) -> dict[str, Any]:
    """Pay the risk deposit; its 180-day window starts at full payment (DEP-9)."""
    require_visible(call.principal, body.merchant_id, f"merchant {body.merchant_id}")
    _paid_from(call.principal, body.source)

    def work(ctx: DepositContext, key: str) -> BaseModel:
        row = risk.pay(ctx, body.merchant_id, body.amount, body.source, key)
        return o.risk_out(row, ctx.policy_version(row.policy_version))

    return call.in_deposits(body, work)


@router.post("/risk/violations", status_code=201, response_model=o.ViolationOut)
def record_violation(body: s.ViolationIn, call: Money) -> dict[str, Any]:
    """A punished violation; a specified serious one in the window forfeits (DEP-9)."""
    require_operator(call.principal)

    def work(ctx: DepositContext, key: str) -> BaseModel:
        result = risk.violation(ctx, body.merchant_id, body.code, body.punished_at, key)
        return o.ViolationOut(**result)

    return call.in_deposits(body, work)


# campaigns (DEP-11..13) ---------------------------------------------------------------------
@router.post("/campaigns", status_code=201, response_model=o.CampaignOut)
def enrol_campaign(body: s.CampaignIn, call: Money) -> dict[str, Any]:
    """Enrol: a Juhuasuan deposit or premium (the merchant's pick), or a campaign's fee terms."""
    require_visible(call.principal, body.merchant_id, f"merchant {body.merchant_id}")
    if not call.principal.is_operator and body.kind != "juhuasuan":
        raise Forbidden("fee terms are set by operators", field="kind")
    _paid_from(call.principal, body.source)

    def work(ctx: DepositContext, key: str) -> BaseModel:
        return o.campaign_out(campaigns.enrol(ctx, body, key))

    return call.in_deposits(body, work)


@router.get("/campaigns", response_model=list[o.CampaignOut])
def list_campaigns(
    container: ContainerDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    limit: Limit = 100,
) -> list[o.CampaignOut]:
    if not principal.is_operator:
        merchant_id = _merchant_of(principal, merchant_id)
    with container.db.transaction() as session:
        return views.campaigns_of(_context(container, session), merchant_id, limit=limit)


@router.get("/campaigns/{campaign_id}", response_model=o.CampaignOut)
def get_campaign(
    campaign_id: str, container: ContainerDep, principal: PrincipalDep
) -> o.CampaignOut:
    with container.db.transaction() as session:
        ctx = _context(container, session)
        row = campaigns.campaign(ctx, campaign_id)
        require_visible(principal, row.merchant_id, f"campaign {campaign_id}")
        return o.campaign_out(row, campaigns.orders(ctx, campaign_id))


@router.post("/campaigns/{campaign_id}/orders", status_code=201, response_model=o.CampaignOrderOut)
def add_campaign_order(
    campaign_id: str, body: s.CampaignOrderIn, container: ContainerDep, principal: PrincipalDep
) -> o.CampaignOrderOut:
    """A campaign order placed now (from the order system)."""
    require_operator(principal)
    check_amounts(container, body)  # DEP-15
    with container.db.transaction() as session:
        ctx = _context(container, session)
        row = campaigns.add_order(ctx, campaign_id, body.order_id, body.amount)
        return o.campaign_order_out(row)


@router.post(
    "/campaigns/{campaign_id}/orders/{order_id}/confirmation",
    status_code=201,
    response_model=o.CampaignOrderOut,
)
def confirm_campaign_order(
    campaign_id: str, order_id: str, body: s.ConfirmationIn, call: Money
) -> dict[str, Any]:
    """Confirmed receipt: proceeds settle, the fee is deducted at once (DEP-12, DEP-13)."""
    require_operator(call.principal)

    def work(ctx: DepositContext, key: str) -> BaseModel:
        row = campaigns.confirm(ctx, campaign_id, order_id, body.amount, key)
        return o.campaign_order_out(row)

    return call.in_deposits(body, work)


# proceeds under settlement guarantee (DEP-4, DEP-5) -----------------------------------------
@router.post("/proceeds", status_code=201, response_model=o.ProceedsOut)
def settle_proceeds(body: s.ProceedsIn, call: Money) -> dict[str, Any]:
    """Settle an order's proceeds: to the wallet, or held while the store is shielded."""
    require_operator(call.principal)

    def work(ctx: DepositContext, key: str) -> BaseModel:
        ctx.merchant(body.merchant_id)
        ordered_at = body.ordered_at or ctx.now()
        result = shield.settle(
            ctx, body.merchant_id, body.order_id, body.amount, ordered_at=ordered_at, key=key
        )
        return o.ProceedsOut(**result)

    return call.in_deposits(body, work)


# refund on leaving (DEP-14) -----------------------------------------------------------------
@router.post("/refunds", status_code=201, response_model=o.RefundOut)
def apply_for_refund(
    body: s.RefundIn, container: ContainerDep, principal: PrincipalDep
) -> o.RefundOut:
    """A closing merchant applies, naming the payout account and the amount."""
    require_visible(principal, body.merchant_id, f"merchant {body.merchant_id}")
    check_amounts(container, body)  # DEP-15
    with container.db.transaction() as session:
        ctx = _context(container, session)
        row = refunds.apply(ctx, body.merchant_id, body.payout_account, body.amount)
        return o.refund_out(row, ctx.now())


@router.get("/refunds", response_model=list[o.RefundOut])
def list_refunds(
    container: ContainerDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    limit: Limit = 100,
) -> list[o.RefundOut]:
    if not principal.is_operator:
        merchant_id = _merchant_of(principal, merchant_id)
    with container.db.transaction() as session:
        return views.refunds_of(_context(container, session), merchant_id, limit=limit)


@router.get("/refunds/{refund_id}", response_model=o.RefundOut)
def get_refund(refund_id: RowId, container: ContainerDep, principal: PrincipalDep) -> o.RefundOut:
    with container.db.transaction() as session:
        ctx = _context(container, session)
        row = refunds.refund(ctx, refund_id)
        require_visible(principal, row.merchant_id, f"refund application {refund_id}")
        return o.refund_out(row, ctx.now())


@router.post("/refunds/{refund_id}/approval", status_code=201, response_model=o.RefundOut)
def approve_refund(refund_id: RowId, call: Money) -> dict[str, Any]:
    """Approve: the refund is paid out through the ledger to the named account."""
    require_operator(call.principal)

    def work(ctx: DepositContext, key: str) -> BaseModel:
        return o.refund_out(refunds.approve(ctx, refund_id, key), ctx.now())

    return call.in_deposits({}, work)


@router.post("/refunds/{refund_id}/rejection", response_model=o.RefundOut)
def reject_refund(
    refund_id: RowId, body: s.ReasonIn, container: ContainerDep, principal: PrincipalDep
) -> o.RefundOut:
    """Reject, with the reason the merchant reads."""
    require_operator(principal)
    with container.db.transaction() as session:
        ctx = _context(container, session)
        return o.refund_out(refunds.reject(ctx, refund_id, body.reason), ctx.now())
