"""``shopwarden bnpl …``: the operator's BNPL commands, over the workspace's database.

Each command is one unit of work on the composition root's container; a refusal becomes the
CLI's one-line error and its exit code (``shopwarden.cli.root``). The domain modules load when
a command runs, not when the CLI starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from shopwarden.cli.common import open_container, parse_instant
from shopwarden.cli.output import emit, note

if TYPE_CHECKING:
    from shopwarden.bootstrap import Container

bnpl_app = typer.Typer(help="Buy now, pay later 2.0 (BNPL-1..11).", no_args_is_help=True)


def _print_store(container: Container, merchant_id: str) -> None:
    from shopwarden.bnpl import flags, stores
    from shopwarden.bnpl.schemas import store_out

    with container.unit_of_work() as ctx:
        row = stores.store(ctx, merchant_id=merchant_id)
        out = store_out(merchant_id, row, flags.flagged_count(ctx, merchant_id=merchant_id))
    emit(out, title=f"BNPL: {merchant_id}")


@bnpl_app.command("status")
def status(merchant_id: str) -> None:
    """The store's BNPL status and how many of its products are flagged."""
    with open_container() as container:
        _print_store(container, merchant_id)


@bnpl_app.command("enable")
def enable(
    merchant_id: str,
    agreement: Annotated[
        str, typer.Option(help="The agreement version the merchant accepted.")
    ] = "bnpl-service-agreement-2.0",
) -> None:
    """Enable BNPL 2.0 for a store whose merchant accepted the agreement (BNPL-1)."""
    from shopwarden.bnpl import stores

    with open_container() as container:
        with container.unit_of_work() as ctx:
            stores.enable(ctx, merchant_id=merchant_id, agreement_version=agreement, accepted=True)
        _print_store(container, merchant_id)


@bnpl_app.command("pause")
def pause(merchant_id: str) -> None:
    """Pause BNPL at a store; orders already placed are unaffected (BNPL-9)."""
    from shopwarden.bnpl import stores

    with open_container() as container:
        with container.unit_of_work() as ctx:
            stores.pause(ctx, merchant_id=merchant_id)
        _print_store(container, merchant_id)


@bnpl_app.command("resume")
def resume(merchant_id: str) -> None:
    """Resume BNPL at a paused store (BNPL-9)."""
    from shopwarden.bnpl import stores

    with open_container() as container:
        with container.unit_of_work() as ctx:
            stores.resume(ctx, merchant_id=merchant_id)
        _print_store(container, merchant_id)


@bnpl_app.command("legacy")
def legacy(
    merchant_ids: Annotated[list[str], typer.Argument(help="Stores that had BNPL 1.0.")],
    enabled_at: Annotated[
        str, typer.Option("--enabled-at", help="When 1.0 was enabled, ISO with zone.")
    ],
) -> None:
    """Record stores that had BNPL 1.0 (an import of the old system), to upgrade (BNPL-11)."""
    from shopwarden.bnpl import stores

    when = parse_instant(enabled_at, field="enabled_at")
    with open_container() as container, container.unit_of_work() as ctx:
        for merchant_id in merchant_ids:
            stores.register_legacy(ctx, merchant_id=merchant_id, enabled_at=when)
    emit({"recorded": merchant_ids}, title="BNPL 1.0 stores recorded")


@bnpl_app.command("upgrade")
def upgrade(
    merchant: Annotated[
        list[str] | None, typer.Option("--merchant", help="Only these stores (repeatable).")
    ] = None,
) -> None:
    """Move BNPL 1.0 stores to 2.0: their eligible products are flagged; they may pause."""
    from shopwarden.bnpl import flags, stores

    with open_container() as container, container.unit_of_work() as ctx:
        upgraded = stores.upgrade_legacy(ctx, merchant_ids=merchant)
        counts = {
            s.merchant_id: flags.flagged_count(ctx, merchant_id=s.merchant_id) for s in upgraded
        }
    if not counts:
        note("no BNPL 1.0 store to upgrade")
    rows = [{"merchant_id": m, "moved_to": "2.0", "flagged": n} for m, n in counts.items()]
    emit(rows, title="upgraded to BNPL 2.0")


@bnpl_app.command("reflag")
def reflag(
    full: Annotated[
        bool, typer.Option("--full", help="Also re-read every product's facts from the catalog.")
    ] = False,
) -> None:
    """Re-decide every product flag now under the policy in force, set-based (BNPL-2, 3)."""
    from shopwarden.bnpl.reflag import reflag_all

    with open_container() as container, container.unit_of_work() as ctx:
        result = reflag_all(ctx, as_of=container.clock.now(), full=full)
    emit(result.report(), title="re-flagged")


@bnpl_app.command("invoice")
def invoice(
    merchant_id: str,
    month: Annotated[
        str | None, typer.Option(help="2024-03; default: the previous natural month.")
    ] = None,
) -> None:
    """The store's BNPL fee invoice for a natural month that is over (BNPL-10)."""
    from shopwarden.bnpl import invoices
    from shopwarden.bnpl.schemas import invoice_out

    with open_container() as container, container.unit_of_work() as ctx:
        row, created = invoices.request_invoice(ctx, merchant_id=merchant_id, month=month)
        out = invoice_out(row)
    note("issued" if created else "issued before; the same invoice")
    emit(out, title="BNPL fee invoice")
