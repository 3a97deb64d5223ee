"""The weekly high in-stock exemption as a pure decision (SHIP-3), with the gap to each target.

Given a merchant's measured week (``measures_model.WeekMeasures``, SHIP-1 and SHIP-2) and the
policy in force, :func:`evaluate_exemption` says whether the merchant earns the exemption for
the week that follows, as a :class:`Decision` that lists every measure, its target and the
comparison (POL-3), and for each condition that failed how far the merchant was from it: in
orders ("31 more paid orders") and, for the two rates, in percentage points ("0.40 points of
on-time rate"). Nothing here reads a clock or a database.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from shopwarden.decisions.model import Decision, ExplanationItem, compare
from shopwarden.shipping.measures_model import WeekMeasures, percent
from shopwarden.shipping.policy import ShippingPolicy
from shopwarden.shipping.week_rules import Week

FAMILY = "shipping"
GRANTED = "granted"
NOT_GRANTED = "not_granted"


@dataclass(frozen=True, slots=True)
class Policy:
    """The shipping parameters of one version, and how a decision names it (POL-2)."""

    params: ShippingPolicy
    version: str
    assumed: frozenset[str] = frozenset()  # paths of values the sources do not give

    def note(self, path: str) -> str:
        """`` (an assumption)`` after a value the sources do not give (POL-3)."""
        return " (an assumption)" if path in self.assumed else ""

    def decide(
        self,
        rule_id: str,
        merchant_id: str,
        subject: str,
        outcome: str,
        summary: str,
        items: list[ExplanationItem],
    ) -> Decision:
        return Decision(
            rule_id, subject, outcome, summary, FAMILY, self.version, merchant_id, tuple(items)
        )


def info(measure: str, value: object, window: str | None = None) -> ExplanationItem:
    return ExplanationItem(measure, str(value), "", "", "info", window)


@dataclass(frozen=True, slots=True)
class Condition:
    """One of SHIP-3's three conditions as the merchant reads it."""

    key: str  # paid_orders | committed_share | on_time_rate
    measure: str
    value: str
    comparison: str
    target: str
    met: bool
    gap: str | None = None  # e.g. "31 more paid orders"; None when met
    gap_orders: int | None = None  # orders short of the target
    gap_points: str | None = None  # percentage points short, rounded up ("0.40")


@dataclass(frozen=True, slots=True)
class Evaluation:
    """SHIP-3 for one merchant and week: granted or not, why, and by how much."""

    granted: bool
    exemptions: int  # how many the week is granted (``exemption.per_week``) or 0
    conditions: tuple[Condition, ...]
    decision: Decision


def _points_short(target: Decimal, value: Fraction) -> str:
    """How many percentage points ``value`` is below ``target``, rounded up to 2 decimals."""
    hundredths = math.ceil((Fraction(target) - value) * 10_000)
    return f"{hundredths // 100}.{hundredths % 100:02d}"


def _paid_condition(m: WeekMeasures, minimum: int) -> Condition:
    met = m.paid_orders > minimum
    short = minimum + 1 - m.paid_orders
    gap = None if met else f"{short} more paid order{'s' if short != 1 else ''}"
    return Condition(
        "paid_orders",
        "paid orders",
        str(m.paid_orders),
        ">",
        str(minimum),
        met,
        gap,
        None if met else short,
    )


def _share_condition(m: WeekMeasures, target: Decimal) -> Condition:
    shown = percent(target)
    share = m.share
    if share is None:
        return Condition(
            "committed_share",
            "committed in-stock share",
            "none",
            ">",
            shown,
            False,
            "no paid orders in the week to measure it",
        )
    met = share > target
    if met:
        return Condition("committed_share", "committed in-stock share", str(share), ">", shown, met)
    needed = math.floor(Fraction(target) * m.paid_orders) + 1  # strictly above the target
    short, points = needed - m.committed_orders, _points_short(target, share.value)
    gap = (
        f"{points} points of committed in-stock share ({short} more of the "
        f"{m.paid_orders} paid orders committed in-stock)"
    )
    return Condition(
        "committed_share",
        "committed in-stock share",
        str(share),
        ">",
        shown,
        met,
        gap,
        short,
        points,
    )


