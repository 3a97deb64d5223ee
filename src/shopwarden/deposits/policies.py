"""The deposits policy a rule is applied under, as the rules see it (POL-1, POL-2).

``in_force`` is the version in force at an instant; ``agreed`` a named version, for terms fixed
when they were agreed (a campaign's fees, a risk deposit's window) that keep that version.
"""

from __future__ import annotations

from datetime import datetime

from shopwarden.context import Context
from shopwarden.deposits.policy import DepositsPolicy
from shopwarden.deposits.rules import FAMILY, Policy
from shopwarden.platform_policy import PlatformPolicy


def in_force(ctx: Context, *, as_of: datetime) -> Policy:
    """The deposits version in force at ``as_of`` (POL-1)."""
    found = ctx.policy(FAMILY, DepositsPolicy, as_of)
    return Policy(found.parameters, found.version)


def agreed(ctx: Context, *, version: str) -> Policy:
    """A named version: terms fixed at enrolment keep the version they were agreed under."""
    found = ctx.policy_version(FAMILY, DepositsPolicy, version)
    return Policy(found.parameters, found.version)


def platform(ctx: Context, *, as_of: datetime) -> PlatformPolicy:
    """The platform policy in force: time zone and working-day calendar (SPEC conventions)."""
    return ctx.policy("platform", PlatformPolicy, as_of).parameters
