"""What the API accepts and shows for ledger accounts, transactions and holds."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator

from shopwarden.ledger.model import Posting, TransferRequest, transfer
from shopwarden.schema_types import (
    Details,
    Identifier,
    Instant,
    MoneyText,
    PositiveMoneyText,
    left_out,
    refuse_null,
)

ACCOUNT_CODE = r"^(merchant:[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}|platform):[a-z][a-z0-9_]{0,39}$"


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AccountCreate(Strict):
    code: str = Field(
        pattern=ACCOUNT_CODE,
        examples=["platform:marketing", "merchant:m1:wallet"],
        description="`merchant:<merchant_id>:<purpose>` or `platform:<purpose>`, agreeing with "
        "`merchant_id` and `purpose`.",
    )
    purpose: str = Field(pattern=r"^[a-z][a-z0-9_]{0,39}$")
    merchant_id: Identifier | None = None
    no_negative: StrictBool = True

    @model_validator(mode="after")
    def _code_matches_owner(self) -> AccountCreate:
        expected = f"merchant:{self.merchant_id}:" if self.merchant_id else "platform:"
        if not self.code.startswith(expected) or not self.code.endswith(f":{self.purpose}"):
            raise ValueError(f"code must be {expected}{self.purpose}")
        return self


class PostingIn(Strict):
    account: str = Field(pattern=ACCOUNT_CODE)
    amount: MoneyText


class TransferIn(Strict):
    """Either ``debit``/``credit``/``amount`` or a list of balanced ``postings``."""

    model_config = ConfigDict(
        # the schema says what _one_form checks: one form or the other, never both
        json_schema_extra={
            "oneOf": [
                {"required": ["debit", "credit", "amount"], "not": {"required": ["postings"]}},
                {
                    "required": ["postings"],
                    "not": {
                        "anyOf": [
                            {"required": ["debit"]},
                            {"required": ["credit"]},
                            {"required": ["amount"]},
                        ]
                    },
                },
            ]
        }
    )

    debit: str | None = left_out(pattern=ACCOUNT_CODE)
    credit: str | None = left_out(pattern=ACCOUNT_CODE)
    amount: PositiveMoneyText | None = left_out()
    postings: list[PostingIn] | None = left_out(min_length=2, max_length=50)
    _not_null = field_validator("debit", "credit", "amount", "postings", mode="before")(refuse_null)
    description: str = Field(min_length=1, max_length=500)
    effective_at: Instant | None = None
    details: Details = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_form(self) -> TransferIn:
        simple = (self.debit, self.credit, self.amount)
        if self.postings is None and None in simple:
            raise ValueError("give debit, credit and amount, or postings")
        if self.postings is not None and any(v is not None for v in simple):
            raise ValueError("give either debit/credit/amount or postings, not both")
        return self

    def accounts(self) -> list[tuple[str, str]]:
        """(field, account code) of every account the request names, in the request's order."""
        if self.postings is not None:
            return [(f"postings.{i}.account", p.account) for i, p in enumerate(self.postings)]
        return [("debit", self.debit or ""), ("credit", self.credit or "")]

    def to_request(self, idempotency_key: str) -> TransferRequest:
        if self.postings is None:
            assert self.debit and self.credit and self.amount
            return transfer(
                self.debit,
                self.credit,
                self.amount,
                self.description,
                idempotency_key=idempotency_key,
                effective_at=self.effective_at,
                details=self.details,
            )
        return TransferRequest(
            postings=tuple(Posting(p.account, p.amount) for p in self.postings),
            description=self.description,
            effective_at=self.effective_at,
            idempotency_key=idempotency_key,
            details=self.details,
        )


class HoldIn(Strict):
    debit: str = Field(pattern=ACCOUNT_CODE)
    credit: str = Field(pattern=ACCOUNT_CODE)
    amount: PositiveMoneyText
    description: str = Field(min_length=1, max_length=500)
    effective_at: Instant | None = None
    details: Details = Field(default_factory=dict)


class HoldPostIn(Strict):
    amount: PositiveMoneyText | None = None
    description: str | None = Field(default=None, max_length=500)


class AccountOut(BaseModel):
    id: int
    code: str
    merchant_id: str | None
    purpose: str
    no_negative: bool
    posted: str
    pending_out: str
    pending_in: str
    available: str
    created_at: datetime


class PostingOut(BaseModel):
    account: str
    amount: str
    pending: bool


class TransactionOut(BaseModel):
    id: int
    kind: Literal["transfer", "hold", "settlement"]
    status: Literal["posted", "pending", "voided"]
    hold_id: int | None
    description: str
    details: dict[str, Any]
    effective_at: datetime
    recorded_at: datetime
    resolved_at: datetime | None
    postings: list[PostingOut]
