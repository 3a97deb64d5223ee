"""Buy now, pay later 2.0 (BNPL-1..11): stores, product flags, checkout, orders, invoices.

Merchants act on their own store only (another store's resource answers 404); the order
system places orders and relays receipt with an operator token. Requests that move money
need an Idempotency-Key.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from shopwarden.api.amounts import check_amounts
from shopwarden.api.deps import (
    PrincipalDep,
    UnitsDep,
    merchant_filter,
    require_operator,
    require_visible,
)
from shopwarden.api.idempotency import MoneyCallDep
from shopwarden.api.params import RowId
from shopwarden.auth.service import Principal
from shopwarden.bnpl import flags, fulfilment, invoices, orders, reflag, stores
from shopwarden.bnpl.orders import NotOffered
from shopwarden.bnpl.schemas import (
    CategoryOut,
    CheckoutIn,
    CheckoutOut,
    EnableIn,
    FlagOut,
    InvoiceIn,
    InvoiceOut,
    LegacyStoreIn,
    OrderIn,
    OrderOut,
    ReceiptIn,
    ReflagIn,
    ReflagOut,
    RefundIn,
    StoreOut,
    UpgradeIn,
    UpgradeOut,
    checkout_out,
    flag_out,
    invoice_out,
    order_out,
    store_out,
)
from shopwarden.catalog import service as catalog
from shopwarden.context import Context
from shopwarden.errors import NotFound

router = APIRouter(prefix="/v1/bnpl", tags=["bnpl"])
Limit = Annotated[int, Query(ge=1, le=1000)]


def _store_view(ctx: Context, merchant_id: str) -> StoreOut:
    row = stores.store(ctx, merchant_id=merchant_id)
    return store_out(merchant_id, row, flags.flagged_count(ctx, merchant_id=merchant_id))


# --- stores (BNPL-1, BNPL-9, BNPL-11) --------------------------------------------------------
@router.get("/stores", response_model=list[StoreOut])
def list_stores(
    units: UnitsDep,
    principal: PrincipalDep,
    status: str | None = None,
    limit: Limit = 100,
) -> list[StoreOut]:
    """Stores with BNPL (operators); a merchant sees its own store."""
    with units() as ctx:
        if not principal.is_operator:
            assert principal.merchant_id is not None
            return [_store_view(ctx, principal.merchant_id)]
        return [
            store_out(s.merchant_id, s, flags.flagged_count(ctx, merchant_id=s.merchant_id))
            for s in stores.stores(ctx, status=status, limit=limit)
        ]


@router.get("/stores/{merchant_id}", response_model=StoreOut)
def get_store(merchant_id: str, units: UnitsDep, principal: PrincipalDep) -> StoreOut:
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        return _store_view(ctx, merchant_id)


@router.post("/stores/{merchant_id}/enable", response_model=StoreOut)
def enable_store(
    merchant_id: str, body: EnableIn, units: UnitsDep, principal: PrincipalDep
) -> StoreOut:
    """One click: accept the agreement; with an upgraded wallet BNPL is on at once (BNPL-1)."""
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        stores.enable(
            ctx,
            merchant_id=merchant_id,
            agreement_version=body.agreement_version,
            accepted=body.accepted,
        )
        return _store_view(ctx, merchant_id)


@router.post("/stores/{merchant_id}/pause", response_model=StoreOut)
def pause_store(merchant_id: str, units: UnitsDep, principal: PrincipalDep) -> StoreOut:
    """Consumers cannot pick BNPL at the store; placed orders are unaffected (BNPL-9)."""
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        stores.pause(ctx, merchant_id=merchant_id)
        return _store_view(ctx, merchant_id)


@router.post("/stores/{merchant_id}/resume", response_model=StoreOut)
def resume_store(merchant_id: str, units: UnitsDep, principal: PrincipalDep) -> StoreOut:
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        stores.resume(ctx, merchant_id=merchant_id)
        return _store_view(ctx, merchant_id)


@router.post("/legacy-stores", status_code=201, response_model=StoreOut)
def register_legacy_store(
    body: LegacyStoreIn, units: UnitsDep, principal: PrincipalDep
) -> StoreOut:
    """Record a store that had BNPL 1.0 (operators), to be moved to 2.0 (BNPL-11)."""
    require_operator(principal)
    with units() as ctx:
        stores.register_legacy(
            ctx,
            merchant_id=body.merchant_id,
            enabled_at=body.enabled_at,
            agreement_version=body.agreement_version,
        )
        return _store_view(ctx, body.merchant_id)


@router.post("/upgrade", response_model=UpgradeOut)
def upgrade_legacy_stores(body: UpgradeIn, units: UnitsDep, principal: PrincipalDep) -> UpgradeOut:
    """Move 1.0 stores (all, or those named) to 2.0 and flag their products (BNPL-11)."""
    require_operator(principal)
    with units() as ctx:
        upgraded = stores.upgrade_legacy(ctx, merchant_ids=body.merchant_ids)
        return UpgradeOut(upgraded=[s.merchant_id for s in upgraded])


# --- flags (BNPL-2, BNPL-3) ------------------------------------------------------------------
@router.get("/flags", response_model=list[FlagOut])
def list_flags(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    flagged: bool | None = None,
    limit: Limit = 100,
    after: str | None = None,
) -> list[FlagOut]:
    """Product flags with their explanation; a merchant sees its own products."""
    merchant_id = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        rows = flags.flags_of(
            ctx, merchant_id=merchant_id, flagged=flagged, limit=limit, after=after
        )
        decided = flags.explain_many(ctx, rows=rows)
        return [flag_out(row, d) for row, d in zip(rows, decided, strict=True)]


@router.get("/products/{product_id}/flag", response_model=FlagOut)
def get_flag(product_id: str, units: UnitsDep, principal: PrincipalDep) -> FlagOut:
    """The product's flag: each criterion with value, target and outcome (BNPL-2, POL-3)."""
    with units() as ctx:
        product = catalog.product(ctx, product_id=product_id)
        require_visible(principal, product.merchant_id, f"product {product_id}")
        row = flags.flag_for(ctx, product=product, as_of=ctx.now())
        return flag_out(row, flags.explain(ctx, row=row))


