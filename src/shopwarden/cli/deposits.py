"""``shopwarden deposit ...``: every deposit action and view from the command line.

The same use cases as the API, as an operator. A command that moves money needs ``--key``:
it runs once per key (the API's Idempotency-Key store), so a retried command moves nothing
and prints the first answer again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shopwarden.cli.common import Limit, open_container, parse_instant, unit_of_work
from shopwarden.cli.output import emit, note
from shopwarden.errors import InvalidInput
from shopwarden.money import Money, MoneyError

if TYPE_CHECKING:  # the heavy modules load when a command runs, not when the CLI starts
    from shopwarden.context import Context

deposit_app = typer.Typer(help="Security deposits (DEP-1..14).", no_args_is_help=True)
Key = Annotated[str, typer.Option("--key", help="Idempotency key: the command runs once per key.")]
Source = Annotated[str, typer.Option(help="wallet, or external (paid in from outside).")]
SCOPE = "operator"  # the CLI acts as an operator: its keys are the operator's (DEP-15)


def _money(text: str, field: str = "amount") -> Money:
    try:
        amount = Money.parse(text)
    except MoneyError as error:
        raise InvalidInput(str(error), field=field) from error
    if not amount.is_positive():
        raise InvalidInput("must be more than 0.00", field=field)
    return amount


def _validated(model: Any, data: dict[str, Any]) -> Any:
    """A pydantic model from CLI arguments; a bad one is refused naming its field."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "arguments"
        raise InvalidInput(f"{field}: {first['msg']}", field=field) from error


def _once(
    command: str, key: str, args: dict[str, Any], work: Callable[[Context, str], Any]
) -> None:
    """Run a money-moving use case once per key, like an API request with Idempotency-Key."""
    from fastapi.encoders import jsonable_encoder
    from pydantic import BaseModel

    from shopwarden.idempotency.service import run_once

    def run(ctx: Context) -> tuple[int, dict[str, Any]]:
        result = work(ctx, f"cli:{key}")
        body = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
        return 201, jsonable_encoder(body)

    request = {"method": "CLI", "path": command, "body": args}
    with open_container() as container:
        _, payload, replayed = run_once(
            container.unit_of_work, scope=SCOPE, key=key, request=request, work=run
        )
    if replayed:
        note("(already done with this key; nothing moved)")
    emit(payload)


# views --------------------------------------------------------------------------------------
@deposit_app.command("show")
def show(merchant: str) -> None:
    """Deposits held and required, badges and shield, cover, risk and campaign deposits."""
    from shopwarden.deposits import views

    with unit_of_work() as ctx:
        emit(views.overview(ctx, merchant_id=merchant))


@deposit_app.command("obligations")
def obligations(merchant: str) -> None:
    """What the merchant owes or waits for, with deadlines."""
    from shopwarden.deposits import dues

    with unit_of_work() as ctx:
        emit(dues.obligations(ctx, merchant_id=merchant))


@deposit_app.command("timeline")
def timeline(
    merchant: str,
    limit: Limit = 500,
) -> None:
    """Every payment, deduction, decision and refund step, oldest first."""
    from shopwarden.deposits import views

    with unit_of_work() as ctx:
        events = views.timeline(ctx, merchant_id=merchant, limit=limit)
    emit(events)


@deposit_app.command("queue")
def queue(which: Annotated[str, typer.Argument(help="shortfalls | shields | refunds")]) -> None:
    """The operators' queues."""
    from shopwarden.deposits import views

    with unit_of_work() as ctx:
        if which == "shortfalls":
            emit(views.shortfall_queue(ctx, limit=1000))
        elif which == "shields":
            emit(views.shield_queue(ctx, limit=1000))
        elif which == "refunds":
            emit(views.refund_queue(ctx, status="pending", limit=1000))
        else:
            raise InvalidInput("choose shortfalls, shields or refunds", field="which")


# cash deposit and insurance -----------------------------------------------------------------
@deposit_app.command("pay")
def pay(merchant: str, amount: str, key: Key, source: Source = "wallet") -> None:
    """Pay or top up the cash deposit (DEP-1, DEP-3)."""
    from shopwarden.deposits import cash

    money = _money(amount)

    def work(ctx: Context, k: str) -> Any:
        return cash.pay(ctx, merchant_id=merchant, amount=money, source=source, key=k)

    args = {"merchant": merchant, "amount": money.to_text(), "source": source}
    _once("deposit pay", key, args, work)


