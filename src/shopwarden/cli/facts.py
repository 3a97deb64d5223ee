"""``shopwarden ingest`` and ``shopwarden generate``: order facts into the workspace."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import MofNCompleteColumn, Progress, TimeRemainingColumn
from sqlalchemy import select

from shopwarden.cli.common import open_container
from shopwarden.cli.output import JSON_HELP, emit
from shopwarden.errors import InvalidInput

console = Console()


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="CSV or Parquet files of order facts.")],
    as_json: Annotated[bool, typer.Option("--json", help=JSON_HELP)] = False,
) -> None:
    """Validate order facts and store them; bad rows go to a quarantine file with their reason.

    Ingesting the same file again changes nothing.
    """
    from shopwarden.facts.ingest import ingest_file
    from shopwarden.facts.storage import facts_dir

    with open_container() as container:
        root = facts_dir(container.settings.home)
        reports = [
            ingest_file(container.unit_of_work, root=root, path=path).as_dict() for path in paths
        ]
    if as_json:
        emit(reports, as_json=True)
        return
    for report in reports:
        state = "already ingested; nothing changed" if report["already_ingested"] else "ingested"
        console.print(f"{report['source']}: {state}", markup=False)
        console.print(
            f"  rows {report['rows']}, accepted {report['accepted']}, "
            f"already stored {report['already_stored']}, quarantined {report['quarantined']}"
        )
        for reason, count in report["reasons"].items():
            console.print(f"    {reason}: {count}")
        if report["quarantine_file"]:
            console.print(f"  quarantine: {report['quarantine_file']}", markup=False)


def generate(
    merchants: Annotated[int, typer.Option(min=1, help="How many merchants.")] = 1000,
    orders: Annotated[int, typer.Option(min=1, help="How many orders in all.")] = 100_000,
    days: Annotated[int, typer.Option(min=1, max=3660, help="Days of orders.")] = 30,
    seed: Annotated[int, typer.Option(help="The same seed gives the same facts.")] = 7,
    start: Annotated[str, typer.Option(help="First day (Asia/Shanghai), YYYY-MM-DD.")] = (
        "2024-01-01"
    ),
) -> None:
    """Write a deterministic synthetic marketplace's order facts into the workspace."""
    from shopwarden.facts.service import generate_facts
    from shopwarden.facts.storage import facts_dir

    try:
        first = date.fromisoformat(start)
    except ValueError as error:
        raise InvalidInput(f"{start!r} is not a day like 2024-01-01", field="start") from error
    columns = (*Progress.get_default_columns()[:-1], MofNCompleteColumn(), TimeRemainingColumn())
    progress_to = Console(stderr=True)  # stdout holds the answer alone (``--json``)
    with open_container() as container, Progress(*columns, console=progress_to) as progress:
        task = progress.add_task("Generating orders", total=orders)
        report = generate_facts(
            container.unit_of_work,
            root=facts_dir(container.settings.home),
            merchants=merchants,
            orders=orders,
            days=days,
            seed=seed,
            start=first,
            progress=lambda n: progress.advance(task, n),
        )
        if report.already_done:
            progress.update(task, completed=orders)
    registered = _register_merchants(merchants)
    document = {
        "source": report.source,
        "merchants_registered": registered,
        "state": "already generated; nothing changed" if report.already_done else "generated",
        "first_day": str(report.days[0]) if report.days else None,
        "last_day": str(report.days[-1]) if report.days else None,
    }
    emit(document, title="order facts (days in Asia/Shanghai)")


def _register_merchants(count: int) -> int:
    """The generated merchants join the catalog (those not there yet), so that every command
    and the API know them: an unknown merchant is an error, never an empty answer."""
    from shopwarden.catalog import service as catalog
    from shopwarden.catalog.schemas import MerchantCreate
    from shopwarden.catalog.tables import MerchantRow
    from shopwarden.facts.generator import merchant_id_width

    width = merchant_id_width(count)
    wanted = [f"m{n:0{width}d}" for n in range(1, count + 1)]
    with open_container() as container, container.unit_of_work() as ctx:
        known = set(ctx.session.scalars(select(MerchantRow.id).where(MerchantRow.id.in_(wanted))))
        for merchant_id in wanted:
            if merchant_id not in known:
                data = MerchantCreate(id=merchant_id, name=f"Synthetic store {merchant_id}")
                catalog.create_merchant(ctx, data=data)
    return len(wanted) - len(known)


def register(app: typer.Typer) -> None:
    app.command()(ingest)
    app.command()(generate)
