"""Where order facts live: Parquet files in the workspace, one folder per Asia/Shanghai day.

``<home>/facts/orders/day=YYYY-MM-DD/<batch>.parquet``: a batch (one ingest, one generator
run) adds at most one file per day and never rewrites one, so facts are append-only and a
reader never sees half a file (each is written under a temporary name, then renamed). Both
engines read the folder as one table with ``day`` as a hive partition column, so a 30-day
window reads 30 folders only.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from shopwarden.facts.model import COLUMNS, Column

_ARROW_TYPES: dict[str, pa.DataType] = {
    "id": pa.string(),
    "text": pa.string(),
    "enum": pa.string(),
    "bool": pa.bool_(),
    "instant": pa.timestamp("us", tz="UTC"),
}
_SMALL_INTS = {"product_rating", "logistics_rating", "service_rating", "content_rating"}


def _arrow_type(column: Column) -> pa.DataType:
    if column.kind == "int":
        if column.name in _SMALL_INTS:
            return pa.int8()
        return pa.int64() if column.name.endswith("_cents") else pa.int32()
    return _ARROW_TYPES[column.kind]


ARROW_SCHEMA = pa.schema(
    [pa.field(c.name, _arrow_type(c), nullable=not c.required) for c in COLUMNS]
)
"""The stored schema; ``day`` is not in the files but in their folder names."""

ROW_GROUP_SIZE = 256 * 1024


def facts_dir(home: Path) -> Path:
    return home / "facts"


def orders_dir(root: Path) -> Path:
    """``root`` is a facts folder (``<home>/facts``)."""
    return root / "orders"


def quarantine_dir(root: Path) -> Path:
    return root / "quarantine"


def partition_dir(root: Path, day: date) -> Path:
    return orders_dir(root) / f"day={day.isoformat()}"


def stored_files(root: Path) -> list[Path]:
    folder = orders_dir(root)
    if not folder.is_dir():
        return []
    return sorted(folder.glob("day=*/*.parquet"))


def has_facts(root: Path) -> bool:
    return bool(stored_files(root))


def parquet_glob(root: Path) -> str:
    return str(orders_dir(root) / "day=*" / "*.parquet")


def write_day(root: Path, day: date, batch: str, table: pa.Table) -> Path:
    """Write one day's rows of a batch atomically; the batch id names the file."""
    folder = partition_dir(root, day)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{batch}.parquet"
    temporary = folder / f".{batch}.parquet.tmp"
    pq.write_table(
        table.cast(ARROW_SCHEMA), temporary, row_group_size=ROW_GROUP_SIZE, compression="zstd"
    )
    os.replace(temporary, target)
    return target


class DayWriter:
    """Streams one day's rows of a batch into one file, chunk by chunk (the generator)."""

    def __init__(self, root: Path, day: date, batch: str) -> None:
        folder = partition_dir(root, day)
        folder.mkdir(parents=True, exist_ok=True)
        self.target = folder / f"{batch}.parquet"
        self._temporary = folder / f".{batch}.parquet.tmp"
        self._writer = pq.ParquetWriter(self._temporary, ARROW_SCHEMA, compression="zstd")

    def write(self, table: pa.Table) -> None:
        self._writer.write_table(table.cast(ARROW_SCHEMA), row_group_size=ROW_GROUP_SIZE)

    def close(self) -> Path:
        self._writer.close()
        os.replace(self._temporary, self.target)
        return self.target


@contextmanager
def writer_lock(root: Path) -> Iterator[None]:
    """One writer at a time per facts folder: duplicate checks read what is stored."""
    root.mkdir(parents=True, exist_ok=True)
    with (root / ".write.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
