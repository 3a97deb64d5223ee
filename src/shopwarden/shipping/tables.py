"""Shipping state beside the ledger (SHIP-1..5).

Money is only in the ledger (the merchant's ``wallet``; the platform's ``shipping_penalties``,
``delay_compensation`` and ``shipping_receivables``). These tables hold what the rules need
besides: each merchant's measured week and whether it earned the exemption (SHIP-2, SHIP-3),
the exemptions of a week and their use (SHIP-4), and every overdue shipment with its penalty
or waiver, the consumer's compensation (SHIP-5) and what is still owed of them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from shopwarden.db.base import Base, BigId, UTCDateTime


def merchant_fk() -> ForeignKey:
    return ForeignKey("merchants.id")


class WeekMeasureRow(Base):
    """A merchant's measured week (SHIP-2) and SHIP-3's answer for the week after it, once.

    Decided by the first cycle of the following week, or earlier by the merchant's first
    overdue shipment of that week (``evaluated_by``); never again after.
    """

    __tablename__ = "shipping_week_measures"

    merchant_id: Mapped[str] = mapped_column(merchant_fk(), primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, primary_key=True)  # the measured week
    paid_orders: Mapped[int] = mapped_column(BigInteger)
    committed_orders: Mapped[int] = mapped_column(BigInteger)
    flash_orders: Mapped[int] = mapped_column(BigInteger)
    due_orders: Mapped[int] = mapped_column(BigInteger)
    on_time_orders: Mapped[int] = mapped_column(BigInteger)
    granted: Mapped[bool] = mapped_column(Boolean)
    policy_version: Mapped[str] = mapped_column(String(64))
    evaluated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    evaluated_by: Mapped[str] = mapped_column(String(16))  # cycle | overdue


class ExemptionRow(Base):
    """The exemptions a merchant may use in one week (SHIP-3, SHIP-4).

    ``granted`` were earned by the week before; ``carried_in`` came from it when a policy
    carries unused ones over (the bundled one does not). Each overdue-shipment penalty of the
    week uses one while ``used < granted + carried_in``. At the week's end the rest lapse (or
    are carried over), recorded once by the cycle (``closed_at``).
    """

    __tablename__ = "shipping_exemptions"
    __table_args__ = (UniqueConstraint("merchant_id", "week_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(merchant_fk(), index=True)
    week_start: Mapped[date] = mapped_column(Date, index=True)  # the week it may be used in
    valid_from: Mapped[datetime] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime] = mapped_column(UTCDateTime())  # exclusive: Sunday 24:00
    granted: Mapped[int] = mapped_column(Integer)
    carried_in: Mapped[int] = mapped_column(Integer, default=0)
    used: Mapped[int] = mapped_column(Integer, default=0)
    lapsed: Mapped[int] = mapped_column(Integer, default=0)
    carried_out: Mapped[int] = mapped_column(Integer, default=0)
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    policy_version: Mapped[str] = mapped_column(String(64))


class OverdueRow(Base):
    """An overdue shipment reported by the order system, decided once (SHIP-4, SHIP-5).

    ``penalty`` is the policy's amount, ``charged`` what was charged for it (0 when waived),
    ``compensation`` what the consumer was paid. Of ``charged + compensation`` the wallet paid
    ``from_wallet`` at once; the platform advanced ``owed``, of which ``collected`` has since
    been taken from the wallet.
    """

    __tablename__ = "shipping_overdue_shipments"
    __table_args__ = (Index("ix_shipping_overdue_merchant_week", "merchant_id", "week_start"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(64), unique=True)
    merchant_id: Mapped[str] = mapped_column(merchant_fk())
    paid_at: Mapped[datetime] = mapped_column(UTCDateTime())
    promised_shipping_hours: Mapped[int] = mapped_column(Integer)
    flash_purchase: Mapped[bool] = mapped_column(Boolean)
    committed_in_stock: Mapped[bool] = mapped_column(Boolean)  # SHIP-1, for the record
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())  # paid_at + promised hours
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reported_at: Mapped[datetime] = mapped_column(UTCDateTime())
    week_start: Mapped[date] = mapped_column(Date)  # the week the penalty is charged in
    outcome: Mapped[str] = mapped_column(String(16))  # waived | charged
    exemption_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("shipping_exemptions.id"), nullable=True
    )
    penalty: Mapped[int] = mapped_column(BigInteger)
    charged: Mapped[int] = mapped_column(BigInteger)
    compensation: Mapped[int] = mapped_column(BigInteger)
    from_wallet: Mapped[int] = mapped_column(BigInteger)
    owed: Mapped[int] = mapped_column(BigInteger)
    collected: Mapped[int] = mapped_column(BigInteger, default=0)
    transaction_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    policy_version: Mapped[str] = mapped_column(String(64))
