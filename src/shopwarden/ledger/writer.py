"""The ledger's SQL: locking accounts, and writing transactions, entries and totals in bulk.

Every movement locks the accounts it touches (``SELECT … FOR UPDATE`` in id order on
PostgreSQL; SQLite holds its database lock from ``BEGIN IMMEDIATE``), checks the
no-negative flags and ranges against the locked totals (``bounds.py``), then appends the
transaction, its entries and the new totals. Nothing here commits: the caller's transaction
does (DEP-15).

A batch (:func:`post_batch`) takes a fixed number of statements whatever its size: on
PostgreSQL the rows travel as arrays (``unnest``), so a batch of 1,000 transfers is a handful
of round trips rather than thousands of row-by-row statements.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ARRAY,
    JSON,
    Column,
    ColumnElement,
    Dialect,
    Table,
    TextClause,
    any_,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session

from shopwarden.clock import Clock
from shopwarden.errors import IdempotencyKeyReused, InvalidInput, NotFound
from shopwarden.ledger.bounds import Totals, ensure_posting_in_range
from shopwarden.ledger.model import HoldRequest, TransferRequest
from shopwarden.ledger.tables import AccountRow, EntryRow, TransactionRow


def post_batch(session: Session, clock: Clock, requests: Sequence[TransferRequest]) -> list[int]:
    """Post all of ``requests`` or none; the transaction ids, no rows loaded (DEP-15).

    A repeated idempotency key returns the first transaction's id. A batch costs a fixed
    number of round trips, whatever its size: lock, look up keys, allocate ids, insert
    transactions, insert entries, store totals.
    """
    codes = {p.account for r in requests for p in r.postings}
    totals = lock_accounts(session, codes)
    replayed = replayed_transactions(session, requests)
    fresh = [r for r in requests if r.idempotency_key not in replayed]
    for request in fresh:
        for posting in request.postings:
            ensure_posting_in_range(posting.amount.cents)
            totals[posting.account].posted += posting.amount.cents
        for posting in request.postings:
            totals[posting.account].ensure_valid()
    now = clock.now()
    ids = insert_transactions(
        session, [transaction_values(r, now, kind="transfer", status="posted") for r in fresh]
    )
    entries = [
        entry(txn_id, totals[p.account].id, p.amount.cents, False, r.effective_at or now, now)
        for r, txn_id in zip(fresh, ids, strict=True)
        for p in r.postings
    ]
    insert_entries(session, entries)
    store_totals(session, totals.values())
    fresh_ids = iter(ids)
    return [
        replayed[r.idempotency_key].id if r.idempotency_key in replayed else next(fresh_ids)
        for r in requests
    ]


# locking ------------------------------------------------------------------------------------
def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def among(
    session: Session, column: InstrumentedAttribute[Any], values: Iterable[Any]
) -> ColumnElement[bool]:
    """``column IN values``; on PostgreSQL ``= ANY(array)``, one short statement whatever
    the number of values, that the driver need not parse anew for each batch."""
    listed = sorted(values)
    if is_postgres(session):
        return column == any_(bindparam(None, listed, type_=ARRAY(column.type)))
    return column.in_(listed)


def lock_accounts(session: Session, codes: set[str]) -> dict[str, Totals]:
    """The totals of the accounts ``codes``, locked; 404 naming the first that is missing."""
    where = among(session, AccountRow.code, codes)
    found = {row.code: row for row in _locked_rows(session, where)}
    missing = sorted(codes - found.keys())
    if missing:
        raise NotFound(f"no ledger account {missing[0]}", field="account")
    return found


def lock_account_ids(session: Session, ids: set[int]) -> dict[int, Totals]:
    return {row.id: row for row in _locked_rows(session, among(session, AccountRow.id, ids))}


def _locked_rows(session: Session, where: ColumnElement[bool]) -> list[Totals]:
    statement = (
        select(
            AccountRow.id,
            AccountRow.code,
            AccountRow.no_negative,
            AccountRow.posted,
            AccountRow.pending_out,
            AccountRow.pending_in,
        )
        .where(where)
        .order_by(AccountRow.id)
    )
    if is_postgres(session):
        statement = statement.with_for_update()
    return [Totals(*row) for row in session.execute(statement)]


# totals -------------------------------------------------------------------------------------
def store_totals(session: Session, totals: Iterable[Totals]) -> None:
    """Writes the totals that changed, in one statement."""
    changed = [t for t in totals if t.changed]
    if not changed:
        return
    if is_postgres(session):
        session.connection().execute(
            _PG_STORE_TOTALS,
            {
                "id": [t.id for t in changed],
                "posted": [t.posted for t in changed],
                "pending_out": [t.pending_out for t in changed],
                "pending_in": [t.pending_in for t in changed],
            },
        )
    else:
        session.connection().execute(
            update(_ACCOUNTS)
            .where(_ACCOUNTS.c.id == bindparam("id_"))
            .values(
                posted=bindparam("posted"),
                pending_out=bindparam("pending_out"),
                pending_in=bindparam("pending_in"),
            ),
            [
                {
                    "id_": t.id,
                    "posted": t.posted,
                    "pending_out": t.pending_out,
                    "pending_in": t.pending_in,
                }
                for t in changed
            ],
        )
    for t in changed:
        t.saved()
    _expire_accounts(session)


def _expire_accounts(session: Session) -> None:
    """Account objects the caller holds are stale now. Other rows stay loaded: a replayed
    transaction about to be returned must stay readable after the commit."""
    for obj in list(session.identity_map.values()):
        if isinstance(obj, AccountRow):
            session.expire(obj)


# idempotency keys ---------------------------------------------------------------------------
def replayed_transactions(
    session: Session, requests: Sequence[TransferRequest]
) -> dict[str | None, TransactionRow]:
    """The transactions already stored under the requests' keys, by key (DEP-15)."""
    keys = [r.idempotency_key for r in requests if r.idempotency_key]
    if len(keys) != len(set(keys)):
        raise InvalidInput("an idempotency key appears twice in one batch", field="idempotency_key")
    if not keys:
        return {}
    stored = {
        row.idempotency_key: row
        for row in session.scalars(
            select(TransactionRow).where(among(session, TransactionRow.idempotency_key, keys))
        )
    }
    replayed: dict[str | None, TransactionRow] = {}
    for request in requests:
        row = stored.get(request.idempotency_key)
        if row is None:
            continue
        if row.request_hash != request.fingerprint():
            raise IdempotencyKeyReused(
                f"idempotency key {request.idempotency_key!r} was used for another request",
                field="idempotency_key",
            )
        replayed[request.idempotency_key] = row
    return replayed


