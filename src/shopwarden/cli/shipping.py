"""``shopwarden shipping ...``: overdue shipments and the weekly exemption (SHIP-1..5).

The same use cases and views as the API, as an operator. Reporting an overdue shipment moves
money, so it needs ``--key``: it runs once per key (the API's Idempotency-Key store), and a
retried command moves nothing and prints the first answer again. ``measure`` computes a week's
measures and SHIP-3's answer from the order facts on either engine, changing nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shopwarden.cli.common import Limit, open_container, parse_instant, unit_of_work
from shopwarden.cli.output import emit, note
from shopwarden.errors import InvalidInput

if TYPE_CHECKING:  # the heavy modules load when a command runs, not when the CLI starts
    from shopwarden.context import Context

shipping_app = typer.Typer(
    help="Overdue shipments and the weekly high in-stock exemption (SHIP-1..5).",
    no_args_is_help=True,
)
Key = Annotated[str, typer.Option("--key", help="Idempotency key: the command runs once per key.")]
Merchant = Annotated[str | None, typer.Option("--merchant", help="Only this merchant.")]
WeekOption = Annotated[
    str | None, typer.Option("--week", help="The first day (a Monday) of a week, 2024-03-11.")
]
SCOPE = "operator"  # the CLI acts as an operator: its keys are the operator's (DEP-15)


def _day(text: str | None, field: str = "week") -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput(f"{text!r} is not a day like 2024-03-11", field=field) from error


def _once(
    command: str, key: str, args: dict[str, Any], work: Callable[[Context, str], Any]
) -> None:
    """Run a money-moving use case once per key, like an API request with Idempotency-Key."""
    from fastapi.encoders import jsonable_encoder

    from shopwarden.idempotency.service import run_once

    def run(ctx: Context) -> tuple[int, dict[str, Any]]:
        return 201, jsonable_encoder(work(ctx, f"cli:{key}"))

    request = {"method": "CLI", "path": command, "body": args}
    with open_container() as container:
        _, payload, replayed = run_once(
            container.unit_of_work, scope=SCOPE, key=key, request=request, work=run
        )
    if replayed:
        note("(already done with this key; nothing moved)")
    emit(payload)


@shipping_app.command("status")
def status(merchant: str) -> None:
    """This week's exemption, last week's measures against the targets and the gaps, owed."""
    from shopwarden.shipping import queries

    with unit_of_work() as ctx:
        emit(queries.status(ctx, merchant_id=merchant, as_of=ctx.now()))


@shipping_app.command("weeks")
def weeks(
    merchant: str,
    limit: Limit = 52,
) -> None:
    """The merchant's decided weeks, the latest first (SHIP-3)."""
    from shopwarden.shipping import queries

    with unit_of_work() as ctx:
        emit(queries.evaluations(ctx, merchant_id=merchant, limit=limit))


@shipping_app.command("exemptions")
def exemptions(
    merchant: Merchant = None,
    week: WeekOption = None,
    status: Annotated[
        str | None, typer.Option(help="unused | used | lapsed | carried_over")
    ] = None,
    limit: Limit = 100,
) -> None:
    """Exemptions by week and their use (SHIP-3, SHIP-4)."""
    from shopwarden.shipping import queries

    if status not in (None, "unused", "used", "lapsed", "carried_over"):
        raise InvalidInput("choose unused, used, lapsed or carried_over", field="status")
    with unit_of_work() as ctx:
        emit(
            queries.exemptions(
                ctx, merchant_id=merchant, week=_day(week), status=status, limit=limit
            )
        )


@shipping_app.command("overdue")
def report_overdue(
    order_id: str,
    merchant: str,
    paid_at: Annotated[str, typer.Option(help="ISO instant with zone.")],
    hours: Annotated[int, typer.Option(help="The promised shipping hours.")],
    key: Key,
    flash: Annotated[bool, typer.Option(help="A flash purchase (闪电购).")] = False,
    shipped_at: Annotated[str | None, typer.Option(help="ISO instant, if shipped late.")] = None,
) -> None:
    """Report an overdue shipment: penalty or the week's waiver, compensation (SHIP-4, SHIP-5)."""
    from shopwarden.shipping import overdue, queries
    from shopwarden.shipping.schemas import OverdueIn

    data = _validated(
        OverdueIn,
        {
            "order_id": order_id,
            "merchant_id": merchant,
            "paid_at": paid_at,
            "promised_shipping_hours": hours,
            "flash_purchase": flash,
            **({"shipped_at": shipped_at} if shipped_at else {}),
        },
    )

    def work(ctx: Context, k: str) -> Any:
        row = overdue.record_overdue(ctx, **data.model_dump(), key=k)
        return queries.overdue_out(ctx, row=row)

    _once("shipping overdue", key, data.model_dump(mode="json"), work)


def _validated(model: Any, data: dict[str, Any]) -> Any:
    """A request model from CLI arguments; a bad one is refused naming its field."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "arguments"
        raise InvalidInput(f"{field}: {first['msg']}", field=field) from error


@shipping_app.command("overdue-list")
def overdue_list(
    merchant: Merchant = None,
    week: WeekOption = None,
    limit: Limit = 100,
) -> None:
    """Overdue shipments, the latest first, with penalty or waiver and compensation."""
    from shopwarden.shipping import queries

    with unit_of_work() as ctx:
        emit(queries.overdue_shipments(ctx, merchant_id=merchant, week=_day(week), limit=limit))


@shipping_app.command("owed")
def owed(
    limit: Limit = 100,
) -> None:
    """Merchants owing penalties and compensation the platform advanced."""
    from shopwarden.shipping import queries

    with unit_of_work() as ctx:
        emit(queries.owed_queue(ctx, limit=limit))


@shipping_app.command("measure")
def measure(
    as_of: Annotated[
        str | None, typer.Option(help="ISO instant; the week before its week is measured.")
    ] = None,
    merchant: Merchant = None,
    engine: Annotated[str, typer.Option(help="duckdb or spark")] = "duckdb",
) -> None:
    """The week before ``as_of`` measured from the facts, and SHIP-3's answer for each
    merchant with orders in it (SHIP-1..3); changes nothing."""
    from shopwarden.facts.service import recorded_facts_root
    from shopwarden.shipping.measures import measure_week
    from shopwarden.shipping.policies import policy_at
    from shopwarden.shipping.rules import evaluate_exemption
    from shopwarden.shipping.week_rules import measured_week

    with open_container() as container:
        when = parse_instant(as_of, field="as_of") if as_of else container.clock.now()
        with container.unit_of_work() as ctx:
            policy = policy_at(ctx, as_of=when)
            root = recorded_facts_root(ctx)
        week = measured_week(when, policy.params.week.starts_on)
        found = (
            {}
            if root is None
            else measure_week(
                root, week, policy.params.committed_in_stock, merchant_id=merchant, engine=engine
            )
        )
    rows = []
    for merchant_id, m in sorted(found.items()):
        e = evaluate_exemption(m, measured=week, policy=policy, merchant_id=merchant_id)
        rows.append(
            {
                "merchant": merchant_id,
                "paid": m.paid_orders,
                "share": str(m.share) if m.share is not None else None,
                "on_time": str(m.on_time_rate) if m.on_time_rate is not None else None,
                "exemption": "granted" if e.granted else "not granted",
                "short_by": [c.gap for c in e.conditions if c.gap],
            }
        )
    emit(
        {"week": week.label(), "policy_version": policy.version, "merchants": rows},
        title=f"week {week.label()}, policy {policy.version}",
    )
