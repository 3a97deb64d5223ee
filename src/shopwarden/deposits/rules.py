"""Consumer-protection and insurance deposit rules as pure decisions (DEP-1..7).

Each function takes the facts it needs and the policy version in force and returns what the
rule decides together with a :class:`Decision` that explains it (POL-2, POL-3). Nothing here
reads a clock or a database: the services of this package gather the facts and apply the
outcome, so any day can be replayed and any policy tried on the past. The helpers every
deposit rule module shares (``Policy``, ``Span``, ``At``) live here too.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from shopwarden.catalog.tree_model import CategoryTree
from shopwarden.clock import SHANGHAI
from shopwarden.decisions.model import Decision, ExplanationItem, compare
from shopwarden.deposits.policy import DepositsPolicy
from shopwarden.money import Money

FAMILY = "deposits"
ZERO = Money(0)


@dataclass(frozen=True, order=True, slots=True)
class Span:
    """A duration that compares like a timedelta and reads like a policy file: ``2d 23h 59m``."""

    value: timedelta

    def __str__(self) -> str:
        seconds = int(self.value.total_seconds())
        sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
        days, rest = divmod(seconds, 86_400)
        hours, rest = divmod(rest, 3_600)
        minutes, secs = divmod(rest, 60)
        parts = [
            f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "m"), (secs, "s")) if n
        ]
        return sign + (" ".join(parts) or "0m")


@dataclass(frozen=True, order=True, slots=True)
class At:
    """An instant that compares like a datetime and reads in Asia/Shanghai (SPEC conventions)."""

    value: datetime

    def __str__(self) -> str:
        return self.value.astimezone(SHANGHAI).isoformat(timespec="minutes")


def info(measure: str, value: Any) -> ExplanationItem:
    return ExplanationItem(measure, str(value), "", "", "info")


@dataclass(frozen=True, slots=True)
class Policy:
    """The deposits parameters of one version, and how a decision names it (POL-2)."""

    params: DepositsPolicy
    version: str

    def decide(
        self,
        rule_id: str,
        merchant_id: str,
        subject: str,
        outcome: str,
        summary: str,
        *items: ExplanationItem,
    ) -> Decision:
        return Decision(
            rule_id, subject, outcome, summary, FAMILY, self.version, merchant_id, tuple(items)
        )


# DEP-1, DEP-2 -------------------------------------------------------------------------------
def required_cash(
    categories: Iterable[str],
    tree: CategoryTree,
    *,
    cover_active: bool,
    policy: Policy,
    merchant_id: str,
) -> tuple[Money, Decision]:
    """The highest requirement among the merchant's categories, never below the minimum."""
    cp = policy.params.consumer_protection
    subject = f"merchant {merchant_id} cash deposit"
    items = [info("minimum cash deposit (DEP-1)", cp.minimum)]
    if cover_active:  # DEP-6: the insurance deposit stands instead of frozen cash
        items.append(info("insurance cover", "active: no cash needs to stay frozen"))
        return ZERO, policy.decide(
            "DEP-2", merchant_id, subject, "covered_by_insurance", "insurance cover active", *items
        )
    codes = sorted({c for c in categories if c in tree})
    required = cp.minimum if codes else max(cp.minimum, cp.default_required)
    for code in codes:
        found = tree.nearest(code, cp.category_requirements)
        amount = found[1] if found else cp.default_required
        source = f"policy entry for {found[0]}" if found else "default requirement"
        items.append(ExplanationItem(f"category {code}", str(amount), source, "", "info"))
        required = max(required, amount)
    if not codes:
        items.append(info("categories sold in", "none yet: the default requirement applies"))
    summary = f"required cash deposit {required}: the highest of {len(codes)} categories"
    return required, policy.decide("DEP-2", merchant_id, subject, "required", summary, *items)


# DEP-3 --------------------------------------------------------------------------------------
def shortfall(
    *, required: Money, held: Money, unpaid: Money, policy: Policy, merchant_id: str
) -> tuple[Money, Decision]:
    """What the merchant must top up: the gap to the requirement plus unpaid compensation."""
    due = max(required - held, ZERO) + unpaid
    outcome = "shortfall" if due.is_positive() else "no_shortfall"
    summary = f"top-up due {due}" if due.is_positive() else "the cash deposit is complete"
    return due, policy.decide(
        "DEP-3",
        merchant_id,
        f"merchant {merchant_id} cash deposit",
        outcome,
        summary,
        compare("cash deposit held", held, ">=", required),
        compare("compensation not yet paid", unpaid, "==", ZERO),
    )


# DEP-4, DEP-5 -------------------------------------------------------------------------------
def escalation_deadlines(opened_at: datetime, policy: Policy) -> tuple[datetime, datetime]:
    """When badges go and when the store is shielded, counted from the opening (DEP-4)."""
    cp = policy.params.consumer_protection
    return opened_at + cp.badges_revoked_after, opened_at + cp.shield_after


