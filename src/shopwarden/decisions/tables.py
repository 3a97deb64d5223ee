"""Recorded decisions (POL-2, POL-3)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from shopwarden.db.base import Base, BigId, UTCDateTime


class DecisionRow(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    rule_id: Mapped[str] = mapped_column(String(16), index=True)
    merchant_id: Mapped[str | None] = mapped_column(
        ForeignKey("merchants.id"), nullable=True, index=True
    )
    subject: Mapped[str] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(String(1000))
    policy_family: Mapped[str] = mapped_column(String(32))
    policy_version: Mapped[str] = mapped_column(String(64))
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime())
    # Applying a decision twice must change nothing: the key says "this decision, once".
    dedupe_key: Mapped[str] = mapped_column(String(250), unique=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
