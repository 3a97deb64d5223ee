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
from shopwarden.cli.common import open_container, parse_instant, shanghai_text
from shopwarden.cli.deposits import deposit_app
from shopwarden.cli.output import JSON_HELP, emit
from shopwarden.cli.reports import report_app
from shopwarden.cli.root import Root
from shopwarden.cli.shipping import shipping_app
from shopwarden.cli.trust import trust_app
from shopwarden.cli.violations import violations_app
from shopwarden.errors import ShopwardenError
from shopwarden.policy.model import PolicyVersion

app = typer.Typer(
    cls=Root,
    help="shopwarden: merchant governance for online marketplaces.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="The relational database.", no_args_is_help=True)
policy_app = typer.Typer(help="Versioned policies (POL-1..4).", no_args_is_help=True)
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
    port: int = 8000,
) -> None:
    """Make a workspace, seed a synthetic marketplace, govern it, print a summary."""
    from shopwarden.demo import run_demo, summary_table
    from shopwarden.settings import Settings

    workspace = home or Settings().home / "demo"
    container, summary = run_demo(
        home=workspace, seed=seed, merchants=merchants, days=days, console=console
    )
    try:
        console.print(summary_table(summary))
        _print_next_steps(container, workspace, port)
        if summary.ledger_mismatches:
            raise typer.Exit(1)
        if serve:
            _serve(container, "127.0.0.1", port, operator_token=True)
    finally:
        container.close()


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
    host: str = "127.0.0.1",
    port: int = 8000,
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
        console.print(f"database at head: {container.settings.resolved_database_url}")


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

    failed = False
    for path in files:
        report = replay_file(path, database_url=database_url)
        for result in report.results:
            mark = "[green]ok[/]" if result.ok else "[red]FAIL[/]"
            console.print(f"{mark}  {path.name} step {result.index}: {result.label}")
            if not result.ok:
                for problem in result.problems:
                    console.print(f"      {problem}", markup=False)
                console.print(
                    f"      expected: {json.dumps(result.expected, default=str)}", markup=False
                )
                console.print(
                    f"      got:      {json.dumps(result.got, default=str)}", markup=False
                )
        failed = failed or not report.ok
        console.print(f"{report.name}: {'passed' if report.ok else 'FAILED'}")
    raise typer.Exit(1 if failed else 0)


@policy_app.command("list")
def policy_list(family: str | None = None) -> None:
    """Every version, with the one in force now marked."""
    with open_container(migrate=False) as container:
        policies = container.policies
        now = container.clock.now()
    table = Table("family", "version", "revised on", "effective from", "in force", "assumed")
    listed = sorted(
        [*policies.versions(family), *policies.replaced(family)],
        key=lambda v: (v.family, v.effective_from, v.replaced_by is None),
    )
    for version in listed:
        current = policies.in_force(version.family, now).version == version.version
        table.add_row(
            version.family,
            version.version,
            version.revised_on.isoformat(),
            version.effective_from.isoformat(),
            f"replaced by {version.replaced_by}" if version.replaced_by else _yes(current),
            _assumed(version),
        )
    console.print(table)


def _yes(flag: bool) -> str:
    return "yes" if flag else ""


def _assumed(version: PolicyVersion) -> str:
    """How much of a version the sources do not give: all of it, or how many values."""
    if version.assumption is not None:
        return "whole version"
    count = len(version.assumptions)
    return "" if not count else f"{count} value" if count == 1 else f"{count} values"


@policy_app.command("show")
def policy_show(family: str, version: str) -> None:
    """The version as JSON; what the sources do not give is named first, on stderr."""
    with open_container(migrate=False) as container:
        found = container.policies.get(family, version)
    notes = Console(stderr=True)
    if found.assumption is not None:
        notes.print(
            f"ASSUMED VERSION: {found.assumption}",
            markup=False,
        )
    if found.replaced_by is not None:
        notes.print(f"replaced by {family}@{found.replaced_by}", markup=False)
    for path, reason in {a.path: a.reason for a in found.assumptions}.items():
        notes.print(f"assumption: {path}: {reason}", markup=False)
    console.print_json(json.dumps(found.document(), default=str))


@policy_app.command("diff")
def policy_diff(family: str, version: str) -> None:
    """What changed against the version before it."""
    from shopwarden.policy.diff import diff_versions

    with open_container(migrate=False) as container:
        after = container.policies.get(family, version)
        before = container.policies.previous(after)
    console.print(f"{family}: {before.version if before else '(none)'} → {version}")
    for change in diff_versions(before, after):
        console.print(
            f"  {change.change:8} {change.path}: {change.before!r} → {change.after!r}", markup=False
        )


@policy_app.command("publish")
def policy_publish(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Publish a new version into the workspace; refused with less than 7 days' notice (POL-4)."""
    with open_container(migrate=False) as container:
        published = container.policies.publish(
            file.read_text(encoding="utf-8"), now=container.clock.now()
        )
    console.print(f"published {published.ref}, effective {published.effective_from.isoformat()}")


@ledger_app.command("verify")
def ledger_verify() -> None:
    """Recompute every balance and transaction from the entries; exit 1 on a mismatch."""
    from shopwarden.ledger.verify import verify_ledger

    with open_container() as container, container.unit_of_work() as ctx:
        found = verify_ledger(ctx.session)
    for mismatch in found:
        console.print(f"[red]mismatch[/] {mismatch.subject}: {mismatch.problem}")
    console.print("ledger OK" if not found else f"{len(found)} mismatches")
    raise typer.Exit(1 if found else 0)


@ledger_app.command("balance")
def ledger_balance(code: str) -> None:
    from shopwarden.money import Money

    with open_container() as container, container.unit_of_work() as ctx:
        balance = ctx.ledger.balance(code)
    console.print(
        f"{code}: posted {Money(balance.posted)}, held {Money(balance.pending_out)}, "
        f"incoming {Money(balance.pending_in)}, available {Money(balance.available)}"
    )


@token_app.command("create")
def token_create(
    operator: Annotated[bool, typer.Option("--operator", help="A token for an operator.")] = False,
    merchant: Annotated[
        str | None, typer.Option("--merchant", help="A token for this merchant.")
    ] = None,
    label: str = "",
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
    print(token)


def main() -> None:
    app()
