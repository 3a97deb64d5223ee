"""What the ledger's readers ask of it: accounts, transactions and their postings (DEP-15).

Read-only; each takes the unit of work's context and keyword-only filters, so an interface
(the API, the CLI) asks the ledger rather than writing SQL of its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import select

from shopwarden.errors import NotFound
from shopwarden.ledger.tables import AccountRow, EntryRow, TransactionRow

if TYPE_CHECKING:  # types only: the context module itself imports the ledger
    from shopwarden.context import Context


def require_accounts(ctx: Context, *, accounts: Sequence[tuple[str, str]]) -> None:
    """404 for the first (field, code) whose account does not exist, naming that field
    (``debit``, ``credit``, ``postings.1.account``), before any account is locked."""
    codes = {code for _, code in accounts}
    known = set(ctx.session.scalars(select(AccountRow.code).where(AccountRow.code.in_(codes))))
    for field, code in accounts:
        if code not in known:
            raise NotFound(f"no ledger account {code}", field=field)


def accounts(ctx: Context, *, merchant_id: str | None = None) -> list[AccountRow]:
    """Every account by code, or the merchant's own."""
    statement = select(AccountRow).order_by(AccountRow.code)
    if merchant_id:
        statement = statement.where(AccountRow.merchant_id == merchant_id)
    return list(ctx.session.scalars(statement))


def recent_transactions(
    ctx: Context,
    *,
    limit: int,
    account_id: int | None = None,
    merchant_id: str | None = None,
) -> list[TransactionRow]:
    """Newest first: those touching ``account_id``, else any account of ``merchant_id``,
    else all of them."""
    statement = select(TransactionRow).order_by(TransactionRow.id.desc()).limit(limit)
    touching = select(EntryRow.transaction_id).join(
        AccountRow, AccountRow.id == EntryRow.account_id
    )
    if account_id is not None:
        statement = statement.where(
            TransactionRow.id.in_(touching.where(AccountRow.id == account_id))
        )
    elif merchant_id is not None:
        statement = statement.where(
            TransactionRow.id.in_(touching.where(AccountRow.merchant_id == merchant_id))
        )
    return list(ctx.session.scalars(statement))


def postings(ctx: Context, *, transaction_id: int) -> list[tuple[EntryRow, str]]:
    """The transaction's entries in order, each with its account's code."""
    legs = ctx.session.execute(
        select(EntryRow, AccountRow.code)
        .join(AccountRow, AccountRow.id == EntryRow.account_id)
        .where(EntryRow.transaction_id == transaction_id)
        .order_by(EntryRow.id)
    )
    return [(entry, code) for entry, code in legs]


def owners(ctx: Context, *, transaction_id: int) -> set[str | None]:
    """The merchants whose accounts the transaction touches (None: a platform account)."""
    return set(
        ctx.session.scalars(
            select(AccountRow.merchant_id)
            .join(EntryRow, EntryRow.account_id == AccountRow.id)
            .where(EntryRow.transaction_id == transaction_id)
        )
    )
