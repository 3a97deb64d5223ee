"""Stores ledger movements inside the caller's unit of work (DEP-15).

Every movement locks the accounts it touches (``SELECT … FOR UPDATE`` in id order on
PostgreSQL; SQLite holds its database lock from ``BEGIN IMMEDIATE``), checks the
no-negative flags against the locked totals, then appends the transaction, its entries and
the new totals. Nothing here commits: the caller's transaction does.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

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


@dataclass
class _Totals:
    """An account's running totals while a batch is applied in memory."""

    id: int
    code: str
    no_negative: bool
    posted: int
    pending_out: int
    pending_in: int

    def ensure_allowed(self, rule: str = "DEP-15") -> None:
        if self.no_negative and self.posted - self.pending_out < 0:
            raise InsufficientFunds(
                f"account {self.code} would have {Money(self.posted - self.pending_out)} "
                "available; it may not go below 0.00",
                field="account",
                rule=rule,
                extra={"account": self.code},
            )


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
        codes = {p.account for r in requests for p in r.postings}
        totals = self._lock(codes)
        replayed = self._replayed(requests)
        fresh = [r for r in requests if r.idempotency_key not in replayed]
        for request in fresh:
            for posting in request.postings:
                totals[posting.account].posted += posting.amount.cents
            for posting in request.postings:
                totals[posting.account].ensure_allowed()
        ids = self._insert_transactions(
            [self._transaction_values(r, kind="transfer", status="posted") for r in fresh]
        )
        now = self.clock.now()
        entries = [
            {
                "transaction_id": txn_id,
                "account_id": totals[p.account].id,
                "amount": p.amount.cents,
                "pending": False,
                "effective_at": r.effective_at or now,
                "recorded_at": now,
            }
            for r, txn_id in zip(fresh, ids, strict=True)
            for p in r.postings
        ]
        self._insert_entries(entries)
        self._store_totals(totals.values())
        by_id = self._transactions(ids)
        fresh_rows = iter(by_id[i] for i in ids)
        return [
            replayed[r.idempotency_key] if r.idempotency_key in replayed else next(fresh_rows)
            for r in requests
        ]

    # holds ------------------------------------------------------------------------------
    def hold(self, request: HoldRequest) -> TransactionRow:
        """Reserve money: it stays on ``debit`` but is no longer available there."""
        totals = self._lock({request.debit, request.credit})
        replayed = self._replayed_one(request.idempotency_key, request.fingerprint())
        if replayed is not None:
            return replayed
        debit, credit = totals[request.debit], totals[request.credit]
        debit.pending_out += request.amount.cents
        credit.pending_in += request.amount.cents
        debit.ensure_allowed()
        values = self._hold_values(request)
        [txn_id] = self._insert_transactions([values])
        now = self.clock.now()
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
        debit.ensure_allowed()
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
                select(EntryRow).where(EntryRow.transaction_id.in_(list(txn_ids))).order_by(
                    EntryRow.id
                )
            )
        )

    # internals --------------------------------------------------------------------------
    def _lock(self, codes: set[str]) -> dict[str, _Totals]:
        rows = self._locked_rows(AccountRow.code.in_(sorted(codes)))
        found = {row.code: row for row in rows}
        missing = sorted(codes - found.keys())
        if missing:
            raise NotFound(f"no ledger account {missing[0]}", field="account")
        return dict(found)

    def _lock_ids(self, ids: set[int]) -> dict[int, _Totals]:
        return {row.id: row for row in self._locked_rows(AccountRow.id.in_(sorted(ids)))}

    def _locked_rows(self, where: object) -> list[_Totals]:
        statement = (
            select(
                AccountRow.id,
                AccountRow.code,
                AccountRow.no_negative,
                AccountRow.posted,
                AccountRow.pending_out,
                AccountRow.pending_in,
            )
            .where(where)  # type: ignore[arg-type]
            .order_by(AccountRow.id)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            statement = statement.with_for_update()
        return [_Totals(*row) for row in self.session.execute(statement)]

    def _store_totals(self, totals: Iterable[_Totals]) -> None:
        rows = [
            {"id_": t.id, "posted": t.posted, "pending_out": t.pending_out, "pending_in": t.pending_in}
            for t in totals
        ]
        if rows:
            self.session.connection().execute(
                update(AccountRow.__table__)
                .where(AccountRow.__table__.c.id == _bind("id_"))
                .values(
                    posted=_bind("posted"),
                    pending_out=_bind("pending_out"),
                    pending_in=_bind("pending_in"),
                ),
                rows,
            )
            self._expire_accounts()

    def _expire_accounts(self) -> None:
        """Account objects the caller holds are stale now; other rows (a replayed transaction
        about to be returned) must stay loaded, or they are unreadable after the commit."""
        for obj in list(self.session.identity_map.values()):
            if isinstance(obj, AccountRow):
                self.session.expire(obj)

    def _replayed(self, requests: Sequence[TransferRequest]) -> dict[str | None, TransactionRow]:
        keys = [r.idempotency_key for r in requests if r.idempotency_key]
        if len(keys) != len(set(keys)):
            raise InvalidInput("an idempotency key appears twice in one batch", field="idempotency_key")
        if not keys:
            return {}
        stored = {
            row.idempotency_key: row
            for row in self.session.scalars(
                select(TransactionRow).where(TransactionRow.idempotency_key.in_(keys))
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
        row = self.session.scalar(select(TransactionRow).where(TransactionRow.idempotency_key == key))
        if row is not None and row.request_hash != request_hash:
            raise IdempotencyKeyReused(
                f"idempotency key {key!r} was used for another request", field="idempotency_key"
            )
        return row

    def _transaction_values(self, request: TransferRequest, *, kind: str, status: str) -> dict[str, object]:
        now = self.clock.now()
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

    def _hold_values(self, request: HoldRequest) -> dict[str, object]:
        now = self.clock.now()
        return {
            "kind": "hold",
            "status": "pending",
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
        if not values:
            return []
        statement = insert(TransactionRow).returning(TransactionRow.id, sort_by_parameter_order=True)
        try:
            with self.session.begin_nested():
                return list(self.session.scalars(statement, values))
        except IntegrityError as error:
            raise IdempotencyKeyReused(
                "an idempotency key of this request is already used by another transaction",
                field="idempotency_key",
            ) from error

    def _insert_entries(self, values: list[dict[str, object]]) -> None:
        if values:
            self.session.execute(insert(EntryRow), values)

    def _transactions(self, ids: list[int]) -> dict[int, TransactionRow]:
        if not ids:
            return {}
        rows = self.session.scalars(select(TransactionRow).where(TransactionRow.id.in_(ids)))
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


def _bind(name: str) -> object:
    from sqlalchemy import bindparam

    return bindparam(name)


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
