"""``shopwarden trust ...``: trust purchase, 信任购 (TRUST-1..5), as an operator.

The same use cases and views as the API: the rights catalogue, a product look-up by id or name
fragment, a merchant's view of both identities, rights switched on a product (its badge
decided again at once), and every badge decided now as the daily cycle does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from shopwarden.cli.common import parse_instant, unit_of_work
from shopwarden.cli.output import emit

if TYPE_CHECKING:  # the heavy modules load when a command runs, not when the CLI starts
    pass

trust_app = typer.Typer(help="Trust purchase, 信任购 (TRUST-1..5).", no_args_is_help=True)
rights_app = typer.Typer(
    help="Switch rights on a product (TRUST-1, TRUST-2).", no_args_is_help=True
)
trust_app.add_typer(rights_app, name="rights")
console = Console()
Merchant = Annotated[str | None, typer.Option("--merchant", help="Only this merchant's products.")]
AsJson = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
Codes = Annotated[list[str], typer.Argument(help="Right codes, e.g. seven_day_return.")]


@trust_app.command("catalogue")
def catalogue() -> None:
    """The rights catalogue and which rights the badge requires (TRUST-1, TRUST-2)."""
    from shopwarden.trust import service

    with unit_of_work() as ctx:
        emit(service.catalogue(ctx, as_of=ctx.now()))


@trust_app.command("lookup")
def lookup(
    text: Annotated[str, typer.Argument(help="A product id, or part of its name (中文 too).")],
    merchant: Merchant = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="At most this many products.")] = 20,
    as_json: AsJson = False,
) -> None:
    """Products by id or name fragment (any case, Chinese included): status, rights enabled
    and missing, metrics to improve (TRUST-3)."""
    from shopwarden.trust import queries

    with unit_of_work() as ctx:
        found = queries.lookup(ctx, text=text, merchant_id=merchant, as_of=ctx.now(), limit=limit)
    if as_json:
        emit(found, as_json=True)
        return
    table = Table("product", "merchant", "title", "identity", "status", "missing", "improve")
    for p in found:
        table.add_row(
            p["product_id"],
            p["merchant_id"],
            p["title"],
            p["identity_name"],
            p["status"],
            ", ".join(r["code"] for r in p["rights_missing"]) or "-",
            ", ".join(
                f"{t['code']} {t['value']} {t['op']} {t['target']} (gap {t['gap']})"
                for t in p["metrics_to_improve"]
            )
            or "-",
        )
    console.print(table)


@trust_app.command("view")
def view(merchant: str) -> None:
    """Both identities against the thresholds, products and rights counted, store and live
    room, benefits (TRUST-1, TRUST-4, TRUST-5)."""
    from shopwarden.catalog import service as catalog
    from shopwarden.trust import queries

    with unit_of_work() as ctx:
        catalog.merchant(ctx, merchant_id=merchant)
        emit(queries.merchant_view(ctx, merchant_id=merchant, as_of=ctx.now()))


def _switch(product: str, codes: list[str], enabled: bool) -> None:
    from shopwarden.trust import queries, rights
    from shopwarden.trust.standings import policy_at

    with unit_of_work() as ctx:
        switched = dict.fromkeys(codes, enabled)
        rights.set_rights(ctx, product_id=product, rights=switched, actor="operator")
        (status,) = queries.product_statuses(
            ctx.session, [product], policy_at(ctx, as_of=ctx.now())
        )
    emit(status)


@rights_app.command("enable")
def enable(product: str, codes: Codes) -> None:
    """Switch rights on; the badge is decided again at once (TRUST-2)."""
    _switch(product, codes, True)


@rights_app.command("disable")
def disable(product: str, codes: Codes) -> None:
    """Switch rights off; a required one removes the badge at once (TRUST-2)."""
    _switch(product, codes, False)


@trust_app.command("decide")
def decide(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="The instant, with its zone (default now).")
    ] = None,
) -> None:
    """Measure every merchant identity and grant or remove every badge, as the cycle does."""
    from shopwarden.trust import service

    with unit_of_work() as ctx:
        when = parse_instant(as_of, field="as_of") if as_of else ctx.now()
        emit(service.decide_all(ctx, as_of=when))