@deposit_app.command("insure")
def insure(merchant: str, key: Key, source: Source = "wallet") -> None:
    """Buy or renew a year of insurance cover (DEP-6)."""
    from shopwarden.deposits import insurance, out

    def work(ctx: Context, k: str) -> Any:
        row = insurance.buy(ctx, merchant_id=merchant, source=source, key=k)
        return out.cover_out(row, ctx.now())

    _once("deposit insure", key, {"merchant": merchant, "source": source}, work)


@deposit_app.command("unfreeze")
def unfreeze(merchant: str, key: Key) -> None:
    """Unfreeze the cash deposit under insurance cover (DEP-7)."""
    from shopwarden.deposits import insurance

    def work(ctx: Context, k: str) -> Any:
        return insurance.unfreeze_cash(ctx, merchant_id=merchant, key=k)

    _once("deposit unfreeze", key, {"merchant": merchant}, work)


@deposit_app.command("case")
def open_case(case_id: str, merchant: str, consumer: str, claimed: str) -> None:
    """Open an after-sales case against the merchant."""
    from shopwarden.deposits import aftersales, out

    with unit_of_work() as ctx:
        row = aftersales.open_case(
            ctx,
            case_id=case_id,
            merchant_id=merchant,
            consumer=consumer,
            claimed=_money(claimed, "claimed"),
        )
        emit(out.case_out(row))


@deposit_app.command("compensate")
def compensate(case_id: str, amount: str, key: Key) -> None:
    """Compensate the consumer: insurer under cover (DEP-6), else the deposit (DEP-3)."""
    from shopwarden.deposits import aftersales, out

    money = _money(amount)

    def work(ctx: Context, k: str) -> Any:
        return out.case_out(aftersales.compensate(ctx, case_id=case_id, amount=money, key=k))

    _once("deposit compensate", key, {"case": case_id, "amount": money.to_text()}, work)


# risk deposit -------------------------------------------------------------------------------
@deposit_app.command("risk-assess")
def risk_assess(merchant: str, tier: str) -> None:
    """Set the risk tier and so the deposit (DEP-8)."""
    from shopwarden.deposits import out, risk
    from shopwarden.deposits.policies import agreed

    with unit_of_work() as ctx:
        row = risk.assess(ctx, merchant_id=merchant, tier=tier)
        emit(out.risk_out(row, agreed(ctx, version=row.policy_version)))


@deposit_app.command("risk-pay")
def risk_pay(merchant: str, amount: str, key: Key, source: Source = "wallet") -> None:
    """Pay the risk deposit; full payment starts the 180-day window (DEP-9)."""
    from shopwarden.deposits import out, risk
    from shopwarden.deposits.policies import agreed

    money = _money(amount)

    def work(ctx: Context, k: str) -> Any:
        row = risk.pay(ctx, merchant_id=merchant, amount=money, source=source, key=k)
        return out.risk_out(row, agreed(ctx, version=row.policy_version))

    _once("deposit risk-pay", key, {"merchant": merchant, "amount": money.to_text()}, work)


@deposit_app.command("violation")
def violation(
    merchant: str,
    code: str,
    key: Key,
    punished_at: Annotated[str | None, typer.Option(help="ISO instant with zone.")] = None,
) -> None:
    """Record a punished violation; a specified serious one in the window forfeits (DEP-9)."""
    from shopwarden.deposits import risk

    when = parse_instant(punished_at, field="punished_at") if punished_at else None

    def work(ctx: Context, k: str) -> Any:
        return risk.violation(ctx, merchant_id=merchant, code=code, punished_at=when, key=k)

    args = {"merchant": merchant, "code": code, "punished_at": punished_at}
    _once("deposit violation", key, args, work)


# refunds ------------------------------------------------------------------------------------
@deposit_app.command("refund-apply")
def refund_apply(merchant: str, payout_account: str, amount: str) -> None:
    """A closing merchant applies for the refund of its deposit (DEP-14)."""
    from shopwarden.deposits import out, refunds

    with unit_of_work() as ctx:
        row = refunds.apply(
            ctx, merchant_id=merchant, payout_account=payout_account, amount=_money(amount)
        )
        emit(out.refund_out(row, ctx.now()))