def escalation(
    *,
    obligation_id: int,
    opened_at: datetime,
    as_of: datetime,
    badges_revoked: bool,
    shielded: bool,
    policy: Policy,
    merchant_id: str,
) -> list[Decision]:
    """The steps of DEP-4 that are due at ``as_of`` and not yet taken."""
    cp = policy.params.consumer_protection
    elapsed = Span(as_of - opened_at)
    subject = f"top-up obligation {obligation_id}"
    not_made = info("top-up made", "no")
    decisions = []
    if not badges_revoked and as_of - opened_at >= cp.badges_revoked_after:
        decisions.append(
            policy.decide(
                "DEP-4",
                merchant_id,
                subject,
                "badges_revoked",
                f"top-up still open after {elapsed}: consumer-protection badges revoked",
                compare(
                    "time since the obligation opened", elapsed, ">=", Span(cp.badges_revoked_after)
                ),
                not_made,
            )
        )
    if not shielded and as_of - opened_at >= cp.shield_after:
        decisions.append(
            policy.decide(
                "DEP-4",
                merchant_id,
                subject,
                "shielded",
                f"top-up still open after {elapsed}: store shielded, new proceeds held",
                compare("time since the obligation opened", elapsed, ">=", Span(cp.shield_after)),
                not_made,
            )
        )
    return decisions


def shield_lift_at(met_at: datetime, policy: Policy) -> datetime:
    return met_at + policy.params.consumer_protection.shield_lifted_after_topup  # DEP-5


def shield_lift(
    *, obligation_id: int, met_at: datetime, as_of: datetime, policy: Policy, merchant_id: str
) -> Decision | None:
    """DEP-5: the shield is lifted once the wait after the top-up has passed."""
    wait = policy.params.consumer_protection.shield_lifted_after_topup
    if as_of - met_at < wait:
        return None
    return policy.decide(
        "DEP-5",
        merchant_id,
        f"top-up obligation {obligation_id}",
        "shield_lifted",
        "top-up made; the shield is lifted and held proceeds are released",
        compare("time since the top-up", Span(as_of - met_at), ">=", Span(wait)),
    )


def badges_restored(
    *, obligation_id: int, met_at: datetime, policy: Policy, merchant_id: str
) -> Decision:
    """DEP-4 (Default): badges return the moment the top-up is made."""
    return policy.decide(
        "DEP-4",
        merchant_id,
        f"top-up obligation {obligation_id}",
        "badges_restored",
        "top-up made: consumer-protection badges restored",
        info("top-up made at", At(met_at)),
    )


# DEP-6, DEP-7 -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Compensation:
    payer: str  # insurer | deposit
    from_deposit: Money
    unpaid: Money
    decision: Decision


def compensation(
    *,
    case_id: str,
    amount: Money,
    held: Money,
    cover_active: bool,
    policy: Policy,
    merchant_id: str,
) -> Compensation:
    """DEP-6 while cover is active (the insurer pays), else DEP-3 (the deposit pays)."""
    subject = f"after-sales case {case_id}"
    if cover_active:
        decision = policy.decide(
            "DEP-6",
            merchant_id,
            subject,
            "paid_by_insurer",
            f"compensation {amount} advanced by the insurer",
            info("insurance cover", "active"),
            info("compensation", amount),
        )
        return Compensation("insurer", ZERO, ZERO, decision)
    taken = min(amount, held)
    unpaid = amount - taken
    decision = policy.decide(
        "DEP-3",
        merchant_id,
        subject,
        "deducted" if not unpaid.is_positive() else "deducted_partly",
        f"compensation {amount}: {taken} deducted from the cash deposit, {unpaid} unpaid",
        info("insurance cover", "none"),
        compare("cash deposit held", held, ">=", amount),
    )
    return Compensation("deposit", taken, unpaid, decision)


def cash_unfreeze(
    *, cover_active: bool, held: Money, pending_refund: bool, policy: Policy, merchant_id: str
) -> Decision:
    """DEP-7: with active cover, the cash deposit may be unfrozen."""
    allowed = cover_active and held.is_positive() and not pending_refund
    return policy.decide(
        "DEP-7",
        merchant_id,
        f"merchant {merchant_id} cash deposit",
        "unfrozen" if allowed else "refused",
        f"cash deposit {held} unfrozen under insurance cover" if allowed else "cannot unfreeze",
        compare("insurance cover active", cover_active, "==", True),
        compare("cash deposit held", held, ">", ZERO),
        compare("refund application pending", pending_refund, "==", False),
    )


def cover_lapse(
    *, cover_id: int, ends_at: datetime, as_of: datetime, policy: Policy, merchant_id: str
) -> Decision | None:
    """DEP-7 (Default): cover that ends unrenewed lapses, and cash is required again."""
    if as_of < ends_at:
        return None
    return policy.decide(
        "DEP-7",
        merchant_id,
        f"insurance cover {cover_id}",
        "lapsed",
        "insurance cover lapsed without renewal: the cash deposit is required again",
        compare("now", At(as_of), ">=", At(ends_at)),
        info("renewed", "no"),
    )
