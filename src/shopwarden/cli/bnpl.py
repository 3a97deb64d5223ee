"""``shopwarden bnpl …``: the operator's BNPL commands, over the workspace's database.

Each command is one unit of work on the bootstrap's container; a refusal becomes the CLI's
one-line error and exit code 2 (``shopwarden.cli.main``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from shopwarden.errors import InvalidInput

if TYPE_CHECKING:
    from shopwarden.bootstrap import Container

bnpl_app = typer.Typer(help="Buy now, pay later 2.0 (BNPL-1..11).", no_args_is_help=True)
console = Console()


@contextmanager
def _container() -> Iterator[Container]:
    from shopwarden.bootstrap import bootstrap

    container = bootstrap()
    try:
        yield container
    finally:
        container.close()


def _instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError as error:
        raise InvalidInput(f"{text!r} is not an ISO instant", field="enabled_at") from error
    if instant.tzinfo is None:
        raise InvalidInput(f"{text!r} has no time zone, e.g. +08:00", field="enabled_at")
    return instant


def _print_store(container: Container, merchant_id: str) -> None:
    from shopwarden.bnpl import flags
    from shopwarden.bnpl.schemas import store_out
    from shopwarden.bnpl.stores import Stores

    with container.db.transaction() as session:
        row = Stores(session, container.clock, container.policies).store(merchant_id)
        out = store_out(merchant_id, row, flags.flagged_count(session, merchant_id))
    console.print_json(out.model_dump_json())


@bnpl_app.command("status")
def status(merchant_id: str) -> None:
    """The store's BNPL status and how many of its products are flagged."""
    with _container() as container:
        _print_store(container, merchant_id)


@bnpl_app.command("enable")
def enable(
    merchant_id: str,
    agreement: Annotated[
        str, typer.Option(help="The agreement version the merchant accepted.")
    ] = "bnpl-service-agreement-2.0",
) -> None:
    """Enable BNPL 2.0 for a store whose merchant accepted the agreement (BNPL-1)."""
    from shopwarden.bnpl.stores import Stores

    with _container() as container:
        with container.db.transaction() as session:
            Stores(session, container.clock, container.policies).enable(
                merchant_id, agreement_version=agreement, accepted=True
            )
        _print_store(container, merchant_id)


@bnpl_app.command("pause")
def pause(merchant_id: str) -> None:
    """Pause BNPL at a store; orders already placed are unaffected (BNPL-9)."""
    from shopwarden.bnpl.stores import Stores

    with _container() as container:
        with container.db.transaction() as session:
            Stores(session, container.clock, container.policies).pause(merchant_id)
        _print_store(container, merchant_id)


@bnpl_app.command("resume")
def resume(merchant_id: str) -> None:
    """Resume BNPL at a paused store (BNPL-9)."""
    from shopwarden.bnpl.stores import Stores

    with _container() as container:
        with container.db.transaction() as session:
            Stores(session, container.clock, container.policies).resume(merchant_id)
        _print_store(container, merchant_id)


@bnpl_app.command("legacy")
def legacy(
    merchant_ids: Annotated[list[str], typer.Argument(help="Stores that had BNPL 1.0.")],
    enabled_at: Annotated[
        str, typer.Option("--enabled-at", help="When 1.0 was enabled, ISO with zone.")
    ],
) -> None:
    """Record stores that had BNPL 1.0 (an import of the old system), to upgrade (BNPL-11)."""
    from shopwarden.bnpl.stores import Stores

    when = _instant(enabled_at)
    with _container() as container, container.db.transaction() as session:
        stores = Stores(session, container.clock, container.policies)
        for merchant_id in merchant_ids:
            stores.register_legacy(merchant_id, enabled_at=when)
    console.print(f"recorded {len(merchant_ids)} BNPL 1.0 store(s)")


@bnpl_app.command("upgrade")
def upgrade(
    merchant: Annotated[
        list[str] | None, typer.Option("--merchant", help="Only these stores (repeatable).")
    ] = None,
) -> None:
    """Move BNPL 1.0 stores to 2.0: their eligible products are flagged; they may pause."""
    from shopwarden.bnpl import flags
    from shopwarden.bnpl.stores import Stores

    with _container() as container, container.db.transaction() as session:
        upgraded = Stores(session, container.clock, container.policies).upgrade_legacy(merchant)
        counts = {s.merchant_id: flags.flagged_count(session, s.merchant_id) for s in upgraded}
    if not counts:
        console.print("no BNPL 1.0 store to upgrade")
    for merchant_id, flagged in counts.items():
        console.print(f"{merchant_id}: moved to BNPL 2.0, {flagged} product(s) flagged")


@bnpl_app.command("reflag")
def reflag(
    full: Annotated[
        bool, typer.Option("--full", help="Also re-read every product's facts from the catalog.")
    ] = False,
) -> None:
    """Re-decide every product flag now under the policy in force, set-based (BNPL-2, 3)."""
    from shopwarden.bnpl.reflag import reflag_all

    with _container() as container:
        now = container.clock.now()
        with container.db.transaction() as session:
            version = container.policies.in_force("bnpl", now)
            result = reflag_all(session, version, now, full=full)
    console.print_json(json.dumps(result.report()))


@bnpl_app.command("invoice")
def invoice(
    merchant_id: str,
    month: Annotated[
        str | None, typer.Option(help="2024-03; default: the previous natural month.")
    ] = None,
) -> None:
    """The store's BNPL fee invoice for a natural month that is over (BNPL-10)."""
    from shopwarden.bnpl.invoices import Invoices
    from shopwarden.bnpl.schemas import invoice_out

    with _container() as container, container.db.transaction() as session:
        row, created = Invoices(session, container.clock, container.policies).request(
            merchant_id, month
        )
        out = invoice_out(row)
    console.print("issued" if created else "issued before; the same invoice")
    console.print_json(out.model_dump_json())