@router.get("/categories/{code}", response_model=CategoryOut)
def get_category(code: str, units: UnitsDep, principal: PrincipalDep) -> CategoryOut:
    """Whether products of a category can be BNPL, and which exclusion covers it (BNPL-3)."""
    with units() as ctx:
        excluded_by, version = flags.category_exclusion(ctx, code=code, as_of=ctx.now())
    return CategoryOut(
        code=code, excluded=excluded_by is not None, excluded_by=excluded_by, policy_version=version
    )


@router.post("/reflag", response_model=ReflagOut)
def reflag_now(body: ReflagIn, units: UnitsDep, principal: PrincipalDep) -> ReflagOut:
    """Re-decide every flag now, set-based, under the policy in force (operators)."""
    require_operator(principal)
    with units() as ctx:
        result = reflag.reflag_all(ctx, as_of=ctx.now(), full=body.full)
    return ReflagOut(**result.report())


# --- checkout and orders (BNPL-4..9) ---------------------------------------------------------
@router.post("/checkout", response_model=CheckoutOut)
def checkout(body: CheckoutIn, units: UnitsDep, principal: PrincipalDep) -> CheckoutOut:
    """Is BNPL offered for this store, product, amount and consumer? With every reason."""
    require_visible(principal, body.merchant_id, f"merchant {body.merchant_id}")
    with units() as ctx:
        check_amounts(ctx, body)  # DEP-15
        decided = orders.checkout(ctx, request=body.to_request())
        return checkout_out(decided, body.amount)


