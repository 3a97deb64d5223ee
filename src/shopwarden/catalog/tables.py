"""Catalog state: the category tree, merchants and their products with SKUs."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from shopwarden.db.base import Base, UTCDateTime


class CategoryRow(Base):
    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    parent_code: Mapped[str | None] = mapped_column(
        ForeignKey("categories.code"), nullable=True, index=True
    )
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(200))
    # "/food_drinks/fresh_food/fruit/": a prefix match finds every descendant in one query.
    path: Mapped[str] = mapped_column(String(1000), index=True)
    depth: Mapped[int] = mapped_column(Integer)
    position: Mapped[int] = mapped_column(Integer)


class MerchantRow(Base):
    __tablename__ = "merchants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(16))  # open | closing | closed
    wallet_upgraded: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProductRow(Base):
    __tablename__ = "products"
    __table_args__ = (Index("ix_products_merchant_listed", "merchant_id", "listed"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    title: Mapped[str] = mapped_column(String(300))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    origin: Mapped[str] = mapped_column(String(16))  # self_built | distributed
    listed: Mapped[bool] = mapped_column(Boolean)
    promised_shipping_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    flash_purchase: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    skus: Mapped[list[SkuRow]] = relationship(
        back_populates="product", cascade="all, delete-orphan", order_by="SkuRow.sku_id"
    )


class SkuRow(Base):
    __tablename__ = "product_skus"

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), primary_key=True)
    sku_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    price_cents: Mapped[int] = mapped_column(BigInteger)

    product: Mapped[ProductRow] = relationship(back_populates="skus")
