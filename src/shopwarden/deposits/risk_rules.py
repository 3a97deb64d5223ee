"""Store-opening risk deposit rules as pure decisions (DEP-8..10).

The deposit is kept through a 180-day window after full payment: a specified serious
violation inside it forfeits the deposit; otherwise one of three conditions returns it. The
conditions are evaluated at an instant, so a violation punished after one of them already
held cannot forfeit a deposit that was due back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shopwarden.decisions.model import Decision, ExplanationItem, compare
from shopwarden.deposits.rules import At, Policy, Span, info
from shopwarden.errors import InvalidInput
from shopwarden.money import Money


def risk_amount(tier: str, policy: Policy, merchant_id: str) -> tuple[Money, Decision]:
    tiers = policy.params.risk_deposit.tiers
    if tier not in tiers:
        raise InvalidInput(
            f"unknown risk tier {tier!r}; known: {', '.join(sorted(tiers))}",
            field="tier",
            rule="DEP-8",
        )
    amount = tiers[tier]
    return amount, policy.decide(
        "DEP-8",
        merchant_id,
        f"merchant {merchant_id} risk deposit",
        "assessed",
        f"risk tier {tier}: risk deposit {amount}",
        info("risk tier", tier),
        info("amount", amount),
    )


@dataclass(frozen=True, slots=True)
class RiskFacts:
    paid_in_full_at: datetime
    activated_at: datetime | None  # Default: the first product listed
    released_at: datetime | None  # the store closed for good


def risk_release(
    facts: RiskFacts, at: datetime, policy: Policy
) -> tuple[str, ExplanationItem] | None:
    """Which DEP-10 condition, if any, holds at ``at``: (a), (b) or (c)."""
    rd = policy.params.risk_deposit
    activation_deadline = facts.paid_in_full_at + rd.activation_window
    window_end = facts.paid_in_full_at + rd.window
    activated = facts.activated_at is not None and facts.activated_at < activation_deadline
    if at >= activation_deadline and not activated:
        return "a", compare("activated before", At(activation_deadline), "==", "no activation")
    released = facts.released_at
    if released is not None and released < window_end and released <= at:
        return "b", compare("store released at", At(released), "<", At(window_end))
    if at >= window_end:
        return "c", compare("now", At(at), ">=", At(window_end))
    return None


def risk_forfeit(
    facts: RiskFacts,
    *,
    code: str,
    punished_at: datetime,
    frozen: bool,
    policy: Policy,
    merchant_id: str,
) -> Decision:
    """DEP-9: a specified serious violation inside the window forfeits the risk deposit."""
    rd = policy.params.risk_deposit
    window_end = facts.paid_in_full_at + rd.window
    serious = code in rd.serious_violations
    inside = facts.paid_in_full_at <= punished_at < window_end
    released = risk_release(facts, punished_at, policy)
    forfeits = frozen and serious and inside and released is None
    window = f"{Span(rd.window)} from full payment"
    items = [
        compare("risk deposit still frozen", frozen, "==", True),
        compare("violation is a specified serious one", serious, "==", True),
        compare("punished at", At(punished_at), "<", At(window_end), window=window),
        compare("already due for unfreezing (DEP-10)", released is not None, "==", False),
    ]
    summary = f"violation {code}: " + ("risk deposit forfeited" if forfeits else "not forfeited")
    return policy.decide(
        "DEP-9",
        merchant_id,
        f"merchant {merchant_id} risk deposit",
        "forfeited" if forfeits else "not_forfeited",
        summary,
        *items,
    )


def risk_unfreeze(
    facts: RiskFacts, *, as_of: datetime, policy: Policy, merchant_id: str
) -> Decision | None:
    found = risk_release(facts, as_of, policy)
    if found is None:
        return None
    reason, item = found
    why = {"a": "not activated in time", "b": "store released", "c": "window passed cleanly"}
    return policy.decide(
        "DEP-10",
        merchant_id,
        f"merchant {merchant_id} risk deposit",
        f"unfrozen_{reason}",
        f"risk deposit unfrozen ({reason}): {why[reason]}",
        item,
    )
