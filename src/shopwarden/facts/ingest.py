"""``shopwarden ingest PATH``: validate a CSV or Parquet file of order facts and store it.

Good rows go into the day partitions; bad rows go to a quarantine CSV beside the facts, each
with its reason and its source row, so the feed can be fixed and sent again. Ingesting is
idempotent twice over: the same file (by content hash) is recognised and changes nothing, and
a row identical to a stored one is counted as ``already_stored`` and not written again. A row
for a stored order with *other* facts is quarantined (``conflicts_with_stored``): facts are
append-only, a correction is a decision for whoever owns the feed.
"""

from __future__ import annotations

import hashlib
import uuid
from pathlib import Path

import duckdb
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from sqlalchemy import select

from shopwarden.catalog.tables import MerchantRow, ProductRow
from shopwarden.context import UnitOfWork
from shopwarden.errors import InvalidInput
from shopwarden.facts.model import COLUMN_NAMES, COLUMNS, REQUIRED
from shopwarden.facts.service import BatchReport, find_batch, record_batch
from shopwarden.facts.sessions_ingest import ingest_sessions_file, is_sessions_file
from shopwarden.facts.storage import (
    ARROW_SCHEMA,
    has_facts,
    parquet_glob,
    write_day,
    writer_lock,
)
from shopwarden.facts.text_files import read_as_text, set_aside
from shopwarden.facts.validation import checked_sql, compared_sql, ranked_sql, typed_sql


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix in (".parquet", ".pq"):
        return "parquet"
    with path.open("rb") as handle:
        return "parquet" if handle.read(4) == b"PAR1" else "csv"


def ingest_file(units: UnitOfWork, *, root: Path, path: Path) -> BatchReport:
    """Validate ``path`` and store its good rows in the facts folder ``root``; the report says
    what went in and what was quarantined."""
    if not path.is_file():
        raise InvalidInput(f"no file at {path}", field="path")
    sha256 = file_sha256(path)
    with units() as ctx:
        done = find_batch(ctx, sha256=sha256)
    if done is not None:
        return done
    file_format = detect_format(path)
    if is_sessions_file(path, file_format):  # live sessions (REPORT-1), the same quarantine
        report = ingest_sessions_file(units, root=root, path=path, file_format=file_format)
        with units() as ctx:
            record_batch(ctx, report=report, sha256=sha256, root=root)
        return report
    raw = read_raw(path, file_format)
    report = BatchReport(
        batch=f"ing-{uuid.uuid4().hex[:16]}", source=str(path), file_format=file_format
    )
    with writer_lock(root):
        _ingest(units, raw, root, report, path.stem)
    with units() as ctx:
        record_batch(ctx, report=report, sha256=sha256, root=root)
    return report


def read_raw(path: Path, file_format: str) -> pa.Table:
    """Every column as text, plus ``_row`` (1 = the first data row); refuses a bad header."""
    table = read_as_text(path, file_format, known=COLUMN_NAMES, required=REQUIRED, what="")
    missing = [name for name in COLUMN_NAMES if name not in table.column_names]
    for name in missing:  # optional columns may be left out of the file
        table = table.append_column(name, pa.nulls(table.num_rows, pa.string()))
    table = table.select(list(COLUMN_NAMES))
    return table.add_column(0, "_row", pa.array(range(1, table.num_rows + 1), pa.int64()))


def _ingest(units: UnitOfWork, raw: pa.Table, root: Path, report: BatchReport, stem: str) -> None:
    con = duckdb.connect()
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.register("raw", raw)
        _register_catalog(units, con)
        con.execute(f"CREATE TEMP TABLE typed AS {typed_sql()}")
        con.execute(f"CREATE TEMP TABLE checked AS {checked_sql()}")
        con.execute(f"CREATE TEMP TABLE ranked AS {ranked_sql()}")
        _register_stored(con, root)
        con.execute(f"CREATE TEMP TABLE compared AS {compared_sql()}")
        _write_accepted(con, root, report)
        _write_quarantine(con, root, report, stem)
        report.rows = raw.num_rows
        report.already_stored = _scalar(con, "SELECT count(*) FROM compared WHERE already_stored")
    finally:
        con.close()


def _register_catalog(units: UnitOfWork, con: duckdb.DuckDBPyConnection) -> None:
    with units() as ctx:
        merchants = list(ctx.session.scalars(select(MerchantRow.id)))
        products = ctx.session.execute(select(ProductRow.id, ProductRow.merchant_id)).all()
    con.register("known_merchants", pa.table({"merchant_id": pa.array(merchants, pa.string())}))
    con.register(
        "known_products",
        pa.table(
            {
                "product_id": pa.array([p for p, _ in products], pa.string()),
                "merchant_id": pa.array([m for _, m in products], pa.string()),
            }
        ),
    )
    # Default: merchants are checked once the catalog knows any (a facts-only workspace has none).
    con.register("refs", pa.table({"check_merchants": [bool(merchants)]}))


def _register_stored(con: duckdb.DuckDBPyConnection, root: Path) -> None:
    if has_facts(root):
        glob = parquet_glob(root).replace("'", "''")
        source = f"read_parquet('{glob}', union_by_name = true)"
        present = {row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
        con.execute(
            f"CREATE TEMP TABLE stored AS SELECT {_stored_columns(present)} FROM {source} "
            "WHERE order_id IN (SELECT order_id FROM ranked WHERE reason IS NULL)"
        )
    else:
        columns = ", ".join(f'"{name}"' for name in COLUMN_NAMES)
        con.execute(f"CREATE TEMP TABLE stored AS SELECT {columns} FROM typed WHERE false")


_SQL_TYPES = {"int": "BIGINT", "bool": "BOOLEAN", "instant": "TIMESTAMPTZ"}


def _stored_columns(present: set[str]) -> str:
    """Stored files are read by column name: a file written before a column was added to the
    schema lacks it, and a column no stored file has yet reads as empty (docs/facts.md)."""
    return ", ".join(
        f'"{c.name}"'
        if c.name in present
        else f'CAST(NULL AS {_SQL_TYPES.get(c.kind, "VARCHAR")}) AS "{c.name}"'
        for c in COLUMNS
    )


def _write_accepted(con: duckdb.DuckDBPyConnection, root: Path, report: BatchReport) -> None:
    columns = ", ".join(f'"{name}"' for name in COLUMN_NAMES)
    accepted = con.sql(
        f"SELECT {columns}, CAST(timezone('Asia/Shanghai', paid_at) AS DATE) AS day "
        "FROM compared WHERE reason IS NULL AND NOT already_stored ORDER BY merchant_id, _row"
    ).to_arrow_table()
    report.accepted = accepted.num_rows
    if accepted.num_rows == 0:
        return
    days = pc.unique(accepted["day"]).to_pylist()
    for day in sorted(days):
        rows = accepted.filter(pc.equal(accepted["day"], pa.scalar(day, pa.date32())))
        write_day(root, day, report.batch, rows.drop_columns(["day"]).cast(ARROW_SCHEMA))
        report.days.append(day.isoformat())


def _write_quarantine(
    con: duckdb.DuckDBPyConnection, root: Path, report: BatchReport, stem: str
) -> None:
    raw_columns = ", ".join(f'"r_{name}" AS "{name}"' for name in COLUMN_NAMES)
    bad = con.sql(
        f"SELECT _row AS source_row, reason, detail, {raw_columns} "
        "FROM compared WHERE reason IS NOT NULL ORDER BY _row"
    ).to_arrow_table()
    set_aside(root, report, bad, stem)


def _scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0
