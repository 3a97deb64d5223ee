"""Daily score snapshots (SCORE-5): a merchant's score and its full breakdown, once per day."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from shopwarden.db.base import Base, BigId, UTCDateTime


class ScoreSnapshotRow(Base):
    __tablename__ = "score_snapshots"
    __table_args__ = (
        UniqueConstraint("merchant_id", "day", name="uq_score_snapshots_merchant_day"),
        Index("ix_score_snapshots_day", "day"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    merchant_id: Mapped[str] = mapped_column(ForeignKey("merchants.id"))
    day: Mapped[str] = mapped_column(String(10))  # Asia/Shanghai day the score is for
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    window_start: Mapped[datetime] = mapped_column(UTCDateTime())
    window_end: Mapped[datetime] = mapped_column(UTCDateTime())  # exclusive
    policy_version: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(32))  # scored | insufficient_data
    scored_orders: Mapped[int] = mapped_column(Integer)
    # Hundredths of a point: 486 is 4.86. Integers, so no float ever holds a score.
    total_hundredths: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score_hundredths: Mapped[int | None] = mapped_column(Integer, nullable=True)
    band: Mapped[str | None] = mapped_column(String(64), nullable=True)
    breakdown: Mapped[dict[str, Any]] = mapped_column(JSON)
    consumers: Mapped[dict[str, str]] = mapped_column(JSON)  # SCORE-6 subject -> outcome
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
