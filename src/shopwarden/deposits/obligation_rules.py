"""Top-up obligations as parts, each with its own clock (DEP-3, DEP-4, DEP-5), as pure rules.

Every increase of the top-up due is its own obligation, opened at the moment of the increase:
a deduction (DEP-3), a listing in a category that needs more (DEP-2, DEP-3), a policy
version that raises the requirement — then at the version's ``effective_from`` — or cover
that ends unrenewed — then at the cover's ``ends_at`` (DEP-7). Its badges go
3 days and its shield 5 days after its own opening (DEP-4); since the oldest unmet part always
reaches a threshold first, the store's escalation follows the oldest unmet one. A top-up
settles the oldest parts first (DEP-5); when the due falls for another reason (a product
delisted, cover bought, a cheaper policy) the newest parts are released first, so what stays
due keeps the oldest clock. Nothing here reads a clock or a database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from shopwarden.decisions.model import Decision, ExplanationItem, compare
from shopwarden.deposits.rules import ZERO, At, Policy, info
from shopwarden.money import Money


@dataclass(frozen=True, slots=True)
class OpenPart:
    """An open obligation as the rules see it: when it opened and what is still due on it."""

    id: int
    opened_at: datetime
    outstanding: Money


@dataclass(frozen=True, slots=True)
class Settlement:
    """What comes off one open part: ``paid`` by a top-up, ``released`` by a lower due."""

    part_id: int
    paid: Money
    released: Money

    @property
    def total(self) -> Money:
        return self.paid + self.released


@dataclass(frozen=True, slots=True)
class Reconciled:
    """The parts after an assessment: what each lost, and the increase that opens a new one."""

    settlements: tuple[Settlement, ...]
    increase: Money
    outstanding_before: Money


def reconcile(parts: Sequence[OpenPart], *, due: Money, paid: Money = ZERO) -> Reconciled:
    """Bring the open parts to ``due`` (DEP-3).

    ``paid`` is a top-up just made: it settles the oldest parts first (DEP-5). If what is
    still due on the parts is then more than ``due``, the newest parts are released first; if
    it is less, the difference is an increase: a new part with its own clock (DEP-4).
    """
    ordered = sorted(parts, key=lambda p: (p.opened_at, p.id))
    before = sum((p.outstanding for p in ordered), ZERO)
    left = {p.id: p.outstanding for p in ordered}
    taken = {p.id: ZERO for p in ordered}
    released = {p.id: ZERO for p in ordered}
    budget = min(max(paid, ZERO), before)
    for part in ordered:  # a top-up settles the oldest first
        part_paid = min(budget, left[part.id])
        taken[part.id] += part_paid
        left[part.id] -= part_paid
        budget -= part_paid
    remaining = sum(left.values(), ZERO)
    excess = max(remaining - due, ZERO)
    for part in reversed(ordered):  # a lower due releases the newest first
        part_released = min(excess, left[part.id])
        released[part.id] += part_released
        left[part.id] -= part_released
        excess -= part_released
    settlements = tuple(
        Settlement(p.id, taken[p.id], released[p.id])
        for p in ordered
        if (taken[p.id] + released[p.id]).is_positive()
    )
    increase = max(due - remaining, ZERO)
    return Reconciled(settlements, increase, before)


def version_switches(
    starts: Sequence[tuple[str, datetime]], *, assessed_at: datetime | None, as_of: datetime
) -> list[tuple[str, datetime]]:
    """The versions that took effect after the last assessment and by ``as_of`` (DEP-3).

    Nothing the merchant did changed its due since it was last assessed (every payment,
    deduction and product change is assessed at its moment), so a rise found now that a new
    version causes arose when that version took effect: its obligation opens then.
    """
    if assessed_at is None:
        return []
    return sorted(
        ((version, start) for version, start in starts if assessed_at < start <= as_of),
        key=lambda found: found[1],
    )


def cover_lapses(
    terms: Sequence[tuple[int, datetime, datetime]],
    *,
    assessed_at: datetime | None,
    as_of: datetime,
) -> list[tuple[int, datetime]]:
    """The covers that ended unrenewed after the last assessment and by ``as_of`` (DEP-7).

    ``terms`` are the merchant's covers as ``(id, starts_at, ends_at)``. A cover whose end
    another cover runs on from (a renewal, DEP-6) does not lapse. When the last cover ends the
    cash requirement returns (DEP-7), and nothing the merchant did changed its due since it was
    last assessed, so a rise found now arose at ``ends_at``: its shortfall (DEP-3) opens then,
    and its badges and shield clocks (DEP-4) count from then.
    """
    if assessed_at is None:
        return []
    return sorted(
        (
            (cover_id, ends)
            for cover_id, _, ends in terms
            if assessed_at < ends <= as_of
            and not any(starts <= ends < other_end for _, starts, other_end in terms)
        ),
        key=lambda found: (found[1], found[0]),
    )


def part_opened(
    *,
    obligation_id: int,
    increase: Money,
    due: Money,
    outstanding_before: Money,
    opened_at: datetime,
    cause: str,
    policy: Policy,
    merchant_id: str,
    items: Sequence[ExplanationItem] = (),
) -> Decision:
    """DEP-3: the increase opens its own top-up obligation, whose clock starts at its opening."""
    badges_by = opened_at + policy.params.consumer_protection.badges_revoked_after
    shield_by = opened_at + policy.params.consumer_protection.shield_after
    return policy.decide(
        "DEP-3",
        merchant_id,
        f"top-up obligation {obligation_id}",
        "shortfall",
        f"top-up due {due}: {increase} more than the {outstanding_before} already due, "
        f"due from {At(opened_at)} ({cause})",
        info("cause", cause),
        info("opened at", At(opened_at)),
        compare("already due on open obligations", outstanding_before, ">=", due),
        info("this obligation", increase),
        info("badges revoked unless met by (DEP-4)", At(badges_by)),
        info("store shielded unless met by (DEP-4)", At(shield_by)),
        *items,
    )


def badges_restored(
    *,
    obligation_id: int,
    met_at: datetime,
    still_revoked_by: Sequence[int],
    policy: Policy,
    merchant_id: str,
) -> Decision | None:
    """DEP-4 (Default): badges return when the top-up is made — when no other open obligation
    that is itself past its 3 days still keeps them revoked."""
    if still_revoked_by:
        return None
    return policy.decide(
        "DEP-4",
        merchant_id,
        f"top-up obligation {obligation_id}",
        "badges_restored",
        "top-up made: consumer-protection badges restored",
        info("top-up made at", At(met_at)),
        compare("open obligations past their 3 days", 0, "==", 0),
    )


def payment_rule(*, first: bool, settles_shortfall: bool) -> str:
    """The rule a cash payment is made under: the first freezes the deposit (DEP-1); a later
    one that meets an open shortfall is a top-up (DEP-3); any other later one adds to the
    frozen deposit (DEP-1)."""
    if first:
        return "DEP-1"
    return "DEP-3" if settles_shortfall else "DEP-1"
