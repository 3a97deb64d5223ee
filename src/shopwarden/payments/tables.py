"""Incoming payments (DEP-15): a merchant's money from outside, pending until confirmed.

Each row owns a ledger hold from ``platform:bank`` to the merchant's wallet: pending while
the payment is, posted when an operator confirms it, voided when one rejects it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopwarden.db.base import Base, BigId, UTCDateTime


class IncomingPaymentRow(Base):
    __tablename__ = "incoming_payments"
    # One bank reference is paid in once per merchant.
    __table_args__ = (UniqueConstraint("merchant_id", "reference"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"), index=True)
    reference: Mapped[str] = mapped_column(String(200))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # pending | confirmed | rejected
    hold_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("ledger_transactions.id"))
    transaction_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("ledger_transactions.id"), nullable=True
    )
    requested_by: Mapped[str] = mapped_column(String(100))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(100), nullable=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
