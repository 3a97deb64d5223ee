"""Merchants, products and categories."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from shopwarden.api.amounts import check_amounts
from shopwarden.api.deps import (
    PrincipalDep,
    UnitsDep,
    merchant_filter,
    require_operator,
    require_visible,
)
from shopwarden.catalog import service as catalog
from shopwarden.catalog.schemas import (
    CategoryOut,
    MerchantCreate,
    MerchantOut,
    MerchantUpdate,
    ProductCreate,
    ProductOut,
    ProductUpdate,
)
from shopwarden.catalog.service import category_out, merchant_out, product_out
from shopwarden.errors import Forbidden

router = APIRouter(prefix="/v1", tags=["catalog"])
Limit = Annotated[int, Query(ge=1, le=1000)]


@router.post("/merchants", status_code=status.HTTP_201_CREATED, response_model=MerchantOut)
def create_merchant(body: MerchantCreate, units: UnitsDep, principal: PrincipalDep) -> MerchantOut:
    require_operator(principal)
    with units() as ctx:
        return merchant_out(catalog.create_merchant(ctx, data=body))


@router.get("/merchants", response_model=list[MerchantOut])
def list_merchants(
    units: UnitsDep,
    principal: PrincipalDep,
    status: str | None = None,
    limit: Limit = 100,
    after: str | None = None,
) -> list[MerchantOut]:
    with units() as ctx:
        if not principal.is_operator:
            assert principal.merchant_id is not None
            return [merchant_out(catalog.merchant(ctx, merchant_id=principal.merchant_id))]
        rows = catalog.merchants(ctx, status=status, limit=limit, after=after)
        return [merchant_out(m) for m in rows]


@router.get("/merchants/{merchant_id}", response_model=MerchantOut)
def get_merchant(merchant_id: str, units: UnitsDep, principal: PrincipalDep) -> MerchantOut:
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        return merchant_out(catalog.merchant(ctx, merchant_id=merchant_id))


@router.patch("/merchants/{merchant_id}", response_model=MerchantOut)
def update_merchant(
    merchant_id: str, body: MerchantUpdate, units: UnitsDep, principal: PrincipalDep
) -> MerchantOut:
    """A merchant may rename itself, upgrade its wallet and apply to close; operators anything."""
    require_visible(principal, merchant_id, f"merchant {merchant_id}")
    if not principal.is_operator and body.status not in (None, "closing", "open"):
        raise Forbidden("only an operator closes a store for good", field="status")
    with units() as ctx:
        return merchant_out(catalog.update_merchant(ctx, merchant_id=merchant_id, data=body))


@router.post("/products", status_code=status.HTTP_201_CREATED, response_model=ProductOut)
def create_product(body: ProductCreate, units: UnitsDep, principal: PrincipalDep) -> ProductOut:
    require_visible(principal, body.merchant_id, f"merchant {body.merchant_id}")
    with units() as ctx:
        check_amounts(ctx, body)  # DEP-15: prices are bounded like every amount
        return product_out(catalog.create_product(ctx, data=body))


@router.get("/products", response_model=list[ProductOut])
def list_products(
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = None,
    limit: Limit = 100,
    after: str | None = None,
) -> list[ProductOut]:
    merchant_id = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        rows = catalog.products(ctx, merchant_id=merchant_id, limit=limit, after=after)
        return [product_out(p) for p in rows]


@router.get("/products/{product_id}", response_model=ProductOut)
def get_product(product_id: str, units: UnitsDep, principal: PrincipalDep) -> ProductOut:
    with units() as ctx:
        row = catalog.product(ctx, product_id=product_id)
        require_visible(principal, row.merchant_id, f"product {product_id}")
        return product_out(row)


@router.patch("/products/{product_id}", response_model=ProductOut)
def update_product(
    product_id: str, body: ProductUpdate, units: UnitsDep, principal: PrincipalDep
) -> ProductOut:
    with units() as ctx:
        check_amounts(ctx, body)  # DEP-15
        owner = catalog.product(ctx, product_id=product_id).merchant_id
        require_visible(principal, owner, f"product {product_id}")
        return product_out(catalog.update_product(ctx, product_id=product_id, data=body))


@router.get("/categories", response_model=list[CategoryOut])
def list_categories(
    units: UnitsDep, principal: PrincipalDep, under: str | None = None
) -> list[CategoryOut]:
    """The tree in path order; ``under`` limits it to a category and its descendants."""
    with units() as ctx:
        return [category_out(c) for c in catalog.categories(ctx, under=under)]


@router.get("/categories/{code}", response_model=CategoryOut)
def get_category(code: str, units: UnitsDep, principal: PrincipalDep) -> CategoryOut:
    with units() as ctx:
        return category_out(catalog.category(ctx, code=code))
