"""``shopwarden deposit ...``: every deposit action and view from the command line.

The same use cases as the API, as an operator. A command that moves money needs ``--key``:
it runs once per key (the API's Idempotency-Key store), so a retried command moves nothing
and prints the first answer again.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from shopwarden.errors import InvalidInput
from shopwarden.money import Money, MoneyError

if TYPE_CHECKING:  # the heavy modules load when a command runs, not when the CLI starts
    from shopwarden.deposits.context import DepositContext

deposit_app = typer.Typer(help="Security deposits (DEP-1..14).", no_args_is_help=True)
console = Console()
Key = Annotated[str, typer.Option("--key", help="Idempotency key: the command runs once per key.")]
Source = Annotated[str, typer.Option(help="wallet, or external (paid in from outside).")]


@contextmanager
def _context() -> Iterator[tuple[Any, DepositContext]]:
    from shopwarden.bootstrap import bootstrap
    from shopwarden.deposits.context import DepositContext

    container = bootstrap()
    try:
        with container.db.transaction() as session:
            yield (
                container,
                DepositContext(session, container.clock, container.policies, container.categories),
            )
    finally:
        container.close()


def _print(value: Any) -> None:
    from fastapi.encoders import jsonable_encoder

    console.print_json(json.dumps(jsonable_encoder(value), default=str))


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
    command: str, key: str, args: dict[str, Any], work: Callable[[DepositContext, str], Any]
) -> None:
    """Run a money-moving use case once per key, like an API request with Idempotency-Key."""
    from fastapi.encoders import jsonable_encoder
    from pydantic import BaseModel

    from shopwarden.api.idempotency import run_idempotent
    from shopwarden.auth.service import Principal
    from shopwarden.bootstrap import bootstrap
    from shopwarden.deposits.context import DepositContext

    container = bootstrap()
    try:

        def run(session: Any) -> tuple[int, dict[str, Any]]:
            ctx = DepositContext(session, container.clock, container.policies, container.categories)
            result = work(ctx, f"cli:{key}")
            body = result.model_dump(mode="json") if isinstance(result, BaseModel) else result
            return 201, jsonable_encoder(body)

        _, payload, replayed = run_idempotent(
            container, Principal("operator"), key, method="CLI", path=command, body=args, work=run
        )
    finally:
        container.close()
    if replayed:
        console.print("(already done with this key; nothing moved)")
    _print(payload)


# views --------------------------------------------------------------------------------------
@deposit_app.command("show")
def show(merchant: str) -> None:
    """Deposits held and required, badges and shield, cover, risk and campaign deposits."""
    from shopwarden.deposits import views

    with _context() as (_, ctx):
        _print(views.overview(ctx, merchant))


@deposit_app.command("obligations")
def obligations(merchant: str) -> None:
    """What the merchant owes or waits for, with deadlines."""
    from shopwarden.deposits import views

    with _context() as (_, ctx):
        _print(views.obligations(ctx, merchant))


@deposit_app.command("timeline")
def timeline(merchant: str, limit: int = 500) -> None:
    """Every payment, deduction, decision and refund step, oldest first."""
    from shopwarden.deposits import views

    with _context() as (_, ctx):
        for event in views.timeline(ctx, merchant, limit=limit):
            amount = f" {event.amount}" if event.amount else ""
            rule = f" [{event.rule_id}]" if event.rule_id else ""
            console.print(f"{event.at.isoformat()} {event.kind}{rule}{amount}: {event.summary}")


@deposit_app.command("queue")
def queue(which: Annotated[str, typer.Argument(help="shortfalls | shields | refunds")]) -> None:
    """The operators' queues."""
    from shopwarden.deposits import views

    with _context() as (_, ctx):
        if which == "shortfalls":
            _print(views.shortfall_queue(ctx, limit=1000))
        elif which == "shields":
            _print(views.shield_queue(ctx, limit=1000))
        elif which == "refunds":
            _print(views.refund_queue(ctx, status="pending", limit=1000))
        else:
            raise InvalidInput("choose shortfalls, shields or refunds", field="which")


# cash deposit and insurance -----------------------------------------------------------------
@deposit_app.command("pay")
def pay(merchant: str, amount: str, key: Key, source: Source = "wallet") -> None:
    """Pay or top up the cash deposit (DEP-1, DEP-3)."""
    from shopwarden.deposits import cash

    money = _money(amount)
    args = {"merchant": merchant, "amount": money.to_text(), "source": source}
    _once("deposit pay", key, args, lambda ctx, k: cash.pay(ctx, merchant, money, source, k))


@deposit_app.command("insure")
def insure(merchant: str, key: Key, source: Source = "wallet") -> None:
    """Buy or renew a year of insurance cover (DEP-6)."""
    from shopwarden.deposits import insurance, out

    def work(ctx: DepositContext, k: str) -> Any:
        return out.cover_out(insurance.buy(ctx, merchant, source, k), ctx.now())

    _once("deposit insure", key, {"merchant": merchant, "source": source}, work)


@deposit_app.command("unfreeze")
def unfreeze(merchant: str, key: Key) -> None:
    """Unfreeze the cash deposit under insurance cover (DEP-7)."""
    from shopwarden.deposits import insurance

    def work(ctx: DepositContext, k: str) -> Any:
        return insurance.unfreeze_cash(ctx, merchant, k)

    _once("deposit unfreeze", key, {"merchant": merchant}, work)


