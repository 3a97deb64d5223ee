"""Tokens are shown once and stored only as a hash; a principal is what a token proves."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopwarden.auth.tables import TokenRow
from shopwarden.catalog.tables import MerchantRow
from shopwarden.context import Context
from shopwarden.db.lookup import get_or_raise
from shopwarden.errors import InvalidInput, Unauthorized


@dataclass(frozen=True, slots=True)
class Identity:
    """What a token's row says: the role, and for a merchant's token its merchant."""

    role: str  # operator | merchant
    merchant_id: str | None = None


class Principal:
    """The caller, as its bearer token proves.

    The token is looked up when a question is first asked (``identify``), so the API can do it
    inside the request's one unit of work instead of a transaction of its own (``api/deps.py``).
    """

    __slots__ = ("_identify", "_identity")

    def __init__(self, identify: Callable[[], Identity]) -> None:
        self._identify = identify
        self._identity: Identity | None = None

    @classmethod
    def of(cls, identity: Identity) -> Principal:
        """A principal already identified."""
        principal = cls(lambda: identity)
        principal._identity = identity
        return principal

    @property
    def identity(self) -> Identity:
        if self._identity is None:
            self._identity = self._identify()
        return self._identity

    @property
    def identified(self) -> bool:
        """Whether the token was looked up yet."""
        return self._identity is not None

    @property
    def role(self) -> str:
        return self.identity.role

    @property
    def merchant_id(self) -> str | None:
        return self.identity.merchant_id

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"

    @property
    def scope(self) -> str:
        return "operator" if self.is_operator else f"merchant:{self.merchant_id}"

    def can_see(self, merchant_id: str | None) -> bool:
        """Operators see every merchant; a merchant sees only itself."""
        return self.is_operator or (merchant_id is not None and merchant_id == self.merchant_id)

    def __repr__(self) -> str:
        return f"Principal({self._identity!r})"


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


def authenticate(session: Session, token: str) -> Identity:
    """One indexed read of the token's row; unknown or revoked tokens are refused."""
    found = session.execute(
        select(TokenRow.role, TokenRow.merchant_id, TokenRow.revoked_at).where(
            TokenRow.token_hash == hash_token(token)
        )
    ).first()
    if found is None or found.revoked_at is not None:
        raise Unauthorized("the bearer token is unknown or revoked")
    return Identity(role=found.role, merchant_id=found.merchant_id)
