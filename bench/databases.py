"""A throwaway database for a benchmark: a temporary SQLite file, or a PostgreSQL database
created on the given server for the run and dropped after it."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from shopwarden.db.migrate import upgrade


@contextmanager
def postgres_database(pg_url: str, tag: str) -> Iterator[str]:
    """An empty PostgreSQL database named for ``tag`` and this process, dropped afterwards."""
    name = f"shopwarden_bench_{tag}_{os.getpid()}"
    admin = create_engine(pg_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(pg_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def fresh_database(backend: str, pg_url: str, tag: str) -> Iterator[str]:
    """A migrated, empty database of ``backend``, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="shopwarden-bench-") as folder:
            url = f"sqlite:///{Path(folder) / f'{tag}.db'}"
            upgrade(url)
            yield url
        return
    with postgres_database(pg_url, tag) as url:
        upgrade(url)
        yield url
