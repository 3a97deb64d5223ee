"""Deposit state beside the ledger (DEP-1..14).

Money itself is only in the ledger (the merchant's ``cash_deposit``, ``risk_deposit`` and
``campaign_deposit`` accounts); these tables hold what the rules need besides balances:
obligations and their escalation, after-sales cases, insurance covers, the risk deposit's
window, campaigns and their orders, refund applications, and the merchant's timeline.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shopwarden.db.base import Base, BigId, UTCDateTime


def merchant_fk() -> ForeignKey:
    """A foreign key object belongs to one column, so each column gets its own."""
    return ForeignKey("merchants.id")


class EnrolmentRow(Base):
    """A merchant under consumer protection (cash or insurance): the shortfall sweep covers it.

    ``assessed_at`` is the last instant its top-up due was assessed (DEP-3): a policy version
    that took effect after it and raises the requirement opens its obligation at the version's
    ``effective_from``.
    """

    __tablename__ = "deposit_enrolments"

    merchant_id: Mapped[str] = mapped_column(merchant_fk(), primary_key=True)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    assessed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ObligationRow(Base):
    """One increase of the top-up due (DEP-3) with its own clock and escalation (DEP-4, DEP-5).

    A merchant may have several open: each shortfall, deduction or requirement rise opens its
    own, from its own moment. ``amount`` is the increase; top-ups settle the oldest first
    (``paid``), a lower requirement releases the newest first (``released``); ``amount_due`` is
    what is still due: ``amount - paid - released``.
    """

    __tablename__ = "deposit_obligations"
    __table_args__ = (Index("ix_deposit_obligations_merchant_status", "merchant_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(merchant_fk())
    reason: Mapped[str] = mapped_column(String(32))  # categories | compensation | insurance_lapse…
    status: Mapped[str] = mapped_column(String(16))  # open | met
    amount_due: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger, server_default="0")
    paid: Mapped[int] = mapped_column(BigInteger, server_default="0")
    released: Mapped[int] = mapped_column(BigInteger, server_default="0")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    met_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    badges_revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    badges_restored_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    shielded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    shield_lift_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    shield_lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    policy_version: Mapped[str] = mapped_column(String(64))


class AfterSalesRow(Base):
    """An after-sales case that may be compensated from the deposit (DEP-3, DEP-6, DEP-14)."""

    __tablename__ = "deposit_after_sales"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(merchant_fk(), index=True)
    consumer: Mapped[str] = mapped_column(String(200))
    claimed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # open | compensated | dismissed
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    compensated: Mapped[int] = mapped_column(BigInteger, default=0)
    paid_by: Mapped[str | None] = mapped_column(String(16), nullable=True)  # deposit | insurer
    unpaid: Mapped[int] = mapped_column(BigInteger, default=0)  # owed to the consumer still
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)


class CoverRow(Base):
    """A year of insurance cover (DEP-6); the last one ending unrenewed lapses (DEP-7)."""

    __tablename__ = "deposit_insurance_covers"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(merchant_fk(), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fee: Mapped[int] = mapped_column(BigInteger)
    bought_at: Mapped[datetime] = mapped_column(UTCDateTime())
    lapsed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class ProceedsRow(Base):
    """An order's proceeds settled to the merchant once; while the store is shielded they are
    held under settlement guarantee until the shield lifts (DEP-4, DEP-5)."""

    __tablename__ = "deposit_order_proceeds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(merchant_fk(), index=True)
    order_id: Mapped[str] = mapped_column(String(140), unique=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger, default=0)
    ordered_at: Mapped[datetime] = mapped_column(UTCDateTime())
    settled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # set while held: the shield's obligation and the ledger hold
    obligation_id: Mapped[int | None] = mapped_column(
        BigInteger, ForeignKey("deposit_obligations.id"), nullable=True, index=True
    )
    hold_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)


class RiskDepositRow(Base):
    """The store-opening risk deposit (DEP-8..10), one per merchant."""

    __tablename__ = "deposit_risk"

    merchant_id: Mapped[str] = mapped_column(merchant_fk(), primary_key=True)
    tier: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int] = mapped_column(BigInteger)
    paid: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20))  # awaiting_payment|frozen|forfeited|unfrozen
    assessed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    paid_in_full_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    policy_version: Mapped[str] = mapped_column(String(64))


class ViolationRow(Base):
    """A violation the store was punished for, as the risk deposit saw it (DEP-9)."""

    __tablename__ = "deposit_risk_violations"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(merchant_fk(), index=True)
    code: Mapped[str] = mapped_column(String(64))
    punished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    forfeited: Mapped[bool] = mapped_column(Boolean)


class CampaignRow(Base):
    """A merchant's enrolment in a campaign, its deposit or premium, its fee (DEP-11..13)."""

    __tablename__ = "deposit_campaigns"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    merchant_id: Mapped[str] = mapped_column(merchant_fk(), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # juhuasuan | taoqianggou | tiantiantemai
    option: Mapped[str | None] = mapped_column(String(16), nullable=True)  # deposit | premium
    fee_mode: Mapped[str | None] = mapped_column(String(32), nullable=True)
    floor: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    rate: Mapped[str | None] = mapped_column(String(24), nullable=True)  # exact decimal text
    cap: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    fixed_fee: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(16))  # running | ended
    deposit: Mapped[int] = mapped_column(BigInteger, default=0)
    premium: Mapped[int] = mapped_column(BigInteger, default=0)
    gmv: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_charged: Mapped[int] = mapped_column(BigInteger, default=0)
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    policy_version: Mapped[str] = mapped_column(String(64))


class CampaignOrderRow(Base):
    """A campaign order; its confirmed-receipt amount counts towards GMV (DEP-12, DEP-13)."""

    __tablename__ = "deposit_campaign_orders"

    campaign_id: Mapped[str] = mapped_column(ForeignKey("deposit_campaigns.id"), primary_key=True)
    order_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    placed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    fee: Mapped[int] = mapped_column(BigInteger, default=0)


class RefundRow(Base):
    """An application for the refund of the deposit on leaving (DEP-14)."""

    __tablename__ = "deposit_refunds"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(merchant_fk(), index=True)
    payout_account: Mapped[str] = mapped_column(String(200))
    amount: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16))  # pending | approved | rejected
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime())
    deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    refundable: Mapped[int] = mapped_column(BigInteger)  # at the time of the application
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    overdue_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    payout_txn_id: Mapped[int | None] = mapped_column(BigInteger, nullable=True)


class EventRow(Base):
    """The merchant's deposit timeline: every payment, deduction, decision and refund step."""

    __tablename__ = "deposit_events"
    __table_args__ = (Index("ix_deposit_events_merchant_at", "merchant_id", "at", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(merchant_fk())
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[str] = mapped_column(String(40))
    rule_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    summary: Mapped[str] = mapped_column(String(1000))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
