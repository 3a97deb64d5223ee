"""``shopwarden violations ...``: cases, measures, enforcement answers and appeals (VIO-1..6).

The same use cases as the API, as an operator. A command that moves money (opening a case,
deciding an appeal) needs ``--key``: it runs once per key (the API's Idempotency-Key store),
so a retried command charges or gives back nothing twice and prints the first answer again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

import typer

from shopwarden.cli.common import Limit, open_container, parse_instant, unit_of_work
from shopwarden.cli.output import emit, note
from shopwarden.errors import InvalidInput

if TYPE_CHECKING:  # the heavy modules load when a command runs, not when the CLI starts
    from shopwarden.context import Context

violations_app = typer.Typer(
    help="Violation measures and appeals (VIO-1..6).", no_args_is_help=True
)
Key = Annotated[str, typer.Option("--key", help="Idempotency key: the command runs once per key.")]
At = Annotated[str | None, typer.Option("--at", help="The instant asked about (default now).")]
SCOPE = "operator"  # the CLI acts as an operator: its keys are the operator's


def _validated(model: Any, data: dict[str, Any]) -> Any:
    """A request model from the arguments; a bad one is refused naming its field."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "arguments"
        raise InvalidInput(f"{field}: {first['msg']}", field=field) from error


def _once(command: str, key: str, body: Any, work: Callable[[Context, str], Any]) -> None:
    """Run a money-moving use case once per key, like an API request with Idempotency-Key."""
    from fastapi.encoders import jsonable_encoder

    from shopwarden.idempotency.service import run_once

    def run(ctx: Context) -> tuple[int, dict[str, Any]]:
        return 201, jsonable_encoder(work(ctx, f"cli:{key}"))

    request = {"method": "CLI", "path": command, "body": jsonable_encoder(body)}
    with open_container() as container:
        _, payload, replayed = run_once(
            container.unit_of_work, scope=SCOPE, key=key, request=request, work=run
        )
    if replayed:
        note("(already done with this key; nothing moved)")
    emit(payload)


def _measure(text: str) -> dict[str, Any]:
    """``CODE``, ``CODE@END`` or ``CODE@START@END`` (instants with their zone)."""
    code, *times = text.split("@")
    if len(times) > 2:
        raise InvalidInput(f"{text!r}: write CODE, CODE@END or CODE@START@END", field="measure")
    measure: dict[str, Any] = {"measure": code}
    if len(times) == 2:
        measure["starts_at"] = times[0]
    if times and times[-1]:
        measure["ends_at"] = times[-1]
    return measure


# cases and measures -------------------------------------------------------------------------
@violations_app.command("open")
def open_case(
    merchant: str,
    key: Key,
    rule: Annotated[str, typer.Option("--rule", help="The rule the merchant broke.")],
    evidence: Annotated[str, typer.Option(help="The evidence, as text.")],
    measure: Annotated[
        list[str] | None,
        typer.Option("--measure", help="CODE, CODE@END or CODE@START@END; repeat for more."),
    ] = None,
    penalty: Annotated[str | None, typer.Option(help="A penalty, e.g. 500.00.")] = None,
) -> None:
    """Open a case: its measures start, and the penalty is charged from the wallet (VIO-5)."""
    from shopwarden.violations import cases, queries
    from shopwarden.violations.schemas import CaseIn

    data: dict[str, Any] = {
        "merchant_id": merchant,
        "broken_rule": rule,
        "evidence": evidence,
        "measures": [_measure(m) for m in measure or []],
    }
    if penalty is not None:
        data["penalty"] = penalty
    body = _validated(CaseIn, data)

    def work(ctx: Context, k: str) -> Any:
        row = cases.open_case(ctx, data=body, opened_by="operator:cli", key=k)
        return queries.case_out(ctx, row=row)

    _once("violations open", key, body, work)


@violations_app.command("show")
def show(case_id: int) -> None:
    """A case with its measures, penalty and appeals."""
    from shopwarden.violations import cases, queries

    with unit_of_work() as ctx:
        emit(queries.case_out(ctx, row=cases.case(ctx, case_id=case_id)))


