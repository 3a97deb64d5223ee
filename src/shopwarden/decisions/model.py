"""A decision and its explanation, as pure values (POL-2, POL-3).

Every rule returns a :class:`Decision`: the outcome, the policy version that produced it, and
one :class:`ExplanationItem` per comparison it made, readable by the merchant like a line of a
metric report (measure, value, target, comparison, outcome, window).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ExplanationItem:
    measure: str
    value: str
    target: str
    comparison: str  # e.g. ">", ">=", "<="
    outcome: str  # met | not met | info
    window: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Decision:
    rule_id: str
    subject: str
    outcome: str
    summary: str
    policy_family: str
    policy_version: str
    merchant_id: str | None = None
    items: tuple[ExplanationItem, ...] = field(default_factory=tuple)

    def explanation(self) -> list[dict[str, Any]]:
        return [item.as_dict() for item in self.items]


def compare(
    measure: str,
    value: Any,
    comparison: str,
    target: Any,
    *,
    window: str | None = None,
) -> ExplanationItem:
    """One comparison, evaluated and explained at once, so the two cannot disagree."""
    checks = {
        ">": lambda a, b: a > b,
        ">=": lambda a, b: a >= b,
        "<": lambda a, b: a < b,
        "<=": lambda a, b: a <= b,
        "==": lambda a, b: a == b,
        "!=": lambda a, b: a != b,
    }
    met = checks[comparison](value, target)
    return ExplanationItem(
        measure, str(value), str(target), comparison, "met" if met else "not met", window
    )
