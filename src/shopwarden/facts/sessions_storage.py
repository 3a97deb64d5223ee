"""Where live sessions live: ``<home>/facts/live_sessions/<batch>.parquet``, one file per batch.

Sessions are few (one per broadcast), so they are not partitioned by day; a file is written
under a temporary name and renamed, so a reader never sees half a file (like the orders).
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

SESSIONS_SCHEMA = pa.schema(
    [
        pa.field("session_id", pa.string(), nullable=False),
        pa.field("merchant_id", pa.string(), nullable=False),
        pa.field("started_at", pa.timestamp("us", tz="UTC"), nullable=False),
        pa.field("ended_at", pa.timestamp("us", tz="UTC"), nullable=False),
    ]
)


def sessions_dir(root: Path) -> Path:
    """``root`` is a facts folder (``<home>/facts``)."""
    return root / "live_sessions"


def session_files(root: Path) -> list[Path]:
    folder = sessions_dir(root)
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def sessions_glob(root: Path) -> str:
    return str(sessions_dir(root) / "*.parquet")


def write_sessions(root: Path, batch: str, table: pa.Table) -> Path:
    """One batch's sessions, written under a temporary name and renamed (never half a file)."""
    folder = sessions_dir(root)
    folder.mkdir(parents=True, exist_ok=True)
    target, temporary = folder / f"{batch}.parquet", folder / f".{batch}.parquet.tmp"
    pq.write_table(table.cast(SESSIONS_SCHEMA), temporary, compression="zstd")
    os.replace(temporary, target)
    return target
