"""Violation state (VIO-1..6): cases, their measures, the products they took off sale, appeals.

A measure keeps what its type forbade when it was imposed (``forbids``, ``exposure_factor``):
a later policy version changes the types for new cases, not a measure already in force. The
merchant id is kept on each measure, so "may merchant M do A now?" reads one index.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shopwarden.db.base import Base, BigId, UTCDateTime


class CaseRow(Base):
    __tablename__ = "violation_cases"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    broken_rule: Mapped[str] = mapped_column(String(200))  # the platform rule the merchant broke
    evidence: Mapped[str] = mapped_column(String(4000))
    policy_version: Mapped[str] = mapped_column(String(32))
    opened_by: Mapped[str] = mapped_column(String(100))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    appeal_deadline: Mapped[datetime] = mapped_column(UTCDateTime())  # VIO-6, fixed at opening
    penalty_cents: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    penalty_txn_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("ledger_transactions.id"), nullable=True
    )
    penalty_returned_txn_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("ledger_transactions.id"), nullable=True
    )
    penalty_returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class MeasureRow(Base):
    __tablename__ = "violation_measures"
    __table_args__ = (Index("ix_violation_measures_merchant_starts", "merchant_id", "starts_at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("violation_cases.id"), index=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    measure: Mapped[str] = mapped_column(String(64))  # the measure type's code
    rule: Mapped[str] = mapped_column(String(16))  # VIO-1 ...
    description: Mapped[str] = mapped_column(String(500))
    forbids: Mapped[list[str]] = mapped_column(JSON)
    delist_on_start: Mapped[bool] = mapped_column(Boolean)
    exposure_factor: Mapped[str | None] = mapped_column(String(32), nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True, index=True)
    delisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    delisted_count: Mapped[int] = mapped_column(Integer, default=0)
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    lifted_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lift_reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)


class DelistingRow(Base):
    """A product a measure took off sale (VIO-1); putting it back on sale is relisting."""

    __tablename__ = "violation_delistings"

    measure_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("violation_measures.id"), primary_key=True
    )
    product_id: Mapped[str] = mapped_column(ForeignKey("products.id"), primary_key=True, index=True)
    delisted_at: Mapped[datetime] = mapped_column(UTCDateTime())


class AppealRow(Base):
    __tablename__ = "violation_appeals"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("violation_cases.id"), index=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    target: Mapped[str] = mapped_column(String(16))  # case | measure | penalty
    measure_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("violation_measures.id"), nullable=True
    )
    statement: Mapped[str] = mapped_column(String(4000))
    filed_by: Mapped[str] = mapped_column(String(100))
    filed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16), index=True)  # open | upheld | rejected
    decided_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    refund_txn_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("ledger_transactions.id"), nullable=True
    )
