"""The ``shopwarden`` command line. Errors become a one-line message and exit code 2."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from shopwarden.cli import facts as facts_cli
from shopwarden.cli import scoring as scoring_cli
from shopwarden.cli.bnpl import bnpl_app
from shopwarden.cli.clock_commands import clock_app
from shopwarden.cli.common import open_container, parse_instant
from shopwarden.cli.deposits import deposit_app
from shopwarden.cli.output import JSON_HELP, MODE, emit
from shopwarden.cli.policies import policy_app
from shopwarden.cli.reports import report_app
from shopwarden.cli.root import Root
from shopwarden.cli.shipping import shipping_app
from shopwarden.cli.trust import trust_app
from shopwarden.cli.violations import violations_app
from shopwarden.clock import shanghai_text
from shopwarden.errors import ShopwardenError

app = typer.Typer(
    cls=Root,
    help="shopwarden: merchant governance for online marketplaces.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The relational database.", no_args_is_help=True)
ledger_app = typer.Typer(help="The double-entry ledger (DEP-15).", no_args_is_help=True)
token_app = typer.Typer(help="API bearer tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(policy_app, name="policy")
app.add_typer(ledger_app, name="ledger")
app.add_typer(token_app, name="token")
app.add_typer(clock_app, name="clock")
app.add_typer(bnpl_app, name="bnpl")
app.add_typer(deposit_app, name="deposit")
app.add_typer(violations_app, name="violations")
app.add_typer(shipping_app, name="shipping")
app.add_typer(trust_app, name="trust")
app.add_typer(report_app, name="report")
facts_cli.register(app)  # ingest, generate
scoring_cli.register(app)  # score, simulate
console = Console()


def _print_version(value: bool) -> None:
    if value:
        import shopwarden

        print(f"shopwarden {shopwarden.__version__}")
        raise typer.Exit(0)


@app.callback()
def _options(
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="The workspace (default: SHOPWARDEN_HOME, else ./.shopwarden).",
            show_default=False,
        ),
    ] = None,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
) -> None:
    """shopwarden: merchant governance for online marketplaces.

    Exit codes: 0 done; 1 refused by a rule or a check failed; 2 bad usage or input (an
    unknown merchant, product or policy included).
    """
    if home is not None:
        os.environ["SHOPWARDEN_HOME"] = str(home)


@app.command()
def demo(
    seed: Annotated[int, typer.Option(help="Seed of the synthetic marketplace.")] = 7,
    merchants: Annotated[int, typer.Option(min=1, help="How many merchants.")] = 300,
    days: Annotated[int, typer.Option(min=1, max=366, help="Days of trading to govern.")] = 30,
    home: Annotated[
        Path | None, typer.Option(help="Workspace (default: SHOPWARDEN_HOME/demo).")
    ] = None,
    serve: Annotated[
        bool, typer.Option("--serve", help="Serve the API over the demo afterwards.")
    ] = False,
    port: Annotated[int, typer.Option(help="Port for --serve.")] = 8000,
) -> None:
    """Make a workspace, seed a synthetic marketplace, govern it, print a summary."""
    from shopwarden.demo import run_demo, summary_table
    from shopwarden.settings import Settings

    workspace = home or Settings().home / "demo"
    progress_to = Console(stderr=True) if MODE.json else console  # stdout: the answer alone
    container, summary = run_demo(
        home=workspace, seed=seed, merchants=merchants, days=days, console=progress_to
    )
    try:
        if MODE.json:
            emit(_demo_document(container, summary, workspace, port))
        else:
            console.print(summary_table(summary))
            _print_next_steps(container, workspace, port)
        if summary.ledger_mismatches:
            raise typer.Exit(1)
        if serve:
            _serve(container, "127.0.0.1", port, operator_token=True)
    finally:
        container.close()


def _demo_document(container: Any, summary: Any, workspace: Path, port: int) -> dict[str, Any]:
    from dataclasses import asdict

    from shopwarden.demo.highlights import find_highlights, next_commands

    highlights = find_highlights(container)
    return {
        "summary": asdict(summary),
        "workspace": str(workspace),
        "clock": shanghai_text(container.clock.now()),
        "worth_a_look": [{"merchant_id": h.merchant_id, "why": h.why} for h in highlights],
        "next": next_commands(workspace, highlights, port=port),
    }


def _print_next_steps(container: Any, workspace: Path, port: int) -> None:
    """A few merchants worth a look, and the commands that show them on this workspace."""
    from shopwarden.demo.highlights import find_highlights, next_commands

    highlights = find_highlights(container)
    table = Table("merchant", "worth a look because it", title="merchants worth a look")
    for highlight in highlights:
        table.add_row(highlight.merchant_id, highlight.why)
    console.print(table)
    now = shanghai_text(container.clock.now())
    console.print(f"workspace: {workspace} (its clock stands at {now}, the demo's last instant)")
    console.print("next:")
    for line in next_commands(workspace, highlights, port=port):
        console.print(f"  {line}", markup=False, highlight=False)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Processes; one core each.")] = 1,
) -> None:
    """Serve the HTTP API (OpenAPI at /openapi.json)."""
    with open_container() as container:
        _serve(container, host, port, operator_token=False, workers=workers)


def _serve(container: Any, host: str, port: int, *, operator_token: bool, workers: int = 1) -> None:
    import uvicorn

    from shopwarden.api.app import create_app
    from shopwarden.auth.service import create_token

    if operator_token:
        with container.unit_of_work() as ctx:
            token = create_token(ctx, role="operator", label="demo")
        console.print(f"operator token (shown once): {token}")
    console.print(f"serving on http://{host}:{port}  (docs at /docs)")
    if workers == 1:
        uvicorn.run(create_app(container), host=host, port=port)
        return
    # Each worker process builds its own app, from the same environment's settings.
    container.close()
    factory = "shopwarden.api.app:app_from_environment"
    uvicorn.run(factory, factory=True, host=host, port=port, workers=workers)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the migrations to SHOPWARDEN_DATABASE_URL (default: the workspace's SQLite file)."""
    with open_container() as container:
        emit({"database": container.settings.resolved_database_url, "at_head": True})


