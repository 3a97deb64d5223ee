"""Stores ledger movements inside the caller's unit of work (DEP-15).

Every movement locks the accounts it touches (``SELECT … FOR UPDATE`` in id order on
PostgreSQL; SQLite holds its database lock from ``BEGIN IMMEDIATE``), checks the
no-negative flags against the locked totals, then appends the transaction, its entries and
the new totals. Nothing here commits: the caller's transaction does.

A batch (``post_many``) takes a fixed number of statements whatever its size: on PostgreSQL
the rows travel as arrays (``unnest``), so a batch of 1,000 transfers is a handful of round
trips rather than thousands of row-by-row statements.

Every total an account carries (posted, pending in, pending out, and the available balance
computed from them) and every posting stays inside the signed 64-bit range the columns hold:
a movement that would leave it is refused with ``invalid-input`` naming ``amount`` before
anything is written, whoever asks (the API, the CLI, the cycle, the demo) (DEP-15).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
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
from shopwarden.errors import (
    Conflict,
    IdempotencyKeyReused,
    InsufficientFunds,
    InvalidInput,
    NotFound,
)
from shopwarden.ledger.model import Balance, HoldRequest, TransferRequest, fingerprint
from shopwarden.ledger.tables import AccountRow, EntryRow, TransactionRow
from shopwarden.money import Money

# The range of the BIGINT columns that store totals and postings (DEP-15).
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def _out_of_range(cents: int) -> bool:
    return not INT64_MIN <= cents <= INT64_MAX


def ensure_posting_in_range(cents: int) -> None:
    """A single posting (or hold) must fit a signed 64-bit column, either sign (DEP-15)."""
    if _out_of_range(cents) or _out_of_range(-cents):
        raise InvalidInput(
            f"the amount {Money(abs(cents))} is more than the ledger can hold",
            field="amount",
            rule="DEP-15",
        )


@dataclass
class _Totals:
    """An account's running totals while a batch is applied in memory."""

    id: int
    code: str
    no_negative: bool
    posted: int
    pending_out: int
    pending_in: int
    stored: tuple[int, int, int] = field(init=False)

    def __post_init__(self) -> None:
        self.saved()

    def saved(self) -> None:
        self.stored = (self.posted, self.pending_out, self.pending_in)

    @property
    def changed(self) -> bool:
        return self.stored != (self.posted, self.pending_out, self.pending_in)

    def ensure_allowed(self, rule: str = "DEP-15") -> None:
        if self.no_negative and self.posted - self.pending_out < 0:
            raise InsufficientFunds(
                f"account {self.code} would have {Money(self.posted - self.pending_out)} "
                "available; it may not go below 0.00",
                field="account",
                rule=rule,
                extra={"account": self.code},
            )

    def ensure_in_range(self) -> None:
        """Posted, pending in and out, and available stay signed 64-bit integers (DEP-15):
        past that, a total would be refused by the database or wrap around."""
        totals = {
            "posted": self.posted,
            "pending out": self.pending_out,
            "pending in": self.pending_in,
            "available": self.posted - self.pending_out,
        }
        for name, cents in totals.items():
            if _out_of_range(cents):
                raise InvalidInput(
                    f"account {self.code} would have {name} {Money(cents)}, beyond the "
                    f"ledger's range of {Money(INT64_MIN)} to {Money(INT64_MAX)}",
                    field="amount",
                    rule="DEP-15",
                    extra={"account": self.code},
                )

    def ensure_valid(self, rule: str = "DEP-15") -> None:
        self.ensure_in_range()
        self.ensure_allowed(rule)


