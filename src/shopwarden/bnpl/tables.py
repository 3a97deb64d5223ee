"""BNPL state: stores, product flags and the basis they were decided on, orders, invoices.

A product's flag row keeps the facts it was decided on (origin, listing, highest SKU price,
category, store status) beside the outcome and the policy version, so a policy or category
tree change is re-decided with one set-based UPDATE over this table, and the explanation can
be shown again from the row and the immutable policy version (POL-2, POL-3).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopwarden.db.base import Base, BigId, UTCDateTime


class StoreRow(Base):
    """A store that has (or had) BNPL: 1.0 until upgraded, then 2.0, enabled or paused."""

    __tablename__ = "bnpl_stores"

    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), primary_key=True)
    generation: Mapped[str] = mapped_column(String(8))  # "1.0" | "2.0" (BNPL-11)
    status: Mapped[str] = mapped_column(String(16))  # enabled | paused (BNPL-9)
    agreement_version: Mapped[str] = mapped_column(String(100))  # BNPL-1
    agreement_accepted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    enabled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    upgraded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # the BNPL 2.0 policy version of the last change; none for a store still on 1.0
    policy_version: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class FlagBasisRow(Base):
    """The policy version and category tree the flags were last decided on in bulk."""

    __tablename__ = "bnpl_flag_basis"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    policy_version: Mapped[str] = mapped_column(String(64))
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    tree_fingerprint: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    products: Mapped[int] = mapped_column(BigInteger)  # rows re-decided by this basis
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CategoryExclusionRow(Base):
    """Each category's nearest excluded ancestor-or-self under the current basis (BNPL-3)."""

    __tablename__ = "bnpl_category_exclusions"

    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"), primary_key=True)
    excluded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)


class ProductFlagRow(Base):
    """A product's BNPL flag, the facts it was decided on, and the policy version (BNPL-2)."""

    __tablename__ = "bnpl_product_flags"

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(String(64), index=True)
    origin: Mapped[str] = mapped_column(String(16))
    listed: Mapped[bool] = mapped_column(Boolean)
    highest_price_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    category_code: Mapped[str] = mapped_column(String(64))
    store_status: Mapped[str] = mapped_column(String(16))
    excluded_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    eligible: Mapped[bool] = mapped_column(Boolean)
    flagged: Mapped[bool] = mapped_column(Boolean)
    policy_version: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())


class OrderRow(Base):
    """A BNPL order: the normal price, the 1 % fee, receipt, the consumer's debit, settlement."""

    __tablename__ = "bnpl_orders"
    __table_args__ = (
        Index("ix_bnpl_orders_merchant_placed", "merchant_id", "placed_at"),
        Index("ix_bnpl_orders_status", "status"),
    )

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"))
    consumer_id: Mapped[str] = mapped_column(String(64))
    credit_provider: Mapped[str] = mapped_column(String(32))
    amount_cents: Mapped[int] = mapped_column(BigInteger)  # the normal price (BNPL-5)
    fee_cents: Mapped[int] = mapped_column(BigInteger)  # BNPL-6, never refunded
    fee_rate: Mapped[str] = mapped_column(String(16))
    fee_transaction_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    # placed → shipped → receipt_confirmed → settled; refunded when refunded in full
    status: Mapped[str] = mapped_column(String(24))
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    receipt_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    confirmed_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    debit_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    debit_reference: Mapped[str | None] = mapped_column(String(200), nullable=True)
    clearing_cents: Mapped[int] = mapped_column(BigInteger)  # held for the merchant
    claim_cents: Mapped[int] = mapped_column(BigInteger)  # owed by the consumer (BNPL-7)
    refunded_cents: Mapped[int] = mapped_column(BigInteger)
    refund_count: Mapped[int] = mapped_column(Integer)
    settle_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    settled_cents: Mapped[int] = mapped_column(BigInteger)
    policy_version: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class InvoiceRow(Base):
    """One invoice per merchant and natural month of BNPL fees (BNPL-10)."""

    __tablename__ = "bnpl_invoices"
    __table_args__ = (UniqueConstraint("merchant_id", "month"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    month: Mapped[str] = mapped_column(String(7))  # 2024-03, Asia/Shanghai
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())  # exclusive
    fee_total_cents: Mapped[int] = mapped_column(BigInteger)
    order_count: Mapped[int] = mapped_column(Integer)
    policy_version: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
