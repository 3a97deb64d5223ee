"""Campaign deposits and fees (DEP-11..13), and proceeds under settlement guarantee (DEP-4, 5).

Part of ``/v1/deposits`` (included by ``deposits.py``, in this place among its routes).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from shopwarden.api.amounts import check_amounts
from shopwarden.api.deps import PrincipalDep, UnitsDep, require_operator, require_visible
from shopwarden.api.idempotency import MoneyCallDep
from shopwarden.api.routers.deposits_common import Limit, merchant_of, paid_from
from shopwarden.context import Context
from shopwarden.deposits import campaigns, shield, views
from shopwarden.deposits import out as o
from shopwarden.deposits import schemas as s
from shopwarden.deposits.merchants import merchant
from shopwarden.errors import Forbidden

router = APIRouter()  # tagged "deposits" by the router that includes it


# campaigns (DEP-11..13) ---------------------------------------------------------------------
@router.post("/campaigns", status_code=201, response_model=o.CampaignOut)
def enrol_campaign(body: s.CampaignIn, money: MoneyCallDep) -> dict[str, Any]:
    """Enrol: a Juhuasuan deposit or premium (the merchant's pick), or a campaign's fee terms."""
    require_visible(money.principal, body.merchant_id, f"merchant {body.merchant_id}")
    if not money.principal.is_operator and body.kind != "juhuasuan":
        raise Forbidden("fee terms are set by operators", field="kind")
    paid_from(money.principal, body.source)

    def work(ctx: Context) -> o.CampaignOut:
        return o.campaign_out(campaigns.enrol(ctx, data=body, key=money.ledger_key))

    return money.run(body, work)


@router.get("/campaigns", response_model=list[o.CampaignOut])
def list_campaigns(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    limit: Limit = 100,
) -> list[o.CampaignOut]:
    if not principal.is_operator:
        merchant_id = merchant_of(principal, merchant_id)
    with units() as ctx:
        return views.campaigns_of(ctx, merchant_id=merchant_id, limit=limit)


@router.get("/campaigns/{campaign_id}", response_model=o.CampaignOut)
def get_campaign(campaign_id: str, units: UnitsDep, principal: PrincipalDep) -> o.CampaignOut:
    with units() as ctx:
        row = campaigns.campaign(ctx, campaign_id=campaign_id)
        require_visible(principal, row.merchant_id, f"campaign {campaign_id}")
        return o.campaign_out(row, campaigns.orders(ctx, campaign_id=campaign_id))


@router.post("/campaigns/{campaign_id}/orders", status_code=201, response_model=o.CampaignOrderOut)
def add_campaign_order(
    campaign_id: str, body: s.CampaignOrderIn, units: UnitsDep, principal: PrincipalDep
) -> o.CampaignOrderOut:
    """A campaign order placed now (from the order system)."""
    require_operator(principal)
    with units() as ctx:
        check_amounts(ctx, body)  # DEP-15
        row = campaigns.add_order(
            ctx, campaign_id=campaign_id, order_id=body.order_id, amount=body.amount
        )
        return o.campaign_order_out(row)


@router.post(
    "/campaigns/{campaign_id}/orders/{order_id}/confirmation",
    status_code=201,
    response_model=o.CampaignOrderOut,
)
def confirm_campaign_order(
    campaign_id: str, order_id: str, body: s.ConfirmationIn, money: MoneyCallDep
) -> dict[str, Any]:
    """Confirmed receipt: proceeds settle, the fee is deducted at once (DEP-12, DEP-13)."""
    require_operator(money.principal)

    def work(ctx: Context) -> o.CampaignOrderOut:
        row = campaigns.confirm(
            ctx,
            campaign_id=campaign_id,
            order_id=order_id,
            amount=body.amount,
            key=money.ledger_key,
        )
        return o.campaign_order_out(row)

    return money.run(body, work)


# proceeds under settlement guarantee (DEP-4, DEP-5) -----------------------------------------
@router.post("/proceeds", status_code=201, response_model=o.ProceedsOut)
def settle_proceeds(body: s.ProceedsIn, money: MoneyCallDep) -> dict[str, Any]:
    """Settle an order's proceeds: to the wallet, or held while the store is shielded."""
    require_operator(money.principal)

    def work(ctx: Context) -> o.ProceedsOut:
        merchant(ctx, merchant_id=body.merchant_id)
        result = shield.settle(
            ctx,
            merchant_id=body.merchant_id,
            order_id=body.order_id,
            amount=body.amount,
            ordered_at=body.ordered_at or ctx.now(),
            key=money.ledger_key,
        )
        return o.ProceedsOut(**result)

    return money.run(body, work)
