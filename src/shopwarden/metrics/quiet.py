"""Silencing what the engines' libraries warn about each other, and Ibis's compile options,
shared by both engines."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import ibis  # type: ignore[import-untyped]


@contextmanager
def quiet() -> Iterator[None]:
    """Warnings of the libraries about each other (Ibis 12 calls DuckDB 2's deprecated
    ``fetch_arrow_table``; PySpark 4 has not tried pandas 3); not ours to fix."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
        warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
        yield


@contextmanager
def unfused() -> Iterator[None]:
    """Compile without Ibis's select fusing: merging stacked projections re-walks the whole
    expression for each pair (most of the compile time of the score), and the engines'
    optimisers inline the projections anyway. The option is process-wide; it only changes
    the shape of the SQL, never its result."""
    before = ibis.options.sql.fuse_selects
    ibis.options.sql.fuse_selects = False
    try:
        yield
    finally:
        ibis.options.sql.fuse_selects = before
