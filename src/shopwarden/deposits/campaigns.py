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

from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise
from shopwarden.decisions.model import Decision
from shopwarden.deposits import campaign_rules as cr
from shopwarden.deposits import policies
from shopwarden.deposits.accounts import CAMPAIGN, CAMPAIGN_FEES, INSURER, WALLET, account, source
from shopwarden.deposits.merchants import merchant, not_closed
from shopwarden.deposits.rules import ZERO, At, Policy
from shopwarden.deposits.schemas import CampaignIn
from shopwarden.deposits.shield import settle
from shopwarden.deposits.tables import CampaignOrderRow, CampaignRow
from shopwarden.deposits.timeline import decide, event
from shopwarden.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from shopwarden.ledger.model import transfer
from shopwarden.money import Money

KIND_TERMS = {
    "juhuasuan": {"juhuasuan_option"},
    "taoqianggou": {"fee_mode", "floor", "rate", "cap", "fee"},
    "tiantiantemai": {"rate"},
}
ALL_TERMS = {"juhuasuan_option", "fee_mode", "floor", "rate", "cap", "fee"}

Charge = tuple[str, Money, str]
"""What enrolment charges: (credited account, amount, description)."""


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


def enrol(ctx: Context, *, data: CampaignIn, key: str) -> CampaignRow:
    """Sign the merchant up under the policy in force: a Juhuasuan deposit or premium
    (DEP-11), Taoqianggou fee terms (DEP-12) or a Tiantiantemai rate (DEP-13)."""
    not_closed(merchant(ctx, merchant_id=data.merchant_id), "DEP-11")
    if ctx.session.get(CampaignRow, data.id) is not None:
        raise AlreadyExists(f"campaign {data.id} exists", field="id")
    now = ctx.now()
    starts = _check_kind(data, now)
    policy = policies.in_force(ctx, as_of=now)
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
    paying = source(ctx, merchant_id=data.merchant_id, source=data.source)
    charge: Charge | None
    if data.kind == "juhuasuan":
        decision, charge = _juhuasuan(ctx, data, row, policy)
    elif data.kind == "taoqianggou":
        decision, charge = _taoqianggou(data, row, policy)
    else:
        decision, charge = _tiantiantemai(data, row, policy), None
    if charge is not None:
        target, amount, description = charge
        ctx.ledger.post(
            transfer(paying, target, amount, description, idempotency_key=f"{key}:enrol")
        )
    ctx.session.add(row)
    ctx.session.flush()
    event(
        ctx,
        merchant_id=data.merchant_id,
        kind="campaign_enrolled",
        summary=decision.summary,
        rule=decision.rule_id,
    )
    decide(ctx, decision=decision, as_of=now, key=f"{decision.rule_id}:enrol:{data.id}")
    return row


def _juhuasuan(
    ctx: Context, data: CampaignIn, row: CampaignRow, policy: Policy
) -> tuple[Decision, Charge]:
    """DEP-11: the deposit frozen until the campaign ends, or the premium paid once."""
    assert data.juhuasuan_option is not None
    deposit, premium, decision = cr.juhuasuan(
        data.juhuasuan_option, policy, data.merchant_id, data.id
    )
    row.deposit, row.premium = deposit.cents, premium.cents
    if deposit.is_positive():
        target = account(ctx, merchant_id=data.merchant_id, purpose=CAMPAIGN)
        return decision, (target, deposit, "Juhuasuan deposit frozen (DEP-11)")
    return decision, (INSURER, premium, "Juhuasuan participation premium (DEP-11)")


def _taoqianggou(
    data: CampaignIn, row: CampaignRow, policy: Policy
) -> tuple[Decision, Charge | None]:
    """DEP-12: the terms are checked per mode; a floor or fixed fee is charged now."""
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
        return decision, (CAMPAIGN_FEES, upfront, "Taoqianggou floor or fixed fee (DEP-12)")
    return decision, None


def _tiantiantemai(data: CampaignIn, row: CampaignRow, policy: Policy) -> Decision:
    """DEP-13: the campaign's rate, or the policy's default."""
    rate = data.rate if data.rate is not None else policy.params.tiantiantemai.default_rate
    row.rate = str(rate)
    return cr.tiantiantemai_terms(rate, policy, data.merchant_id, data.id)


