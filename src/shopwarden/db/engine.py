"""Engines and the unit of work.

A write on SQLite takes the database lock at ``BEGIN IMMEDIATE``, so two requests that check a
balance and then move money cannot interleave. A read-only unit of work begins with a deferred
``BEGIN`` instead: in WAL mode it reads a snapshot and never waits for the write lock. On
PostgreSQL the ledger takes row locks (``SELECT … FOR UPDATE``) on the accounts it moves,
inside the same transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

READ_ONLY = "shopwarden_read_only"
"""Execution option of the engine read-only units of work run on (a deferred BEGIN on SQLite)."""

POOL_SIZE = 40
"""Connections kept open: one for each thread of AnyIO's thread pool (40 by default), where
FastAPI runs the API's endpoints; below that, connections beyond the pool are opened and closed
again under load, a connection setup (and on SQLite a WAL checkpoint) per request."""

WRITER_QUEUE_SECONDS = 60
"""How long a SQLite writer queues in-process before it falls back on SQLite's busy wait."""

POOL_OVERFLOW = 10
"""Connections beyond the pool for callers outside the thread pool, opened only when needed."""


def make_engine(url: str, *, pool_size: int = POOL_SIZE) -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 60},
            pool_size=pool_size,
            max_overflow=POOL_OVERFLOW,
        )
        _serialise_sqlite_writes(engine)
        return engine
    # No pre-ping: it is a round trip at every checkout. A connection the server dropped fails
    # the one statement that finds out, and SQLAlchemy then replaces every pooled connection
    # older than that; pool_recycle retires connections before servers and proxies drop them.
    return create_engine(
        url, pool_size=pool_size, max_overflow=POOL_OVERFLOW, pool_pre_ping=False, pool_recycle=1800
    )


def _serialise_sqlite_writes(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's begin event issue BEGIN
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=60000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")  # a snapshot read: never queues behind writes
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """The engine and a session factory; :meth:`transaction` is the unit of work."""

    def __init__(self, url: str, *, pool_size: int = POOL_SIZE) -> None:
        self.url = url
        self.engine = make_engine(url, pool_size=pool_size)
        # SQLite admits one writer at a time; a writer that finds the lock taken sleeps and
        # polls (busy_timeout), which under load starves some for seconds. Writers of this
        # process queue on this lock first, and are woken the moment the one before commits.
        self._writer: threading.RLock | None = (
            threading.RLock() if self.engine.dialect.name == "sqlite" else None
        )
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(
            self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False
        )

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self, *, read_only: bool = False) -> Iterator[Session]:
        """Everything inside commits together, or nothing does.

        ``read_only`` is for work that only reads (an API GET): on SQLite it does not take the
        write lock, so it neither waits for writers nor makes them wait. Work that writes, and
        money above all, must not use it: its first write would have to upgrade the lock, which
        fails at once if another writer committed since the snapshot was taken.
        """
        if read_only or self._writer is None:
            factory = self._read_sessions if read_only else self._sessions
            with factory() as session, session.begin():
                yield session
            return
        # Past the deadline, go on: BEGIN IMMEDIATE then waits as it did without this lock.
        queued = self._writer.acquire(timeout=WRITER_QUEUE_SECONDS)
        try:
            with self._sessions() as session, session.begin():
                yield session
        finally:
            if queued:
                self._writer.release()

    def dispose(self) -> None:
        self.engine.dispose()
