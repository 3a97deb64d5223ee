"""Buy now, pay later 2.0 (BNPL-1..11): stores, product flags, checkout, orders, invoices.

Merchants act on their own store only (another store's resource answers 404); the order
system places orders and relays receipt with an operator token. Requests that move money
need an Idempotency-Key.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from sqlalchemy.orm import Session

from shopwarden.api.amounts import check_amounts
from shopwarden.api.deps import (
    ContainerDep,
    PrincipalDep,
    merchant_filter,
    require_operator,
    require_visible,
)
from shopwarden.api.idempotency import MoneyCallDep
from shopwarden.api.params import RowId
from shopwarden.auth.service import Principal
from shopwarden.bnpl import flags, reflag
from shopwarden.bnpl.fulfilment import Fulfilment
from shopwarden.bnpl.invoices import Invoices
from shopwarden.bnpl.orders import NotOffered, Orders, record_refusal
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
from shopwarden.bnpl.stores import Stores
from shopwarden.bootstrap import Container
from shopwarden.catalog import service as catalog
from shopwarden.errors import NotFound

router = APIRouter(prefix="/v1/bnpl", tags=["bnpl"])
Limit = Annotated[int, Query(ge=1, le=1000)]


def _stores(container: Container, session: Session) -> Stores:
    return Stores(session, container.clock, container.policies)


def _orders(container: Container, session: Session) -> Orders:
    return Orders(session, container.clock, container.policies)


def _fulfilment(container: Container, session: Session) -> Fulfilment:
    return Fulfilment(session, container.clock, container.policies)


def _store_view(session: Session, stores: Stores, merchant_id: str) -> StoreOut:
    row = stores.store(merchant_id)
    return store_out(merchant_id, row, flags.flagged_count(session, merchant_id))


# --- stores (BNPL-1, BNPL-9, BNPL-11) --------------------------------------------------------
@router.get("/stores", response_model=list[StoreOut])
def list_stores(
    container: ContainerDep,
    principal: PrincipalDep,
    status: str | None = None,
    limit: Limit = 100,
) -> list[StoreOut]:
    """Stores with BNPL (operators); a merchant sees its own store."""
    with container.db.transaction() as session:
        stores = _stores(container, session)
        if not principal.is_operator:
            assert principal.merchant_id is not None
            return [_store_view(session, stores, principal.merchant_id)]
        return [
            store_out(s.merchant_id, s, flags.flagged_count(session, s.merchant_id))
            for s in stores.stores(status=status, limit=limit)
        ]


@router.get("/stores/{merchant_id}", response_model=StoreOut)
def get_store(merchant_id: str, container: ContainerDep, principal: PrincipalDep) -> StoreOut:
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    with container.db.transaction() as session:
        return _store_view(session, _stores(container, session), merchant_id)


@router.post("/stores/{merchant_id}/enable", response_model=StoreOut)
def enable_store(
    merchant_id: str, body: EnableIn, container: ContainerDep, principal: PrincipalDep
) -> StoreOut:
    """One click: accept the agreement; with an upgraded wallet BNPL is on at once (BNPL-1)."""
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    with container.db.transaction() as session:
        stores = _stores(container, session)
        stores.enable(merchant_id, agreement_version=body.agreement_version, accepted=body.accepted)
        return _store_view(session, stores, merchant_id)


@router.post("/stores/{merchant_id}/pause", response_model=StoreOut)
def pause_store(merchant_id: str, container: ContainerDep, principal: PrincipalDep) -> StoreOut:
    """Consumers cannot pick BNPL at the store; placed orders are unaffected (BNPL-9)."""
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    with container.db.transaction() as session:
        stores = _stores(container, session)
        stores.pause(merchant_id)
        return _store_view(session, stores, merchant_id)


@router.post("/stores/{merchant_id}/resume", response_model=StoreOut)
def resume_store(merchant_id: str, container: ContainerDep, principal: PrincipalDep) -> StoreOut:
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    with container.db.transaction() as session:
        stores = _stores(container, session)
        stores.resume(merchant_id)
        return _store_view(session, stores, merchant_id)


@router.post("/legacy-stores", status_code=201, response_model=StoreOut)
def register_legacy_store(
    body: LegacyStoreIn, container: ContainerDep, principal: PrincipalDep
) -> StoreOut:
    """Record a store that had BNPL 1.0 (operators), to be moved to 2.0 (BNPL-11)."""
    require_operator(principal)
    with container.db.transaction() as session:
        stores = _stores(container, session)
        stores.register_legacy(
            body.merchant_id, enabled_at=body.enabled_at, agreement_version=body.agreement_version
        )
        return _store_view(session, stores, body.merchant_id)


@router.post("/upgrade", response_model=UpgradeOut)
def upgrade_legacy_stores(
    body: UpgradeIn, container: ContainerDep, principal: PrincipalDep
) -> UpgradeOut:
    """Move 1.0 stores (all, or those named) to 2.0 and flag their products (BNPL-11)."""
    require_operator(principal)
    with container.db.transaction() as session:
        upgraded = _stores(container, session).upgrade_legacy(body.merchant_ids)
        return UpgradeOut(upgraded=[s.merchant_id for s in upgraded])


# --- flags (BNPL-2, BNPL-3) ------------------------------------------------------------------
@router.get("/flags", response_model=list[FlagOut])
def list_flags(
    container: ContainerDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    flagged: bool | None = None,
    limit: Limit = 100,
    after: str | None = None,
) -> list[FlagOut]:
    """Product flags with their explanation; a merchant sees its own products."""
    merchant_id = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with container.db.transaction() as session:
        rows = flags.flags_of(
            session, merchant_id=merchant_id, flagged=flagged, limit=limit, after=after
        )
        decided = flags.explain_many(session, container.policies, rows)
        return [flag_out(row, d) for row, d in zip(rows, decided, strict=True)]


@router.get("/products/{product_id}/flag", response_model=FlagOut)
def get_flag(product_id: str, container: ContainerDep, principal: PrincipalDep) -> FlagOut:
    """The product's flag: each criterion with value, target and outcome (BNPL-2, POL-3)."""
    with container.db.transaction() as session:
        product = catalog.product(container.context(session), product_id=product_id)
        require_visible(principal, product.merchant_id, f"product {product_id}")
        row = flags.flag_for(session, container.policies, product, container.clock.now())
        return flag_out(row, flags.explain(session, container.policies, row))


