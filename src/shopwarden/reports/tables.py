"""The reports family's state: the campaigns operators define (REPORT-1).

A report itself is not stored: it is worked out from the facts when asked for, so a late
correction of the facts shows in the next answer. A campaign is its period, industry, segments,
GMV target (and optional per-merchant targets) and the baseline it names, if any.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from shopwarden.db.base import Base, UTCDateTime


class CampaignRow(Base):
    __tablename__ = "report_campaigns"
    __table_args__ = (Index("ix_report_campaigns_name_industry", "name", "industry"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    industry: Mapped[str] = mapped_column(String(64))  # a category code
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    gmv_target_cents: Mapped[int] = mapped_column(BigInteger)
    # [{"name", "categories": [...], "merchants": [...]}] and {merchant_id: cents}
    segments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    merchant_targets: Mapped[dict[str, int]] = mapped_column(JSON)
    baseline_campaign_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    baseline_first_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    baseline_last_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
