"""The BNPL rules as pure functions: facts and a policy in, a decision with its reasons out.

Nothing here reads a database or a clock (tests/test_architecture.py keeps it so). The
services gather the facts, call these, and store or act on what they return; the set-based
re-flag in ``flags.py`` computes the same eligibility in SQL, and a test holds the two equal.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from shopwarden.bnpl.policy import BnplPolicy
from shopwarden.clock import SHANGHAI, ensure_aware
from shopwarden.decisions.model import Decision, ExplanationItem, compare
from shopwarden.money import Money, apply_rate

FAMILY = "bnpl"

# Where a store stands with BNPL (BNPL-1, BNPL-9, BNPL-11).
STORE_NOT_ENABLED = "not_enabled"
STORE_LEGACY = "bnpl_1_0"  # had BNPL 1.0 and is not yet moved to 2.0
STORE_ENABLED = "enabled"
STORE_PAUSED = "paused"
STORE_STATUSES = (STORE_NOT_ENABLED, STORE_LEGACY, STORE_ENABLED, STORE_PAUSED)

SELF_BUILT = "self_built"


# --- product flags (BNPL-2, BNPL-3) ----------------------------------------------------------
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


# --- enabling and pausing (BNPL-1, BNPL-9) ---------------------------------------------------
@dataclass(frozen=True, slots=True)
class EnableDecision:
    allowed: bool
    field: str | None
    detail: str
    decision: Decision


def decide_enable(
    merchant_id: str,
    *,
    wallet_upgraded: bool,
    agreement_version: str,
    accepted: bool,
    policy: BnplPolicy,
    version: str,
) -> EnableDecision:
    """One-click enable: the agreement accepted, and an upgraded wallet first (BNPL-1)."""
    items = (
        compare("service agreement accepted (BNPL-1)", accepted, "==", True),
        compare("agreement version (BNPL-1)", agreement_version, "==", policy.agreement_version),
        compare("wallet (安心钱包) upgraded (BNPL-1)", wallet_upgraded, "==", True)
        if policy.wallet_upgrade_required
        else ExplanationItem("wallet (安心钱包) upgraded", str(wallet_upgraded), "-", "", "info"),
    )
    field, detail = None, "enabled at once: the wallet is upgraded and the agreement accepted"
    if not accepted:
        field, detail = "accepted", "the service agreement must be accepted to enable BNPL"
    elif agreement_version != policy.agreement_version:
        field = "agreement_version"
        detail = (
            f"the agreement in force is {policy.agreement_version!r}, "
            f"not {agreement_version!r}; read and accept that one"
        )
    elif policy.wallet_upgrade_required and not wallet_upgraded:
        field = "wallet_upgraded"
        detail = (
            "the store's wallet (安心钱包) is not upgraded: upgrade it first under "
            "payment account management (PATCH /v1/merchants/{id} with "
            '{"wallet_upgraded": true}), then enable BNPL again'
        )
    allowed = field is None
    decision = Decision(
        rule_id="BNPL-1",
        subject=f"store:{merchant_id}",
        outcome="enabled" if allowed else "refused",
        summary=detail,
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=merchant_id,
        items=items,
    )
    return EnableDecision(allowed, field, detail, decision)


def store_change_decision(
    merchant_id: str, rule_id: str, outcome: str, summary: str, version: str
) -> Decision:
    """A pause, resume or 1.0 → 2.0 move, for the decision log (BNPL-9, BNPL-11)."""
    return Decision(
        rule_id=rule_id,
        subject=f"store:{merchant_id}",
        outcome=outcome,
        summary=summary,
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=merchant_id,
    )


# --- checkout (BNPL-4, BNPL-6, BNPL-9) -------------------------------------------------------
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
    reasons: list[Reason] = []
    if product.store_status in (STORE_NOT_ENABLED, STORE_LEGACY):
        detail = "the store has not enabled BNPL 2.0"
        if product.store_status == STORE_LEGACY:
            detail += "; it has BNPL 1.0 and is moved to 2.0 at the upgrade (BNPL-11)"
        reasons.append(Reason("store_not_enabled", "BNPL-1", detail))
    elif product.store_status == STORE_PAUSED:
        reasons.append(Reason("store_paused", "BNPL-9", "the store has paused BNPL"))
    for rule, reason in failed_criteria(product, policy):
        reasons.append(Reason("product_not_flagged", rule, reason))
    if not facts.credit_good:
        reasons.append(
            Reason(
                "consumer_credit_not_good",
                "BNPL-4",
                f"{facts.credit_provider} reports the consumer's credit as not good",
            )
        )
    if facts.wallet_available < fee:
        reasons.append(
            Reason(
                "wallet_cannot_pay_fee",
                "BNPL-6",
                f"the wallet has {facts.wallet_available} available, the fee is {fee}",
            )
        )
    items = (
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
    offered = not reasons
    decision = Decision(
        rule_id="BNPL-4",
        subject=f"checkout:{product.product_id}:{facts.consumer_id}",
        outcome="offered" if offered else "not offered",
        summary="BNPL offered" if offered else "; ".join(r.detail for r in reasons),
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=product.merchant_id,
        items=items,
    )
    return CheckoutDecision(offered, fee, tuple(reasons), decision)


# --- receipt, settlement and early payout (BNPL-7, BNPL-8) -----------------------------------
def auto_confirm_due(shipped_at: datetime, policy: BnplPolicy) -> datetime:
    """BNPL-7: the system confirms receipt this long after shipment (N days = N × 24 h)."""
    return ensure_aware(shipped_at) + policy.auto_confirm_receipt_after


def settlement_due(confirmed_at: datetime, policy: BnplPolicy) -> datetime:
    """BNPL-8: the normal settlement period, counted from the confirmation of receipt."""
    return ensure_aware(confirmed_at) + policy.settlement_period


def decide_early_payout(
    order_id: str, merchant_id: str, policy: BnplPolicy, version: str
) -> Decision:
    """BNPL-8: BNPL orders are never paid out early or on a short settlement period."""
    allowed = policy.short_settlement_allowed
    return Decision(
        rule_id="BNPL-8",
        subject=f"order:{order_id}",
        outcome="allowed" if allowed else "refused",
        summary=(
            "early payout allowed by the policy"
            if allowed
            else "BNPL orders are settled on the normal settlement period "
            f"({_days(policy.settlement_period)} after receipt); no short period or early payout"
        ),
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=merchant_id,
        items=(compare("short settlement allowed (BNPL-8)", allowed, "==", True),),
    )


def _days(span: timedelta) -> str:
    days = span / timedelta(days=1)
    return f"{days:g} days" if days != 1 else "1 day"


# --- fee invoices (BNPL-10) ------------------------------------------------------------------
_MONTH = re.compile(r"(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])", re.ASCII)
FIRST_YEAR, LAST_YEAR = 2000, 9998  # the month after LAST_YEAR-12 is still a date
MONTH_PATTERN = r"^(2[0-9]{3}|[3-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(0[1-9]|1[0-2])$"
"""JSON Schema pattern of a month: ``YYYY-MM``, years 2000 to 9998."""


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A natural month in Asia/Shanghai, written ``2024-03``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        match = _MONTH.fullmatch(text)
        if match is None:
            raise ValueError(f"{text!r} is not a month like 2024-03")
        if not FIRST_YEAR <= int(match["year"]) <= LAST_YEAR:
            raise ValueError(f"{text!r} is outside the years {FIRST_YEAR} to {LAST_YEAR}")
        return cls(int(match["year"]), int(match["month"]))

    @classmethod
    def of(cls, instant: datetime) -> Month:
        local = ensure_aware(instant).astimezone(SHANGHAI)
        return cls(local.year, local.month)

    def next(self) -> Month:
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> Month:
        if self.month == 1:
            return Month(self.year - 1, 12)
        return Month(self.year, self.month - 1)

    def start(self) -> datetime:
        """The first instant of the month, 00:00 of the 1st in Asia/Shanghai."""
        return datetime.combine(date(self.year, self.month, 1), time(0), SHANGHAI)

    def end(self) -> datetime:
        """The first instant after the month (exclusive)."""
        return self.next().start()

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def invoice_available_from(month: Month, policy: BnplPolicy) -> datetime:
    """BNPL-10: from day ``invoice_from_day`` (the 1st) of the next month, 00:00 Shanghai."""
    first = month.next()
    day = date(first.year, first.month, policy.invoice_from_day)
    return datetime.combine(day, time(0), SHANGHAI)


def decide_invoice_request(
    merchant_id: str, month: Month, as_of: datetime, policy: BnplPolicy, version: str
) -> Decision:
    """A month's fee invoice may be asked for once the month is over (BNPL-10)."""
    opens = invoice_available_from(month, policy)
    allowed = ensure_aware(as_of) >= opens
    return Decision(
        rule_id="BNPL-10",
        subject=f"invoice:{merchant_id}:{month}",
        outcome="allowed" if allowed else "refused",
        summary=(
            f"the fees of {month} can be invoiced"
            if allowed
            else f"the fees of {month} can be invoiced from {opens.isoformat()}, "
            "once the natural month is over"
        ),
        policy_family=FAMILY,
        policy_version=version,
        merchant_id=merchant_id,
        items=(compare("asked at (BNPL-10)", as_of.astimezone(SHANGHAI), ">=", opens),),
    )
