"""The ledger's public API: accounts, transfers, holds and balances (DEP-15).

Movements are stored inside the caller's unit of work and nothing here commits. Each one locks
the accounts it touches, checks the resulting totals (``bounds.py``: no-negative accounts stay
at 0.00 or above, every total and posting stays inside the signed 64-bit range the columns
hold) and appends the transaction, its entries and the new totals through the bulk writer
(``writer.py``), which is also what :meth:`Ledger.post_batch` uses for bulk work.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from shopwarden.clock import Clock
from shopwarden.db.lookup import get_or_raise
from shopwarden.errors import Conflict, InvalidInput, NotFound
from shopwarden.ledger import writer
from shopwarden.ledger.bounds import Totals, ensure_posting_in_range
from shopwarden.ledger.model import Balance, HoldRequest, TransferRequest, fingerprint
from shopwarden.ledger.tables import AccountRow, EntryRow, TransactionRow
from shopwarden.money import Money


class Ledger:
    """The ledger over one unit of work's session; cheap and stateless beyond it."""

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
        rows = writer.transactions(self.session, sorted(set(ids)))
        return [rows[i] for i in ids]

    def post_batch(self, requests: Sequence[TransferRequest]) -> list[int]:
        """Like :meth:`post_many`, for bulk work: returns the transaction ids, loads no rows.

        A batch costs a fixed number of round trips, whatever its size (``writer.py``).
        """
        return writer.post_batch(self.session, self.clock, requests)

    # holds ------------------------------------------------------------------------------
    def hold(self, request: HoldRequest) -> TransactionRow:
        """Reserve money: it stays on ``debit`` but is no longer available there."""
        totals = writer.lock_accounts(self.session, {request.debit, request.credit})
        replayed = writer.replayed_transaction(
            self.session, request.idempotency_key, request.fingerprint()
        )
        if replayed is not None:
            return replayed
        ensure_posting_in_range(request.amount.cents)
        debit, credit = totals[request.debit], totals[request.credit]
        debit.pending_out += request.amount.cents
        credit.pending_in += request.amount.cents
        credit.ensure_in_range()
        debit.ensure_valid()
        now = self.clock.now()
        values = writer.transaction_values(request, now, kind="hold", status="pending")
        [txn_id] = writer.insert_transactions(self.session, [values])
        effective = request.effective_at or now
        writer.insert_entries(
            self.session,
            [
                writer.entry(txn_id, debit.id, -request.amount.cents, True, effective, now),
                writer.entry(txn_id, credit.id, request.amount.cents, True, effective, now),
            ],
        )
        writer.store_totals(self.session, totals.values())
        return writer.transactions(self.session, [txn_id])[txn_id]

    def post_hold(
        self,
        hold_id: int,
        *,
        amount: Money | None = None,
        description: str | None = None,
        effective_at: datetime | None = None,
    ) -> TransactionRow:
        """Settle a pending hold, in full or in part; what is not posted is released."""
        hold, (debit_leg, credit_leg) = self._pending_hold(hold_id)
        held = credit_leg.amount
        posted = held if amount is None else amount.cents
        if posted <= 0 or posted > held:
            raise InvalidInput(
                f"can post more than 0.00 and at most the held {Money(held)}", field="amount"
            )
        totals = writer.lock_account_ids(
            self.session, {debit_leg.account_id, credit_leg.account_id}
        )
        self._resolve(hold, "posted")
        debit, credit = totals[debit_leg.account_id], totals[credit_leg.account_id]
        debit.pending_out -= held
        credit.pending_in -= held
        debit.posted -= posted
        credit.posted += posted
        credit.ensure_in_range()
        debit.ensure_valid()
        txn_id = self._settlement(
            hold,
            debit,
            credit,
            held=held,
            posted=posted,
            description=description,
            effective_at=effective_at,
        )
        writer.store_totals(self.session, totals.values())
        return writer.transactions(self.session, [txn_id])[txn_id]

    def void_hold(self, hold_id: int) -> TransactionRow:
        """Release a pending hold: the reserved money is available again."""
        hold, (debit_leg, credit_leg) = self._pending_hold(hold_id)
        totals = writer.lock_account_ids(
            self.session, {debit_leg.account_id, credit_leg.account_id}
        )
        self._resolve(hold, "voided")
        totals[debit_leg.account_id].pending_out -= credit_leg.amount
        totals[credit_leg.account_id].pending_in -= credit_leg.amount
        writer.store_totals(self.session, totals.values())
        self.session.refresh(hold)
        return hold

    def transaction(self, txn_id: int) -> TransactionRow:
        return get_or_raise(
            self.session, TransactionRow, txn_id, what="ledger transaction", field="transaction_id"
        )

    def entries(self, txn_ids: Iterable[int]) -> list[EntryRow]:
        return list(
            self.session.scalars(
                select(EntryRow)
                .where(EntryRow.transaction_id.in_(list(txn_ids)))
                .order_by(EntryRow.id)
            )
        )

    # internals --------------------------------------------------------------------------
    def _settlement(
        self,
        hold: TransactionRow,
        debit: Totals,
        credit: Totals,
        *,
        held: int,
        posted: int,
        description: str | None,
        effective_at: datetime | None,
    ) -> int:
        """Append the settlement of ``hold``: ``posted`` of the ``held`` moves for good."""
        now = self.clock.now()
        effective = effective_at or now
        values: dict[str, object] = {
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
        [txn_id] = writer.insert_transactions(self.session, [values])
        writer.insert_entries(
            self.session,
            [
                writer.entry(txn_id, debit.id, -posted, False, effective, now),
                writer.entry(txn_id, credit.id, posted, False, effective, now),
            ],
        )
        return txn_id

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


__all__ = ["Ledger", "fingerprint"]