@deposit_app.command("case")
def open_case(case_id: str, merchant: str, consumer: str, claimed: str) -> None:
    """Open an after-sales case against the merchant."""
    from shopwarden.deposits import aftersales, out

    with _context() as (_, ctx):
        row = aftersales.open_case(ctx, case_id, merchant, consumer, _money(claimed, "claimed"))
        _print(out.case_out(row))


@deposit_app.command("compensate")
def compensate(case_id: str, amount: str, key: Key) -> None:
    """Compensate the consumer: insurer under cover (DEP-6), else the deposit (DEP-3)."""
    from shopwarden.deposits import aftersales, out

    money = _money(amount)

    def work(ctx: DepositContext, k: str) -> Any:
        return out.case_out(aftersales.compensate(ctx, case_id, money, k))

    _once("deposit compensate", key, {"case": case_id, "amount": money.to_text()}, work)


# risk deposit -------------------------------------------------------------------------------
@deposit_app.command("risk-assess")
def risk_assess(merchant: str, tier: str) -> None:
    """Set the risk tier and so the deposit (DEP-8)."""
    from shopwarden.deposits import out, risk

    with _context() as (_, ctx):
        row = risk.assess(ctx, merchant, tier)
        _print(out.risk_out(row, ctx.policy_version(row.policy_version)))


@deposit_app.command("risk-pay")
def risk_pay(merchant: str, amount: str, key: Key, source: Source = "wallet") -> None:
    """Pay the risk deposit; full payment starts the 180-day window (DEP-9)."""
    from shopwarden.deposits import out, risk

    money = _money(amount)

    def work(ctx: DepositContext, k: str) -> Any:
        row = risk.pay(ctx, merchant, money, source, k)
        return out.risk_out(row, ctx.policy_version(row.policy_version))

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

    when = datetime.fromisoformat(punished_at) if punished_at else None
    if when is not None and when.tzinfo is None:
        raise InvalidInput("give the instant's zone, e.g. +08:00", field="punished_at")
    args = {"merchant": merchant, "code": code, "punished_at": punished_at}
    _once("deposit violation", key, args, lambda c, k: risk.violation(c, merchant, code, when, k))


# refunds ------------------------------------------------------------------------------------
@deposit_app.command("refund-apply")
def refund_apply(merchant: str, payout_account: str, amount: str) -> None:
    """A closing merchant applies for the refund of its deposit (DEP-14)."""
    from shopwarden.deposits import out, refunds

    with _context() as (_, ctx):
        row = refunds.apply(ctx, merchant, payout_account, _money(amount))
        _print(out.refund_out(row, ctx.now()))


@deposit_app.command("refund-approve")
def refund_approve(refund_id: int, key: Key) -> None:
    """Approve a refund application: paid out through the ledger (DEP-14)."""
    from shopwarden.deposits import out, refunds

    def work(ctx: DepositContext, k: str) -> Any:
        return out.refund_out(refunds.approve(ctx, refund_id, k), ctx.now())

    _once("deposit refund-approve", key, {"refund": refund_id}, work)


@deposit_app.command("refund-reject")
def refund_reject(refund_id: int, reason: str) -> None:
    """Reject a refund application with the reason the merchant reads (DEP-14)."""
    from shopwarden.deposits import out, refunds

    if not reason.strip():
        raise InvalidInput("a rejection carries its reason", field="reason")
    with _context() as (_, ctx):
        _print(out.refund_out(refunds.reject(ctx, refund_id, reason.strip()), ctx.now()))


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
    floor: str | None = None,
    rate: str | None = None,
    cap: str | None = None,
    fee: str | None = None,
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
    args = data.model_dump(mode="json")
    _once(
        "deposit campaign-enrol",
        key,
        args,
        lambda ctx, k: out.campaign_out(campaigns.enrol(ctx, data, k)),
    )


@deposit_app.command("campaign-order")
def campaign_order(campaign_id: str, order_id: str, amount: str) -> None:
    """A campaign order placed now."""
    from shopwarden.deposits import campaigns, out

    with _context() as (_, ctx):
        row = campaigns.add_order(ctx, campaign_id, order_id, _money(amount))
        _print(out.campaign_order_out(row))


@deposit_app.command("campaign-confirm")
def campaign_confirm(campaign_id: str, order_id: str, key: Key, amount: str | None = None) -> None:
    """Confirmed receipt: proceeds settle and the fee is deducted (DEP-12, DEP-13)."""
    from shopwarden.deposits import campaigns, out

    money = _money(amount) if amount is not None else None

    def work(ctx: DepositContext, k: str) -> Any:
        return out.campaign_order_out(campaigns.confirm(ctx, campaign_id, order_id, money, k))

    args = {"campaign": campaign_id, "order": order_id, "amount": amount}
    _once("deposit campaign-confirm", key, args, work)


@deposit_app.command("settle")
def settle(merchant: str, order_id: str, amount: str, key: Key) -> None:
    """Settle an order's proceeds: to the wallet, or held while shielded (DEP-4, DEP-5)."""
    from shopwarden.deposits import shield

    money = _money(amount)

    def work(ctx: DepositContext, k: str) -> Any:
        ctx.merchant(merchant)
        return shield.settle(ctx, merchant, order_id, money, ordered_at=ctx.now(), key=k)

    args = {"merchant": merchant, "order": order_id, "amount": money.to_text()}
    _once("deposit settle", key, args, work)