class Ledger:
    def __init__(self, session: Session, clock: Clock) -> None:
        self.session = session
        self.clock = clock

    # accounts ---------------------------------------------------------------------------
    def open_account(
        self, code: str, *, purpose: str, merchant_id: str | None = None, no_negative: bool = True
    ) -> AccountRow:
        """Opening an account that exists with the same attributes returns it."""
        existing = self.session.scalar(select(AccountRow).where(AccountRow.code == code))
        if existing is not None:
            same = (existing.purpose, existing.merchant_id, existing.no_negative) == (
                purpose,
                merchant_id,
                no_negative,
            )
            if not same:
                raise Conflict(f"account {code} exists with other attributes", field="code")
            return existing
        row = AccountRow(
            code=code,
            purpose=purpose,
            merchant_id=merchant_id,
            no_negative=no_negative,
            posted=0,
            pending_out=0,
            pending_in=0,
            created_at=self.clock.now(),
        )
        self.session.add(row)
        self.session.flush()
        return row

    def account(self, code: str) -> AccountRow:
        row = self.session.scalar(select(AccountRow).where(AccountRow.code == code))
        if row is None:
            raise NotFound(f"no ledger account {code}", field="account")
        return row

    def balance(self, code: str) -> Balance:
        row = self.account(code)
        return Balance(row.posted, row.pending_out, row.pending_in)

    # transfers --------------------------------------------------------------------------
    def post(self, request: TransferRequest) -> TransactionRow:
        return self.post_many([request])[0]

    def post_many(self, requests: Sequence[TransferRequest]) -> list[TransactionRow]:
        """Post all of ``requests`` or none. A repeated idempotency key returns the first."""
        ids = self.post_batch(requests)
        rows = self._transactions(sorted(set(ids)))
        return [rows[i] for i in ids]

    def post_batch(self, requests: Sequence[TransferRequest]) -> list[int]:
        """Like :meth:`post_many`, for bulk work: returns the transaction ids, loads no rows.

        A batch costs a fixed number of round trips, whatever its size: lock, look up keys,
        allocate ids, insert transactions, insert entries, store totals.
        """
        codes = {p.account for r in requests for p in r.postings}
        totals = self._lock(codes)
        replayed = self._replayed(requests)
        fresh = [r for r in requests if r.idempotency_key not in replayed]
        for request in fresh:
            for posting in request.postings:
                ensure_posting_in_range(posting.amount.cents)
                totals[posting.account].posted += posting.amount.cents
            for posting in request.postings:
                totals[posting.account].ensure_valid()
        now = self.clock.now()
        ids = self._insert_transactions(
            [self._transaction_values(r, now, kind="transfer", status="posted") for r in fresh]
        )
        entries = [
            _entry(txn_id, totals[p.account].id, p.amount.cents, False, r.effective_at or now, now)
            for r, txn_id in zip(fresh, ids, strict=True)
            for p in r.postings
        ]
        self._insert_entries(entries)
        self._store_totals(totals.values())
        fresh_ids = iter(ids)
        return [
            replayed[r.idempotency_key].id if r.idempotency_key in replayed else next(fresh_ids)
            for r in requests
        ]

    # holds ------------------------------------------------------------------------------
    def hold(self, request: HoldRequest) -> TransactionRow:
        """Reserve money: it stays on ``debit`` but is no longer available there."""
        totals = self._lock({request.debit, request.credit})
        replayed = self._replayed_one(request.idempotency_key, request.fingerprint())
        if replayed is not None:
            return replayed
        ensure_posting_in_range(request.amount.cents)
        debit, credit = totals[request.debit], totals[request.credit]
        debit.pending_out += request.amount.cents
        credit.pending_in += request.amount.cents
        credit.ensure_in_range()
        debit.ensure_valid()
        now = self.clock.now()
        [txn_id] = self._insert_transactions(
            [self._transaction_values(request, now, kind="hold", status="pending")]
        )
        effective = request.effective_at or now
        self._insert_entries(
            [
                _entry(txn_id, debit.id, -request.amount.cents, True, effective, now),
                _entry(txn_id, credit.id, request.amount.cents, True, effective, now),
            ]
        )
        self._store_totals(totals.values())
        return self._transactions([txn_id])[txn_id]

    def post_hold(
        self,
        hold_id: int,
        *,
        amount: Money | None = None,
        description: str | None = None,
        effective_at: datetime | None = None,
    ) -> TransactionRow:
        """Settle a pending hold, in full or in part; what is not posted is released."""
        hold, legs = self._pending_hold(hold_id)
        debit_leg, credit_leg = legs
        held = credit_leg.amount
        posted = held if amount is None else amount.cents
        if posted <= 0 or posted > held:
            raise InvalidInput(
                f"can post more than 0.00 and at most the held {Money(held)}", field="amount"
            )
        totals = self._lock_ids({debit_leg.account_id, credit_leg.account_id})
        self._resolve(hold, "posted")
        debit, credit = totals[debit_leg.account_id], totals[credit_leg.account_id]
        debit.pending_out -= held
        credit.pending_in -= held
        debit.posted -= posted
        credit.posted += posted
        credit.ensure_in_range()
        debit.ensure_valid()
        now = self.clock.now()
        effective = effective_at or now
        [txn_id] = self._insert_transactions(
            [
                {
                    "kind": "settlement",
                    "status": "posted",
                    "hold_id": hold.id,
                    "description": description or f"settles hold {hold.id}",
                    "idempotency_key": None,
                    "request_hash": None,
                    "details": {"held": held, "posted": posted},
                    "effective_at": effective,
                    "recorded_at": now,
                    "resolved_at": None,
                }
            ]
        )
        self._insert_entries(
            [
                _entry(txn_id, debit.id, -posted, False, effective, now),
                _entry(txn_id, credit.id, posted, False, effective, now),
            ]
        )
        self._store_totals(totals.values())
        return self._transactions([txn_id])[txn_id]

    def void_hold(self, hold_id: int) -> TransactionRow:
        """Release a pending hold: the reserved money is available again."""
        hold, (debit_leg, credit_leg) = self._pending_hold(hold_id)
        totals = self._lock_ids({debit_leg.account_id, credit_leg.account_id})
        self._resolve(hold, "voided")
        totals[debit_leg.account_id].pending_out -= credit_leg.amount
        totals[credit_leg.account_id].pending_in -= credit_leg.amount
        self._store_totals(totals.values())
        self.session.refresh(hold)
        return hold

    def transaction(self, txn_id: int) -> TransactionRow:
        row = self.session.get(TransactionRow, txn_id)
        if row is None:
            raise NotFound(f"no ledger transaction {txn_id}", field="transaction_id")
        return row

    def entries(self, txn_ids: Iterable[int]) -> list[EntryRow]:
        return list(
            self.session.scalars(
                select(EntryRow)
                .where(EntryRow.transaction_id.in_(list(txn_ids)))
                .order_by(EntryRow.id)
            )
        )

    # internals --------------------------------------------------------------------------
    @property
    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def _among(
        self, column: InstrumentedAttribute[Any], values: Iterable[Any]
    ) -> ColumnElement[bool]:
        """``column IN values``; on PostgreSQL ``= ANY(array)``, one short statement whatever
        the number of values, that the driver need not parse anew for each batch."""
        listed = sorted(values)
        if self._postgres:
            return column == any_(bindparam(None, listed, type_=ARRAY(column.type)))
        return column.in_(listed)

    def _lock(self, codes: set[str]) -> dict[str, _Totals]:
        found = {row.code: row for row in self._locked_rows(self._among(AccountRow.code, codes))}
        missing = sorted(codes - found.keys())
        if missing:
            raise NotFound(f"no ledger account {missing[0]}", field="account")
        return found

    def _lock_ids(self, ids: set[int]) -> dict[int, _Totals]:
        return {row.id: row for row in self._locked_rows(self._among(AccountRow.id, ids))}

    def _locked_rows(self, where: ColumnElement[bool]) -> list[_Totals]:
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
        if self._postgres:
            statement = statement.with_for_update()
        return [_Totals(*row) for row in self.session.execute(statement)]

    def _store_totals(self, totals: Iterable[_Totals]) -> None:
        """Writes the totals that changed, in one statement."""
        changed = [t for t in totals if t.changed]
        if not changed:
            return
        if self._postgres:
            self.session.connection().execute(
                _PG_STORE_TOTALS,
                {
                    "id": [t.id for t in changed],
                    "posted": [t.posted for t in changed],
                    "pending_out": [t.pending_out for t in changed],
                    "pending_in": [t.pending_in for t in changed],
                },
            )
        else:
            table = _ACCOUNTS
            self.session.connection().execute(
                update(table)
                .where(table.c.id == bindparam("id_"))
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
        self._expire_accounts()

    def _expire_accounts(self) -> None:
        """Account objects the caller holds are stale now. Other rows stay loaded: a replayed
        transaction about to be returned must stay readable after the commit."""
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, AccountRow):
                self.session.expire(obj)

    def _replayed(self, requests: Sequence[TransferRequest]) -> dict[str | None, TransactionRow]:
        keys = [r.idempotency_key for r in requests if r.idempotency_key]
        if len(keys) != len(set(keys)):
            raise InvalidInput(
                "an idempotency key appears twice in one batch", field="idempotency_key"
            )
        if not keys:
            return {}
        stored = {
            row.idempotency_key: row
            for row in self.session.scalars(
                select(TransactionRow).where(self._among(TransactionRow.idempotency_key, keys))
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

    def _replayed_one(self, key: str | None, request_hash: str) -> TransactionRow | None:
        if not key:
            return None
        row = self.session.scalar(
            select(TransactionRow).where(TransactionRow.idempotency_key == key)
        )
        if row is not None and row.request_hash != request_hash:
            raise IdempotencyKeyReused(
                f"idempotency key {key!r} was used for another request", field="idempotency_key"
            )
        return row

    def _transaction_values(
        self, request: TransferRequest | HoldRequest, now: datetime, *, kind: str, status: str
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

    def _insert_transactions(self, values: list[dict[str, object]]) -> list[int]:
        """Inserts with ids allocated first, so the entries can name them without RETURNING.

        A key taken meanwhile by a concurrent request breaks the unique constraint; the
        savepoint keeps the caller's transaction usable and the error says what happened.
        """
        if not values:
            return []
        ids = self._allocate_transaction_ids(len(values))
        rows = [{"id": txn_id, **row} for txn_id, row in zip(ids, values, strict=True)]
        try:
            with self.session.begin_nested():
                self._insert_rows(_TRANSACTIONS, rows)
        except IntegrityError as error:
            raise IdempotencyKeyReused(
                "an idempotency key of this request is already used by another transaction",
                field="idempotency_key",
            ) from error
        return ids

    def _allocate_transaction_ids(self, count: int) -> list[int]:
        """PostgreSQL: from the id sequence. SQLite: after the largest id, which is what SQLite
        itself would pick; the write lock taken at BEGIN IMMEDIATE keeps it ours (a deferred
        transaction could not write after another writer's commit either)."""
        if self._postgres:
            return list(self.session.scalars(_PG_NEXT_TRANSACTION_IDS, {"count": count}))
        last = self.session.scalar(select(func.max(TransactionRow.id))) or 0
        return list(range(last + 1, last + 1 + count))

    def _insert_entries(self, values: list[dict[str, object]]) -> None:
        self._insert_rows(_ENTRIES, values)

    def _insert_rows(self, table: Table, rows: list[dict[str, object]]) -> None:
        """Many rows in one statement: PostgreSQL gets INSERT … SELECT FROM unnest(arrays),
        SQLite the driver's executemany. Values pass through each column type's own bind
        processing (UTC instants, JSON text), once per value, or once for a value that every
        row shares (the batch's instant, an empty ``details``), which the arrays send once."""
        if not rows:
            return
        connection = self.session.connection()
        names = tuple(rows[0])
        columns = [[row[name] for row in rows] for name in names]
        shared = [len(rows) > 1 and all(v == c[0] for v in c) for c in columns]
        shared[0] = False  # one array, at least, says how many rows there are
        statement, convert = _bulk_insert(table, names, tuple(shared), connection.dialect)
        values = [
            to_db(column[0]) if one else [to_db(v) for v in column]
            for to_db, column, one in zip(convert, columns, shared, strict=True)
        ]
        if self._postgres:
            connection.execute(statement, dict(zip(names, values, strict=True)))
        elif connection.dialect.name == "sqlite":
            full = [[v] * len(rows) if one else v for v, one in zip(values, shared, strict=True)]
            connection.exec_driver_sql(str(statement), list(zip(*full, strict=True)))
        else:
            connection.execute(insert(table), rows)

    def _transactions(self, ids: list[int]) -> dict[int, TransactionRow]:
        if not ids:
            return {}
        rows = self.session.scalars(
            select(TransactionRow).where(self._among(TransactionRow.id, ids))
        )
        return {row.id: row for row in rows}

    def _pending_hold(self, hold_id: int) -> tuple[TransactionRow, tuple[EntryRow, EntryRow]]:
        hold = self.session.get(TransactionRow, hold_id)
        if hold is None or hold.kind != "hold":
            raise NotFound(f"no hold {hold_id}", field="hold_id")
        if hold.status != "pending":
            raise Conflict(f"hold {hold_id} is already {hold.status}", field="hold_id")
        legs = sorted(self.entries([hold_id]), key=lambda e: e.amount)
        return hold, (legs[0], legs[1])

    def _resolve(self, hold: TransactionRow, status: str) -> None:
        """pending → posted | voided, exactly once, also when two requests race."""
        result = self.session.execute(
            update(TransactionRow)
            .where(TransactionRow.id == hold.id, TransactionRow.status == "pending")
            .values(status=status, resolved_at=self.clock.now())
        )
        if result.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict(f"hold {hold.id} was resolved meanwhile", field="hold_id")


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
    """The statement for :meth:`Ledger._insert_rows`, and each column's bind processing.

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


def _entry(
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


__all__ = ["Ledger", "fingerprint"]