def campaign(ctx: Context, *, campaign_id: str) -> CampaignRow:
    return get_or_raise(ctx.session, CampaignRow, campaign_id, what="campaign", field="campaign_id")


def add_order(ctx: Context, *, campaign_id: str, order_id: str, amount: Money) -> CampaignOrderRow:
    """A campaign order placed now, while the campaign runs."""
    row = campaign(ctx, campaign_id=campaign_id)
    merchant(ctx, merchant_id=row.merchant_id)
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
    ctx: Context, *, campaign_id: str, order_id: str, amount: Money | None, key: str
) -> CampaignOrderRow:
    """Confirmed receipt: GMV grows, the fee is charged out of the proceeds (DEP-12, DEP-13)."""
    row = campaign(ctx, campaign_id=campaign_id)
    merchant(ctx, merchant_id=row.merchant_id)
    order = ctx.session.get(CampaignOrderRow, (campaign_id, order_id))
    if order is None:  # not the lookup helper's message: it names the campaign too
        raise NotFound(f"no order {order_id} in campaign {campaign_id}", field="order_id")
    if order.confirmed_at is not None:
        raise Conflict(f"order {order_id} is already confirmed", field="order_id")
    confirmed = amount if amount is not None else Money(order.amount)
    if confirmed > Money(order.amount):
        raise InvalidInput(
            f"{confirmed} is more than the order's {Money(order.amount)}", field="amount"
        )
    fee, decision = _fee(row, order_id, confirmed, policies.agreed(ctx, version=row.policy_version))
    row.gmv += confirmed.cents
    settle(
        ctx,
        merchant_id=row.merchant_id,
        order_id=f"{campaign_id}/{order_id}",
        amount=confirmed,
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
        dedupe = f"{decision.rule_id}:{campaign_id}:{order_id}"
        decide(ctx, decision=decision, as_of=now, key=dedupe)
    return order


def _fee(
    row: CampaignRow, order_id: str, confirmed: Money, policy: Policy
) -> tuple[Money, Decision | None]:
    """The fee this confirmation charges under the campaign's agreed terms (DEP-12, DEP-13)."""
    if row.kind == "taoqianggou":
        total, decision = cr.taoqianggou_fee(
            terms_of(row), Money(row.gmv) + confirmed, policy, row.merchant_id, row.id
        )
        fee = max(total - Money(row.fee_charged), ZERO)
        row.fee_charged = max(total.cents, row.fee_charged)
        return fee, decision
    if row.kind == "tiantiantemai":
        assert row.rate is not None
        subject = f"campaign {row.id} order {order_id}"
        fee, found = cr.tiantiantemai_fee(
            confirmed, Decimal(row.rate), policy, row.merchant_id, subject
        )
        row.fee_charged += fee.cents
        return fee, found
    return ZERO, None


def orders(ctx: Context, *, campaign_id: str) -> list[CampaignOrderRow]:
    statement = (
        select(CampaignOrderRow)
        .where(CampaignOrderRow.campaign_id == campaign_id)
        .order_by(CampaignOrderRow.placed_at, CampaignOrderRow.order_id)
    )
    return list(ctx.session.scalars(statement))


def end_due(ctx: Context, *, as_of: datetime) -> dict[str, int]:
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
                account(ctx, merchant_id=row.merchant_id, purpose=CAMPAIGN),
                account(ctx, merchant_id=row.merchant_id, purpose=WALLET),
                deposit,
                f"Juhuasuan deposit of campaign {row.id} returned (DEP-11)",
                idempotency_key=f"dep:campaign-return:{row.id}",
                effective_at=as_of,
            )
        )
        policy = policies.agreed(ctx, version=row.policy_version)
        decision = cr.juhuasuan_returned(deposit, policy, row.merchant_id, row.id, str(At(as_of)))
        returned += decide(ctx, decision=decision, as_of=as_of, key=f"DEP-11:return:{row.id}")
    return {"campaigns_ended": ended, "deposits_returned": returned}
