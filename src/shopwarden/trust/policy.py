"""Parameters of the ``trust`` policy family: trust purchase, 信任购 (TRUST-1..5, seed 003).

Thresholds carry their comparison, so the explanation of a decision (POL-3) can show the
value, the target and the condition exactly as the policy states them.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from shopwarden.policy.types import Code, Codes, DecimalText, Multiplier, PolicyModel


class Threshold(PolicyModel):
    """One admission metric: ``value <op> target`` must hold."""

    op: Literal[">=", ">", "<=", "<"]
    target: DecimalText
    measure: str = Field(min_length=1)


class Admission(PolicyModel):
    """Admission thresholds for both identities of TRUST-4."""

    goods_owner: dict[Code, Threshold] = Field(min_length=1)  # 货主
    seller: dict[Code, Threshold] = Field(min_length=1)  # 带货


class Benefits(PolicyModel):
    """What the badge brings (TRUST-5), consumed like the score's consumers (SCORE-6)."""

    badge: bool = Field(strict=True)
    live_traffic_weight: Multiplier
    shelf_traffic_weight: Multiplier
    campaign_resources: Codes  # campaigns whose resources favour badge holders


class TrustPolicy(PolicyModel):
    required_rights: Codes = Field(min_length=1)  # TRUST-2
    admission: Admission  # TRUST-2, TRUST-4
    benefits: Benefits  # TRUST-5
