"""The shipping policy version in force, typed, with the version its decisions name (POL-1, 2)."""

from __future__ import annotations

from datetime import datetime

from shopwarden.context import Context
from shopwarden.policy.model import PolicyVersion
from shopwarden.shipping.policy import ShippingPolicy
from shopwarden.shipping.rules import FAMILY, Policy

__all__ = ["FAMILY", "policy_at", "policy_version"]


def policy_at(ctx: Context, *, as_of: datetime) -> Policy:
    """The ``shipping`` version in force at ``as_of``; 404 when none is (POL-1)."""
    return _policy(ctx.policies.in_force(FAMILY, as_of))


def policy_version(ctx: Context, *, version: str) -> Policy:
    """A named version: a recorded answer is explained by the version that gave it (POL-2)."""
    return _policy(ctx.policies.get(FAMILY, version))


def _policy(found: PolicyVersion) -> Policy:
    assumed = frozenset(a.path for a in found.assumptions)
    return Policy(found.parameters_as(ShippingPolicy), found.version, assumed)
