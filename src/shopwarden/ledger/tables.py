"""Ledger state (DEP-15).

Entries are append-only. Each account row also carries its running totals (posted balance and
pending holds in and out); only the ledger service writes them, in the same database
transaction as the entries, and ``ledger verify`` recomputes them from the entries.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shopwarden.db.base import Base, BigId, UTCDateTime


class AccountRow(Base):
    __tablename__ = "ledger_accounts"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(200), unique=True)
    merchant_id: Mapped[str | None] = mapped_column(
        ForeignKey("merchants.id"), nullable=True, index=True
    )
    purpose: Mapped[str] = mapped_column(String(40))
    no_negative: Mapped[bool] = mapped_column(Boolean)
    posted: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_out: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_in: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class TransactionRow(Base):
    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    # transfer: posted at once · hold: pending, later posted or voided · settlement: posts a hold
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # posted | pending | voided
    hold_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("ledger_transactions.id"), nullable=True, index=True
    )
    description: Mapped[str] = mapped_column(String(500))
    idempotency_key: Mapped[str | None] = mapped_column(String(250), unique=True, nullable=True)
    request_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class EntryRow(Base):
    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_account_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    transaction_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("ledger_transactions.id"), index=True
    )
    account_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)  # signed cents: + credit, − debit
    pending: Mapped[bool] = mapped_column(Boolean)
    effective_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
