"""Silencing what the engines' libraries warn about each other, shared by both engines."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet() -> Iterator[None]:
    """Warnings of the libraries about each other (Ibis 12 calls DuckDB 2's deprecated
    ``fetch_arrow_table``; PySpark 4 has not tried pandas 3); not ours to fix."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "fetch_arrow_table", DeprecationWarning)
        warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
        yield
