"""Ledger accounts, transactions and holds (DEP-15). Money moves need an Idempotency-Key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select
from sqlalchemy.orm import Session

from shopwarden.api.deps import (
    ContainerDep,
    PrincipalDep,
    merchant_filter,
    require_operator,
    require_visible,
)
from shopwarden.api.idempotency import MoneyCallDep
from shopwarden.api.params import RowId
from shopwarden.errors import NotFound
from shopwarden.ledger.model import HoldRequest
from shopwarden.ledger.schemas import (
    AccountCreate,
    AccountOut,
    HoldIn,
    HoldPostIn,
    PostingOut,
    TransactionOut,
    TransferIn,
)
from shopwarden.ledger.service import Ledger
from shopwarden.ledger.tables import AccountRow, EntryRow, TransactionRow
from shopwarden.money import Money

router = APIRouter(prefix="/v1/ledger", tags=["ledger"])


def account_out(row: AccountRow) -> AccountOut:
    return AccountOut(
        id=row.id,
        code=row.code,
        merchant_id=row.merchant_id,
        purpose=row.purpose,
        no_negative=row.no_negative,
        posted=Money(row.posted).to_text(),
        pending_out=Money(row.pending_out).to_text(),
        pending_in=Money(row.pending_in).to_text(),
        available=Money(row.posted - row.pending_out).to_text(),
        created_at=row.created_at,
    )


def require_accounts(session: Session, accounts: list[tuple[str, str]]) -> None:
    """404 for the first (field, code) whose account does not exist, naming that field
    (``debit``, ``credit``, ``postings.1.account``), before any account is locked."""
    codes = {code for _, code in accounts}
    known = set(session.scalars(select(AccountRow.code).where(AccountRow.code.in_(codes))))
    for field, code in accounts:
        if code not in known:
            raise NotFound(f"no ledger account {code}", field=field)


def transaction_out(session: Session, row: TransactionRow) -> TransactionOut:
    legs = session.execute(
        select(EntryRow, AccountRow.code)
        .join(AccountRow, AccountRow.id == EntryRow.account_id)
        .where(EntryRow.transaction_id == row.id)
        .order_by(EntryRow.id)
    ).all()
    return TransactionOut(
        id=row.id,
        kind=row.kind,  # type: ignore[arg-type]
        status=row.status,  # type: ignore[arg-type]
        hold_id=row.hold_id,
        description=row.description,
        details=row.details,
        effective_at=row.effective_at,
        recorded_at=row.recorded_at,
        resolved_at=row.resolved_at,
        postings=[
            PostingOut(account=code, amount=Money(entry.amount).to_text(), pending=entry.pending)
            for entry, code in legs
        ],
    )


@router.post("/accounts", status_code=201, response_model=AccountOut)
def open_account(
    body: AccountCreate, container: ContainerDep, principal: PrincipalDep
) -> AccountOut:
    require_operator(principal)
    with container.db.transaction() as session:
        row = Ledger(session, container.clock).open_account(
            body.code,
            purpose=body.purpose,
            merchant_id=body.merchant_id,
            no_negative=body.no_negative,
        )
        return account_out(row)


@router.get("/accounts", response_model=list[AccountOut])
def list_accounts(
    container: ContainerDep, principal: PrincipalDep, merchant_id: str | None = None
) -> list[AccountOut]:
    merchant_id = merchant_filter(principal, merchant_id, "accounts")
    with container.db.transaction() as session:
        statement = select(AccountRow).order_by(AccountRow.code)
        if merchant_id:
            statement = statement.where(AccountRow.merchant_id == merchant_id)
        return [account_out(a) for a in session.scalars(statement)]


@router.get("/accounts/{code}", response_model=AccountOut)
def get_account(code: str, container: ContainerDep, principal: PrincipalDep) -> AccountOut:
    with container.db.transaction() as session:
        row = Ledger(session, container.clock).account(code)
        require_visible(principal, row.merchant_id, f"ledger account {code}")
        return account_out(row)


@router.get("/transactions", response_model=list[TransactionOut])
def list_transactions(
    container: ContainerDep,
    principal: PrincipalDep,
    account: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TransactionOut]:
    """Newest first. A merchant sees the transactions that touch its own accounts."""
    with container.db.transaction() as session:
        statement = select(TransactionRow).order_by(TransactionRow.id.desc()).limit(limit)
        touching = select(EntryRow.transaction_id).join(
            AccountRow, AccountRow.id == EntryRow.account_id
        )
        if account:
            row = Ledger(session, container.clock).account(account)
            require_visible(principal, row.merchant_id, f"ledger account {account}")
            statement = statement.where(
                TransactionRow.id.in_(touching.where(AccountRow.id == row.id))
            )
        elif not principal.is_operator:
            statement = statement.where(
                TransactionRow.id.in_(
                    touching.where(AccountRow.merchant_id == principal.merchant_id)
                )
            )
        return [transaction_out(session, t) for t in session.scalars(statement)]


@router.get("/transactions/{txn_id}", response_model=TransactionOut)
def get_transaction(
    txn_id: RowId, container: ContainerDep, principal: PrincipalDep
) -> TransactionOut:
    with container.db.transaction() as session:
        row = Ledger(session, container.clock).transaction(txn_id)
        out = transaction_out(session, row)
        owners = set(
            session.scalars(
                select(AccountRow.merchant_id)
                .join(EntryRow, EntryRow.account_id == AccountRow.id)
                .where(EntryRow.transaction_id == txn_id)
            )
        )
        if not principal.is_operator and principal.merchant_id not in owners:
            require_visible(principal, None, f"ledger transaction {txn_id}")
        return out


@router.post("/transactions", status_code=201, response_model=TransactionOut)
def post_transaction(
    body: TransferIn, money: MoneyCallDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Post a balanced transaction (operators). Repeating the key returns the first answer."""
    require_operator(principal)

    def work(session: Session) -> TransactionOut:
        require_accounts(session, body.accounts())
        row = Ledger(session, money.container.clock).post(body.to_request(money.ledger_key))
        return transaction_out(session, row)

    return money.run(body, work)