@violations_app.command("cases")
def list_cases(
    merchant: Annotated[str | None, typer.Option(help="Only this merchant.")] = None,
    limit: Limit = 100,
) -> None:
    """Cases, newest first."""
    from shopwarden.violations import queries

    with unit_of_work() as ctx:
        emit(queries.cases(ctx, merchant_id=merchant, limit=limit))


@violations_app.command("lift")
def lift(measure_id: int, reason: Annotated[str, typer.Option(help="Why it is lifted.")]) -> None:
    """Lift a measure now; the lifting is recorded (VIO-5)."""
    from shopwarden.violations import cases, queries

    with unit_of_work() as ctx:
        row = cases.lift(ctx, measure_id=measure_id, by="operator:cli", reason=reason)
        emit(queries.measure_out(row, ctx.now()))


# enforcement --------------------------------------------------------------------------------
@violations_app.command("check")
def check(merchant: str, action: str, at: At = None) -> None:
    """May the merchant do the action now (or --at)? Exit 1 when refused."""
    from shopwarden.catalog import service as catalog
    from shopwarden.violations import queries

    when = parse_instant(at, field="at") if at else None
    with unit_of_work() as ctx:
        catalog.merchant(ctx, merchant_id=merchant)
        answer = queries.check_out(ctx, merchant_id=merchant, action=action, at=when)
    emit(answer)
    if not answer.allowed:
        raise typer.Exit(1)


@violations_app.command("status")
def status(merchant: str, at: At = None) -> None:
    """Every action's answer and the exposure weight (VIO-1..5)."""
    from shopwarden.violations import enforcement

    when = parse_instant(at, field="at") if at else None
    with unit_of_work() as ctx:
        emit(enforcement.status(ctx, merchant_id=merchant, at=when))


# appeals ------------------------------------------------------------------------------------
@violations_app.command("appeal")
def appeal(
    case_id: int,
    statement: Annotated[str, typer.Option(help="What the merchant says.")],
    target: Annotated[str, typer.Option(help="case, measure or penalty.")] = "case",
    measure_id: Annotated[
        int | None, typer.Option("--measure-id", help="Appeal one measure of the case.")
    ] = None,
) -> None:
    """File an appeal for the merchant, before the case's deadline (VIO-6)."""
    from shopwarden.violations import appeals, queries
    from shopwarden.violations.schemas import AppealIn

    data: dict[str, Any] = {"case_id": case_id, "target": target, "statement": statement}
    if measure_id is not None:
        data["measure_id"] = measure_id
    body = _validated(AppealIn, data)
    with unit_of_work() as ctx:
        row = appeals.file(ctx, data=body, filed_by="operator:cli")
        emit(queries.appeal_out(row, ctx.now()))


@violations_app.command("decide")
def decide(
    appeal_id: int,
    outcome: Annotated[str, typer.Argument(help="upheld or rejected")],
    key: Key,
    reason: Annotated[str, typer.Option(help="The reason the merchant reads.")],
) -> None:
    """Uphold (measures lift, the penalty is given back) or reject an appeal (VIO-6)."""
    from shopwarden.violations import appeals, queries
    from shopwarden.violations.schemas import AppealDecisionIn

    body = _validated(AppealDecisionIn, {"outcome": outcome, "reason": reason})

    def work(ctx: Context, k: str) -> Any:
        row = appeals.decide(
            ctx,
            appeal_id=appeal_id,
            outcome=body.outcome,
            reason=body.reason,
            decided_by="operator:cli",
            key=k,
        )
        return queries.appeal_out(row, ctx.now())

    _once(f"violations decide {appeal_id}", key, body, work)


@violations_app.command("queue")
def queue(
    which: Annotated[str, typer.Argument(help="appeals | ending")],
    within_hours: Annotated[int, typer.Option(min=1, help="Measures ending within.")] = 72,
) -> None:
    """The operators' queues: open appeals by age, measures ending soon."""
    from datetime import timedelta

    from shopwarden.violations import queries

    with unit_of_work() as ctx:
        if which == "appeals":
            emit(queries.appeals(ctx, merchant_id=None, status="open", limit=1000))
        elif which == "ending":
            within = timedelta(hours=within_hours)
            emit(queries.ending_soon(ctx, within=within, limit=1000))
        else:
            raise InvalidInput("choose appeals or ending", field="which")
