"""The shipping policy version in force, typed, with the version its decisions name (POL-1, 2)."""

from __future__ import annotations

from datetime import datetime

from shopwarden.context import Context
from shopwarden.shipping.policy import ShippingPolicy
from shopwarden.shipping.rules import FAMILY, Policy

__all__ = ["FAMILY", "policy_at"]


def policy_at(ctx: Context, *, as_of: datetime) -> Policy:
    """The ``shipping`` version in force at ``as_of``; 404 when none is (POL-1)."""
    found = ctx.policy(FAMILY, ShippingPolicy, as_of)
    return Policy(found.parameters, found.version)