def _on_time_condition(m: WeekMeasures, target: Decimal) -> Condition:
    shown = percent(target)
    rate = m.on_time_rate
    if rate is None:
        return Condition(
            "on_time_rate",
            "on-time shipment rate",
            "none",
            ">=",
            shown,
            False,
            "no paid order of the week whose promised time passed, to measure it",
        )
    met = rate >= target
    if met:
        return Condition("on_time_rate", "on-time shipment rate", str(rate), ">=", shown, met)
    short = math.ceil(Fraction(target) * m.due_orders) - m.on_time_orders
    points = _points_short(target, rate.value)
    gap = (
        f"{points} points of on-time rate ({short} more of the {m.due_orders} due orders "
        "shipped by their promised time)"
    )
    return Condition(
        "on_time_rate", "on-time shipment rate", str(rate), ">=", shown, met, gap, short, points
    )


def conditions(m: WeekMeasures, policy: ShippingPolicy) -> tuple[Condition, ...]:
    """SHIP-3's three conditions over the measured week, each with its gap when unmet."""
    e = policy.exemption
    return (
        _paid_condition(m, e.min_paid_orders_exclusive),
        _share_condition(m, e.committed_share_exclusive),
        _on_time_condition(m, e.on_time_rate_inclusive),
    )


def _items(m: WeekMeasures, policy: ShippingPolicy, window: str) -> list[ExplanationItem]:
    """Every measure against its target, computed by ``compare`` so the outcome is the one
    shown; a rate without orders to measure is not met."""
    e = policy.exemption
    items = [compare("paid orders", m.paid_orders, ">", e.min_paid_orders_exclusive, window=window)]
    for name, ratio, comparison, target in (
        ("committed in-stock share", m.share, ">", e.committed_share_exclusive),
        ("on-time shipment rate", m.on_time_rate, ">=", e.on_time_rate_inclusive),
    ):
        if ratio is None:
            items.append(
                ExplanationItem(name, "none", percent(target), comparison, "not met", window)
            )
        else:
            item = compare(name, ratio, comparison, target, window=window)
            items.append(
                ExplanationItem(name, item.value, percent(target), comparison, item.outcome, window)
            )
    rule = policy.committed_in_stock
    hours = " / ".join(f"{h} h" for h in rule.promise_hours)
    items += [
        info(
            f"committed in-stock paid orders ({hours}, flash purchases excluded)",
            m.committed_orders,
            window,
        ),
        info("flash-purchase (闪电购) paid orders", m.flash_orders, window),
        info("paid orders whose promised time passed in the week", m.due_orders, window),
        info("of them shipped by their promised time", m.on_time_orders, window),
    ]
    return items


def evaluate_exemption(
    measures: WeekMeasures,
    *,
    measured: Week,
    policy: Policy,
    merchant_id: str,
) -> Evaluation:
    """SHIP-3: paid orders > 3000 AND share > 70 % AND on-time rate ≥ 97 % over ``measured``
    grant ``exemption.per_week`` exemptions for the week after it."""
    found = conditions(measures, policy.params)
    items = _items(measures, policy.params, measured.label())
    granted = all(item.outcome == "met" for item in items[:3])
    assert granted == all(c.met for c in found), "the decision and the conditions agree"
    week = measured.next()
    count = policy.params.exemption.per_week if granted else 0
    subject = f"shipping exemption for the week {week.label()}"
    if granted:
        summary = (
            f"{count} overdue-shipment exemption{'s' if count != 1 else ''} for the week "
            f"{week.label()}: over {measured.label()} "
            + ", ".join(f"{c.measure} {c.value} {c.comparison} {c.target}" for c in found)
        )
    else:
        summary = f"no exemption for the week {week.label()}: over {measured.label()} " + "; ".join(
            f"{c.measure} {c.value}, needs {c.comparison} {c.target} ({c.gap})"
            for c in found
            if not c.met
        )
    outcome = GRANTED if granted else NOT_GRANTED
    decision = policy.decide("SHIP-3", merchant_id, subject, outcome, summary, items)
    return Evaluation(granted, count, found, decision)
