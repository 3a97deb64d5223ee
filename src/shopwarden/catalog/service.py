"""Use cases of the catalog: merchants, products, and the category tree in the database."""

from __future__ import annotations

from collections.abc import Callable

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
from shopwarden.catalog.tree import Category, CategoryTree
from shopwarden.clock import Clock
from shopwarden.errors import AlreadyExists, Conflict, InvalidInput, NotFound
from shopwarden.ledger.model import merchant_account_code
from shopwarden.ledger.service import Ledger
from shopwarden.money import Money

# Where a merchant's status may go next: a closing store can still change its mind.
STATUS_MOVES = {"open": {"closing"}, "closing": {"open", "closed"}, "closed": set()}

ProductListener = Callable[[Session, ProductRow], None]
_product_listeners: list[ProductListener] = []


def on_product_changed(listener: ProductListener) -> ProductListener:
    """Domains that re-decide something per product (BNPL flags, trust badges) subscribe here."""
    _product_listeners.append(listener)
    return listener


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


class Catalog:
    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    # merchants --------------------------------------------------------------------------
    def create_merchant(self, data: MerchantCreate) -> MerchantRow:
        if self.session.get(MerchantRow, data.id) is not None:
            raise AlreadyExists(f"merchant {data.id} already exists", field="id")
        now = self.clock.now()
        row = MerchantRow(
            id=data.id,
            name=data.name,
            status="open",
            wallet_upgraded=data.wallet_upgraded,
            created_at=now,
            status_changed_at=now,
        )
        self.session.add(row)
        self.session.flush()
        Ledger(self.session, self.clock).open_account(
            merchant_account_code(data.id, "wallet"), purpose="wallet", merchant_id=data.id
        )
        return row

    def merchant(self, merchant_id: str) -> MerchantRow:
        row = self.session.get(MerchantRow, merchant_id)
        if row is None:
            raise NotFound(f"no merchant {merchant_id}", field="merchant_id")
        return row

    def merchants(
        self, *, status: str | None = None, limit: int = 100, after: str | None = None
    ) -> list[MerchantRow]:
        statement = select(MerchantRow).order_by(MerchantRow.id).limit(limit)
        if status:
            statement = statement.where(MerchantRow.status == status)
        if after:
            statement = statement.where(MerchantRow.id > after)
        return list(self.session.scalars(statement))

    def update_merchant(self, merchant_id: str, data: MerchantUpdate) -> MerchantRow:
        row = self.merchant(merchant_id)
        if data.status is not None and data.status != row.status:
            if data.status not in STATUS_MOVES[row.status]:
                raise Conflict(f"a {row.status} store cannot become {data.status}", field="status")
            row.status = data.status
            row.status_changed_at = self.clock.now()
        if data.name is not None:
            row.name = data.name
        if data.wallet_upgraded is not None:
            if row.wallet_upgraded and not data.wallet_upgraded:
                raise Conflict("an upgraded wallet cannot be downgraded", field="wallet_upgraded")
            row.wallet_upgraded = data.wallet_upgraded
        self.session.flush()
        return row

    # products ---------------------------------------------------------------------------
    def create_product(self, data: ProductCreate) -> ProductRow:
        merchant = self.merchant(data.merchant_id)
        if merchant.status == "closed":
            raise Conflict(f"merchant {merchant.id} is closed", field="merchant_id")
        if self.session.get(ProductRow, data.id) is not None:
            raise AlreadyExists(f"product {data.id} already exists", field="id")
        self._known_category(data.category)
        now = self.clock.now()
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
        self.session.add(row)
        self.session.flush()
        self._notify(row)
        return row

    def product(self, product_id: str) -> ProductRow:
        row = self.session.get(ProductRow, product_id)
        if row is None:
            raise NotFound(f"no product {product_id}", field="product_id")
        return row

    def products(
        self, *, merchant_id: str | None = None, limit: int = 100, after: str | None = None
    ) -> list[ProductRow]:
        statement = select(ProductRow).order_by(ProductRow.id).limit(limit)
        if merchant_id:
            statement = statement.where(ProductRow.merchant_id == merchant_id)
        if after:
            statement = statement.where(ProductRow.id > after)
        return list(self.session.scalars(statement))

    def update_product(self, product_id: str, data: ProductUpdate) -> ProductRow:
        row = self.product(product_id)
        changes = data.model_dump(exclude_unset=True)
        if "category" in changes:
            self._known_category(changes["category"])
            row.category_code = changes.pop("category")
        if "skus" in changes:
            changes.pop("skus")
            assert data.skus is not None
            row.skus = [SkuRow(sku_id=s.sku_id, price_cents=s.price.cents) for s in data.skus]
        for key, value in changes.items():
            if value is None and key != "promised_shipping_hours":
                raise InvalidInput(f"{key} cannot be null", field=key)
            setattr(row, key, value)
        row.updated_at = self.clock.now()
        self.session.flush()
        self._notify(row)
        return row

    def _known_category(self, code: str) -> None:
        if self.session.get(CategoryRow, code) is None:
            raise InvalidInput(f"unknown category {code!r}", field="category")

    def _notify(self, row: ProductRow) -> None:
        for listener in _product_listeners:
            listener(self.session, row)

    # categories -------------------------------------------------------------------------
    def categories(self, *, under: str | None = None) -> list[CategoryRow]:
        statement = select(CategoryRow).order_by(CategoryRow.path)
        if under:
            root = self.session.get(CategoryRow, under)
            if root is None:
                raise NotFound(f"no category {under}", field="under")
            statement = statement.where(CategoryRow.path.startswith(root.path))
        return list(self.session.scalars(statement))

    def category(self, code: str) -> CategoryRow:
        row = self.session.get(CategoryRow, code)
        if row is None:
            raise NotFound(f"no category {code}", field="code")
        return row

    def counts(self) -> dict[str, int]:
        return {
            "merchants": self.session.scalar(select(func.count()).select_from(MerchantRow)) or 0,
            "products": self.session.scalar(select(func.count()).select_from(ProductRow)) or 0,
            "categories": self.session.scalar(select(func.count()).select_from(CategoryRow)) or 0,
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
