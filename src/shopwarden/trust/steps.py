"""The trust family's governance-cycle step: the daily re-decision of every badge (TRUST-2).

Products that reached the catalog without the listener are mirrored first, every merchant
identity is measured against the thresholds (the score's snapshot of the day is taken by the
score family's step, which runs before), and every badge that no longer matches is granted or
removed, each change recorded once. A second run for the same instant changes nothing: the
cycle returns its stored run, and a later one finds no badge to change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shopwarden.context import Context
from shopwarden.cycle.registry import CycleStep, cycle_step
from shopwarden.trust.service import decide_all
from shopwarden.trust.standings import FAMILY


@cycle_step("trust-badges", "TRUST-2", "TRUST-4")
def trust_badges(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    """Measure every merchant identity, then grant and remove badges set-wise."""
    if not ctx.has_policy(FAMILY, as_of):
        return {"skipped": "no trust policy in force"}
    return decide_all(ctx, as_of=as_of)


STEPS: tuple[CycleStep, ...] = (trust_badges,)
