"""Trust purchase state (TRUST-1..4): each product's badge, its rights, each merchant
identity's standing against the thresholds, and the index of product titles for look-up.

A product's row here mirrors what trust needs of the catalog (merchant, identity, the title
lower-cased) so that the badge of a whole catalogue is decided by one SQL statement over these
tables. The title index holds each distinct character (for 1-character queries) and each pair
of adjacent characters of the lower-cased title: Chinese fragments are often two characters,
too short for trigrams.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shopwarden.db.base import Base, UTCDateTime


class TrustProductRow(Base):
    __tablename__ = "trust_products"
    __table_args__ = (Index("ix_trust_products_merchant_identity", "merchant_id", "identity"),)

    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    identity: Mapped[str] = mapped_column(String(16))  # goods_owner | seller
    listed: Mapped[bool] = mapped_column(Boolean)
    title_folded: Mapped[str] = mapped_column(String(300))  # lower-cased, for LIKE
    holds: Mapped[bool] = mapped_column(Boolean)  # the 信任购 badge (TRUST-2)
    changes: Mapped[int] = mapped_column(Integer)  # grants and removals so far
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    policy_version: Mapped[str | None] = mapped_column(String(64), nullable=True)


class TrustTitleGramRow(Base):
    """One character or pair of characters of a product's lower-cased title (TRUST-3).

    No foreign key: a catalogue writes tens of these per product, and checking each against
    ``trust_products`` would cost a third of the time; ``index.py`` is their only writer and
    replaces a product's grams whenever its title changes."""

    __tablename__ = "trust_title_grams"

    gram: Mapped[str] = mapped_column(String(2), primary_key=True)
    product_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class TrustRightRow(Base):
    """A right of the catalogue switched on or off on one product (TRUST-1, TRUST-2)."""

    __tablename__ = "trust_product_rights"

    product_id: Mapped[str] = mapped_column(
        ForeignKey("trust_products.product_id", ondelete="CASCADE"), primary_key=True
    )
    right_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[str] = mapped_column(String(80))  # merchant:ID | operator


class TrustStandingRow(Base):
    """A merchant identity against the admission thresholds, as last measured (TRUST-4)."""

    __tablename__ = "trust_standings"

    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), primary_key=True)
    identity: Mapped[str] = mapped_column(String(16), primary_key=True)
    met: Mapped[bool] = mapped_column(Boolean)
    thresholds: Mapped[list[dict[str, Any]]] = mapped_column(JSON)  # ThresholdResult dicts
    policy_version: Mapped[str] = mapped_column(String(64))
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime())
