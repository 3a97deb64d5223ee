"""Trust purchase, 信任购, decided (TRUST-1, TRUST-2, TRUST-4, TRUST-5).

Pure. A merchant's identity (货主 goods owner or 带货 seller) meets the admission thresholds
when every threshold of the policy holds for it (TRUST-4); a product holds the badge exactly
when the identity it sells under meets them and every required right is enabled on it
(TRUST-2); a store or a live room holds it when the merchant meets the thresholds and enough
of its listed products hold it (TRUST-1, a Default share). Each comparison is made exactly
(fractions, not floats) once, and the explanation shows that one result (POL-3).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

from shopwarden.decisions.model import Decision, ExplanationItem
from shopwarden.trust.measures_model import IdentityCounts, order_measure
from shopwarden.trust.policy import SCORE_MEASURE, Identity, Threshold, TrustPolicy

FAMILY = "trust"
BADGE_RULE = "TRUST-2"
IDENTITY_NAMES: dict[str, str] = {"goods_owner": "货主 goods owner", "seller": "带货 seller"}

_OPS: dict[str, Callable[[Fraction, Fraction], bool]] = {
    ">=": lambda a, b: a >= b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    "<": lambda a, b: a < b,
}


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    """One admission threshold against the merchant's value (TRUST-3, TRUST-4)."""

    code: str
    measure: str
    value: str | None  # None: nothing to measure (no score yet, no order in the window)
    basis: str  # what the value is made of: "1 of 100 paid orders"
    op: str
    target: str
    met: bool
    gap: str | None  # how far from the target, when not met and measured
    window: str | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _shown(value: Fraction, places: int, rounding: str = ROUND_HALF_UP) -> str:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return str(exact.quantize(Decimal(1).scaleb(-places), rounding=rounding))


def _places(measure: str) -> int:
    return 0 if measure == "paid_orders" else 2 if measure == SCORE_MEASURE else 4


def _gap(value: Fraction, target: Fraction, op: str, measure: str) -> str:
    """The distance to the target: for a strict comparison of a count, one more."""
    distance = abs(target - value) + (1 if op in (">", "<") and measure == "paid_orders" else 0)
    return _shown(distance, _places(measure), ROUND_CEILING)


def evaluate_threshold(
    code: str,
    threshold: Threshold,
    *,
    counts: IdentityCounts,
    score: Decimal | None,
    window: str | None,
) -> ThresholdResult:
    """``value <op> target`` for one threshold; an unmeasured value does not meet it."""
    if threshold.measure == SCORE_MEASURE:
        value = None if score is None else Fraction(score)
        basis = "no score yet (SCORE-4)" if score is None else "shopping experience score"
    else:
        value, basis = order_measure(threshold.measure, counts)
    target = Fraction(threshold.target)
    met = value is not None and _OPS[threshold.op](value, target)
    places = _places(threshold.measure)
    return ThresholdResult(
        code=code,
        measure=threshold.measure,
        value=None if value is None else _shown(value, places),
        basis=basis,
        op=threshold.op,
        target=str(threshold.target),
        met=met,
        gap=None if met or value is None else _gap(value, target, threshold.op, threshold.measure),
        window=window,
    )


def evaluate_identity(
    policy: TrustPolicy,
    identity: Identity,
    *,
    counts: Mapping[int, IdentityCounts],
    score: Decimal | None,
    windows: Mapping[int | None, str],
) -> list[ThresholdResult]:
    """Every threshold of ``identity`` (TRUST-4): each reads the counts of its own window
    length (``counts``, none counted: no order), ``windows`` labels each length."""
    return [
        evaluate_threshold(
            code,
            t,
            counts=counts.get(t.window_days or 0, IdentityCounts()),
            score=score,
            window=windows.get(t.window_days),
        )
        for code, t in policy.thresholds(identity).items()
    ]


def all_met(results: Iterable[ThresholdResult | Mapping[str, Any]]) -> bool:
    return all(r.met if isinstance(r, ThresholdResult) else bool(r["met"]) for r in results)


