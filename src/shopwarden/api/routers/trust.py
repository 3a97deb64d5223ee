"""Trust purchase, 信任购 (TRUST-1..5): the rights catalogue, a product's status and rights,
the look-up by id or name, the merchant's view of both identities, deciding every badge now.

A merchant reads and switches the rights of its own products only: another merchant's product
answers 404, and a look-up finds only its own. Deciding every badge is the operators'.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from shopwarden.api.deps import (
    PrincipalDep,
    UnitsDep,
    merchant_filter,
    require_operator,
    require_visible,
)
from shopwarden.api.routers.deposits_common import ViewMerchant, merchant_of
from shopwarden.auth.service import Principal
from shopwarden.catalog import service as catalog
from shopwarden.context import Context
from shopwarden.errors import NotFound
from shopwarden.trust import queries, rights, service
from shopwarden.trust import schemas as s
from shopwarden.trust.standings import policy_at

router = APIRouter(prefix="/v1/trust", tags=["trust"])

ProductId = Annotated[
    str,
    Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}$", description="The product's id."),
]
Lookup = Annotated[
    s.LookupText,
    Query(description="A product id, or a fragment of its name in any case (手机壳, iphone)."),
]
LookupLimit = Annotated[int, Query(ge=1, le=100)]


@router.get("/rights", response_model=s.CatalogueOut)
def rights_catalogue(units: UnitsDep, principal: PrincipalDep) -> Any:
    """The rights catalogue: product and after-sales guarantees, and which the badge requires
    (TRUST-1, TRUST-2)."""
    with units() as ctx:
        return service.catalogue(ctx, as_of=ctx.now())


def _status(ctx: Context, principal: Principal, product_id: str) -> dict[str, Any]:
    owner = catalog.product(ctx, product_id=product_id).merchant_id
    require_visible(principal, owner, f"product {product_id}")
    found = queries.product_statuses(ctx.session, [product_id], policy_at(ctx, as_of=ctx.now()))
    if not found:
        raise NotFound(f"product {product_id} is not in the trust purchase zone yet")
    return found[0]


@router.get("/products/{product_id}", response_model=s.ProductStatusOut)
def product_status(product_id: ProductId, units: UnitsDep, principal: PrincipalDep) -> Any:
    """The product's badge, its rights enabled and missing, and which metrics of its identity
    must improve and by how much (TRUST-3)."""
    with units() as ctx:
        return _status(ctx, principal, product_id)


@router.put("/products/{product_id}/rights", response_model=s.ProductStatusOut)
def switch_rights(
    product_id: ProductId, body: s.RightsIn, units: UnitsDep, principal: PrincipalDep
) -> Any:
    """Switch rights on or off on the product; its badge is decided again at once (TRUST-2).
    An unknown right code is refused (422, ``rights``) and nothing changes."""
    with units() as ctx:
        owner = catalog.product(ctx, product_id=product_id).merchant_id
        require_visible(principal, owner, f"product {product_id}")
        actor = "operator" if principal.is_operator else f"merchant:{principal.merchant_id}"
        rights.set_rights(ctx, product_id=product_id, rights=body.rights, actor=actor)
        return _status(ctx, principal, product_id)


@router.get("/lookup", response_model=list[s.ProductStatusOut])
def lookup(
    q: Lookup,
    units: UnitsDep,
    principal: PrincipalDep,
    merchant_id: str | None = Query(default=None, max_length=64),
    limit: LookupLimit = 20,
) -> Any:
    """Products by id or by a fragment of the name, Chinese included, any case: each with its
    status, rights enabled and missing, and metrics to improve (TRUST-3). A merchant finds
    its own products only."""
    merchant = merchant_filter(principal, merchant_id, f"merchant {merchant_id}")
    with units() as ctx:
        return queries.lookup(ctx, text=q, merchant_id=merchant, as_of=ctx.now(), limit=limit)


@router.get("/view", response_model=s.MerchantViewOut)
def merchant_view(
    units: UnitsDep, principal: PrincipalDep, merchant_id: ViewMerchant = None
) -> Any:
    """Both identities, 货主 goods owner and 带货 seller, against the admission thresholds side
    by side; products and rights counted; the store and live room; the benefits (TRUST-4,
    TRUST-1, TRUST-5)."""
    merchant = merchant_of(principal, merchant_id)
    with units() as ctx:
        catalog.merchant(ctx, merchant_id=merchant)
        return queries.merchant_view(ctx, merchant_id=merchant, as_of=ctx.now())


@router.post("/decisions", response_model=s.DecideOut)
def decide_now(units: UnitsDep, principal: PrincipalDep) -> Any:
    """Measure every merchant identity and grant or remove every badge now, as the daily
    cycle does (operators; TRUST-2)."""
    require_operator(principal)
    with units() as ctx:
        return service.decide_all(ctx, as_of=ctx.now())
