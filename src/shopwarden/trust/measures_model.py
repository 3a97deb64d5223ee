"""What one identity of one merchant sold over a window: the counts the admission thresholds
read (TRUST-2, TRUST-4), and the exact values made of them.

Pure: the Ibis expression in ``measures.py`` counts, this module turns counts into values. A
rate is kept as a fraction, so a threshold compares exactly (1 quality refund in 100 orders
is 0.01, not 0.0099999…); it is rounded only to be shown.
"""

from __future__ import annotations

from dataclasses import astuple, dataclass
from fractions import Fraction

COUNTS = (
    "paid_orders",
    "quality_refunds",
    "disputes",
    "complaints",
    "due_orders",
    "on_time_orders",
)


@dataclass(frozen=True, slots=True)
class IdentityCounts:
    """Orders paid in the window on the identity's products, and what happened to them by the
    window's end (TRUST-4)."""

    paid_orders: int = 0
    quality_refunds: int = 0  # refund requested for a quality reason
    disputes: int = 0  # a platform dispute opened
    complaints: int = 0  # a consumer complaint filed
    due_orders: int = 0  # promised shipping time passed before the window's end
    on_time_orders: int = 0  # of those, shipped by the promised time

    def as_tuple(self) -> tuple[int, ...]:
        return astuple(self)


RATES: dict[str, tuple[str, str]] = {
    "quality_refund_rate": ("quality_refunds", "paid_orders"),
    "dispute_rate": ("disputes", "paid_orders"),
    "complaint_rate": ("complaints", "paid_orders"),
    "on_time_shipment_rate": ("on_time_orders", "due_orders"),
}
"""Each rate measure: (numerator count, denominator count)."""


def order_measure(name: str, counts: IdentityCounts) -> tuple[Fraction | None, str]:
    """The exact value of an order measure and what it is made of; None over no order."""
    if name == "paid_orders":
        return Fraction(counts.paid_orders), f"{counts.paid_orders} paid orders"
    numerator, denominator = RATES[name]
    part, whole = getattr(counts, numerator), getattr(counts, denominator)
    basis = f"{part} of {whole} {denominator.replace('_', ' ')}"
    return (Fraction(part, whole) if whole else None), basis