@deposit_app.command("refund-approve")
def refund_approve(refund_id: int, key: Key) -> None:
    """Approve a refund application: paid out through the ledger (DEP-14)."""
    from shopwarden.deposits import out, refunds

    def work(ctx: Context, k: str) -> Any:
        return out.refund_out(refunds.approve(ctx, refund_id=refund_id, key=k), ctx.now())

    _once("deposit refund-approve", key, {"refund": refund_id}, work)


@deposit_app.command("refund-reject")
def refund_reject(refund_id: int, reason: str) -> None:
    """Reject a refund application with the reason the merchant reads (DEP-14)."""
    from shopwarden.deposits import out, refunds

    if not reason.strip():
        raise InvalidInput("a rejection carries its reason", field="reason")
    with unit_of_work() as ctx:
        row = refunds.reject(ctx, refund_id=refund_id, reason=reason.strip())
        emit(out.refund_out(row, ctx.now()))


# campaigns and proceeds ---------------------------------------------------------------------
@deposit_app.command("campaign-enrol")
def campaign_enrol(
    campaign_id: str,
    merchant: str,
    kind: Annotated[str, typer.Argument(help="juhuasuan | taoqianggou | tiantiantemai")],
    ends_at: Annotated[str, typer.Option(help="ISO instant with zone.")],
    key: Key,
    option: Annotated[str | None, typer.Option(help="Juhuasuan: deposit or premium.")] = None,
    fee_mode: Annotated[str | None, typer.Option(help="Taoqianggou fee mode.")] = None,
    floor: Annotated[str | None, typer.Option(help="Override: the minimum deposit.")] = None,
    rate: Annotated[str | None, typer.Option(help="Override: the share of GMV.")] = None,
    cap: Annotated[str | None, typer.Option(help="Override: the maximum deposit.")] = None,
    fee: Annotated[str | None, typer.Option(help="Override: the campaign fee.")] = None,
) -> None:
    """Enrol in a campaign: a Juhuasuan deposit or premium, or fee terms (DEP-11..13)."""
    from shopwarden.deposits import campaigns, out
    from shopwarden.deposits.schemas import CampaignIn

    terms = {"floor": floor, "rate": rate, "cap": cap, "fee": fee}
    data = _validated(
        CampaignIn,
        {
            "id": campaign_id,
            "merchant_id": merchant,
            "kind": kind,
            "ends_at": ends_at,
            "juhuasuan_option": option,
            "fee_mode": fee_mode,
            **{k: v for k, v in terms.items() if v is not None},
        },
    )

    def work(ctx: Context, k: str) -> Any:
        return out.campaign_out(campaigns.enrol(ctx, data=data, key=k))

    _once("deposit campaign-enrol", key, data.model_dump(mode="json"), work)


@deposit_app.command("campaign-order")
def campaign_order(campaign_id: str, order_id: str, amount: str) -> None:
    """A campaign order placed now."""
    from shopwarden.deposits import campaigns, out

    with unit_of_work() as ctx:
        row = campaigns.add_order(
            ctx, campaign_id=campaign_id, order_id=order_id, amount=_money(amount)
        )
        emit(out.campaign_order_out(row))


@deposit_app.command("campaign-confirm")
def campaign_confirm(
    campaign_id: str,
    order_id: str,
    key: Key,
    amount: Annotated[str | None, typer.Option(help="The confirmed amount, e.g. 99.00.")] = None,
) -> None:
    """Confirmed receipt: proceeds settle and the fee is deducted (DEP-12, DEP-13)."""
    from shopwarden.deposits import campaigns, out

    money = _money(amount) if amount is not None else None

    def work(ctx: Context, k: str) -> Any:
        row = campaigns.confirm(
            ctx, campaign_id=campaign_id, order_id=order_id, amount=money, key=k
        )
        return out.campaign_order_out(row)

    args = {"campaign": campaign_id, "order": order_id, "amount": amount}
    _once("deposit campaign-confirm", key, args, work)


@deposit_app.command("settle")
def settle(merchant: str, order_id: str, amount: str, key: Key) -> None:
    """Settle an order's proceeds: to the wallet, or held while shielded (DEP-4, DEP-5)."""
    from shopwarden.deposits import merchants, shield

    money = _money(amount)

    def work(ctx: Context, k: str) -> Any:
        merchants.merchant(ctx, merchant_id=merchant)
        return shield.settle(
            ctx, merchant_id=merchant, order_id=order_id, amount=money, ordered_at=ctx.now(), key=k
        )

    args = {"merchant": merchant, "order": order_id, "amount": money.to_text()}
    _once("deposit settle", key, args, work)
