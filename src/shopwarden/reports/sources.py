"""The two facts tables a report reads, on the engine asked for (DuckDB or Spark).

Orders are read by column name (DuckDB ``union_by_name``, Spark ``mergeSchema``): files written
before the REPORT-1 columns lack them and read as empty (docs/facts.md, "Adding columns"), and
a column no file has yet is added as empty. No stored sessions is an empty sessions table.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ibis  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]

from shopwarden.facts.sessions_storage import session_files, sessions_dir, sessions_glob
from shopwarden.facts.storage import has_facts, orders_dir, parquet_glob
from shopwarden.metrics.engines import FactsEngine, open_engine
from shopwarden.metrics.primitives import duckdb_divide, duckdb_epoch, duckdb_micros
from shopwarden.metrics.quiet import quiet

REPORT_COLUMNS = {
    "merchant_id": "string",
    "amount_cents": "int64",
    "channel": "string",
    "cancelled_at": "timestamp('UTC')",
    "buyer_id": "string",
    "buyer_is_fan": "boolean",
    "live_session_id": "string",
    "category_code": "string",
}


NO_SESSIONS = (
    "SELECT CAST(NULL AS VARCHAR) AS session_id, CAST(NULL AS VARCHAR) AS merchant_id, "
    "CAST(NULL AS TIMESTAMPTZ) AS started_at, CAST(NULL AS TIMESTAMPTZ) AS ended_at WHERE 1 = 0"
)
"""No live session stored: an empty table of their columns, in the engine's own SQL."""
SESSIONS = ibis.schema(
    {
        "session_id": "string",
        "merchant_id": "string",
        "started_at": "timestamp('UTC')",
        "ended_at": "timestamp('UTC')",
    }
)


ORDER_COLUMNS = {**REPORT_COLUMNS, "day": "date"}
SQL_TYPES = {
    "string": "VARCHAR",
    "int64": "BIGINT",
    "boolean": "BOOLEAN",
    "timestamp('UTC')": "TIMESTAMPTZ",
    "date": "DATE",
}


@dataclass
class ReportSources:
    engine: FactsEngine
    orders: ir.Table | None
    sessions: ir.Table

    def close(self) -> None:
        self.engine.close()


def open_sources(root: Path, engine: str = "duckdb") -> ReportSources:
    if engine == "duckdb":
        return _duckdb_sources(root)
    facts = open_engine(root, engine)
    backend = facts.backend
    orders = None
    with quiet():
        if has_facts(root):
            raw = backend.read_parquet(str(orders_dir(root)), mergeSchema="true")
            orders = _with_columns(raw)
        if session_files(root):
            sessions = backend.read_parquet(str(sessions_dir(root)))
        else:
            sessions = backend.sql(NO_SESSIONS, schema=SESSIONS, dialect="duckdb")
    return ReportSources(facts, orders, sessions)


def _duckdb_sources(root: Path) -> ReportSources:
    """DuckDB reads the files inside the report's one query: the columns present are looked
    up once (``DESCRIBE``), so nothing is bound twice and no view is made."""
    backend = ibis.duckdb.connect()
    backend.raw_sql("SET TimeZone = 'UTC'")
    facts = FactsEngine("duckdb", backend, None, duckdb_epoch, duckdb_micros, duckdb_divide)
    orders = None
    if has_facts(root):
        glob = parquet_glob(root).replace("'", "''")
        source = f"read_parquet('{glob}', hive_partitioning = true, union_by_name = true)"
        described = backend.con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()
        present = {row[0] for row in described}
        columns = ", ".join(
            f'"{name}"' if name in present else f'CAST(NULL AS {SQL_TYPES[kind]}) AS "{name}"'
            for name, kind in ORDER_COLUMNS.items()
        )
        orders = backend.sql(f"SELECT {columns} FROM {source}", schema=ibis.schema(ORDER_COLUMNS))
    if session_files(root):
        glob = sessions_glob(root).replace("'", "''")
        query = f"SELECT session_id, merchant_id, started_at, ended_at FROM read_parquet('{glob}')"
        sessions = backend.sql(query, schema=SESSIONS)
    else:
        sessions = backend.sql(NO_SESSIONS, schema=SESSIONS)
    return ReportSources(facts, orders, sessions)


def _with_columns(orders: ir.Table) -> ir.Table:
    present = set(orders.columns)
    missing = {
        name: ibis.null().cast(kind) for name, kind in REPORT_COLUMNS.items() if name not in present
    }
    return orders.mutate(**missing) if missing else orders
