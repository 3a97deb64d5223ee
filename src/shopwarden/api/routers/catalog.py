"""Merchants, products and categories."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from shopwarden.api.amounts import check_amounts
from shopwarden.api.deps import (
    ContainerDep,
    PrincipalDep,
    merchant_filter,
    require_operator,
    require_visible,
)
from shopwarden.catalog.schemas import (
    CategoryOut,
    MerchantCreate,
    MerchantOut,
    MerchantUpdate,
    ProductCreate,
    ProductOut,
    ProductUpdate,
)
from shopwarden.catalog.service import Catalog, category_out, merchant_out, product_out
from shopwarden.errors import Forbidden

router = APIRouter(prefix="/v1", tags=["catalog"])
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.post("/merchants", status_code=status.HTTP_201_CREATED, response_model=MerchantOut)
def create_merchant(
    body: MerchantCreate, container: ContainerDep, principal: PrincipalDep
) -> MerchantOut:
    require_operator(principal)
    with container.db.transaction() as session:
        return merchant_out(Catalog(session, container.clock).create_merchant(body))


@router.get("/merchants", response_model=list[MerchantOut])
def list_merchants(
    container: ContainerDep,
    principal: PrincipalDep,
    status: str | None = None,
    limit: Limit = 100,
    after: str | None = None,
) -> list[MerchantOut]:
    with container.db.transaction() as session:
        catalog = Catalog(session, container.clock)
        if not principal.is_operator:
            assert principal.merchant_id is not None
            return [merchant_out(catalog.merchant(principal.merchant_id))]
        return [merchant_out(m) for m in catalog.merchants(status=status, limit=limit, after=after)]


@router.get("/merchants/{merchant_id}", response_model=MerchantOut)
def get_merchant(merchant_id: str, container: ContainerDep, principal: PrincipalDep) -> MerchantOut:
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    with container.db.transaction() as session:
        return merchant_out(Catalog(session, container.clock).merchant(merchant_id))


@router.patch("/merchants/{merchant_id}", response_model=MerchantOut)
def update_merchant(
    merchant_id: str, body: MerchantUpdate, container: ContainerDep, principal: PrincipalDep
) -> MerchantOut:
    """A merchant may rename itself, upgrade its wallet and apply to close; operators anything."""
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    if not principal.is_operator and body.status not in (None, "closing", "open"):
        raise Forbidden("only an operator closes a store for good", field="status")
    with container.db.transaction() as session:
        return merchant_out(Catalog(session, container.clock).update_merchant(merchant_id, body))


@router.post("/products", status_code=status.HTTP_201_CREATED, response_model=ProductOut)
def create_product(
    body: ProductCreate, container: ContainerDep, principal: PrincipalDep
) -> ProductOut:
    require_visible(principal, body.merchant_id, f"merchant {body.merchant_id}")
    check_amounts(container, body)  # DEP-15: prices are bounded like every amount
    with container.db.transaction() as session:
        return product_out(Catalog(session, container.clock).create_product(body))


@router.get("/products", response_model=list[ProductOut])
def list_products(
    container: ContainerDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    limit: Limit = 100,
    after: str | None = None,
) -> list[ProductOut]:
    merchant_id = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with container.db.transaction() as session:
        rows = Catalog(session, container.clock).products(
            merchant_id=merchant_id, limit=limit, after=after
        )
        return [product_out(p) for p in rows]


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(product_id: str, container: ContainerDep, principal: PrincipalDep) -> ProductOut:
    with container.db.transaction() as session:
        row = Catalog(session, container.clock).product(product_id)
        require_visible(principal, row.merchant_id, f"product {product_id}")
        return product_out(row)


@router.patch("/products/{product_id}", response_model=ProductOut)
def update_product(
    product_id: str, body: ProductUpdate, container: ContainerDep, principal: PrincipalDep
) -> ProductOut:
    check_amounts(container, body)  # DEP-15
    with container.db.transaction() as session:
        catalog = Catalog(session, container.clock)
        require_visible(principal, catalog.product(product_id).merchant_id, f"product {product_id}")
        return product_out(catalog.update_product(product_id, body))


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(
    container: ContainerDep, principal: PrincipalDep, under: str | None = None
) -> list[CategoryOut]:
    """The tree in path order; ``under`` limits it to a category and its descendants."""
    with container.db.transaction() as session:
        return [category_out(c) for c in Catalog(session, container.clock).categories(under=under)]


@router.get("/categories/{code}", response_model=CategoryOut)
def get_category(code: str, container: ContainerDep, principal: PrincipalDep) -> CategoryOut:
    with container.db.transaction() as session:
        return category_out(Catalog(session, container.clock).category(code))
