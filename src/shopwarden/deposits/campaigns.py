"""Campaign enrolment, campaign orders and their confirmation, campaign end (DEP-11..13).

The terms a merchant signs up under stay with the campaign: its policy version is recorded
and every later fee is computed with it. Confirmed receipts settle the order's proceeds less
the fee in one transaction, so "deducted in real time" is literal; a Taoqianggou floor or
fixed fee is charged at enrolment, the commission as GMV grows (see ``campaign_rules``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from shopwarden.decisions.model import Decision
from shopwarden.deposits import campaign_rules as cr
from shopwarden.deposits.context import CAMPAIGN, CAMPAIGN_FEES, INSURER, WALLET, DepositContext
from shopwarden.deposits.rules import ZERO, At
from shopwarden.deposits.schemas import CampaignIn
from shopwarden.deposits.shield import settle
from shopwarden.deposits.tables import CampaignOrderRow, CampaignRow
from shopwarden.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from shopwarden.ledger.model import transfer
from shopwarden.money import Money

KIND_TERMS = {
    "juhuasuan": {"juhuasuan_option"},
    "taoqianggou": {"fee_mode", "floor", "rate", "cap", "fee"},
    "tiantiantemai": {"rate"},
}
ALL_TERMS = {"juhuasuan_option", "fee_mode", "floor", "rate", "cap", "fee"}


def terms_of(row: CampaignRow) -> cr.FeeTerms:
    return cr.FeeTerms(
        mode=row.fee_mode or "",
        floor=Money(row.floor) if row.floor is not None else None,
        rate=Decimal(row.rate) if row.rate is not None else None,
        cap=Money(row.cap) if row.cap is not None else None,
        fee=Money(row.fixed_fee) if row.fixed_fee is not None else None,
    )


def _check_kind(data: CampaignIn, now: datetime) -> datetime:
    for name in sorted(ALL_TERMS - KIND_TERMS[data.kind]):
        if getattr(data, name) is not None:
            raise InvalidInput(f"a {data.kind} campaign takes no {name}", field=name)
    if data.kind == "juhuasuan" and data.juhuasuan_option is None:
        raise InvalidInput("pick deposit or premium (DEP-11)", field="juhuasuan_option")
    if data.kind == "taoqianggou" and data.fee_mode is None:
        raise InvalidInput("name the fee mode (DEP-12)", field="fee_mode")
    starts = data.starts_at or now
    if data.ends_at <= max(starts, now):
        raise InvalidInput("the campaign must end after it starts and after now", field="ends_at")
    return starts


def enrol(ctx: DepositContext, data: CampaignIn, key: str) -> CampaignRow:
    merchant = ctx.merchant(data.merchant_id)
    ctx.not_closed(merchant, "DEP-11")
    if ctx.session.get(CampaignRow, data.id) is not None:
        raise AlreadyExists(f"campaign {data.id} exists", field="id")
    now = ctx.now()
    starts = _check_kind(data, now)
    policy = ctx.policy(now)
    row = CampaignRow(
        id=data.id,
        merchant_id=data.merchant_id,
        kind=data.kind,
        option=data.juhuasuan_option,
        starts_at=starts,
        ends_at=data.ends_at,
        status="running",
        deposit=0,
        premium=0,
        gmv=0,
        fee_charged=0,
        enrolled_at=now,
        policy_version=policy.version,
    )
    paying = ctx.source(data.merchant_id, data.source)
    decision: Decision
    charge: tuple[str, Money, str] | None = None
    if data.kind == "juhuasuan":
        assert data.juhuasuan_option is not None
        deposit, premium, decision = cr.juhuasuan(
            data.juhuasuan_option, policy, data.merchant_id, data.id
        )
        row.deposit, row.premium = deposit.cents, premium.cents
        if deposit.is_positive():
            target = ctx.account(data.merchant_id, CAMPAIGN)
            charge = (target, deposit, "Juhuasuan deposit frozen (DEP-11)")
        else:
            charge = (INSURER, premium, "Juhuasuan participation premium (DEP-11)")
    elif data.kind == "taoqianggou":
        terms = cr.FeeTerms(str(data.fee_mode), data.floor, data.rate, data.cap, data.fee)
        problems = cr.check_terms(terms, policy)
        if problems:
            field, reason = problems[0]
            errors = [{"field": f, "reason": r} for f, r in problems]
            raise InvalidInput(reason, field=field, rule="DEP-12", extra={"errors": errors})
        row.fee_mode = terms.mode
        row.floor = terms.floor.cents if terms.floor else None
        row.rate = str(terms.rate) if terms.rate is not None else None
        row.cap = terms.cap.cents if terms.cap else None
        row.fixed_fee = terms.fee.cents if terms.fee else None
        upfront, decision = cr.taoqianggou_fee(terms, ZERO, policy, data.merchant_id, data.id)
        row.fee_charged = upfront.cents
        if upfront.is_positive():
            charge = (CAMPAIGN_FEES, upfront, "Taoqianggou floor or fixed fee (DEP-12)")
    else:
        rate = data.rate if data.rate is not None else policy.params.tiantiantemai.default_rate
        row.rate = str(rate)
        decision = cr.tiantiantemai_terms(rate, policy, data.merchant_id, data.id)
    if charge is not None:
        target, amount, description = charge
        ctx.ledger.post(
            transfer(paying, target, amount, description, idempotency_key=f"{key}:enrol")
        )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.event(data.merchant_id, "campaign_enrolled", decision.summary, rule=decision.rule_id)
    ctx.decide(decision, as_of=now, key=f"{decision.rule_id}:enrol:{data.id}")
    return row


def campaign(ctx: DepositContext, campaign_id: str) -> CampaignRow:
    row = ctx.session.get(CampaignRow, campaign_id)
    if row is None:
        raise NotFound(f"no campaign {campaign_id}", field="campaign_id")
    return row


def add_order(
    ctx: DepositContext, campaign_id: str, order_id: str, amount: Money
) -> CampaignOrderRow:
    row = campaign(ctx, campaign_id)
    ctx.merchant(row.merchant_id)
    now = ctx.now()
    if row.status != "running" or not row.starts_at <= now < row.ends_at:
        raise Conflict(
            f"campaign {campaign_id} takes orders from {At(row.starts_at)} until {At(row.ends_at)}",
            field="campaign_id",
        )
    if ctx.session.get(CampaignOrderRow, (campaign_id, order_id)) is not None:
        raise AlreadyExists(f"order {order_id} exists in campaign {campaign_id}", field="order_id")
    order = CampaignOrderRow(
        campaign_id=campaign_id, order_id=order_id, amount=amount.cents, placed_at=now, fee=0
    )
    ctx.session.add(order)
    ctx.session.flush()
    return order


def confirm(
    ctx: DepositContext, campaign_id: str, order_id: str, amount: Money | None, key: str
) -> CampaignOrderRow:
    """Confirmed receipt: GMV grows, the fee is charged out of the proceeds (DEP-12, DEP-13)."""
    row = campaign(ctx, campaign_id)
    ctx.merchant(row.merchant_id)
    order = ctx.session.get(CampaignOrderRow, (campaign_id, order_id))
    if order is None:
        raise NotFound(f"no order {order_id} in campaign {campaign_id}", field="order_id")
    if order.confirmed_at is not None:
        raise Conflict(f"order {order_id} is already confirmed", field="order_id")
    confirmed = amount if amount is not None else Money(order.amount)
    if confirmed > Money(order.amount):
        raise InvalidInput(
            f"{confirmed} is more than the order's {Money(order.amount)}", field="amount"
        )
    policy = ctx.policy_version(row.policy_version)
    subject = f"campaign {campaign_id} order {order_id}"
    fee, decision = ZERO, None
    if row.kind == "taoqianggou":
        total, decision = cr.taoqianggou_fee(
            terms_of(row), Money(row.gmv) + confirmed, policy, row.merchant_id, campaign_id
        )
        fee = max(total - Money(row.fee_charged), ZERO)
        row.fee_charged = max(total.cents, row.fee_charged)
    elif row.kind == "tiantiantemai":
        assert row.rate is not None
        fee, decision = cr.tiantiantemai_fee(
            confirmed, Decimal(row.rate), policy, row.merchant_id, subject
        )
        row.fee_charged += fee.cents
    row.gmv += confirmed.cents
    settle(
        ctx,
        row.merchant_id,
        f"{campaign_id}/{order_id}",
        confirmed,
        ordered_at=order.placed_at,
        key=key,
        fee=fee,
        fee_account=CAMPAIGN_FEES,
    )
    now = ctx.now()
    order.confirmed_amount = confirmed.cents
    order.confirmed_at = now
    order.fee = fee.cents
    if decision is not None:
        ctx.decide(decision, as_of=now, key=f"{decision.rule_id}:{campaign_id}:{order_id}")
    return order


def orders(ctx: DepositContext, campaign_id: str) -> list[CampaignOrderRow]:
    statement = (
        select(CampaignOrderRow)
        .where(CampaignOrderRow.campaign_id == campaign_id)
        .order_by(CampaignOrderRow.placed_at, CampaignOrderRow.order_id)
    )
    return list(ctx.session.scalars(statement))


def end_due(ctx: DepositContext, as_of: datetime) -> dict[str, int]:
    """DEP-11: campaigns whose term has ended stop; Juhuasuan deposits go back in full."""
    ended = returned = 0
    due = ctx.session.scalars(
        select(CampaignRow)
        .where(CampaignRow.status == "running", CampaignRow.ends_at <= as_of)
        .order_by(CampaignRow.id)
    )
    for row in list(due):
        row.status = "ended"
        row.ended_at = as_of
        ended += 1
        if row.deposit <= 0:
            continue
        deposit = Money(row.deposit)
        ctx.ledger.post(
            transfer(
                ctx.account(row.merchant_id, CAMPAIGN),
                ctx.account(row.merchant_id, WALLET),
                deposit,
                f"Juhuasuan deposit of campaign {row.id} returned (DEP-11)",
                idempotency_key=f"dep:campaign-return:{row.id}",
                effective_at=as_of,
            )
        )
        policy = ctx.policy_version(row.policy_version)
        decision = cr.juhuasuan_returned(deposit, policy, row.merchant_id, row.id, str(At(as_of)))
        returned += ctx.decide(decision, as_of=as_of, key=f"DEP-11:return:{row.id}")
    return {"campaigns_ended": ended, "deposits_returned": returned}