@app.command()
def cycle(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="ISO instant with its zone (default: the workspace clock's now).",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Run the daily and weekly rules as of an instant; a second run for it changes nothing."""
    with open_container() as container:
        instant = parse_instant(as_of, field="as_of") if as_of else container.clock.now()
        result = container.run_cycle(instant)
    document = {
        "as_of": instant.isoformat() if as_of else shanghai_text(instant),
        "already_run": result.already_run,
        "steps": result.steps,
    }
    if as_json:
        emit(document, as_json=True)
        return
    state = "already run; nothing changed" if result.already_run else "ran"
    console.print(f"cycle as of {document['as_of']}: {state}")
    rows = [
        {
            "step": step["step"],
            "rules": ", ".join(step.get("rules", ())),
            "outcome": {k: v for k, v in step.items() if k not in ("step", "rules")},
        }
        for step in result.steps
    ]
    emit(rows, as_json=False, title="steps")


@app.command()
def replay(
    files: Annotated[list[Path], typer.Argument(exists=True, dir_okay=False)],
    database_url: Annotated[
        str | None, typer.Option(help="Replay on this database instead of SQLite.")
    ] = None,
) -> None:
    """Run scenario files through the HTTP API; exit 1 if any expectation fails."""
    from shopwarden.replay.runner import replay_file

    reports = [replay_file(path, database_url=database_url) for path in files]
    if MODE.json:
        emit([_replay_document(path, report) for path, report in zip(files, reports, strict=True)])
    else:
        for path, report in zip(files, reports, strict=True):
            _print_replay(path, report)
    failed = not all(report.ok for report in reports)
    raise typer.Exit(1 if failed else 0)


def _replay_document(path: Path, report: Any) -> dict[str, Any]:
    steps = [
        {
            "index": r.index,
            "label": r.label,
            "ok": r.ok,
            **({} if r.ok else {"problems": r.problems, "expected": r.expected, "got": r.got}),
        }
        for r in report.results
    ]
    return {"file": str(path), "name": report.name, "ok": report.ok, "steps": steps}


def _print_replay(path: Path, report: Any) -> None:
    for result in report.results:
        mark = "[green]ok[/]" if result.ok else "[red]FAIL[/]"
        console.print(f"{mark}  {path.name} step {result.index}: {result.label}")
        if not result.ok:
            for problem in result.problems:
                console.print(f"      {problem}", markup=False)
            if result.expected is None and result.got is None:
                continue  # the step could not be read or run: its problem says why
            expected = json.dumps(result.expected, default=str, ensure_ascii=False)
            got = json.dumps(result.got, default=str, ensure_ascii=False)
            console.print(f"      expected: {expected}", markup=False)
            console.print(f"      got:      {got}", markup=False)
    console.print(f"{report.name}: {'passed' if report.ok else 'FAILED'}")


@ledger_app.command("verify")
def ledger_verify() -> None:
    """Recompute every balance and transaction from the entries; exit 1 on a mismatch."""
    from shopwarden.ledger.verify import verify_ledger

    with open_container() as container, container.unit_of_work() as ctx:
        found = verify_ledger(ctx.session)
    mismatches = [{"subject": m.subject, "problem": m.problem} for m in found]
    emit({"ok": not found, "mismatches": mismatches}, title="ledger verify")
    raise typer.Exit(1 if found else 0)


@ledger_app.command("balance")
def ledger_balance(
    code: Annotated[str, typer.Argument(help="An account code, e.g. merchant:m00001:wallet.")],
) -> None:
    """An account's balance: posted, held, incoming and available."""
    from shopwarden.money import Money

    with open_container() as container, container.unit_of_work() as ctx:
        balance = ctx.ledger.balance(code)
    document = {
        "account": code,
        "posted": str(Money(balance.posted)),
        "held": str(Money(balance.pending_out)),
        "incoming": str(Money(balance.pending_in)),
        "available": str(Money(balance.available)),
    }
    emit(document, title=code)


@token_app.command("create")
def token_create(
    operator: Annotated[bool, typer.Option("--operator", help="A token for an operator.")] = False,
    merchant: Annotated[
        str | None, typer.Option("--merchant", help="A token for this merchant.")
    ] = None,
    label: Annotated[str, typer.Option(help="A name to know the token by.")] = "",
) -> None:
    """Print a new token once; only its hash is stored."""
    from shopwarden.auth.service import create_token

    if operator == bool(merchant):
        raise ShopwardenError("give exactly one of --operator or --merchant ID", field="role")
    with open_container() as container, container.unit_of_work() as ctx:
        token = create_token(
            ctx,
            role="operator" if operator else "merchant",
            merchant_id=merchant,
            label=label,
        )
    if MODE.json:
        emit({"token": token, "role": "operator" if operator else "merchant"})
    else:
        print(token)


def main() -> None:
    app()
