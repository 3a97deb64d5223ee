"""Ledger accounts, transactions and holds (DEP-15). Money moves need an Idempotency-Key."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from shopwarden.api.deps import (
    PrincipalDep,
    UnitsDep,
    merchant_filter,
    require_operator,
    require_visible,
)
from shopwarden.api.idempotency import MoneyCallDep
from shopwarden.api.params import RowId
from shopwarden.context import Context
from shopwarden.ledger import queries
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
from shopwarden.ledger.tables import AccountRow, TransactionRow
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


def transaction_out(ctx: Context, row: TransactionRow) -> TransactionOut:
    legs = queries.postings(ctx, transaction_id=row.id)
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
def open_account(body: AccountCreate, units: UnitsDep, principal: PrincipalDep) -> AccountOut:
    require_operator(principal)
    with units() as ctx:
        row = ctx.ledger.open_account(
            body.code,
            purpose=body.purpose,
            merchant_id=body.merchant_id,
            no_negative=body.no_negative,
        )
        return account_out(row)


@router.get("/accounts", response_model=list[AccountOut])
def list_accounts(
    units: UnitsDep, principal: PrincipalDep, merchant_id: str | None = None
) -> list[AccountOut]:
    merchant_id = merchant_filter(principal, merchant_id, "accounts")
    with units() as ctx:
        return [account_out(a) for a in queries.accounts(ctx, merchant_id=merchant_id)]


@router.get("/accounts/{code}", response_model=AccountOut)
def get_account(code: str, units: UnitsDep, principal: PrincipalDep) -> AccountOut:
    with units() as ctx:
        row = ctx.ledger.account(code)
        require_visible(principal, row.merchant_id, f"ledger account {code}")
        return account_out(row)


@router.get("/transactions", response_model=list[TransactionOut])
def list_transactions(
    units: UnitsDep,
    principal: PrincipalDep,
    account: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[TransactionOut]:
    """Newest first. A merchant sees the transactions that touch its own accounts."""
    with units() as ctx:
        account_id = None
        if account:
            row = ctx.ledger.account(account)
            require_visible(principal, row.merchant_id, f"ledger account {account}")
            account_id = row.id
        rows = queries.recent_transactions(
            ctx,
            limit=limit,
            account_id=account_id,
            merchant_id=None if principal.is_operator else principal.merchant_id,
        )
        return [transaction_out(ctx, t) for t in rows]


@router.get("/transactions/{txn_id}", response_model=TransactionOut)
def get_transaction(txn_id: RowId, units: UnitsDep, principal: PrincipalDep) -> TransactionOut:
    with units() as ctx:
        row = ctx.ledger.transaction(txn_id)
        out = transaction_out(ctx, row)
        owners = queries.owners(ctx, transaction_id=txn_id)
        if not principal.is_operator and principal.merchant_id not in owners:
            require_visible(principal, None, f"ledger transaction {txn_id}")
        return out


@router.post("/transactions", status_code=201, response_model=TransactionOut)
def post_transaction(
    body: TransferIn, money: MoneyCallDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Post a balanced transaction (operators). Repeating the key returns the first answer."""
    require_operator(principal)

    def work(ctx: Context) -> TransactionOut:
        queries.require_accounts(ctx, accounts=body.accounts())
        row = ctx.ledger.post(body.to_request(money.ledger_key))
        return transaction_out(ctx, row)

    return money.run(body, work)


@router.post("/holds", status_code=201, response_model=TransactionOut)
def create_hold(body: HoldIn, money: MoneyCallDep, principal: PrincipalDep) -> dict[str, Any]:
    """Reserve money on ``debit`` for ``credit`` (frozen until posted or voided)."""
    require_operator(principal)

    def work(ctx: Context) -> TransactionOut:
        queries.require_accounts(ctx, accounts=[("debit", body.debit), ("credit", body.credit)])
        hold = HoldRequest(
            debit=body.debit,
            credit=body.credit,
            amount=body.amount,
            description=body.description,
            effective_at=body.effective_at,
            details=body.details,
        )
        return transaction_out(ctx, ctx.ledger.hold(hold))

    return money.run(body, work)


@router.post("/holds/{hold_id}/post", status_code=201, response_model=TransactionOut)
def post_hold(
    hold_id: RowId, body: HoldPostIn, money: MoneyCallDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Settle a hold in full, or in part (the rest is released); exactly once."""
    require_operator(principal)

    def work(ctx: Context) -> TransactionOut:
        row = ctx.ledger.post_hold(hold_id, amount=body.amount, description=body.description)
        return transaction_out(ctx, row)

    return money.run(body, work)


@router.post("/holds/{hold_id}/void", status_code=200, response_model=TransactionOut)
def void_hold(hold_id: RowId, money: MoneyCallDep, principal: PrincipalDep) -> dict[str, Any]:
    """Release a hold: the money is available again; exactly once."""
    require_operator(principal)

    def work(ctx: Context) -> TransactionOut:
        return transaction_out(ctx, ctx.ledger.void_hold(hold_id))

    return money.run(None, work, status=200)
