"""Steps every deployment runs: record which policy versions were in force (POL-1, POL-2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shopwarden.context import Context
from shopwarden.cycle.registry import cycle_step
from shopwarden.errors import NotFound


@cycle_step("policies-in-force", "POL-1")
def policies_in_force(ctx: Context, *, as_of: datetime) -> dict[str, Any]:
    """Which version of each family the rest of the cycle evaluated against."""
    in_force: dict[str, str] = {}
    for family in ctx.policies.families():
        try:
            in_force[family] = ctx.policies.in_force(family, as_of).version
        except NotFound:
            continue
    return {"in_force": in_force}


STEPS = (policies_in_force,)
