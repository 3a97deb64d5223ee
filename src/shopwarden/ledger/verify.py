"""Recomputes the ledger from its entries and lists every disagreement (DEP-15).

Used by ``shopwarden ledger verify`` and after every step of the ledger's state-machine test.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from shopwarden.ledger.tables import AccountRow, EntryRow, TransactionRow
from shopwarden.money import Money


@dataclass(frozen=True)
class Mismatch:
    subject: str
    problem: str


def verify_ledger(session: Session) -> list[Mismatch]:
    return [
        *_unbalanced_transactions(session),
        *_account_totals(session),
        *_negative_flagged_accounts(session),
        *_settlements(session),
    ]


def _unbalanced_transactions(session: Session) -> list[Mismatch]:
    statement = (
        select(EntryRow.transaction_id, func.sum(EntryRow.amount), func.count())
        .group_by(EntryRow.transaction_id)
        .having((func.sum(EntryRow.amount) != 0) | (func.count() < 2))
    )
    found = [
        Mismatch(f"transaction {txn}", f"{count} postings summing to {Money(int(total))}")
        for txn, total, count in session.execute(statement)
    ]
    orphans = select(TransactionRow.id).where(
        TransactionRow.status != "voided",
        ~select(EntryRow.id).where(EntryRow.transaction_id == TransactionRow.id).exists(),
    )
    found += [Mismatch(f"transaction {txn}", "has no postings") for txn in session.scalars(orphans)]
    return found


def _account_totals(session: Session) -> list[Mismatch]:
    live_hold = (EntryRow.pending.is_(True)) & (TransactionRow.status == "pending")
    recomputed = (
        select(
            EntryRow.account_id,
            func.coalesce(
                func.sum(case((EntryRow.pending.is_(False), EntryRow.amount), else_=0)), 0
            ),
            func.coalesce(
                func.sum(case((live_hold & (EntryRow.amount < 0), -EntryRow.amount), else_=0)), 0
            ),
            func.coalesce(
                func.sum(case((live_hold & (EntryRow.amount > 0), EntryRow.amount), else_=0)), 0
            ),
        )
        .join(TransactionRow, TransactionRow.id == EntryRow.transaction_id)
        .group_by(EntryRow.account_id)
    )
    sums = {row[0]: (int(row[1]), int(row[2]), int(row[3])) for row in session.execute(recomputed)}
    found = []
    for account in session.scalars(select(AccountRow)):
        stored = (account.posted, account.pending_out, account.pending_in)
        expected = sums.get(account.id, (0, 0, 0))
        if stored != expected:
            found.append(
                Mismatch(
                    f"account {account.code}",
                    f"stored posted/pending out/pending in {stored} but entries give {expected}",
                )
            )
    return found


def _negative_flagged_accounts(session: Session) -> list[Mismatch]:
    statement = select(AccountRow).where(
        AccountRow.no_negative.is_(True), AccountRow.posted - AccountRow.pending_out < 0
    )
    return [
        Mismatch(f"account {a.code}", f"available {Money(a.posted - a.pending_out)} below 0.00")
        for a in session.scalars(statement)
    ]


def _settlements(session: Session) -> list[Mismatch]:
    """A posted hold has one settlement, of at most the held amount; others have none."""
    settlements = {
        hold_id: (count, int(posted))
        for hold_id, count, posted in session.execute(
            select(
                TransactionRow.hold_id,
                func.count(func.distinct(TransactionRow.id)),
                func.sum(case((EntryRow.amount > 0, EntryRow.amount), else_=0)),
            )
            .join(EntryRow, EntryRow.transaction_id == TransactionRow.id)
            .where(TransactionRow.kind == "settlement")
            .group_by(TransactionRow.hold_id)
        )
    }
    held = {
        hold_id: int(amount)
        for hold_id, amount in session.execute(
            select(
                EntryRow.transaction_id,
                func.sum(case((EntryRow.amount > 0, EntryRow.amount), else_=0)),
            )
            .join(TransactionRow, TransactionRow.id == EntryRow.transaction_id)
            .where(TransactionRow.kind == "hold")
            .group_by(EntryRow.transaction_id)
        )
    }
    statuses = {
        hold_id: status
        for hold_id, status in session.execute(
            select(TransactionRow.id, TransactionRow.status).where(TransactionRow.kind == "hold")
        )
    }
    found = []
    for hold_id, status in statuses.items():
        count, posted = settlements.get(hold_id, (0, 0))
        if status == "posted" and (count != 1 or posted > held.get(hold_id, 0)):
            found.append(
                Mismatch(f"hold {hold_id}", f"posted with {count} settlements of {Money(posted)}")
            )
        if status != "posted" and count:
            found.append(Mismatch(f"hold {hold_id}", f"{status} but has {count} settlements"))
    return found
