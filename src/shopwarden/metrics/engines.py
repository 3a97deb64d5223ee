"""The engines that run metric expressions: DuckDB embedded (default) or Spark.

Both read the same Parquet folder as one table with ``day`` as its partition column, and both
run the same Ibis expression (the score's are ``scoring/aggregates.py`` and
``scoring/score_table.py``); only the connection differs. Spark is imported only when asked for.
Instants are compared as UTC epoch seconds, so neither engine's session time zone matters, but
both are set to UTC anyway.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import ibis  # type: ignore[import-untyped]
import ibis.expr.datatypes as dt  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]

from shopwarden.errors import InvalidInput
from shopwarden.facts.storage import has_facts, orders_dir, parquet_glob
from shopwarden.metrics.quiet import quiet, unfused

EngineName = Literal["duckdb", "spark"]
Epoch = Callable[[ir.TimestampValue], ir.IntegerValue]
"""An engine's way to turn an instant into UTC epoch seconds (instants are compared so)."""
Micros = Callable[[ir.TimestampValue], ir.IntegerValue]
"""An engine's way to turn an instant into UTC epoch microseconds: for arithmetic on instants
(durations, deadlines); a comparison with a fixed instant compares the timestamps themselves."""


def portable_epoch(column: ir.TimestampValue) -> ir.IntegerValue:
    """Ibis's own epoch seconds; each engine may give a faster primitive (below)."""
    return column.epoch_seconds().cast("int64")


def portable_micros(column: ir.TimestampValue) -> ir.IntegerValue:
    """Epoch microseconds through Ibis's epoch seconds (instants are whole seconds)."""
    return portable_epoch(column) * 1_000_000


ENGINES: tuple[EngineName, ...] = ("duckdb", "spark")


@ibis.udf.scalar.builtin(name="epoch")  # type: ignore[untyped-decorator]
def _duckdb_epoch(value: dt.Timestamp(timezone="UTC")) -> dt.float64:  # type: ignore[valid-type]
    """DuckDB's ``epoch`` of a TIMESTAMPTZ: Ibis's portable form casts to TIMESTAMP first,
    a time-zone conversion per value that costs more than the whole rest of the query."""


def duckdb_epoch(column: ir.TimestampValue) -> ir.IntegerValue:
    return _duckdb_epoch(column).cast("int64")  # instants are whole seconds (facts/model)


@ibis.udf.scalar.builtin(name="epoch_us")  # type: ignore[untyped-decorator]
def duckdb_micros(value: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[valid-type]
    """DuckDB's ``epoch_us`` of a TIMESTAMPTZ: the stored integer itself, no conversion."""


@ibis.udf.scalar.builtin(name="unix_micros")  # type: ignore[untyped-decorator]
def spark_micros(value: dt.Timestamp(timezone="UTC")) -> dt.int64:  # type: ignore[valid-type]
    """Spark's ``unix_micros`` of a TIMESTAMP (an instant whatever the session zone)."""


@dataclass
class FactsEngine:
    """An Ibis backend and the order-facts table it reads (None when nothing is stored)."""

    name: EngineName
    backend: Any
    orders: ir.Table | None
    epoch: Epoch = portable_epoch
    micros: Micros = portable_micros

    def sql(self, expression: ir.Table) -> str:
        """The SQL the engine runs for ``expression``: each stage its own SELECT (Ibis's
        select fusing is skipped, it costs more to compile than it could save to run)."""
        with unfused():
            return str(self.backend.compile(expression))

    def to_arrow(self, expression: ir.Table) -> pa.Table:
        """``expression``'s result as an Arrow table of its schema's types. On DuckDB the SQL
        is run straight to Arrow (Ibis's own result conversion imports pandas)."""
        if self.name != "duckdb":
            with quiet(), unfused():
                table: pa.Table = self.backend.to_pyarrow(expression)
            return table
        result = self.backend.con.sql(self.sql(expression)).to_arrow_table()
        return result.cast(expression.schema().to_pyarrow())

    def close(self) -> None:
        if self.name == "duckdb":
            self.backend.disconnect()


def open_engine(root: Path, engine: str = "duckdb", **options: Any) -> FactsEngine:
    """Connect ``engine`` to the facts under ``root`` (a workspace's ``facts`` folder)."""
    if engine == "duckdb":
        return _duckdb(root, **options)
    if engine == "spark":
        return _spark(root)
    raise InvalidInput(f"unknown engine {engine!r}; known: {', '.join(ENGINES)}", field="engine")


def _duckdb(
    root: Path, *, threads: int | None = None, memory_limit: str | None = None
) -> FactsEngine:
    config: dict[str, Any] = {}
    if threads:
        config["threads"] = threads
    if memory_limit or os.environ.get("SHOPWARDEN_DUCKDB_MEMORY"):
        config["memory_limit"] = memory_limit or os.environ["SHOPWARDEN_DUCKDB_MEMORY"]
    backend = ibis.duckdb.connect(**config)
    backend.raw_sql("SET TimeZone = 'UTC'")
    orders = None
    if has_facts(root):
        with quiet():
            orders = backend.read_parquet(parquet_glob(root), hive_partitioning=True)
    return FactsEngine("duckdb", backend, orders, duckdb_epoch, duckdb_micros)


def _spark(root: Path) -> FactsEngine:
    from shopwarden.metrics.spark import spark_session

    with quiet():  # PySpark warns on import about pandas versions it has not tried
        backend = ibis.pyspark.connect(spark_session())
    orders = None
    if has_facts(root):
        with quiet():
            orders = backend.read_parquet(str(orders_dir(root)))
    return FactsEngine("spark", backend, orders, micros=spark_micros)