@dataclass(frozen=True, slots=True)
class RightState:
    """One right of the catalogue on one product (TRUST-1, TRUST-3)."""

    code: str
    name_zh: str
    name_en: str
    kind: str
    required: bool
    enabled: bool


def right_states(policy: TrustPolicy, enabled: Iterable[str]) -> list[RightState]:
    """Every right of the catalogue, in the policy's order, with whether it is on."""
    on = set(enabled)
    required = set(policy.required_rights)
    return [
        RightState(code, r.name_zh, r.name_en, r.kind, code in required, code in on)
        for code, r in policy.rights.items()
    ]


def missing_rights(states: Sequence[RightState]) -> list[RightState]:
    return [s for s in states if s.required and not s.enabled]


def product_holds(thresholds_met: bool, states: Sequence[RightState]) -> bool:
    """TRUST-2: thresholds met for the product's identity, every required right enabled."""
    return thresholds_met and not missing_rights(states)


def badge_decision(
    *,
    product_id: str,
    merchant_id: str,
    identity: Identity,
    version: str,
    thresholds: Sequence[Mapping[str, Any]],
    states: Sequence[RightState],
) -> Decision:
    """The grant or removal of a product's badge, with every threshold and every required
    right as an explanation item (TRUST-2). ``thresholds`` are stored results (as dicts)."""
    holds = product_holds(bool(thresholds) and all_met(thresholds), states)  # unmeasured: no
    items = [_threshold_item(identity, t) for t in thresholds]
    items += [_right_item(s) for s in states if s.required]
    if not thresholds:
        items.insert(
            0,
            ExplanationItem(f"{identity} thresholds", "not measured", "measured", "==", "not met"),
        )
    missing = [s.code for s in missing_rights(states)]
    failing = [str(t["code"]) for t in thresholds if not t["met"]] or (
        [] if thresholds else ["not measured yet"]
    )
    if holds:
        summary = f"product {product_id} holds the 信任购 badge as {IDENTITY_NAMES[identity]}"
    else:
        reasons = [f"thresholds not met: {', '.join(failing)}"] if failing else []
        reasons += [f"rights missing: {', '.join(missing)}"] if missing else []
        summary = f"product {product_id} does not hold the 信任购 badge: {'; '.join(reasons)}"
    return Decision(
        rule_id=BADGE_RULE,
        subject=f"product:{product_id}",
        outcome="granted" if holds else "removed",
        summary=summary,
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=merchant_id,
        items=tuple(items),
    )


def _threshold_item(identity: str, t: Mapping[str, Any]) -> ExplanationItem:
    value = t["value"] if t["value"] is not None else "not measured"
    named = t["code"] if t["code"] == t["measure"] else f"{t['code']} ({t['measure']})"
    return ExplanationItem(
        f"{identity} {named}",
        str(value),
        str(t["target"]),
        str(t["op"]),
        "met" if t["met"] else "not met",
        t.get("window"),
    )


def _right_item(state: RightState) -> ExplanationItem:
    value = "enabled" if state.enabled else "disabled"
    return ExplanationItem(
        f"right {state.code} ({state.name_zh})",
        value,
        "enabled",
        "==",
        "met" if state.enabled else "not met",
    )


def channel_holds(*, thresholds_met: bool, badged: int, listed: int, share: Decimal) -> bool:
    """TRUST-1 (Default): a store or live room holds the badge when the merchant meets the
    thresholds and at least ``share`` of its ``listed`` products hold it (none listed: no)."""
    return thresholds_met and listed > 0 and Fraction(badged, listed) >= Fraction(share)


def benefits(policy: TrustPolicy, holds: bool) -> dict[str, Any]:
    """What the badge brings (TRUST-5): the policy's weights for a holder, neutral otherwise."""
    b = policy.benefits
    one = "1"
    return {
        "badge": holds and b.badge,
        "live_traffic_weight": str(b.live_traffic_weight) if holds else one,
        "shelf_traffic_weight": str(b.shelf_traffic_weight) if holds else one,
        "big_promotion_traffic_weight": str(b.big_promotion_traffic_weight) if holds else one,
        "campaign_resources": list(b.campaign_resources) if holds else [],
    }