def replayed_transaction(
    session: Session, key: str | None, request_hash: str
) -> TransactionRow | None:
    if not key:
        return None
    row = session.scalar(select(TransactionRow).where(TransactionRow.idempotency_key == key))
    if row is not None and row.request_hash != request_hash:
        raise IdempotencyKeyReused(
            f"idempotency key {key!r} was used for another request", field="idempotency_key"
        )
    return row


# rows ---------------------------------------------------------------------------------------
def transaction_values(
    request: TransferRequest | HoldRequest, now: datetime, *, kind: str, status: str
) -> dict[str, object]:
    return {
        "kind": kind,
        "status": status,
        "hold_id": None,
        "description": request.description,
        "idempotency_key": request.idempotency_key,
        "request_hash": request.fingerprint() if request.idempotency_key else None,
        "details": request.details,
        "effective_at": request.effective_at or now,
        "recorded_at": now,
        "resolved_at": None,
    }


def entry(
    txn_id: int, account_id: int, amount: int, pending: bool, effective: datetime, now: datetime
) -> dict[str, object]:
    return {
        "transaction_id": txn_id,
        "account_id": account_id,
        "amount": amount,
        "pending": pending,
        "effective_at": effective,
        "recorded_at": now,
    }


def transactions(session: Session, ids: list[int]) -> dict[int, TransactionRow]:
    if not ids:
        return {}
    rows = session.scalars(select(TransactionRow).where(among(session, TransactionRow.id, ids)))
    return {row.id: row for row in rows}


def insert_transactions(session: Session, values: list[dict[str, object]]) -> list[int]:
    """Inserts with ids allocated first, so the entries can name them without RETURNING.

    A key taken meanwhile by a concurrent request breaks the unique constraint; the
    savepoint keeps the caller's transaction usable and the error says what happened.
    """
    if not values:
        return []
    ids = _allocate_transaction_ids(session, len(values))
    rows = [{"id": txn_id, **row} for txn_id, row in zip(ids, values, strict=True)]
    try:
        with session.begin_nested():
            _insert_rows(session, _TRANSACTIONS, rows)
    except IntegrityError as error:
        raise IdempotencyKeyReused(
            "an idempotency key of this request is already used by another transaction",
            field="idempotency_key",
        ) from error
    return ids


def _allocate_transaction_ids(session: Session, count: int) -> list[int]:
    """PostgreSQL: from the id sequence. SQLite: after the largest id, which is what SQLite
    itself would pick; the write lock taken at BEGIN IMMEDIATE keeps it ours (a deferred
    transaction could not write after another writer's commit either)."""
    if is_postgres(session):
        return list(session.scalars(_PG_NEXT_TRANSACTION_IDS, {"count": count}))
    last = session.scalar(select(func.max(TransactionRow.id))) or 0
    return list(range(last + 1, last + 1 + count))


