"""Tokens are shown once and stored only as a hash; a principal is what a token proves."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopwarden.auth.tables import TokenRow
from shopwarden.catalog.tables import MerchantRow
from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise
from shopwarden.errors import InvalidInput, Unauthorized


@dataclass(frozen=True, slots=True)
class Principal:
    role: str  # operator | merchant
    merchant_id: str | None = None

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"

    @property
    def scope(self) -> str:
        return "operator" if self.is_operator else f"merchant:{self.merchant_id}"

    def can_see(self, merchant_id: str | None) -> bool:
        """Operators see every merchant; a merchant sees only itself."""
        return self.is_operator or (merchant_id is not None and merchant_id == self.merchant_id)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    ctx: Context, *, role: str, merchant_id: str | None = None, label: str = ""
) -> str:
    """Returns the token text; only its hash is stored, so it cannot be shown again."""
    if role not in ("operator", "merchant"):
        raise InvalidInput(f"unknown role {role!r}", field="role")
    if role == "merchant":
        if not merchant_id:
            raise InvalidInput("a merchant token names its merchant", field="merchant_id")
        get_or_raise(ctx.session, MerchantRow, merchant_id, what="merchant", field="merchant_id")
    elif merchant_id:
        raise InvalidInput("an operator token names no merchant", field="merchant_id")
    token = f"sw_{secrets.token_urlsafe(32)}"
    ctx.session.add(
        TokenRow(
            id=secrets.token_hex(8),
            token_hash=hash_token(token),
            role=role,
            merchant_id=merchant_id,
            label=label or role,
            created_at=ctx.now(),
        )
    )
    ctx.session.flush()
    return token


def authenticate(session: Session, token: str) -> Principal:
    row = session.scalar(select(TokenRow).where(TokenRow.token_hash == hash_token(token)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("the bearer token is unknown or revoked")
    return Principal(role=row.role, merchant_id=row.merchant_id)
