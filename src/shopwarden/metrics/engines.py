"""The engines that run metric expressions: DuckDB embedded (default) or Spark.

Both read the same Parquet folder as one table with ``day`` as its partition column, and both
run the same Ibis expression (the score's are ``scoring/aggregates.py`` and
``scoring/score_table.py``); only the connection differs. Spark is imported only when asked for.
Instants are compared as instants (or UTC epoch seconds or microseconds), so neither engine's
session time zone matters, but both are set to UTC anyway.

Building and compiling an Ibis expression costs about a millisecond per node, which for the
score's few hundred nodes is a good part of a query over millions of orders. So an expression
is compiled without select fusing (``quiet.unfused``), its result is read straight into Arrow
on DuckDB, and a *stage* (an expression over one unbound table that does not change from call
to call, such as the score's arithmetic for a policy) is compiled once per engine kind and
kept: :meth:`FactsEngine.to_arrow_over` runs it over a source expression compiled per call.

A step that runs every cycle (the score snapshot) asks for :func:`shared_engine` instead: one
DuckDB connection per facts folder and thread, kept while the stored files stay the same
(their names, sizes and modification times), with small facts loaded into memory once, so a
cycle does not reopen the folder and decode every Parquet file again. A shared engine also
keeps the SQL it compiled, by expression, so asking the same question twice (a week's
shipping measures, once per overdue report) compiles it once. Inside :func:`sharing_engines`
(the demo), every plain :func:`open_engine` of DuckDB hands out the shared engine too.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import ibis  # type: ignore[import-untyped]
import ibis.expr.operations as ops  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]
import pyarrow as pa  # type: ignore[import-untyped]

# loaded with the engine, not by the first cast of a result
import pyarrow.compute  # type: ignore[import-untyped]

from shopwarden.errors import InvalidInput
from shopwarden.facts.storage import has_facts, orders_dir, parquet_glob, stored_files
from shopwarden.metrics.primitives import (
    Divide,
    Epoch,
    Micros,
    duckdb_divide,
    duckdb_epoch,
    duckdb_micros,
    portable_divide,
    portable_epoch,
    portable_micros,
    spark_divide,
    spark_micros,
)
from shopwarden.metrics.quiet import quiet, unfused

__all__ = [  # the primitives were defined here before metrics/primitives.py; still importable
    "ENGINES",
    "Divide",
    "Epoch",
    "FactsEngine",
    "Micros",
    "duckdb_epoch",
    "open_engine",
    "portable_divide",
    "portable_epoch",
    "portable_micros",
    "shared_engine",
    "sharing_engines",
]

EngineName = Literal["duckdb", "spark"]

ENGINES: tuple[EngineName, ...] = ("duckdb", "spark")


@dataclass
class FactsEngine:
    """An Ibis backend and the order-facts table it reads (None when nothing is stored)."""

    name: EngineName
    backend: Any
    orders: ir.Table | None
    epoch: Epoch = portable_epoch
    micros: Micros = portable_micros
    divide: Divide = portable_divide
    shared: bool = False  # kept by :func:`shared_engine`: closing it leaves it open
    compiled: dict[ops.Relation, str] = field(default_factory=dict)  # a shared engine's SQL

    def sql(self, expression: ir.Table) -> str:
        """The SQL the engine runs for ``expression``: each projection its own SELECT (Ibis's
        select fusing is skipped, it costs more to compile than it could save to run)."""
        if not self.shared:
            with unfused():
                return str(self.backend.compile(expression))
        op = expression.op()
        if op not in self.compiled:
            if len(self.compiled) >= 64:
                self.compiled.clear()
            with unfused():
                self.compiled[op] = str(self.backend.compile(expression))
        return self.compiled[op]

    def to_arrow(self, expression: ir.Table) -> pa.Table:
        """``expression``'s result as an Arrow table of its schema's types."""
        return self._run(self.sql(expression), expression.schema())

    def to_arrow_over(self, source: ir.Table, stage: ir.Table) -> pa.Table:
        """``stage``, an expression over one unbound table of ``source``'s schema, run over
        ``source`` in one query: ``WITH <unbound> AS (<source>) <stage>``. The stage's SQL is
        compiled once per engine kind and kept (:func:`_stage_sql`), so a stage that is built
        once (for a policy, say) costs nothing to compile on the next call."""
        name, sql = _stage_sql(self.backend, stage.op())
        assert _unbound(stage.op()).schema == source.schema(), "the stage reads the source"
        return self._run(f"WITH {name} AS ({self.sql(source)}) {sql}", stage.schema())

    def _run(self, sql: str, schema: Any) -> pa.Table:
        """On DuckDB the SQL is run straight to Arrow (Ibis's own result conversion imports
        pandas), then cast to the expression's types (a DuckDB sum is a 128-bit integer)."""
        if self.name != "duckdb":
            with quiet(), unfused():
                table: pa.Table = self.backend.to_pyarrow(self.backend.sql(sql, schema=schema))
            return table
        result = self.backend.con.sql(sql).to_arrow_table()
        wanted = schema.to_pyarrow()
        return result if result.schema.equals(wanted) else result.cast(wanted)

    def close(self) -> None:
        if self.name == "duckdb" and not self.shared:
            self.backend.disconnect()