def insert_entries(session: Session, values: list[dict[str, object]]) -> None:
    _insert_rows(session, _ENTRIES, values)


def _insert_rows(session: Session, table: Table, rows: list[dict[str, object]]) -> None:
    """Many rows in one statement: PostgreSQL gets INSERT … SELECT FROM unnest(arrays),
    SQLite the driver's executemany. Values pass through each column type's own bind
    processing (UTC instants, JSON text), once per value, or once for a value that every
    row shares (the batch's instant, an empty ``details``), which the arrays send once."""
    if not rows:
        return
    connection = session.connection()
    names = tuple(rows[0])
    columns = [[row[name] for row in rows] for name in names]
    shared = [len(rows) > 1 and all(v == c[0] for v in c) for c in columns]
    shared[0] = False  # one array, at least, says how many rows there are
    statement, convert = _bulk_insert(table, names, tuple(shared), connection.dialect)
    values = [
        to_db(column[0]) if one else [to_db(v) for v in column]
        for to_db, column, one in zip(convert, columns, shared, strict=True)
    ]
    if is_postgres(session):
        connection.execute(statement, dict(zip(names, values, strict=True)))
    elif connection.dialect.name == "sqlite":
        full = [[v] * len(rows) if one else v for v, one in zip(values, shared, strict=True)]
        connection.exec_driver_sql(str(statement), list(zip(*full, strict=True)))
    else:
        connection.execute(insert(table), rows)


# statements ---------------------------------------------------------------------------------
_ACCOUNTS = cast(Table, AccountRow.__table__)
_TRANSACTIONS = cast(Table, TransactionRow.__table__)
_ENTRIES = cast(Table, EntryRow.__table__)

_PG_NEXT_TRANSACTION_IDS = text(
    "SELECT nextval(pg_get_serial_sequence('ledger_transactions', 'id'))"
    " FROM generate_series(1, :count)"
)

_PG_STORE_TOTALS = text(
    "UPDATE ledger_accounts AS a"
    " SET posted = v.posted, pending_out = v.pending_out, pending_in = v.pending_in"
    " FROM unnest(CAST(:id AS BIGINT[]), CAST(:posted AS BIGINT[]),"
    " CAST(:pending_out AS BIGINT[]), CAST(:pending_in AS BIGINT[]))"
    " AS v(id, posted, pending_out, pending_in)"
    " WHERE a.id = v.id"
)


@lru_cache(maxsize=32)
def _bulk_insert(
    table: Table, names: tuple[str, ...], shared: tuple[bool, ...], dialect: Dialect
) -> tuple[TextClause, list[Callable[[Any], Any]]]:
    """The statement for :func:`_insert_rows`, and each column's bind processing.

    PostgreSQL: ``INSERT INTO t (a, b) SELECT u.a, CAST(:b AS type) FROM unnest(CAST(:a AS
    type[])) AS u(a)``, one array per column or one value when every row shares it.
    SQLite: ``INSERT INTO t (a, b) VALUES (?, ?)`` for the driver's executemany.
    Elsewhere: SQLAlchemy's own executemany (the statement is then unused).
    """
    columns = [table.c[name] for name in names]
    convert = [_bind_processor(c, dialect) for c in columns]
    if dialect.name == "sqlite":
        marks = ", ".join("?" for _ in names)
        return text(f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({marks})"), convert
    if dialect.name != "postgresql":
        return text(""), convert
    types = [c.type.compile(dialect=dialect) for c in columns]
    arrays = [(n, t) for n, t, one in zip(names, types, shared, strict=True) if not one]
    selected = [
        f"CAST(:{n} AS {t})" if one else f"u.{n}"
        for n, t, one in zip(names, types, shared, strict=True)
    ]
    statement = text(
        f"INSERT INTO {table.name} ({', '.join(names)}) SELECT {', '.join(selected)}"
        f" FROM unnest({', '.join(f'CAST(:{n} AS {t}[])' for n, t in arrays)})"
        f" AS u({', '.join(n for n, _ in arrays)})"
    )
    return statement, convert


def _bind_processor(column: Column[Any], dialect: Dialect) -> Callable[[Any], Any]:
    if isinstance(column.type, JSON):
        return lambda value: None if value is None else json.dumps(value)
    # The dialect's own implementation: on SQLite it writes instants in the same text form
    # as every ORM write, so stored instants compare and sort alike whoever wrote them.
    process = column.type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else _same


def _same(value: Any) -> Any:
    return value
