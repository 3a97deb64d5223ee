"""One row per governance cycle instant: a second run for the same instant changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from shopwarden.db.base import Base, BigId, UTCDateTime


class CycleRunRow(Base):
    __tablename__ = "cycle_runs"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    as_of: Mapped[datetime] = mapped_column(UTCDateTime(), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