@router.post("/holds", status_code=201, response_model=TransactionOut)
def create_hold(body: HoldIn, money: MoneyCallDep, principal: PrincipalDep) -> dict[str, Any]:
    """Reserve money on ``debit`` for ``credit`` (frozen until posted or voided)."""
    require_operator(principal)

    def work(session: Session) -> TransactionOut:
        require_accounts(session, [("debit", body.debit), ("credit", body.credit)])
        hold = HoldRequest(
            debit=body.debit,
            credit=body.credit,
            amount=body.amount,
            description=body.description,
            effective_at=body.effective_at,
            details=body.details,
        )
        return transaction_out(session, Ledger(session, money.container.clock).hold(hold))

    return money.run(body, work)


@router.post("/holds/{hold_id}/post", status_code=201, response_model=TransactionOut)
def post_hold(
    hold_id: RowId, body: HoldPostIn, money: MoneyCallDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Settle a hold in full, or in part (the rest is released); exactly once."""
    require_operator(principal)

    def work(session: Session) -> TransactionOut:
        row = Ledger(session, money.container.clock).post_hold(
            hold_id, amount=body.amount, description=body.description
        )
        return transaction_out(session, row)

    return money.run(body, work)


@router.post("/holds/{hold_id}/void", status_code=200, response_model=TransactionOut)
def void_hold(hold_id: RowId, money: MoneyCallDep, principal: PrincipalDep) -> dict[str, Any]:
    """Release a hold: the money is available again; exactly once."""
    require_operator(principal)

    def work(session: Session) -> TransactionOut:
        return transaction_out(session, Ledger(session, money.container.clock).void_hold(hold_id))

    return money.run(None, work, status=200)
