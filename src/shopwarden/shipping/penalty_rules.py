"""Overdue shipments: the penalty, its waiver, the consumer's compensation (SHIP-4, SHIP-5).

When the order system reports an overdue shipment (超时未发货), the penalty of the policy in
force is charged, unless the week still holds an unused exemption: then the first penalty is
waived instead and the exemption is used (SHIP-4). The consumer's compensation for the delay is
paid either way, and the late order still counts in the shopping experience score, which reads
the shipment from the order facts (SHIP-5). At the week's end an unused exemption lapses; it
is carried into the next week only if a policy says ``carry_over`` (the seed says it is not).

Reading: a penalty belongs to the week in which it is charged, which is when the order system
reports the overdue shipment (it reports it when the promised time passes).

What the merchant's wallet cannot pay of a charge is advanced by the platform and stays owed
(:func:`split_charge`); it is collected from the wallet as money arrives. Pure: no clock, no
database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from shopwarden.clock import SHANGHAI
from shopwarden.decisions.model import Decision, compare
from shopwarden.money import Money
from shopwarden.shipping.rules import Policy, info
from shopwarden.shipping.week_rules import Week

ZERO = Money(0)
PENALTY = "parameters.penalties.overdue_penalty"
COMPENSATION = "parameters.penalties.delayed_shipment_compensation"
WAIVED = "waived"
CHARGED = "charged"


def local(instant: datetime) -> str:
    return instant.astimezone(SHANGHAI).isoformat(timespec="seconds")


@dataclass(frozen=True, slots=True)
class Overdue:
    """What the rules decided for one overdue shipment."""

    waived: bool
    penalty: Money  # the policy's penalty for the order
    charged: Money  # what is charged for the penalty: 0.00 when waived
    compensation: Money  # paid to the consumer either way (SHIP-5)
    penalty_decision: Decision  # SHIP-4
    compensation_decision: Decision  # SHIP-5

    @property
    def due(self) -> Money:
        """What the merchant pays for this order: the penalty unless waived, plus compensation."""
        return self.charged + self.compensation


def overdue_outcome(
    *,
    order_id: str,
    merchant_id: str,
    deadline: datetime,
    shipped_at: datetime | None,
    week: Week,
    exemptions_left: int,
    policy: Policy,
) -> Overdue:
    """SHIP-4: waive the penalty when the week has an exemption left, else charge it; SHIP-5:
    the consumer's compensation is paid either way."""
    amounts = policy.params.penalties
    window = week.label()
    late = f"shipped {local(shipped_at)}" if shipped_at else "not shipped when reported"
    left = compare("unused exemptions in the week", exemptions_left, ">", 0, window=window)
    waived = left.outcome == "met"
    charged = ZERO if waived else amounts.overdue_penalty
    subject = f"overdue shipment of order {order_id}"
    items = [
        info("promised shipping time", local(deadline)),
        info("shipment", late),
        left,
        info("overdue-shipment penalty (policy)" + policy.note(PENALTY), amounts.overdue_penalty),
        info("penalty charged", charged),
    ]
    if waived:
        summary = (
            f"overdue shipment of order {order_id}: the {amounts.overdue_penalty} penalty is "
            f"waived by the week's exemption ({window}), which is now used"
        )
    else:
        summary = (
            f"overdue shipment of order {order_id}: penalty {amounts.overdue_penalty} charged; "
            f"no unused exemption in the week {window}"
        )
    penalty = policy.decide(
        "SHIP-4", merchant_id, subject, WAIVED if waived else CHARGED, summary, items
    )
    compensation = _compensation(order_id, merchant_id, waived, policy)
    return Overdue(
        waived,
        amounts.overdue_penalty,
        charged,
        amounts.delayed_shipment_compensation,
        penalty,
        compensation,
    )


def _compensation(order_id: str, merchant_id: str, waived: bool, policy: Policy) -> Decision:
    """SHIP-5: the exemption waives only the penalty."""
    amount = policy.params.penalties.delayed_shipment_compensation
    items = [
        info(
            "compensation to the consumer for the delayed shipment (policy)"
            + policy.note(COMPENSATION),
            amount,
        ),
        info("penalty", WAIVED if waived else CHARGED),
        info("shopping experience score", "counts the late order (from the order facts)"),
    ]
    summary = (
        f"the consumer of order {order_id} is compensated {amount} for the delayed shipment"
        + (" although the penalty is waived" if waived else "")
        + "; the late order still counts in the shopping experience score"
    )
    return policy.decide(
        "SHIP-5", merchant_id, f"delay compensation of order {order_id}", "paid", summary, items
    )


def split_charge(due: Money, wallet_available: Money) -> tuple[Money, Money]:
    """What the wallet pays now and what stays owed (advanced by the platform)."""
    from_wallet = min(due, max(wallet_available, ZERO))
    return from_wallet, due - from_wallet


@dataclass(frozen=True, slots=True)
class WeekEnd:
    """What happens to a week's unused exemptions at its end (SHIP-4)."""

    lapsed: int
    carried_over: int
    decision: Decision


def week_end(
    *,
    merchant_id: str,
    week: Week,
    granted: int,
    carried_in: int,
    used: int,
    policy: Policy,
) -> WeekEnd:
    """SHIP-4: unused, an exemption lapses at the week's end; it carries over only if the
    policy in force at the week's end says ``carry_over``."""
    unused = granted + carried_in - used
    carry = policy.params.exemption.carry_over
    lapsed, carried = (0, unused) if carry else (unused, 0)
    if unused == 0:
        outcome, summary = "used", f"every exemption of the week {week.label()} was used"
    elif carry:
        outcome = "carried_over"
        summary = f"{unused} unused exemption(s) of the week {week.label()} carried over"
    else:
        outcome = "lapsed"
        summary = (
            f"{unused} unused exemption(s) of the week {week.label()} lapsed at "
            f"{local(week.end)}; they do not carry over"
        )
    items = [
        info("granted for the week", granted, week.label()),
        info("carried in from the week before", carried_in, week.label()),
        info("used on overdue-shipment penalties", used, week.label()),
        info("carry over (policy)", "yes" if carry else "no"),
    ]
    subject = f"shipping exemption for the week {week.label()}"
    decision = policy.decide("SHIP-4", merchant_id, subject, outcome, summary, items)
    return WeekEnd(lapsed, carried, decision)