@router.get("/categories/{code}", response_model=CategoryOut)
def get_category(code: str, container: ContainerDep, principal: PrincipalDep) -> CategoryOut:
    """Whether products of a category can be BNPL, and which exclusion covers it (BNPL-3)."""
    with container.db.transaction() as session:
        excluded_by, version = flags.category_exclusion(
            session, container.policies, code, container.clock.now()
        )
    return CategoryOut(
        code=code, excluded=excluded_by is not None, excluded_by=excluded_by, policy_version=version
    )


@router.post("/reflag", response_model=ReflagOut)
def reflag_now(body: ReflagIn, container: ContainerDep, principal: PrincipalDep) -> ReflagOut:
    """Re-decide every flag now, set-based, under the policy in force (operators)."""
    require_operator(principal)
    now = container.clock.now()
    with container.db.transaction() as session:
        version = container.policies.in_force("bnpl", now)
        result = reflag.reflag_all(session, version, now, full=body.full)
    return ReflagOut(**result.report())


# --- checkout and orders (BNPL-4..9) ---------------------------------------------------------
@router.post("/checkout", response_model=CheckoutOut)
def checkout(body: CheckoutIn, container: ContainerDep, principal: PrincipalDep) -> CheckoutOut:
    """Is BNPL offered for this store, product, amount and consumer? With every reason."""
    require_visible(principal, body.merchant_id, f"merchant {body.merchant_id}")
    check_amounts(container, body)  # DEP-15
    with container.db.transaction() as session:
        decided = _orders(container, session).checkout(body.to_request())
        return checkout_out(decided, body.amount)


@router.post("/orders", status_code=201, response_model=OrderOut)
def place_order(body: OrderIn, money: MoneyCallDep, principal: PrincipalDep) -> dict[str, Any]:
    """Place a BNPL order (0.00 now) and charge the merchant's 1 % fee (BNPL-5, BNPL-6)."""
    require_operator(principal)
    container = money.container

    def work(session: Session) -> OrderOut:
        return order_out(_orders(container, session).place(body.id, body.to_request()))

    try:
        return money.run(body, work)
    except NotOffered as refused:
        record_refusal(container.db, container.clock, refused)
        raise


