"""A product's BNPL flag as a pure rule (BNPL-2, BNPL-3).

The single-product path (``flags.py``) calls :func:`decide_flag`; the set-based re-flag
(``reflag_sql.py``) computes the same eligibility in SQL, and a test holds the two equal.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.bnpl.rules import FAMILY, STORE_ENABLED
from shopwarden.decisions.model import Decision, ExplanationItem, compare
from shopwarden.money import Money

SELF_BUILT = "self_built"


@dataclass(frozen=True, slots=True)
class ProductFacts:
    """What a product's flag depends on, as stored beside the flag."""

    product_id: str
    merchant_id: str
    origin: str
    listed: bool
    highest_price: Money | None  # None: a product without SKUs has no price to compare
    category_code: str
    excluded_by: str | None  # the nearest excluded ancestor-or-self of the category
    store_status: str


@dataclass(frozen=True, slots=True)
class FlagDecision:
    """``eligible``: the product qualifies; ``flagged``: it does and its store offers BNPL."""

    eligible: bool
    flagged: bool
    decision: Decision


def lineage_of(path: str) -> list[str]:
    """The codes from the root down to the category, from its stored path ``/a/b/c/``."""
    return [part for part in path.split("/") if part]


def nearest_excluded(lineage: Sequence[str], excluded: Iterable[str]) -> str | None:
    """The deepest category of ``lineage`` (root first, self last) that is excluded (BNPL-3).

    An exclusion covers all its subcategories, so ``citrus_fruit`` under ``fresh_food`` is out.
    """
    codes = set(excluded)
    for code in reversed(lineage):
        if code in codes:
            return code
    return None


def within_price_limit(price: Money, policy: BnplPolicy) -> bool:
    """BNPL-2: highest SKU price ≤ the limit (500.00 is in, 500.01 is out)."""
    if policy.price_limit_inclusive:
        return price <= policy.price_limit
    return price < policy.price_limit


def failed_criteria(facts: ProductFacts, policy: BnplPolicy) -> list[tuple[str, str]]:
    """(rule, reason) for each eligibility criterion the product misses."""
    failed: list[tuple[str, str]] = []
    if facts.origin != SELF_BUILT:
        failed.append(("BNPL-2", f"the product is {facts.origin}, not self-built"))
    if not facts.listed:
        failed.append(("BNPL-2", "the product is not listed"))
    if facts.highest_price is None:
        failed.append(("BNPL-2", "the product has no SKU price"))
    elif not within_price_limit(facts.highest_price, policy):
        failed.append(
            (
                "BNPL-2",
                f"highest SKU price {facts.highest_price} is above {policy.price_limit}",
            )
        )
    if facts.excluded_by is not None:
        failed.append(
            (
                "BNPL-3",
                f"category {facts.category_code} is within the excluded {facts.excluded_by}",
            )
        )
    return failed


def is_eligible(facts: ProductFacts, policy: BnplPolicy) -> bool:
    return not failed_criteria(facts, policy)


def decide_flag(facts: ProductFacts, policy: BnplPolicy, version: str) -> FlagDecision:
    """The product's BNPL flag with one explanation item per criterion (BNPL-2, BNPL-3)."""
    limit_op = "<=" if policy.price_limit_inclusive else "<"
    items = [
        compare("origin (BNPL-2)", facts.origin, "==", SELF_BUILT),
        compare("listing (BNPL-2)", "listed" if facts.listed else "delisted", "==", "listed"),
        _price_item(facts.highest_price, limit_op, policy.price_limit),
        _category_item(facts.category_code, facts.excluded_by),
        compare("store BNPL status (BNPL-1, BNPL-9)", facts.store_status, "==", STORE_ENABLED),
    ]
    eligible = is_eligible(facts, policy)
    flagged = eligible and facts.store_status == STORE_ENABLED
    if flagged:
        summary = "flagged as buy now, pay later"
    elif eligible:
        summary = f"eligible, but the store's BNPL status is {facts.store_status}"
    else:
        summary = "; ".join(reason for _, reason in failed_criteria(facts, policy))
    decision = Decision(
        rule_id="BNPL-2",
        subject=f"product:{facts.product_id}",
        outcome="flagged" if flagged else "not flagged",
        summary=summary,
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=facts.merchant_id,
        items=tuple(items),
    )
    return FlagDecision(eligible, flagged, decision)


def _price_item(price: Money | None, op: str, limit: Money) -> ExplanationItem:
    if price is None:
        return ExplanationItem("highest SKU price (BNPL-2)", "none", str(limit), op, "not met")
    return compare("highest SKU price (BNPL-2)", price, op, limit)


def _category_item(category: str, excluded_by: str | None) -> ExplanationItem:
    outcome = "met" if excluded_by is None else "not met"
    value = category if excluded_by is None else f"{category} (within {excluded_by})"
    return ExplanationItem(
        "category (BNPL-3)", value, "no excluded category", "not within", outcome
    )
