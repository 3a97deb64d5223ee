"""Refund of the deposit on leaving as pure decisions (DEP-14).

Only what open obligations do not keep frozen can be refunded; which obligations count is
policy data (``refund.held_by``). An open top-up shortfall freezes nothing: it is money the
deposit does not hold, not money anyone is owed (DEP-3), so refundable = cash held − open
after-sales claims − compensation still owed to consumers (campaign deposits in force stay
frozen too); the compensation part of an open top-up is counted once, as unpaid compensation.
The review deadline counts working days of the calendar the platform policy names
(``workdays.refund_deadline``: the holiday calendar is a library, not a pure rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shopwarden.decisions.model import Decision, ExplanationItem, compare
from shopwarden.deposits.rules import ZERO, At, Policy, info
from shopwarden.money import Money


@dataclass(frozen=True, slots=True)
class Holdings:
    """What the merchant's deposits hold and what open obligations keep frozen (DEP-14)."""

    cash_held: Money
    campaign_deposits: Money  # deposits of campaigns still running
    open_after_sales: Money
    unpaid_compensation: Money
    open_topups: Money  # the cash shortfall of open top-ups: not held, so it freezes nothing

    def frozen(self, policy: Policy) -> list[tuple[str, Money]]:
        kinds = {
            "open_after_sales": self.open_after_sales,
            "unpaid_compensation": self.unpaid_compensation,
            # DEP-3, DEP-14: a shortfall is money the deposit does not hold; subtracting it
            # from what the deposit does hold would keep that much frozen for ever.
            "open_topups": ZERO,
            "campaign_deposits": self.campaign_deposits,
        }
        return [(kind, kinds[kind]) for kind in policy.params.refund.held_by]

    def refundable(self, policy: Policy) -> Money:
        held = self.cash_held + self.campaign_deposits
        frozen = sum((m for _, m in self.frozen(policy)), ZERO)
        return max(held - frozen, ZERO)


def refund_check(
    holdings: Holdings, requested: Money, policy: Policy, merchant_id: str
) -> tuple[Money, Decision]:
    refundable = holdings.refundable(policy)
    items = [info("cash deposit held", holdings.cash_held)]
    items.append(info("campaign deposits held", holdings.campaign_deposits))
    items.append(info("top-up shortfall (not held: freezes nothing)", holdings.open_topups))
    items += [
        ExplanationItem(f"frozen by {k}", str(m), "", "", "info")
        for k, m in holdings.frozen(policy)
    ]
    items.append(compare("amount asked", requested, "<=", refundable))
    ok = requested <= refundable
    summary = f"{requested} asked, {refundable} refundable"
    return refundable, policy.decide(
        "DEP-14",
        merchant_id,
        f"merchant {merchant_id} deposit refund",
        "accepted" if ok else "refused",
        summary,
        *items,
    )


def refund_overdue(
    *, refund_id: int, deadline: datetime, as_of: datetime, policy: Policy, merchant_id: str
) -> Decision | None:
    if as_of < deadline:
        return None
    days = policy.params.refund.review_working_days
    return policy.decide(
        "DEP-14",
        merchant_id,
        f"refund application {refund_id}",
        "overdue",
        f"not decided within {days} working days: flagged overdue to operators",
        compare("now", At(as_of), ">=", At(deadline)),
    )
