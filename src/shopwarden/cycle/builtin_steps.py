"""Steps every deployment runs: record which policy versions were in force (POL-1, POL-2)."""

from __future__ import annotations

from typing import Any

from shopwarden.cycle.registry import StepContext, cycle_step
from shopwarden.errors import NotFound


@cycle_step("policies-in-force", "POL-1")
def policies_in_force(context: StepContext) -> dict[str, Any]:
    """Which version of each family the rest of the cycle evaluated against."""
    in_force: dict[str, str] = {}
    for family in context.policies.families():
        try:
            in_force[family] = context.policies.in_force(family, context.as_of).version
        except NotFound:
            continue
    return {"in_force": in_force}