def _unbound(stage: ops.Relation) -> ops.UnboundTable:
    (source,) = stage.find(ops.UnboundTable)
    return source


_STAGES: dict[tuple[str, ops.Relation], tuple[str, str]] = {}


def _stage_sql(backend: Any, stage: ops.Relation) -> tuple[str, str]:
    """The stage's unbound table (quoted) and the stage's SQL for ``backend``'s kind, compiled
    once (with the backend's own compiler: ``ibis.to_sql`` loads every dialect first)."""
    key = (backend.name, stage)
    if key not in _STAGES:
        if len(_STAGES) >= 32:
            _STAGES.clear()
        quote = "`" if backend.name == "pyspark" else '"'
        with unfused():
            _STAGES[key] = (
                f"{quote}{_unbound(stage).name}{quote}",
                str(backend.compile(stage.to_expr())),
            )
    return _STAGES[key]


def open_engine(root: Path, engine: str = "duckdb", **options: Any) -> FactsEngine:
    """Connect ``engine`` to the facts under ``root`` (a workspace's ``facts`` folder)."""
    if engine == "duckdb" and not options and getattr(_SHARED, "sharing", False):
        return shared_engine(root)
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
    return FactsEngine("duckdb", backend, orders, duckdb_epoch, duckdb_micros, duckdb_divide)


MATERIALIZE_BYTES = 64 * 1024 * 1024
"""Facts up to this size (of Parquet on disk) are loaded into the shared engine's memory."""

_SHARED = threading.local()  # a DuckDB connection is used by one thread at a time


def shared_engine(root: Path) -> FactsEngine:
    """A DuckDB engine over ``root`` kept for the next call from this thread, while the stored
    files are unchanged (any file written, replaced or removed makes a new one). Closing it
    does nothing; the results are those of :func:`open_engine`."""
    files = stored_files(root)
    stats = [(f, f.stat()) for f in files]
    key = (
        str(root.resolve()),
        tuple((str(f), s.st_size, s.st_mtime_ns, s.st_ino) for f, s in stats),
    )
    kept: tuple[Any, FactsEngine] | None = getattr(_SHARED, "engine", None)
    if kept is not None and kept[0] == key:
        return kept[1]
    if kept is not None:
        kept[1].backend.disconnect()
        _SHARED.engine = None
    engine = _duckdb(root)
    if engine.orders is not None and sum(s.st_size for _, s in stats) <= MATERIALIZE_BYTES:
        with quiet():
            engine.orders = engine.backend.create_table("shared_orders", engine.orders)
    engine.shared = True
    _SHARED.engine = (key, engine)
    return engine


@contextmanager
def sharing_engines() -> Iterator[None]:
    """While inside, :func:`open_engine` (DuckDB, no options) in this thread returns the
    shared engine: for a run of many cycles over the same facts, such as the demo."""
    before = getattr(_SHARED, "sharing", False)
    _SHARED.sharing = True
    try:
        yield
    finally:
        _SHARED.sharing = before


def _spark(root: Path) -> FactsEngine:
    from shopwarden.metrics.spark import spark_session

    with quiet():  # PySpark warns on import about pandas versions it has not tried
        backend = ibis.pyspark.connect(spark_session())
    orders = None
    if has_facts(root):
        with quiet():
            orders = backend.read_parquet(str(orders_dir(root)))
    return FactsEngine("spark", backend, orders, micros=spark_micros, divide=spark_divide)
