"""The engines' primitives: what each engine computes fastest, behind one portable signature.

An Ibis expression that runs on every engine takes these as parameters (``FactsEngine`` gives
each engine's): Ibis's portable forms are exact but slower, e.g. its epoch seconds convert every
instant through a time zone, and its integer division is ``FLOOR(a / b)`` through a double.
"""

from __future__ import annotations

from collections.abc import Callable

import ibis  # type: ignore[import-untyped]
import ibis.expr.datatypes as dt  # type: ignore[import-untyped]
import ibis.expr.types as ir  # type: ignore[import-untyped]

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


Divide = Callable[[ir.IntegerValue, ir.IntegerValue | int], ir.IntegerValue]
"""An engine's integer division of a non-negative numerator by a positive denominator (NULL
by a NULL one): where truncation and floor agree, so every engine gives the same digits."""


def portable_divide(
    numerator: ir.IntegerValue, denominator: ir.IntegerValue | int
) -> ir.IntegerValue:
    """Ibis's floor division, ``FLOOR(a / b)`` through a double: exact below 2^53."""
    return numerator // denominator


@ibis.udf.scalar.builtin(name="divide")  # type: ignore[untyped-decorator]
def duckdb_divide(numerator: dt.int64, denominator: dt.int64) -> dt.int64:  # type: ignore[valid-type]
    """DuckDB's integer division (``a // b``), truncating: one integer operation."""


@ibis.udf.scalar.builtin(name="div")  # type: ignore[untyped-decorator]
def spark_divide(numerator: dt.int64, denominator: dt.int64) -> dt.int64:  # type: ignore[valid-type]
    """Spark's integer division (``a div b``), truncating."""