@router.post("/orders", status_code=201, response_model=OrderOut)
def place_order(
    body: OrderIn, money: MoneyCallDep, units: UnitsDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Place a BNPL order (0.00 now) and charge the merchant's 1 % fee (BNPL-5, BNPL-6)."""
    require_operator(principal)

    def work(ctx: Context) -> OrderOut:
        return order_out(orders.place(ctx, order_id=body.id, request=body.to_request()))

    try:
        return money.run(body, work)
    except NotOffered as refused:
        with units() as ctx:  # BNPL-6: the reason is recorded, apart from the refused work
            orders.record_refusal(ctx, error=refused)
        raise


@router.get("/orders", response_model=list[OrderOut])
def list_orders(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    status: str | None = None,
    limit: Limit = 100,
    after: str | None = None,
) -> list[OrderOut]:
    merchant_id = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        rows = orders.orders(ctx, merchant_id=merchant_id, status=status, limit=limit, after=after)
        return [order_out(o) for o in rows]


def _visible_order(ctx: Context, principal: Principal, order_id: str) -> None:
    if not principal.can_see(orders.order(ctx, order_id=order_id).merchant_id):
        raise NotFound(f"no BNPL order {order_id}", field="order_id")


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: str, units: UnitsDep, principal: PrincipalDep) -> OrderOut:
    """The order at its normal price; only the payment method says BNPL (BNPL-5)."""
    with units() as ctx:
        _visible_order(ctx, principal, order_id)
        return order_out(orders.order(ctx, order_id=order_id))


@router.post("/orders/{order_id}/shipment", response_model=OrderOut)
def ship_order(order_id: str, units: UnitsDep, principal: PrincipalDep) -> OrderOut:
    """The merchant shipped; receipt is confirmed automatically after the policy's period."""
    with units() as ctx:
        _visible_order(ctx, principal, order_id)
        order, _ = fulfilment.ship(ctx, order_id=order_id)
        return order_out(order)


@router.post("/orders/{order_id}/receipt", response_model=OrderOut)
def confirm_receipt(
    order_id: str, body: ReceiptIn, money: MoneyCallDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The consumer confirmed receipt (relayed by the order system): debit the consumer;
    if that fails the merchant is settled anyway and the platform holds the claim (BNPL-7)."""
    require_operator(principal)

    def work(ctx: Context) -> OrderOut:
        order = fulfilment.confirm_receipt(ctx, order_id=order_id, by=body.confirmed_by)
        return order_out(order)

    return money.run(body, work, status=200)


@router.post("/orders/{order_id}/refunds", response_model=OrderOut)
def refund_order(
    order_id: str, body: RefundIn, money: MoneyCallDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Refund all or part of the order, like any order; the BNPL fee is kept (BNPL-6)."""

    def work(ctx: Context) -> OrderOut:
        _visible_order(ctx, principal, order_id)
        return order_out(fulfilment.refund(ctx, order_id=order_id, amount=body.amount))

    return money.run(body, work, status=200)


@router.post("/orders/{order_id}/early-payout", response_model=OrderOut)
def early_payout(order_id: str, units: UnitsDep, principal: PrincipalDep) -> OrderOut:
    """Refused: BNPL orders follow the normal settlement period (BNPL-8)."""
    with units() as ctx:
        _visible_order(ctx, principal, order_id)
        return order_out(fulfilment.early_payout(ctx, order_id=order_id))


# --- fee invoices (BNPL-10) ------------------------------------------------------------------
@router.post("/invoices", status_code=201, response_model=InvoiceOut)
def request_invoice(
    body: InvoiceIn, response: Response, units: UnitsDep, principal: PrincipalDep
) -> InvoiceOut:
    """The invoice for a natural month's fees, from the 1st of the next month; asking again
    returns the same invoice (200)."""
    require_visible(principal, body.merchant_id, f"merchant {body.merchant_id}")
    with units() as ctx:
        invoice, created = invoices.request_invoice(
            ctx, merchant_id=body.merchant_id, month=body.month
        )
        response.status_code = 201 if created else 200
        return invoice_out(invoice)


@router.get("/invoices", response_model=list[InvoiceOut])
def list_invoices(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    limit: Limit = 100,
) -> list[InvoiceOut]:
    merchant_id = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        rows = invoices.invoices(ctx, merchant_id=merchant_id, limit=limit)
        return [invoice_out(i) for i in rows]


@router.get("/invoices/{invoice_id}", response_model=InvoiceOut)
def get_invoice(invoice_id: RowId, units: UnitsDep, principal: PrincipalDep) -> InvoiceOut:
    with units() as ctx:
        invoice = invoices.invoice(ctx, invoice_id=invoice_id)
        require_visible(principal, invoice.merchant_id, f"BNPL invoice {invoice_id}")
        return invoice_out(invoice)
