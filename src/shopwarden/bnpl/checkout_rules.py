"""Whether BNPL is offered for an order, and what it costs the merchant (BNPL-4, 6, 9)."""

from __future__ import annotations

from dataclasses import dataclass

from shopwarden.bnpl.flag_rules import ProductFacts, failed_criteria, is_eligible
from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.rules import (
    FAMILY,
    STORE_ENABLED,
    STORE_LEGACY,
    STORE_NOT_ENABLED,
    STORE_PAUSED,
)
from shopwarden.decisions.model import Decision, ExplanationItem, compare
from shopwarden.money import Money, apply_rate


@dataclass(frozen=True, slots=True)
class Reason:
    """Why BNPL is not offered: a stable code, the rule, and words for the merchant."""

    code: str
    rule: str
    detail: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "rule": self.rule, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class CheckoutFacts:
    product: ProductFacts
    consumer_id: str
    amount: Money
    credit_provider: str
    credit_good: bool
    wallet_available: Money


@dataclass(frozen=True, slots=True)
class CheckoutDecision:
    offered: bool
    fee: Money
    reasons: tuple[Reason, ...]
    decision: Decision


def bnpl_fee(amount: Money, policy: BnplPolicy) -> Money:
    """BNPL-6: the fee rate times the order amount, half-up to the cent once."""
    return apply_rate(amount, policy.fee_rate)


def decide_checkout(facts: CheckoutFacts, policy: BnplPolicy, version: str) -> CheckoutDecision:
    """Offered, or not with every reason that holds (BNPL-1, 2, 3, 4, 6, 9)."""
    product = facts.product
    fee = bnpl_fee(facts.amount, policy)
    reasons = checkout_reasons(facts, policy, fee)
    offered = not reasons
    decision = Decision(
        rule_id="BNPL-4",
        subject=f"checkout:{product.product_id}:{facts.consumer_id}",
        outcome="offered" if offered else "not offered",
        summary="BNPL offered" if offered else "; ".join(r.detail for r in reasons),
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=product.merchant_id,
        items=_checkout_items(facts, policy, fee),
    )
    return CheckoutDecision(offered, fee, reasons, decision)


def checkout_reasons(facts: CheckoutFacts, policy: BnplPolicy, fee: Money) -> tuple[Reason, ...]:
    """Every reason BNPL is not offered, in the order the merchant reads them; none: offered."""
    product = facts.product
    reasons: list[Reason] = []
    if product.store_status in (STORE_NOT_ENABLED, STORE_LEGACY):  # BNPL-1, BNPL-11
        detail = "the store has not enabled BNPL 2.0"
        if product.store_status == STORE_LEGACY:
            detail += "; it has BNPL 1.0 and is moved to 2.0 at the upgrade (BNPL-11)"
        reasons.append(Reason("store_not_enabled", "BNPL-1", detail))
    elif product.store_status == STORE_PAUSED:  # BNPL-9
        reasons.append(Reason("store_paused", "BNPL-9", "the store has paused BNPL"))
    for rule, reason in failed_criteria(product, policy):  # BNPL-2, BNPL-3
        reasons.append(Reason("product_not_flagged", rule, reason))
    if not facts.credit_good:  # BNPL-4
        reasons.append(
            Reason(
                "consumer_credit_not_good",
                "BNPL-4",
                f"{facts.credit_provider} reports the consumer's credit as not good",
            )
        )
    if facts.wallet_available < fee:  # BNPL-6
        reasons.append(
            Reason(
                "wallet_cannot_pay_fee",
                "BNPL-6",
                f"the wallet has {facts.wallet_available} available, the fee is {fee}",
            )
        )
    return tuple(reasons)


def _checkout_items(
    facts: CheckoutFacts, policy: BnplPolicy, fee: Money
) -> tuple[ExplanationItem, ...]:
    product = facts.product
    return (
        compare("store BNPL status (BNPL-1, BNPL-9)", product.store_status, "==", STORE_ENABLED),
        compare("product eligible (BNPL-2, BNPL-3)", is_eligible(product, policy), "==", True),
        compare(
            f"consumer credit good ({facts.credit_provider}, BNPL-4)", facts.credit_good, "==", True
        ),
        compare("wallet available for the fee (BNPL-6)", facts.wallet_available, ">=", fee),
        ExplanationItem(
            "fee (BNPL-6)", str(fee), f"{facts.amount} × {policy.fee_rate}", "=", "info"
        ),
    )