@router.get("/orders", response_model=list[OrderOut])
def list_orders(
    container: ContainerDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    status: str | None = None,
    limit: Limit = 100,
    after: str | None = None,
) -> list[OrderOut]:
    merchant_id = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with container.db.transaction() as session:
        rows = _orders(container, session).orders(
            merchant_id=merchant_id, status=status, limit=limit, after=after
        )
        return [order_out(o) for o in rows]


def _visible_order(orders: Orders, principal: Principal, order_id: str) -> None:
    if not principal.can_see(orders.order(order_id).merchant_id):
        raise NotFound(f"no BNPL order {order_id}", field="order_id")


@router.get("/orders/{order_id}", response_model=OrderOut)
def get_order(order_id: str, container: ContainerDep, principal: PrincipalDep) -> OrderOut:
    """The order at its normal price; only the payment method says BNPL (BNPL-5)."""
    with container.db.transaction() as session:
        orders = _orders(container, session)
        _visible_order(orders, principal, order_id)
        return order_out(orders.order(order_id))


@router.post("/orders/{order_id}/shipment", response_model=OrderOut)
def ship_order(order_id: str, container: ContainerDep, principal: PrincipalDep) -> OrderOut:
    """The merchant shipped; receipt is confirmed automatically after the policy's period."""
    with container.db.transaction() as session:
        orders = _orders(container, session)
        _visible_order(orders, principal, order_id)
        order, _ = _fulfilment(container, session).ship(order_id)
        return order_out(order)


@router.post("/orders/{order_id}/receipt", response_model=OrderOut)
def confirm_receipt(
    order_id: str, body: ReceiptIn, money: MoneyCallDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The consumer confirmed receipt (relayed by the order system): debit the consumer;
    if that fails the merchant is settled anyway and the platform holds the claim (BNPL-7)."""
    require_operator(principal)
    container = money.container

    def work(session: Session) -> OrderOut:
        order = _fulfilment(container, session).confirm_receipt(order_id, by=body.confirmed_by)
        return order_out(order)

    return money.run(body, work, status=200)


@router.post("/orders/{order_id}/refunds", response_model=OrderOut)
def refund_order(
    order_id: str, body: RefundIn, money: MoneyCallDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Refund all or part of the order, like any order; the BNPL fee is kept (BNPL-6)."""
    container = money.container

    def work(session: Session) -> OrderOut:
        orders = _orders(container, session)
        _visible_order(orders, principal, order_id)
        return order_out(_fulfilment(container, session).refund(order_id, body.amount))

    return money.run(body, work, status=200)


@router.post("/orders/{order_id}/early-payout", response_model=OrderOut)
def early_payout(order_id: str, container: ContainerDep, principal: PrincipalDep) -> OrderOut:
    """Refused: BNPL orders follow the normal settlement period (BNPL-8)."""
    with container.db.transaction() as session:
        orders = _orders(container, session)
        _visible_order(orders, principal, order_id)
        return order_out(_fulfilment(container, session).early_payout(order_id))


# --- fee invoices (BNPL-10) ------------------------------------------------------------------
@router.post("/invoices", status_code=201, response_model=InvoiceOut)
def request_invoice(
    body: InvoiceIn, response: Response, container: ContainerDep, principal: PrincipalDep
) -> InvoiceOut:
    """The invoice for a natural month's fees, from the 1st of the next month; asking again
    returns the same invoice (200)."""
    require_visible(principal, body.merchant_id, f"merchant {body.merchant_id}")
    with container.db.transaction() as session:
        invoice, created = Invoices(session, container.clock, container.policies).request(
            body.merchant_id, body.month
        )
        response.status_code = 201 if created else 200
        return invoice_out(invoice)


@router.get("/invoices", response_model=list[InvoiceOut])
def list_invoices(
    container: ContainerDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    limit: Limit = 100,
) -> list[InvoiceOut]:
    merchant_id = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with container.db.transaction() as session:
        invoices = Invoices(session, container.clock, container.policies)
        return [invoice_out(i) for i in invoices.invoices(merchant_id=merchant_id, limit=limit)]


@router.get("/invoices/{invoice_id}", response_model=InvoiceOut)
def get_invoice(invoice_id: RowId, container: ContainerDep, principal: PrincipalDep) -> InvoiceOut:
    with container.db.transaction() as session:
        invoice = Invoices(session, container.clock, container.policies).invoice(invoice_id)
        require_visible(principal, invoice.merchant_id, f"BNPL invoice {invoice_id}")
        return invoice_out(invoice)
