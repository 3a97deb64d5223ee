"""The record of each ingest: which file (by content hash), what went in, what was quarantined.

The hash makes re-ingesting the same file a no-op. The record also says where this database's
facts live (``facts_root``), so that the governance cycle, which sees only the database, can
find them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from shopwarden.db.base import Base, BigId, UTCDateTime


class FactIngestRow(Base):
    __tablename__ = "fact_ingests"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch: Mapped[str] = mapped_column(String(64), unique=True)
    source: Mapped[str] = mapped_column(String(1000))  # the file ingested, or "generator"
    sha256: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    file_format: Mapped[str] = mapped_column(String(16))  # csv | parquet | generated
    facts_root: Mapped[str] = mapped_column(String(1000))
    rows: Mapped[int] = mapped_column(Integer)
    accepted: Mapped[int] = mapped_column(Integer)
    already_stored: Mapped[int] = mapped_column(Integer)
    quarantined: Mapped[int] = mapped_column(Integer)
    reasons: Mapped[dict[str, Any]] = mapped_column(JSON)
    days: Mapped[list[str]] = mapped_column(JSON)
    quarantine_file: Mapped[str | None] = mapped_column(String(1000), nullable=True)
    ingested_at: Mapped[datetime] = mapped_column(UTCDateTime())
