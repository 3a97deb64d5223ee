"""The policy families: which parameter model validates the ``parameters`` of each family.

Each domain owns the schema of its own numbers (``deposits/policy.py`` ...); this registry is
the one place that names them all, so the loader can refuse a family nobody implements.
"""

from __future__ import annotations

from pydantic import BaseModel

from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.deposits.policy import DepositsPolicy
from shopwarden.platform_policy import PlatformPolicy
from shopwarden.reports.policy import ReportsPolicy
from shopwarden.sanctions.policy import ViolationsPolicy
from shopwarden.scoring.policy import ScorePolicy
from shopwarden.shipping.policy import ShippingPolicy
from shopwarden.trust.policy import TrustPolicy

PLATFORM = "platform"

FAMILIES: dict[str, type[BaseModel]] = {
    PLATFORM: PlatformPolicy,
    "deposits": DepositsPolicy,
    "score": ScorePolicy,
    "bnpl": BnplPolicy,
    "shipping": ShippingPolicy,
    "violations": ViolationsPolicy,
    "trust": TrustPolicy,
    "reports": ReportsPolicy,
}
