"""Use cases of the catalog: merchants, products, and the category tree in the database.

A product created or edited is announced to every domain that re-decides something per
product (``ctx.product_changed``: BNPL flags, deposit requirements), in the same unit of work.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopwarden.catalog.schemas import (
    CategoryOut,
    MerchantCreate,
    MerchantOut,
    MerchantUpdate,
    ProductCreate,
    ProductOut,
    ProductUpdate,
    SkuOut,
)
from shopwarden.catalog.tables import CategoryRow, MerchantRow, ProductRow, SkuRow
from shopwarden.catalog.tree_model import Category, CategoryTree
from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise
from shopwarden.errors import AlreadyExists, Conflict, InvalidInput
from shopwarden.ledger.model import merchant_account_code
from shopwarden.money import Money

# Where a merchant's status may go next: a closing store can still change its mind.
STATUS_MOVES = {"open": {"closing"}, "closing": {"open", "closed"}, "closed": set()}


def sync_categories(session: Session, tree: CategoryTree) -> int:
    """Make the stored tree match the bundled file; returns how many rows changed."""
    stored = {row.code: row for row in session.scalars(select(CategoryRow))}
    changed = 0
    for category in tree.categories:  # parents come before their children
        row = stored.get(category.code)
        values = _category_values(category)
        if row is None:
            session.add(CategoryRow(**values))
            changed += 1
        elif any(getattr(row, key) != value for key, value in values.items()):
            for key, value in values.items():
                setattr(row, key, value)
            changed += 1
        session.flush()
    return changed


def _category_values(category: Category) -> dict[str, object]:
    return {
        "code": category.code,
        "parent_code": category.parent_code,
        "name_zh": category.name_zh,
        "name_en": category.name_en,
        "path": category.path,
        "depth": category.depth,
        "position": category.position,
    }


# merchants ------------------------------------------------------------------------------
def create_merchant(ctx: Context, *, data: MerchantCreate) -> MerchantRow:
    """Open a store with its wallet account (DEP-15: every merchant pays from a wallet)."""
    if ctx.session.get(MerchantRow, data.id) is not None:
        raise AlreadyExists(f"merchant {data.id} already exists", field="id")
    now = ctx.now()
    row = MerchantRow(
        id=data.id,
        name=data.name,
        status="open",
        wallet_upgraded=data.wallet_upgraded,
        created_at=now,
        status_changed_at=now,
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.ledger.open_account(
        merchant_account_code(data.id, "wallet"), purpose="wallet", merchant_id=data.id
    )
    return row


def merchant(ctx: Context, *, merchant_id: str) -> MerchantRow:
    return get_or_raise(ctx.session, MerchantRow, merchant_id, what="merchant", field="merchant_id")


def merchants(
    ctx: Context, *, status: str | None = None, limit: int = 100, after: str | None = None
) -> list[MerchantRow]:
    statement = select(MerchantRow).order_by(MerchantRow.id).limit(limit)
    if status:
        statement = statement.where(MerchantRow.status == status)
    if after:
        statement = statement.where(MerchantRow.id > after)
    return list(ctx.session.scalars(statement))


def update_merchant(ctx: Context, *, merchant_id: str, data: MerchantUpdate) -> MerchantRow:
    row = merchant(ctx, merchant_id=merchant_id)
    if data.status is not None and data.status != row.status:
        if data.status not in STATUS_MOVES[row.status]:
            raise Conflict(f"a {row.status} store cannot become {data.status}", field="status")
        row.status = data.status
        row.status_changed_at = ctx.now()
    if data.name is not None:
        row.name = data.name
    if data.wallet_upgraded is not None:
        if row.wallet_upgraded and not data.wallet_upgraded:
            raise Conflict("an upgraded wallet cannot be downgraded", field="wallet_upgraded")
        row.wallet_upgraded = data.wallet_upgraded
    ctx.session.flush()
    return row


# products -------------------------------------------------------------------------------
def create_product(ctx: Context, *, data: ProductCreate) -> ProductRow:
    owner = merchant(ctx, merchant_id=data.merchant_id)
    if owner.status == "closed":
        raise Conflict(f"merchant {owner.id} is closed", field="merchant_id")
    if ctx.session.get(ProductRow, data.id) is not None:
        raise AlreadyExists(f"product {data.id} already exists", field="id")
    _known_category(ctx.session, data.category)
    # VIO-1: a violation measure in force may forbid publishing or listing (listing guards)
    ctx.check_listing(merchant_id=owner.id, action="create_product", product_id=data.id)
    if data.listed:
        ctx.check_listing(merchant_id=owner.id, action="list_product", product_id=data.id)
    now = ctx.now()
    row = ProductRow(
        id=data.id,
        merchant_id=data.merchant_id,
        title=data.title,
        category_code=data.category,
        origin=data.origin,
        listed=data.listed,
        promised_shipping_hours=data.promised_shipping_hours,
        flash_purchase=data.flash_purchase,
        created_at=now,
        updated_at=now,
        skus=[SkuRow(sku_id=s.sku_id, price_cents=s.price.cents) for s in data.skus],
    )
    ctx.session.add(row)
    ctx.session.flush()
    ctx.product_changed(row)
    return row


def product(ctx: Context, *, product_id: str) -> ProductRow:
    return get_or_raise(ctx.session, ProductRow, product_id, what="product", field="product_id")


def products(
    ctx: Context, *, merchant_id: str | None = None, limit: int = 100, after: str | None = None
) -> list[ProductRow]:
    statement = select(ProductRow).order_by(ProductRow.id).limit(limit)
    if merchant_id:
        statement = statement.where(ProductRow.merchant_id == merchant_id)
    if after:
        statement = statement.where(ProductRow.id > after)
    return list(ctx.session.scalars(statement))


def update_product(ctx: Context, *, product_id: str, data: ProductUpdate) -> ProductRow:
    row = product(ctx, product_id=product_id)
    changes = data.model_dump(exclude_unset=True)
    if changes.get("listed") is True and not row.listed:  # VIO-1: listing, or relisting
        ctx.check_listing(merchant_id=row.merchant_id, action="list_product", product_id=row.id)
    if "category" in changes:
        _known_category(ctx.session, changes["category"])
        row.category_code = changes.pop("category")
    if "skus" in changes:
        changes.pop("skus")
        assert data.skus is not None
        row.skus = [SkuRow(sku_id=s.sku_id, price_cents=s.price.cents) for s in data.skus]
    for key, value in changes.items():
        if value is None and key != "promised_shipping_hours":
            raise InvalidInput(f"{key} cannot be null", field=key)
        setattr(row, key, value)
    row.updated_at = ctx.now()
    ctx.session.flush()
    ctx.product_changed(row)
    return row


def _known_category(session: Session, code: str) -> None:
    if session.get(CategoryRow, code) is None:
        raise InvalidInput(f"unknown category {code!r}", field="category")


# categories -----------------------------------------------------------------------------
def categories(ctx: Context, *, under: str | None = None) -> list[CategoryRow]:
    statement = select(CategoryRow).order_by(CategoryRow.path)
    if under:
        root = get_or_raise(ctx.session, CategoryRow, under, what="category", field="under")
        statement = statement.where(CategoryRow.path.startswith(root.path))
    return list(ctx.session.scalars(statement))


def category(ctx: Context, *, code: str) -> CategoryRow:
    return get_or_raise(ctx.session, CategoryRow, code, what="category", field="code")


def counts(ctx: Context) -> dict[str, int]:
    def count(table: type[MerchantRow] | type[ProductRow] | type[CategoryRow]) -> int:
        return ctx.session.scalar(select(func.count()).select_from(table)) or 0

    return {
        "merchants": count(MerchantRow),
        "products": count(ProductRow),
        "categories": count(CategoryRow),
    }


def merchant_out(row: MerchantRow) -> MerchantOut:
    return MerchantOut(
        id=row.id,
        name=row.name,
        status=row.status,  # type: ignore[arg-type]
        wallet_upgraded=row.wallet_upgraded,
        created_at=row.created_at,
        status_changed_at=row.status_changed_at,
    )


def product_out(row: ProductRow) -> ProductOut:
    return ProductOut(
        id=row.id,
        merchant_id=row.merchant_id,
        title=row.title,
        category=row.category_code,
        origin=row.origin,  # type: ignore[arg-type]
        listed=row.listed,
        promised_shipping_hours=row.promised_shipping_hours,
        flash_purchase=row.flash_purchase,
        skus=[SkuOut(sku_id=s.sku_id, price=Money(s.price_cents).to_text()) for s in row.skus],
        highest_price=Money(max(s.price_cents for s in row.skus)).to_text(),
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def category_out(row: CategoryRow) -> CategoryOut:
    return CategoryOut(
        code=row.code,
        parent=row.parent_code,
        name_zh=row.name_zh,
        name_en=row.name_en,
        path=[part for part in row.path.split("/") if part],
        depth=row.depth,
    )
