"""What each score indicator measures, and how precisely (SCORE-2).

A policy names indicators; this catalog says how each is computed from the order facts of the
window: a numerator and a denominator, both whole numbers the metric engine sums per merchant
(``scoring/aggregates.py``), and the kind of ratio they make. Keeping the inputs integral
makes the score exact and the same on every engine: the only divisions are the ones below,
each rounded half-up at a fixed number of decimals that the merchant sees.

Pure data: the policy schema validates against it, the engines and the pure rules read it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["rate", "average", "hours"]

VALUE_DECIMALS: dict[Kind, int] = {"rate": 6, "average": 4, "hours": 2}
"""Decimals an indicator value is rounded (half-up) to before it is mapped."""

SECONDS_PER_HOUR = 3600
MAPPED_DECIMALS = 4  # an indicator's 0-5 mapping and a dimension score, e.g. 4.8125
WEIGHT_DECIMALS = 6  # policy weights, e.g. 0.60
TOTAL_DECIMALS = 2  # SCORE-3: the weighted total and the score, e.g. 4.86


@dataclass(frozen=True, slots=True)
class Measure:
    name: str
    kind: Kind
    numerator: str
    denominator: str
    needs_within: bool = False  # a share of events within the indicator's ``within`` limit

    @property
    def decimals(self) -> int:
        return VALUE_DECIMALS[self.kind]

    @property
    def divisor(self) -> int:
        """Hours are summed as seconds; the division by 3600 is part of the one rounding."""
        return SECONDS_PER_HOUR if self.kind == "hours" else 1


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure("product_rating", "average", "product_rating_sum", "product_rating_count"),
        Measure("quality_refund_rate", "rate", "quality_refunds", "scored_orders"),
        Measure("on_time_shipment_rate", "rate", "shipped_on_time", "shipments_due"),
        Measure("delivery_hours", "hours", "delivery_seconds", "deliveries"),
        Measure("logistics_rating", "average", "logistics_rating_sum", "logistics_rating_count"),
        Measure(
            "reply_within_3min_rate", "rate", "cs_replied_within", "cs_messages", needs_within=True
        ),
        Measure("service_rating", "average", "service_rating_sum", "service_rating_count"),
        Measure("refund_handling_hours", "hours", "refund_handling_seconds", "refunds_handled"),
        Measure("dispute_rate", "rate", "disputes", "scored_orders"),
        Measure("complaint_rate", "rate", "complaints", "scored_orders"),
        Measure(
            "live_content_rating", "average", "live_content_rating_sum", "live_content_ratings"
        ),
        Measure(
            "short_video_content_rating",
            "average",
            "short_video_content_rating_sum",
            "short_video_content_ratings",
        ),
    )
}

AGGREGATES: tuple[str, ...] = tuple(
    dict.fromkeys(
        ["scored_orders"]
        + [name for m in MEASURES.values() for name in (m.numerator, m.denominator)]
    )
)
"""Every per-merchant whole number the engines compute, ``scored_orders`` first (SCORE-4)."""
