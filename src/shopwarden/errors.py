"""One hierarchy of errors a use case raises when it cannot proceed.

The HTTP layer maps each to an RFC 9457 problem document and its status (``api/problems.py``)
and the CLI to an exit code, once, at the edge; nothing here knows HTTP. ``slug`` and ``title``
are the stable ``type`` and title of the problem: clients may switch on them.
"""

from __future__ import annotations

from typing import Any


class ShopwardenError(Exception):
    """Base of every refusal. ``field`` names the offending input, ``rule`` the SPEC rule."""

    slug = "error"
    title = "Request refused"

    def __init__(
        self,
        detail: str,
        *,
        field: str | None = None,
        rule: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.rule = rule
        self.extra = extra or {}


class InvalidInput(ShopwardenError):
    slug = "invalid-input"
    title = "Invalid input"


class NotFound(ShopwardenError):
    slug = "not-found"
    title = "Not found"


class Unauthorized(ShopwardenError):
    slug = "unauthorized"
    title = "Missing or unknown bearer token"


class Forbidden(ShopwardenError):
    slug = "forbidden"
    title = "Not allowed for this role"


class Conflict(ShopwardenError):
    slug = "conflict"
    title = "Conflicts with the current state"


class AlreadyExists(Conflict):
    slug = "already-exists"
    title = "Already exists"


class IdempotencyKeyReused(Conflict):
    slug = "idempotency-key-reused"
    title = "Idempotency-Key already used for another request"


class RuleRefused(ShopwardenError):
    """A rule of the rule book forbids the action; ``rule`` says which."""

    slug = "rule-refused"
    title = "Refused by a rule"


class InsufficientFunds(RuleRefused):
    slug = "insufficient-funds"
    title = "Insufficient available balance"


class PolicyInvalid(InvalidInput):
    slug = "policy-invalid"
    title = "Policy refused"
